/**
 * The keepalive as a fleet of worker processes: the tracked set is split into partitions (16 by
 * default), each one a `@effect/cluster` entity on the runner that owns its shard, running a
 * `Keepalive` over its view of the PostgreSQL store (`KeepaliveStorePg.partition`). When a runner
 * dies its shards move to the others, whose new partitions restore those sessions from the store
 * and refresh them before they expire; when it comes back, shards rebalance the same way. `add` and
 * `remove` from any process (a worker or a `layerClient`) reach the partition that owns each session.
 * With a shared budget (`KeepaliveBudgetRedis`) every partition of every process draws on one
 * org-wide budget.
 *
 * Without a database the single-process `Keepalive.layer` stays the default: nothing here is loaded
 * unless this module is imported. The pieces live in `src/internal/fleet/`.
 *
 * @since 0.3.0
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { InvalidOptions } from "./InvalidOptions.js"
import { KeepaliveFleetError } from "./internal/fleet/fleetError.js"
import { clientOnlyLayer, type FleetConnection, workerLayer } from "./internal/fleet/fleetLayers.js"
import type { FleetOptions } from "./internal/fleet/fleetSettings.js"
import { KeepaliveFleet } from "./internal/fleet/fleetTag.js"
import type { KeepaliveBudgetRedisError } from "./KeepaliveBudgetRedis.js"
import type { KeepaliveStoreError } from "./KeepaliveStore.js"
import type { Sessions } from "./Sessions.js"

export {
  /**
   * @since 0.3.0
   * @category errors
   */
  KeepaliveFleetError
}
export {
  /**
   * @since 0.3.0
   * @category tags
   */
  KeepaliveFleet
}
export {
  /**
   * @since 0.3.0
   * @category events
   */
  FleetEvent
} from "./internal/fleet/fleetEvent.js"
export {
  /**
   * @since 0.3.0
   * @category options
   */
  type FleetConnection
} from "./internal/fleet/fleetLayers.js"
export {
  /**
   * @since 0.3.0
   * @category options
   */
  type FleetOptions
} from "./internal/fleet/fleetSettings.js"
export {
  /**
   * @since 0.3.0
   * @category stats
   */
  type LocalStats
} from "./internal/fleet/localPartitions.js"
export {
  /**
   * @since 0.3.0
   * @category stats
   */
  PartitionStats
} from "./internal/fleet/partitionEntity.js"
export {
  /**
   * The longest one fleet call waits for a partition's owner (60 seconds; a shard that is moving
   * answers once its new owner has it).
   *
   * @since 0.3.0
   * @category limits
   */
  callTimeout,
  /**
   * @since 0.3.0
   * @category models
   */
  type FleetService,
  /**
   * @since 0.3.0
   * @category stats
   */
  type FleetStats
} from "./internal/fleet/fleetService.js"

/**
 * A fleet worker process: joins the cluster as a runner at `runner.host:runner.port` and hosts the
 * partitions of the shards it owns, over `Sessions`; with `redisUrl`, on one shared budget and 429
 * pause (`KeepaliveBudgetRedis`). Start-up fails with a `KeepaliveStoreError` `Unavailable` (setting
 * `databaseUrl`) when PostgreSQL cannot be reached, with `KeepaliveBudgetRedisError` (setting
 * `redisUrl`) when Redis does not answer, with a
 * `KeepaliveFleetError` when the cluster cannot start, and with `InvalidOptions` for options that
 * cannot work. Closing the layer's scope stops its partitions (their sessions stay in the store;
 * the other runners take them over).
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { Sessions } from "effect-okta-sessions"
 * import * as KeepaliveFleet from "effect-okta-sessions/KeepaliveFleet"
 *
 * const WorkerLive = KeepaliveFleet.layer({
 *   databaseUrl: Redacted.make("postgres://keepalive@db.internal:5432/okta"),
 *   runner: { host: "10.0.0.7", port: 34431 },
 *   keepalive: { concurrency: 8, budget: { limit: 600, interval: "1 minute" }, share: 0.5 }
 * }).pipe(Layer.provide(Sessions.layer))
 * ```
 * @since 0.3.0
 * @category layers
 */
