/**
 * The embedded keepalive store: a SQLite file through `@effect/sql-sqlite-node` (better-sqlite3 12).
 * A module of its own, so that only programs that import it need `@effect/sql`,
 * `@effect/sql-sqlite-node` and better-sqlite3's native module (optional peers of this package);
 * `effect-okta-sessions` itself, and any bundle made from it, never reaches them.
 *
 * @since 0.2.0
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { InvalidOptions } from "./InvalidOptions.js"
import { decodeSqliteOptions } from "./internal/keepalive/store/sqliteOptions.js"
import { makeSqliteStore } from "./internal/keepalive/store/sqliteStore.js"
import { KeepaliveStore, type KeepaliveStoreError } from "./KeepaliveStore.js"

/**
 * Options of `layer`.
 *
 * @since 0.2.0
 * @category models
 */
export interface SqliteOptions {
  /** The store file; created (with its tables) when it does not exist. Its directory must exist. */
  readonly filename: string
  /**
   * How long opening waits for a file another process holds before failing with `Locked`
   * (default 2 seconds, at most 1 minute).
   */
  readonly lockTimeout?: Duration.DurationInput | undefined
  /** How many sessions each query of `load` reads (default 10,000). */
  readonly pageSize?: number | undefined
}

/**
 * The store on a SQLite file. The worker that opens the file holds it until its scope closes (or
 * the process dies); opening fails with a `KeepaliveStoreError` when the file is held by another
 * process (`Locked`), is not a store of this package or is damaged (`Corrupt`), or cannot be opened
 * (`Unavailable`, also when better-sqlite3's native module is missing), and with `InvalidOptions`
 * for options that cannot work.
 *
 * @example
 * ```ts
 * import * as KeepaliveStoreSqlite from "effect-okta-sessions/KeepaliveStoreSqlite"
 *
 * const store = KeepaliveStoreSqlite.layer({ filename: "/var/lib/okta-keepalive/sessions.db" })
 * ```
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: SqliteOptions): Layer.Layer<KeepaliveStore, KeepaliveStoreError | InvalidOptions> =>
  Layer.scoped(KeepaliveStore, Effect.flatMap(decodeSqliteOptions(options), makeSqliteStore))
