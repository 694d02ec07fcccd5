/**
 * Where the keepalive worker keeps what it tracks, so that a restart, a deploy or a crash loses
 * nothing: every tracked session with its known `expiresAt`, its next planned refresh and its last
 * outcome. The worker reads and writes only through this service. `layerMemory` keeps it in memory
 * (tests, demos); the embedded default is a SQLite file (`KeepaliveStoreSqlite.layer`, its own module so
 * that a program without SQLite, bundled or not, never reaches `@effect/sql`).
 *
 * Contract for every implementation:
 * - `write` applies its changes in order, all or nothing (one transaction): once it succeeds they
 *   survive a crash of the process.
 * - `load` streams every stored session once, in no particular order.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import { makeMemoryStore } from "./internal/keepalive/store/memoryStore.js"
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
