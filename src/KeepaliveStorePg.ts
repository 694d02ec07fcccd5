/**
 * The fleet's keepalive store: one PostgreSQL table (`okta_keepalive_sessions` in a schema of your
 * choice, made and migrated by `@effect/sql`'s migrator) that many worker processes share, through
 * `@effect/sql-pg`. A module of its own, so that only programs that import it need `@effect/sql`
 * and `@effect/sql-pg` (optional peers of this package).
 *
 * Besides the `KeepaliveStore` (the whole table), its layers provide `KeepaliveStorePg`, whose
 * `partition(index, count)` is a `KeepaliveStore` holding only the sessions of one partition: the
 * worker that owns partition `index` of `count` loads, counts and writes only those. A session's
 * partition is a pure function of its id (`partitionOf`), so every process agrees on it, and a
 * fleet can change `count` (1 to 1024) without rewriting a row.
 *
 * @since 0.3.0
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type { InvalidOptions } from "./InvalidOptions.js"
import { openPgStore, openPgStoreOnClient } from "./internal/keepalive/store/pgOpen.js"
import { decodePgClientOptions, decodePgLayerOptions } from "./internal/keepalive/store/pgOptions.js"
import * as internalPartition from "./internal/keepalive/store/pgPartition.js"
import type { PgStore } from "./internal/keepalive/store/pgStore.js"
import { KeepaliveStore, type KeepaliveStoreError } from "./KeepaliveStore.js"

/**
 * How many buckets the session ids are spread over (1024): the largest partition `count`.
 *
 * @since 0.3.0
 * @category constants
 */
export const bucketCount: number = internalPartition.bucketCount

/**
 * The partition (0 to `count - 1`) of a session id among `count` partitions (1 to 1024; `NaN` for
 * another `count`). A pure function of the id: a stable 32-bit hash of it (FNV-1a, then
 * MurmurHash3's finalizer) mod 1024 is its bucket, stored in its row, and its partition is
 * `bucket % count`.
 *
 * @example
 * ```ts
 * import * as KeepaliveStorePg from "effect-okta-sessions/KeepaliveStorePg"
 *
 * const owner = KeepaliveStorePg.partitionOf("102Ke7cvc3uT0iOo4J1Fd4tSA", 3) // 0, 1 or 2
 * ```
 * @since 0.3.0
 * @category partitions
 */
export const partitionOf: (sessionId: string, count: number) => number = internalPartition.partitionOf

/**
 * The partitions of the PostgreSQL store.
 *
 * @since 0.3.0
 * @category tags
 */
export class KeepaliveStorePg extends Context.Tag("effect-okta-sessions/KeepaliveStorePg")<
  KeepaliveStorePg,
  KeepaliveStorePg.Service
>() {}

/**
 * @since 0.3.0
 * @category models
 */
export declare namespace KeepaliveStorePg {
  /**
   * @since 0.3.0
   * @category models
   */
  export interface Service {
    /**
     * The store of partition `index` (0 to `count - 1`) of `count` (1 to 1024): `load` and `count`
     * see only its sessions; `write` refuses a batch with a session of another partition (a
     * `Failed` error, nothing written). Every operation of a partition that does not exist fails
     * with `Failed`.
     */
    readonly partition: (index: number, count: number) => KeepaliveStore.Service
    /** The same as the module's `partitionOf`. */
    readonly partitionOf: (sessionId: string, count: number) => number
    /** The schema the store's tables are in. */
    readonly schema: string
  }
}

/**
 * Options of `layerClient`.
 *
 * @since 0.3.0
 * @category models
 */
export interface PgClientOptions {
  /**
   * The PostgreSQL schema of the store's tables, created when missing (default `public`): 1 to 63
   * lower-case letters, digits or `_`, not starting with a digit or `pg_`.
   */
  readonly schema?: string | undefined
  /** How many sessions each query of `load` reads (default 10,000). */
  readonly pageSize?: number | undefined
  /**
   * The longest a read, a write or the start-up migration may take before it fails (default 30
   * seconds, at most 10 minutes).
   */
  readonly queryTimeout?: Duration.DurationInput | undefined
}

