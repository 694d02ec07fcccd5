/**
 * The keepalive service's shape (the public `Keepalive.Service`).
 */
import type * as DateTime from "effect/DateTime"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { KeepaliveStoreError } from "../../KeepaliveStore.js"
import type { Session, SessionId } from "../../Session.js"
import type { Event } from "./event.js"
import type { Stats } from "./reporter.js"

/**
 * The keepalive worker's operations.
 *
 * @since 0.1.0
 * @category models
 */
export interface KeepaliveService {
  /**
   * Starts keeping a session alive (durable once it returns). A `Session` is planned from its `expiresAt`; a bare id is
   * refreshed promptly to learn it. Returns `false` when it was already tracked (left unchanged), or
   * when its `expiresAt` has already passed (reported `Expired` with `ExpiredBeforeAdded`).
   */
  readonly add: (session: SessionId | Session) => Effect.Effect<boolean, KeepaliveStoreError>
  /**
   * Adds many sessions at once, in one write to the store; returns how many were newly tracked.
   * Durable once it returns; when the write fails, none of them is tracked.
   */
  readonly addAll: (sessions: Iterable<SessionId | Session>) => Effect.Effect<number, KeepaliveStoreError>
  /**
   * Stops keeping a session alive (durable once it returns); an in-flight refresh of it finishes
   * unreported. Returns whether it was tracked.
   */
  readonly remove: (sessionId: SessionId) => Effect.Effect<boolean, KeepaliveStoreError>
  /** Whether a session is tracked. */
  readonly has: (sessionId: SessionId) => Effect.Effect<boolean>
  /** Every tracked session with its last known `expiresAt` (none yet for a bare id not refreshed). */
  readonly tracked: Effect.Effect<ReadonlyArray<readonly [SessionId, Option.Option<DateTime.Utc>]>>
  /** Events from the moment the stream starts running. */
  readonly events: Stream.Stream<Event>
  /** A subscription that receives every event from now on, for as long as the scope is open. */
  readonly subscribe: Effect.Effect<Queue.Dequeue<Event>, never, Scope.Scope>
  /** A snapshot of the counters. */
  readonly stats: Effect.Effect<Stats>
}
