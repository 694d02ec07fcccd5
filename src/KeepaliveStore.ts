/**
 * Where the keepalive worker keeps what it tracks, so that a restart, a deploy or a crash loses
 * nothing: every tracked session with its known `expiresAt`, its next planned refresh and its last
 * outcome. The worker reads and writes only through this service. `layerMemory` keeps it in memory
 * (tests, demos); the embedded default is a SQLite file (`layerSqlite`).
 *
 * Contract for every implementation:
 * - `write` applies its changes in order, all or nothing (one transaction): once it succeeds they
 *   survive a crash of the process.
 * - `load` streams every stored session once, in no particular order.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import type { InvalidOptions } from "./InvalidOptions.js"
import { makeMemoryStore } from "./internal/keepalive/store/memoryStore.js"
import { decodeSqliteOptions } from "./internal/keepalive/store/sqliteOptions.js"
import type { SessionId } from "./Session.js"

/**
 * What the worker last learned of a session: `Added` (not refreshed yet), `Refreshed`, `Retrying`
 * (a transient failure, retried) or `Throttled` (held by a 429).
 *
 * @since 0.2.0
 * @category models
 */
export type Outcome = "Added" | "Refreshed" | "Retrying" | "Throttled"

/**
 * One tracked session as stored. Times are epoch milliseconds.
 *
 * @since 0.2.0
 * @category models
 */
export interface StoredSession {
  readonly sessionId: SessionId
  /** The session's last known `expiresAt`; `undefined` for a bare id not refreshed yet. */
  readonly expiresAt: number | undefined
  /** When the worker plans to refresh it next; `undefined` when not planned yet. */
  readonly nextRefreshAt: number | undefined
  readonly lastOutcome: Outcome
}

/**
 * One change to the stored set: `Put` adds or replaces a session, `Remove` forgets it.
 *
 * @since 0.2.0
 * @category models
 */
export type Change =
  | { readonly _tag: "Put"; readonly session: StoredSession }
  | { readonly _tag: "Remove"; readonly sessionId: SessionId }

/**
 * Constructors of `Change`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const Change = {
  put: (session: StoredSession): Change => ({ _tag: "Put", session }),
  remove: (sessionId: SessionId): Change => ({ _tag: "Remove", sessionId })
} as const

/**
 * The store could not be used: `Corrupt` (the file is not a store of this package, or is damaged),
 * `Locked` (another process holds it), `Unavailable` (it cannot be opened or reached) or `Failed` (a
 * read or write failed). `setting` names what the user can fix (a file path option or an
 * environment variable), `detail` says what happened; no credential is ever part of either.
 *
 * @since 0.2.0
 * @category errors
 */
export class KeepaliveStoreError extends Schema.TaggedError<KeepaliveStoreError>()("KeepaliveStoreError", {
  reason: Schema.Literal("Corrupt", "Locked", "Unavailable", "Failed"),
  setting: Schema.optional(Schema.String),
  detail: Schema.String
}) {
  override get message(): string {
    return `Keepalive store ${this.reason}${this.setting === undefined ? "" : ` (${this.setting})`}: ${this.detail}`
  }
}

/**
 * The store service.
 *
 * @since 0.2.0
 * @category tags
 */
export class KeepaliveStore extends Context.Tag("effect-okta-sessions/KeepaliveStore")<
  KeepaliveStore,
  KeepaliveStore.Service
>() {}

/**
 * @since 0.2.0
 * @category models
 */
export declare namespace KeepaliveStore {
  /**
   * @since 0.2.0
   * @category models
   */
  export interface Service {
    /** Every stored session, once each. */
    readonly load: Stream.Stream<StoredSession, KeepaliveStoreError>
    /** Applies the changes in order, in one transaction; durable once it succeeds. */
    readonly write: (changes: ReadonlyArray<Change>) => Effect.Effect<void, KeepaliveStoreError>
    /** How many sessions are stored. */
    readonly count: Effect.Effect<number, KeepaliveStoreError>
  }
}

/**
 * A new, empty in-memory store (tests, demos): everything is lost when the process ends.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeMemory: Effect.Effect<KeepaliveStore.Service> = Effect.sync(makeMemoryStore)

/**
 * The in-memory store as a layer; each build of the layer starts empty.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerMemory: Layer.Layer<KeepaliveStore> = Layer.effect(KeepaliveStore, makeMemory)

/**
 * Options of `layerSqlite`.
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
 * The embedded store: a SQLite file through `@effect/sql-sqlite-node` (better-sqlite3 12), an
 * optional peer dependency loaded only when this layer is built. The worker that opens the file
 * holds it until its scope closes (or the process dies); opening fails with a
 * `KeepaliveStoreError` when the file is held by another process (`Locked`), is not a store of
 * this package or is damaged (`Corrupt`), or cannot be opened (`Unavailable`), and with
 * `InvalidOptions` for options that cannot work.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Keepalive, KeepaliveStore } from "effect-okta-sessions"
 *
 * const store = KeepaliveStore.layerSqlite({ filename: "/var/lib/okta-keepalive/sessions.db" })
 * ```
 * @since 0.2.0
 * @category layers
 */
export const layerSqlite = (
  options: SqliteOptions
): Layer.Layer<KeepaliveStore, KeepaliveStoreError | InvalidOptions> =>
  Layer.scoped(
    KeepaliveStore,
    Effect.gen(function*() {
      const settings = yield* decodeSqliteOptions(options)
      const sqlite = yield* Effect.tryPromise({
        try: () => import("./internal/keepalive/store/sqliteStore.js"),
        catch: (cause) =>
          new KeepaliveStoreError({
            reason: "Unavailable",
            setting: "dependency @effect/sql-sqlite-node",
            detail: `the SQLite store needs @effect/sql-sqlite-node (v3 line) and better-sqlite3 12 installed: ${
              cause instanceof Error ? cause.message.split("\n", 1)[0] : String(cause)
            }`
          })
      })
      return yield* sqlite.makeSqliteStore(settings)
    })
  )
