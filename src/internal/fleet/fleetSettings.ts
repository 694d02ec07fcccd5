/**
 * The fleet's options and their decoding (module `KeepaliveFleet` in `InvalidOptions`): the runner's
 * address, the partition count, the cluster's timings (which bound the failover time) and the
 * keepalive options of each partition.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { InvalidOptions } from "../../InvalidOptions.js"
import type { Options as KeepaliveOptions } from "../keepalive/settings.js"
import { decodeOptions } from "../options/decodeOptions.js"
import { PositiveDuration, PositiveInt } from "../options/optionSchemas.js"

/**
 * Options of a fleet worker process (`KeepaliveFleet.layer`) and of a fleet client
 * (`KeepaliveFleet.layerClient`, which ignores `runner`'s port and hosts nothing). Every process of
 * one fleet must use the same `partitions`, `tablePrefix` and timings.
 *
 * @since 0.3.0
 * @category options
 */
export interface FleetOptions {
  /** Where the other runners reach this one. Host default `127.0.0.1`; the port is required for a worker. */
  readonly runner?: { readonly host?: string | undefined; readonly port?: number | undefined } | undefined
  /** How many partitions the tracked set is split into (one cluster shard each). Default 16. */
  readonly partitions?: number | undefined
  /** The prefix of the cluster's tables (runners, shard locks, messages). Default `okta_keepalive_cluster`. */
  readonly tablePrefix?: string | undefined
  /**
   * A dead runner's shard leases expire after this; it bounds the failover time (see the README's
   * Fleet section). Default 10 seconds.
   */
  readonly shardLockExpiration?: Duration.DurationInput | undefined
  /** How often a runner renews its shard leases and its heartbeat. Default 3 seconds (at most a third of the expiration). */
  readonly shardLockRefreshInterval?: Duration.DurationInput | undefined
  /** How often a runner re-reads the runner list and recomputes the shard assignment. Default 1 second. */
  readonly refreshAssignmentsInterval?: Duration.DurationInput | undefined
  /** How often the runners ping each other to mark a dead one unhealthy. Default 5 seconds. */
  readonly runnerHealthCheckInterval?: Duration.DurationInput | undefined
  /** How often the warden asks every partition to be running (starting a moved one on its new owner). Default 1 second. */
  readonly ensureInterval?: Duration.DurationInput | undefined
  /**
   * The keepalive options of each partition (`Keepalive.Options`). The partitions draw on one
   * budget: with Redis (`redisUrl`) the fleet's, so `budget` and `share` are the whole fleet's;
   * without, each process's own (in memory), so each of N processes should have `share / N`.
   */
  readonly keepalive?: KeepaliveOptions | undefined
}

/** The options once decoded. */
export interface FleetSettings {
  readonly host: string
  readonly port: number | undefined
  readonly partitions: number
  readonly tablePrefix: string
  readonly shardLockExpiration: Duration.Duration
  readonly shardLockRefreshInterval: Duration.Duration
  readonly refreshAssignmentsInterval: Duration.Duration
  readonly runnerHealthCheckInterval: Duration.Duration
  readonly ensureInterval: Duration.Duration
  readonly keepalive: KeepaliveOptions
}

const Identifier = Schema.String.pipe(
  Schema.filter((s) => /^[a-z_][a-z0-9_]{0,40}$/.test(s) || `expected a lowercase SQL identifier of at most 41 characters, got ${JSON.stringify(s)}`)
)
const Port = Schema.Int.pipe(Schema.between(1, 65_535, { message: () => "expected a port from 1 to 65535" }))
const Host = Schema.String.pipe(Schema.filter((s) => /^[A-Za-z0-9.:_-]+$/.test(s) || `expected a host name or address, got ${JSON.stringify(s)}`))

const Options = Schema.Struct({
  runner: Schema.optional(Schema.Struct({ host: Schema.optional(Host), port: Schema.optional(Port) })),
  partitions: Schema.optionalWith(PositiveInt.pipe(Schema.lessThanOrEqualTo(4096)), { default: () => 16 }),
  tablePrefix: Schema.optionalWith(Identifier, { default: () => "okta_keepalive_cluster" }),
  shardLockExpiration: Schema.optionalWith(PositiveDuration, { default: () => Duration.seconds(10) }),
  shardLockRefreshInterval: Schema.optionalWith(PositiveDuration, { default: () => Duration.seconds(3) }),
  refreshAssignmentsInterval: Schema.optionalWith(PositiveDuration, { default: () => Duration.seconds(1) }),
  runnerHealthCheckInterval: Schema.optionalWith(PositiveDuration, { default: () => Duration.seconds(5) }),
  ensureInterval: Schema.optionalWith(PositiveDuration, { default: () => Duration.seconds(1) })
})

const decode = decodeOptions("KeepaliveFleet", Options)

/** Decodes the fleet's options (the keepalive options are decoded by each partition's `Keepalive.make`). */
export const decodeFleetOptions = (options: FleetOptions): Effect.Effect<FleetSettings, InvalidOptions> =>
  Effect.map(decode(options), (decoded) => ({
    host: decoded.runner?.host ?? "127.0.0.1",
    port: decoded.runner?.port,
    partitions: decoded.partitions,
    tablePrefix: decoded.tablePrefix,
    shardLockExpiration: decoded.shardLockExpiration,
    shardLockRefreshInterval: decoded.shardLockRefreshInterval,
    refreshAssignmentsInterval: decoded.refreshAssignmentsInterval,
    runnerHealthCheckInterval: decoded.runnerHealthCheckInterval,
    ensureInterval: decoded.ensureInterval,
    keepalive: options.keepalive ?? {}
  }))
