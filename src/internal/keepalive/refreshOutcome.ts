/**
 * What the worker does with the answer to a refresh: re-plan a success (or report an answer that is
 * already expired), report a 404 as `Gone` (before the known expiry) or `Expired` (after it), pause
 * on a 429 within the session's deadline, retry a transient failure within it, drop the rest.
 */
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleIntervals from "effect/ScheduleIntervals"
import type * as OktaError from "../../OktaError.js"
import * as RateLimit from "../../RateLimit.js"
import type { Session, SessionId } from "../../Session.js"
import type { RefreshSessionError } from "../../Sessions.js"
import type { ExpiredReason, FailureReason } from "./event.js"
import type { LateCause } from "./refreshQueue.js"
import { nudge, schedulePlanned, untrack, type WorkerState } from "./workerState.js"

/** The refresh being settled. */
export interface Attempt {
  readonly slot: number
  readonly sessionId: SessionId
  /** How late it started against its plan; `undefined` for a bare id's first refresh. */
  readonly lag: number | undefined
}

/**
 * How long a 429 pauses the workers: until its window's reset (`RateLimit.waitForReset`, by the
 * server's `Date`) plus a second, as Okta's SDKs wait; the fallback when the reset is missing or
 * past, or for the concurrent-request limit (whose reset is only an estimate); at most `max`. A
 * Reset further ahead than the client's `maxResetWait` ceiling is clamped to `max` here rather than
 * treated as unusable: the pause is bounded by `max` and by the sessions' deadlines (at-risk
 * sessions are still tried), and a short fallback would retry a spent window every tick.
 */
const throttleWait = (error: OktaError.TooManyRequests, now: number, fallback: number, max: number): number => {
  const untilReset = error.rateLimit.isConcurrencyLimit
    ? Option.none()
    : RateLimit.waitForReset(error.rateLimit, now, Duration.millis(max), Duration.millis(Number.MAX_SAFE_INTEGER))
  return Math.min(Option.match(untilReset, { onNone: () => fallback, onSome: (wait) => Duration.toMillis(wait) + 1000 }), max)
}

const fail = (state: WorkerState, attempt: Attempt, reason: FailureReason, error: RefreshSessionError) =>
  Effect.zipRight(untrack(state, attempt.slot, attempt.sessionId), state.reporter.failed(attempt.sessionId, reason, error))

const expire = (state: WorkerState, attempt: Attempt, expiresAt: number, reason: ExpiredReason) =>
  Effect.zipRight(untrack(state, attempt.slot, attempt.sessionId), state.reporter.expired(attempt.sessionId, expiresAt, reason))

/** The latest a retry may be planned: one tick before expiry (no limit while the expiry is unknown). */
const retryDeadline = (state: WorkerState, slot: number) => {
  const expiresAt = state.records.expiresAt(slot)
  return Number.isNaN(expiresAt) ? Number.POSITIVE_INFINITY : expiresAt - state.settings.tick
}

/** Tries again at `wanted`, or as late as the deadline allows; reports `Expired` when no time is left. */
const tryAgain = (state: WorkerState, attempt: Attempt, wanted: number, now: number, cause: LateCause) => {
  const deadline = retryDeadline(state, attempt.slot)
  if (deadline <= now) return expire(state, attempt, state.records.expiresAt(attempt.slot), cause)
  const at = Math.max(now, Math.min(wanted, deadline))
  state.records.setLateCause(attempt.slot, cause)
  state.records.schedule(attempt.slot, at, at)
  state.writer.put(state.records, attempt.slot, attempt.sessionId, at, cause === "Throttled" ? "Throttled" : "Retrying")
  return nudge(state)
}