/**
 * Options of `layer`.
 *
 * @since 0.3.0
 * @category models
 */
export interface PgOptions extends PgClientOptions {
  /** The database, `postgres://user:password@host:port/database`; never shown in an error, log or span. */
  readonly url: Redacted.Redacted<string>
  /**
   * How long connecting waits before start-up fails with `Unavailable` (default 5 seconds, at most
   * 1 minute). Start-up as a whole takes at most `connectTimeout` plus `queryTimeout`.
   */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /** The size of the store's connection pool (default 4). */
  readonly maxConnections?: number | undefined
}

const contextOf = (store: PgStore, schema: string) =>
  Context.make(KeepaliveStore, store.whole).pipe(
    Context.add(KeepaliveStorePg, { partition: store.partition, partitionOf, schema })
  )

const layerWith = (module: string, setting: string) => (options: PgOptions) =>
  Layer.scopedContext(
    Effect.flatMap(
      decodePgLayerOptions(module)(options),
      (settings) => Effect.map(openPgStore(settings, setting), (store) => contextOf(store, settings.schema))
    )
  )

/**
 * The store on its own connection pool to `url` (closed with the layer). Start-up fails with a
 * `KeepaliveStoreError` `Unavailable` (setting `url`) when PostgreSQL cannot be reached within
 * `connectTimeout` or the schema cannot be made, `Corrupt` when the schema holds a store of a newer
 * version or an `okta_keepalive_sessions` table of something else, and with `InvalidOptions` for
 * options that cannot work. A read or write that fails later is `Failed`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import * as KeepaliveStorePg from "effect-okta-sessions/KeepaliveStorePg"
 *
 * const store = KeepaliveStorePg.layer({
 *   url: Redacted.make("postgres://keepalive@db.internal:5432/okta"),
 *   schema: "keepalive"
 * })
 * ```
 * @since 0.3.0
 * @category layers
 */
export const layer: (
  options: PgOptions
) => Layer.Layer<KeepaliveStore | KeepaliveStorePg, KeepaliveStoreError | InvalidOptions> = layerWith(
  "KeepaliveStorePg.layer",
  "url"
)

/**
 * The store on the PostgreSQL `SqlClient` already in context (for example one pool shared with
 * `@effect/cluster`'s SQL storage, from `PgClient.layer`). Fails with `Unavailable` for a client of
 * another database.
 *
 * @since 0.3.0
 * @category layers
 */
export const layerClient = (
  options: PgClientOptions = {}
): Layer.Layer<KeepaliveStore | KeepaliveStorePg, KeepaliveStoreError | InvalidOptions, SqlClient.SqlClient> =>
  Layer.effectContext(
    Effect.flatMap(
      decodePgClientOptions(options),
      (settings) => Effect.map(openPgStoreOnClient(settings), (store) => contextOf(store, settings.schema))
    )
  )

/**
 * `layer` configured from the environment: `OKTA_KEEPALIVE_DATABASE_URL` (required, read as a
 * `Redacted`) and `OKTA_KEEPALIVE_DATABASE_SCHEMA` (optional, default `public`). Start-up errors
 * name `OKTA_KEEPALIVE_DATABASE_URL` as their setting.
 *
 * @since 0.3.0
 * @category layers
 */
export const layerConfig: Layer.Layer<
  KeepaliveStore | KeepaliveStorePg,
  KeepaliveStoreError | InvalidOptions | ConfigError.ConfigError
> = Layer.unwrapEffect(
  Effect.map(
    Config.all({
      url: Config.redacted("OKTA_KEEPALIVE_DATABASE_URL"),
      schema: Config.option(Config.string("OKTA_KEEPALIVE_DATABASE_SCHEMA"))
    }),
    ({ schema, url }) =>
      layerWith("KeepaliveStorePg.layerConfig", "OKTA_KEEPALIVE_DATABASE_URL")({
        url,
        schema: Option.getOrUndefined(schema)
      })
  )
)
