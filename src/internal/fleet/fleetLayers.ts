/**
 * The layers of a fleet process. A worker: the PostgreSQL store (`KeepaliveStorePg`, opened first so
 * that an unreachable database is a `KeepaliveStoreError` naming the setting), a second pool for the
 * cluster's tables, the runner, the partition entity, the warden singleton and the fleet service.
 * A client: the same routing without hosting anything.
 */
import { Sharding } from "@effect/cluster/Sharding"
import * as ShardingConfig from "@effect/cluster/ShardingConfig"
import * as SqlMessageStorage from "@effect/cluster/SqlMessageStorage"
import * as SqlRunnerStorage from "@effect/cluster/SqlRunnerStorage"
import * as Reactivity from "@effect/experimental/Reactivity"
import type * as SqlClient from "@effect/sql/SqlClient"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as PubSub from "effect/PubSub"
import type * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import { InvalidOptions } from "../../InvalidOptions.js"
import { KeepaliveStoreError } from "../../KeepaliveStore.js"
import * as KeepaliveBudget from "../../KeepaliveBudget.js"
import * as KeepaliveBudgetRedis from "../../KeepaliveBudgetRedis.js"
import * as KeepaliveStorePg from "../../KeepaliveStorePg.js"
import type { Sessions } from "../../Sessions.js"
import { decodeSettings } from "../keepalive/settings.js"
import { KeepaliveBudgetRedisError } from "../keepalive/budget/redisError.js"
import { scrub } from "../keepalive/store/pgErrors.js"
import { clientLayer, runnerLayer, shardingConfig } from "./clusterRunner.js"
import { KeepaliveFleetError } from "./fleetError.js"
import type { FleetEvent } from "./fleetEvent.js"
import { makeFleetService } from "./fleetService.js"
import { decodeFleetOptions, type FleetOptions, type FleetSettings } from "./fleetSettings.js"
import { KeepaliveFleet } from "./fleetTag.js"
import { LocalPartitions } from "./localPartitions.js"
import { partitionHostLayer, PartitionHostSettings } from "./partitionHost.js"
import { PartitionStores } from "./partitionStores.js"
import { partitionWardenLayer } from "./partitionWarden.js"

/**
 * Where a fleet keeps its state: PostgreSQL (`databaseUrl`, a secret; the store's tables in
 * `schema`, the cluster's in the default schema with `tablePrefix`).
 *
 * @since 0.3.0
 * @category options
 */
export interface FleetConnection {
  readonly databaseUrl: Redacted.Redacted<string>
  /** The schema of the store's tables (default `public`). */
  readonly schema?: string | undefined
  /**
   * The Redis of the shared budget (a secret): every partition of every process draws on one
   * budget and one 429 pause (`KeepaliveBudgetRedis`). Without it each partition takes
   * `share / partitions` of the budget on its own.
   */
  readonly redisUrl?: Redacted.Redacted<string> | undefined
  /** The key prefix of the shared budget in Redis (default `KeepaliveBudgetRedis`'s). */
  readonly redisPrefix?: string | undefined
}

/** The names of the settings in errors: the options' or the environment's. */
export interface SettingNames {
  readonly databaseUrl: string
  readonly runnerPort: string
  readonly redisUrl: string
}

const optionNames: SettingNames = { databaseUrl: "databaseUrl", runnerPort: "runner.port", redisUrl: "redisUrl" }

/**
 * The shared budget on Redis, with the error naming `setting`. Each partition is one Keepalive that
 * shares the budget, so while Redis is lost each falls back to `1 / partitions` of it
 * (`expectedProcesses` counts the sharers): the fleet stays within its share during an outage.
 */
const redisBudget = (url: Redacted.Redacted<string>, prefix: string | undefined, partitions: number, setting: string) =>
  KeepaliveBudgetRedis.layer({ url, prefix, expectedProcesses: partitions }).pipe(
    Layer.mapError((error) =>
      error._tag === "KeepaliveBudgetRedisError"
        ? new KeepaliveBudgetRedisError({ setting, reason: error.reason, detail: error.detail })
        : error
    )
  )

/** How long connecting the cluster's pool may take at start. */
const connectTimeout = Duration.seconds(5)

/** The cluster's own pool; an unreachable database is `Unavailable` naming the setting. */
const clusterSql = (connection: FleetConnection, setting: string): Layer.Layer<SqlClient.SqlClient, KeepaliveFleetError> =>
  PgClient.layer({
    url: connection.databaseUrl,
    connectTimeout,
    maxConnections: 6,
    applicationName: "effect-okta-sessions keepalive fleet"
  }).pipe(
    Layer.provide(Reactivity.layer),
    Layer.catchAllCause((cause) =>
      Layer.fail(
        new KeepaliveFleetError({
          reason: "Unavailable",
          setting,
          detail: scrub(`the cluster's PostgreSQL pool could not connect: ${cause.toString().split("\n")[0] ?? ""}`, connection.databaseUrl)
        })
      )
    )
  )

/**
 * Creates the cluster's tables once before the runner starts. Several processes starting at once
 * race on `CREATE TABLE IF NOT EXISTS` and on the migrator's table (its second runner fails with
 * "Migrations already running", a defect inside the storage layers); the loser waits and tries again.
 */