export const layer = (
  options: FleetOptions & FleetConnection
): Layer.Layer<KeepaliveFleet, InvalidOptions | KeepaliveStoreError | KeepaliveFleetError | KeepaliveBudgetRedisError, Sessions> =>
  workerLayer(options)

/**
 * A client of the fleet (a CLI, a web process): `add`, `remove` and `stats` reach the partitions'
 * owners; it hosts none and has no `local` counts or `events`.
 *
 * @since 0.3.0
 * @category layers
 */
export const layerClient = (
  options: FleetOptions & FleetConnection
): Layer.Layer<KeepaliveFleet, InvalidOptions | KeepaliveStoreError | KeepaliveFleetError> => clientOnlyLayer(options)

/** The fleet's settings from the environment; every name below is one. */
const fromEnv = Config.all({
  databaseUrl: Config.redacted("OKTA_KEEPALIVE_DATABASE_URL"),
  schema: Config.option(Config.string("OKTA_KEEPALIVE_DATABASE_SCHEMA")),
  host: Config.option(Config.string("OKTA_KEEPALIVE_RUNNER_HOST")),
  port: Config.option(Config.integer("OKTA_KEEPALIVE_RUNNER_PORT")),
  partitions: Config.option(Config.integer("OKTA_KEEPALIVE_PARTITIONS")),
  tablePrefix: Config.option(Config.string("OKTA_KEEPALIVE_CLUSTER_PREFIX")),
  redisUrl: Config.option(Config.redacted("OKTA_KEEPALIVE_REDIS_URL")),
  redisPrefix: Config.option(Config.string("OKTA_KEEPALIVE_REDIS_PREFIX"))
})

const envNames = {
  databaseUrl: "OKTA_KEEPALIVE_DATABASE_URL",
  runnerPort: "OKTA_KEEPALIVE_RUNNER_PORT",
  redisUrl: "OKTA_KEEPALIVE_REDIS_URL"
}

const withEnv = (options: FleetOptions, env: Config.Config.Success<typeof fromEnv>): FleetOptions & FleetConnection => ({
  ...options,
  databaseUrl: env.databaseUrl,
  schema: Option.getOrUndefined(env.schema),
  redisUrl: Option.getOrUndefined(env.redisUrl),
  redisPrefix: Option.getOrUndefined(env.redisPrefix),
  runner: {
    host: Option.getOrElse(env.host, () => options.runner?.host),
    port: Option.getOrElse(env.port, () => options.runner?.port)
  },
  partitions: Option.getOrElse(env.partitions, () => options.partitions),
  tablePrefix: Option.getOrElse(env.tablePrefix, () => options.tablePrefix)
})

/**
 * `layer` configured from the environment: `OKTA_KEEPALIVE_DATABASE_URL` (required, a secret),
 * `OKTA_KEEPALIVE_DATABASE_SCHEMA`, `OKTA_KEEPALIVE_REDIS_URL` (a secret; the shared budget) and
 * `OKTA_KEEPALIVE_REDIS_PREFIX`, `OKTA_KEEPALIVE_RUNNER_HOST`, `OKTA_KEEPALIVE_RUNNER_PORT`
 * (required for a worker), `OKTA_KEEPALIVE_PARTITIONS`, `OKTA_KEEPALIVE_CLUSTER_PREFIX`; the
 * environment wins over `options`. Start-up errors name the environment variable to fix.
 *
 * @since 0.3.0
 * @category layers
 */
export const layerConfig = (
  options: FleetOptions = {}
): Layer.Layer<
  KeepaliveFleet,
  InvalidOptions | KeepaliveStoreError | KeepaliveFleetError | KeepaliveBudgetRedisError | ConfigError.ConfigError,
  Sessions
> => Layer.unwrapEffect(Effect.map(fromEnv, (env) => workerLayer(withEnv(options, env), envNames)))

/**
 * `layerClient` configured from the environment (the same names as `layerConfig`; the runner's
 * port is not needed).
 *
 * @since 0.3.0
 * @category layers
 */
export const layerClientConfig = (
  options: FleetOptions = {}
): Layer.Layer<KeepaliveFleet, InvalidOptions | KeepaliveStoreError | KeepaliveFleetError | ConfigError.ConfigError> =>
  Layer.unwrapEffect(Effect.map(fromEnv, (env) => clientOnlyLayer(withEnv(options, env), envNames)))