const onSuccess = (state: WorkerState, attempt: Attempt, session: Session, now: number) =>
  Effect.gen(function*() {
    const { records, reporter, settings } = state
    const expiresAt = DateTime.toEpochMillis(session.expiresAt)
    // an answer that leaves less than a tick cannot be refreshed in time again: report, do not loop
    if (expiresAt <= now + settings.tick) return yield* expire(state, attempt, expiresAt, "AnswerAlreadyExpired")
    state.restoredStale.delete(attempt.sessionId)
    yield* reporter.refreshed(attempt.sessionId, session, attempt.lag)
    records.setExpiresAt(attempt.slot, expiresAt)
    records.setLateCause(attempt.slot, "OverCapacity")
    state.retryStates.delete(attempt.slot)
    const plan = yield* state.plan(attempt.sessionId, expiresAt, now)
    if (plan === undefined) {
      yield* untrack(state, attempt.slot, attempt.sessionId)
      return yield* reporter.released(attempt.sessionId)
    }
    schedulePlanned(state, attempt.slot, attempt.sessionId, plan)
    yield* nudge(state)
  })

const onThrottled = (state: WorkerState, attempt: Attempt, error: OktaError.TooManyRequests, now: number) =>
  Effect.gen(function*() {
    const { settings } = state
    const wait = throttleWait(error, now, settings.throttleFallback, settings.maxThrottle)
    state.pausedUntil = Math.max(state.pausedUntil, now + wait)
    // a 429 seen by one sharer of the budget pauses them all
    if (state.budget.shared !== undefined) yield* state.budget.shared.pause(state.pausedUntil)
    yield* state.reporter.throttled(attempt.sessionId, error, wait)
    // after the pause, or when the session becomes at risk if that is sooner; throttled again while
    // at risk, one last try just before the deadline (then `Expired`), never a try per tick
    const expiresAt = state.records.expiresAt(attempt.slot)
    const atRisk = Number.isNaN(expiresAt) ? Number.POSITIVE_INFINITY : expiresAt - settings.safetyMargin
    const wanted = now >= atRisk ? Number.POSITIVE_INFINITY : Math.min(state.pausedUntil, Math.max(now + settings.tick, atRisk))
    yield* tryAgain(state, attempt, wanted, now, "Throttled")
  })

const onTransient = (
  state: WorkerState,
  attempt: Attempt,
  error: OktaError.ServerError | OktaError.TransportError,
  now: number
) =>
  Effect.gen(function*() {
    const { retry } = state.settings
    const previous = state.retryStates.has(attempt.slot) ? state.retryStates.get(attempt.slot) : retry.initial
    const [next, , decision] = yield* retry.step(now, error, previous)
    if (ScheduleDecision.isDone(decision)) return yield* fail(state, attempt, "RetriesExhausted", error)
    state.retryStates.set(attempt.slot, next)
    if (retryDeadline(state, attempt.slot) > now) yield* state.reporter.retried
    yield* tryAgain(state, attempt, ScheduleIntervals.start(decision.intervals), now, "RefreshFailing")
  })

/** Settles one refresh's result. */
export const settle = (
  state: WorkerState,
  attempt: Attempt,
  result: Either.Either<Session, RefreshSessionError>
): Effect.Effect<void> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    if (Either.isRight(result)) return onSuccess(state, attempt, result.right, now)
    const error = result.left
    switch (error._tag) {
      case "NotFound": {
        // a restored session whose stored expiresAt passed while the worker was stopped: confirmed expired
        const staleExpiry = state.restoredStale.get(attempt.sessionId)
        if (staleExpiry !== undefined && staleExpiry <= now) return expire(state, attempt, staleExpiry, "ExpiredWhileStopped")
        // Gone only when Okta ended it before its known expiry; at or after it, we were late
        const expiresAt = state.records.expiresAt(attempt.slot)
        return expiresAt <= now
          ? expire(state, attempt, expiresAt, state.records.lateCause(attempt.slot))
          : Effect.zipRight(untrack(state, attempt.slot, attempt.sessionId), state.reporter.gone(attempt.sessionId, error))
      }
      case "TooManyRequests":
        return onThrottled(state, attempt, error, now)
      case "ServerError":
      case "TransportError":
        return onTransient(state, attempt, error, now)
      case "Forbidden":
        return fail(state, attempt, "Forbidden", error)
      default:
        return fail(state, attempt, "Rejected", error)
    }
  })