const prepareTables = (settings: FleetSettings, setting: string, url: Redacted.Redacted<string>) =>
  Layer.build(
    Layer.merge(
      SqlMessageStorage.layerWith({ prefix: settings.tablePrefix }),
      SqlRunnerStorage.layerWith({ prefix: settings.tablePrefix })
    ).pipe(Layer.provide(ShardingConfig.layer(shardingConfig(settings, undefined))))
  ).pipe(
    Effect.scoped,
    Effect.sandbox,
    Effect.retry(Schedule.intersect(Schedule.spaced(Duration.millis(500)), Schedule.recurs(10))),
    Effect.mapError((cause) =>
      new KeepaliveFleetError({
        reason: "Unavailable",
        setting,
        detail: scrub(`the cluster's tables (${settings.tablePrefix}_*) could not be made: ${cause.toString().split("\n")[0] ?? ""}`, url)
      })
    ),
    Effect.asVoid
  )

/** The PostgreSQL store, its start-up errors naming the fleet's setting (its own option is `url`). */
const pgStore = (connection: FleetConnection, setting: string) =>
  KeepaliveStorePg.layer({ url: connection.databaseUrl, schema: connection.schema }).pipe(
    Layer.mapError((error) =>
      error._tag === "KeepaliveStoreError" && error.setting !== undefined
        ? new KeepaliveStoreError({ reason: error.reason, setting, detail: error.detail })
        : error
    )
  )

const storesFromPg = Layer.effect(
  PartitionStores,
  Effect.map(KeepaliveStorePg.KeepaliveStorePg, (pg) => ({ partition: pg.partition, partitionOf: pg.partitionOf }))
)

/** The cluster's start-up failures (its storage, its socket server) as `Unavailable` naming `setting`. */
const clusterUnavailable = (setting: string, url: Redacted.Redacted<string>) =>
(error: { readonly _tag: string; readonly message: string }) =>
  error instanceof KeepaliveFleetError
    ? error
    : new KeepaliveFleetError({
      reason: "Unavailable",
      setting,
      detail: scrub(`the cluster could not start: ${error._tag}: ${error.message}`, url)
    })

/** The fleet service over the `Sharding` in context. */
const serviceLayer = (settings: FleetSettings, local: LocalPartitions | undefined) =>
  Layer.effect(
    KeepaliveFleet,
    Effect.flatMap(
      Effect.all([Sharding, PartitionStores]),
      ([sharding, stores]) => makeFleetService(sharding, settings.partitions, stores.partitionOf, local)
    )
  )

/**
 * A fleet worker process: hosts the partitions of the shards it owns, on the shared budget when
 * `redisUrl` is given.
 */
export const workerLayer = (
  options: FleetOptions & FleetConnection,
  names: SettingNames = optionNames
): Layer.Layer<KeepaliveFleet, InvalidOptions | KeepaliveStoreError | KeepaliveFleetError | KeepaliveBudgetRedisError, Sessions> =>
  Layer.unwrapScoped(Effect.gen(function*() {
    const settings = yield* decodeFleetOptions(options)
    const port = settings.port
    if (port === undefined) {
      return yield* new InvalidOptions({ module: "KeepaliveFleet", option: names.runnerPort, detail: "a worker needs the port other runners reach it on" })
    }
    const runner = `${settings.host}:${port}`
    const local = new LocalPartitions(runner, yield* PubSub.unbounded<FleetEvent>())
    // without Redis the partitions of this process still share one budget and one pause (in memory)
    const budget = options.redisUrl === undefined
      ? KeepaliveBudget.layerMemory
      : redisBudget(options.redisUrl, options.redisPrefix, settings.partitions, names.redisUrl)
    const keepalive = settings.keepalive
    // refused here, at start, rather than by every partition's start on every runner
    yield* decodeSettings(keepalive)
    const store = pgStore(options, names.databaseUrl)
    const sql = clusterSql(options, names.databaseUrl)
    const cluster = Layer.unwrapEffect(
      Effect.as(prepareTables(settings, names.databaseUrl, options.databaseUrl), runnerLayer(settings, port))
    ).pipe(Layer.provide(sql), Layer.mapError(clusterUnavailable(`${names.databaseUrl} / ${names.runnerPort}`, options.databaseUrl)))
    const stores = storesFromPg.pipe(Layer.provideMerge(store))
    const hosted = Layer.mergeAll(
      partitionHostLayer.pipe(
        Layer.provide(Layer.succeed(PartitionHostSettings, { partitions: settings.partitions, keepalive, local })),
        Layer.provide(budget)
      ),
      partitionWardenLayer(settings.partitions, settings.ensureInterval),
      serviceLayer(settings, local)
    )
    return hosted.pipe(Layer.provide(cluster), Layer.provide(stores))
  }).pipe(Effect.withSpan("KeepaliveFleet.layer")))

/** A client of the fleet: `add`, `remove` and `stats` from a process that hosts nothing. */
export const clientOnlyLayer = (
  options: FleetOptions & FleetConnection,
  names: SettingNames = optionNames
): Layer.Layer<KeepaliveFleet, InvalidOptions | KeepaliveStoreError | KeepaliveFleetError> =>
  Layer.unwrapScoped(Effect.gen(function*() {
    const settings = yield* decodeFleetOptions(options)
    const sql = clusterSql(options, names.databaseUrl)
    const cluster = Layer.unwrapEffect(Effect.as(prepareTables(settings, names.databaseUrl, options.databaseUrl), clientLayer(settings))).pipe(
      Layer.provide(sql),
      Layer.mapError(clusterUnavailable(names.databaseUrl, options.databaseUrl))
    )
    const stores = storesFromPg.pipe(Layer.provideMerge(pgStore(options, names.databaseUrl)))
    return serviceLayer(settings, undefined).pipe(Layer.provide(cluster), Layer.provide(stores))
  }))

