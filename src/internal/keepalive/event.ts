/**
 * What the keepalive reports: its events and the reasons it gives when it stops tracking a session.
 */
import * as Data from "effect/Data"
import type * as DateTime from "effect/DateTime"
import type * as Duration from "effect/Duration"
import type * as OktaError from "../../OktaError.js"
import type { Session, SessionId } from "../../Session.js"
import type { RefreshSessionError } from "../../Sessions.js"

/**
 * Why a session was dropped after failing: `Forbidden` (403), `Rejected` (another error that a
 * retry cannot fix: 401, an unexpected status, an undecodable answer) or `RetriesExhausted` (the
 * retry schedule gave up). A session that ran out of time is not `Failed` but `Expired`.
 *
 * @since 0.1.0
 * @category events
 */
export type FailureReason = "Forbidden" | "Rejected" | "RetriesExhausted"

/**
 * Why a tracked session reached its `expiresAt` without being refreshed in time (ours, not Okta's):
 * - `RefreshFailing`: its refreshes kept failing (5xx, connection errors, hung requests) until it expired;
 * - `Throttled`: 429s held it until it expired (the pause is bounded by deadlines, the 429s were not);
 * - `OverCapacity`: its turn did not come in time: more refreshes were due than the budget or the
 *   workers could start (sessions closer to expiry went first);
 * - `AnswerAlreadyExpired`: Okta's answer to its refresh gave an `expiresAt` already past (or less
 *   than one tick ahead), so refreshing again could not save it;
 * - `ExpiredBeforeAdded`: it was added with an `expiresAt` already past;
 * - `ExpiredWhileStopped`: restored from the store with an `expiresAt` that passed while the worker was
 *   not running, and confirmed by Okta (its refresh at start answered 404).
 *
 * @since 0.2.0
 * @category events
 */
export type ExpiredReason =
  | "RefreshFailing"
  | "Throttled"
  | "OverCapacity"
  | "AnswerAlreadyExpired"
  | "ExpiredBeforeAdded"
  | "ExpiredWhileStopped"

/**
 * What the worker did:
 * - `Refreshed`: a refresh succeeded; `lag` is how late it started against its plan.
 * - `Gone`: Okta answered 404 before the session's known expiry (revoked, or ended by Okta); the
 *   session is no longer tracked. Never "we were late": that is `Expired`.
 * - `Expired`: the session reached `expiresAt` before the worker could refresh it, for `reason`;
 *   it is no longer tracked. The worker's key health figure (`stats.expired`).
 * - `Failed`: the session is no longer tracked because of `error`, for `reason`.
 * - `Throttled`: a refresh met a 429; the worker pauses for `wait` (bounded by `maxThrottle`, and
 *   sessions that would expire during the pause are still tried) and tries again.
 * - `Released`: the refresh schedule was done with the session (or planning it died, which is
 *   logged); it is no longer tracked.
 * - `OverCapacity`: the tracked set needs more refreshes per second (`neededRate`) than the budget
 *   allows (`allowedRate`); `holdable` is about how many sessions the budget can keep alive. Sent
 *   when the need crosses the budget, and again after it fell back within it.
 *
 * @since 0.1.0
 * @category events
 */
export type Event = Data.TaggedEnum<{
  /** `lag` is zero for a bare id's first refresh, which had no plan. */
  Refreshed: { readonly sessionId: SessionId; readonly session: Session; readonly lag: Duration.Duration }
  Gone: { readonly sessionId: SessionId; readonly error: OktaError.NotFound }
  Expired: { readonly sessionId: SessionId; readonly expiresAt: DateTime.Utc; readonly reason: ExpiredReason }
  Failed: { readonly sessionId: SessionId; readonly reason: FailureReason; readonly error: RefreshSessionError }
  Throttled: { readonly sessionId: SessionId; readonly error: OktaError.TooManyRequests; readonly wait: Duration.Duration }
  Released: { readonly sessionId: SessionId }
  OverCapacity: {
    /** Refreshes per second the tracked set needs. */
    readonly neededRate: number
    /** Refreshes per second the worker's share of the budget allows. */
    readonly allowedRate: number
    /** `neededRate - allowedRate`. */
    readonly excess: number
    /** About how many sessions the budget can hold at their current pace. */
    readonly holdable: number
  }
}>

/**
 * Constructors and matchers of `Event`: `Event.Refreshed({...})`, `Event.$is("Gone")`, `Event.$match`.
 *
 * @since 0.1.0
 * @category events
 */
export const Event = Data.taggedEnum<Event>()
