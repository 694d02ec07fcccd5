/**
 * The keepalive's schedules: when to refresh a session (`RefreshSchedule`, default
 * `refreshSchedule()`) and when to retry a transient failure (`RetrySchedule`, default
 * `defaultTransientRetry`). Both are plain `Schedule`s a user can read, replace and test.
 */
import type * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleInterval from "effect/ScheduleInterval"
import type * as Retry from "../../Retry.js"
import type { SessionId } from "../../Session.js"

/**
 * What the refresh schedule is given for a session: its id, when it expires and how long is left.
 *
 * @since 0.1.0
 * @category schedules
 */
export interface RefreshWindow {
  readonly sessionId: SessionId
  readonly expiresAt: DateTime.Utc
  /** Time left before `expiresAt` (zero when it has passed). */
  readonly remaining: Duration.Duration
}

/**
 * When to refresh a session, given its `RefreshWindow`: the interval of the schedule's first step
 * is the window the refresh may start in, from its start (the earliest) to its end (the latest).
 * The planner picks the least loaded second of that window; a step without an end (`Schedule.spaced`
 * and most of Effect's schedules) starts the refresh at the interval's start. The schedule is
 * stepped afresh from its initial state after every refresh; a schedule that is done releases the
 * session.
 *
 * @since 0.1.0
 * @category schedules
 */
export type RefreshSchedule = Schedule.Schedule<unknown, RefreshWindow>

/**
 * When to retry a refresh that failed with `ServerError` (any 5xx: unlike the HTTP client, the
 * worker also tries a 500 again later, since the session still needs refreshing) or
 * `TransportError` (a hung request the worker gave up on included). It is stepped with each
 * failure; its delay is the wait before the next try, and when it is done the session is reported
 * as `Failed` with reason `RetriesExhausted`. Retries never go past the session's `expiresAt`,
 * whatever the schedule says.
 *
 * @since 0.1.0
 * @category schedules
 */
export type RetrySchedule = Schedule.Schedule<unknown, Retry.TransientError>

/**
 * The default lead: refresh with a quarter of the window left, and at least 30 seconds before
 * expiry (half the window, for a window shorter than a minute).
 *
 * @since 0.1.0
 * @category schedules
 */
export const defaultLead = (remaining: Duration.Duration): Duration.Duration =>
  Duration.max(
    Duration.times(remaining, 0.25),
    Duration.min(Duration.times(remaining, 0.5), Duration.seconds(30))
  )

/**
 * Builds a refresh schedule: with `wait = remaining - lead(remaining)`, the refresh may start
 * between `wait * jitter.min` and `wait * jitter.max` from now, and the planner levels the load
 * within that window. Factors are kept within `[0, 1]`, `max` at least `min`; `{ min: 1, max: 1 }`
 * asks for one exact time. The defaults (`defaultLead`, `0.6..1`) refresh between 45% and 75% of
 * the way through the remaining window.
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import { Keepalive } from "effect-okta-sessions"
 *
 * // Refresh five minutes before expiry, within the two minutes before that.
 * const schedule = Keepalive.refreshSchedule({
 *   lead: () => Duration.minutes(5),
 *   jitter: { min: 0.98, max: 1 }
 * })
 * ```
 * @since 0.1.0
 * @category schedules
 */
export const refreshSchedule = (options?: {
  readonly lead?: ((remaining: Duration.Duration) => Duration.Duration) | undefined
  readonly jitter?: { readonly min: number; readonly max: number } | undefined
}): RefreshSchedule => {
  const lead = options?.lead ?? defaultLead
  const jitter = options?.jitter ?? { min: 0.6, max: 1 }
  const clamp = (x: number, low: number) => (Number.isFinite(x) ? Math.min(1, Math.max(low, x)) : low)
  const min = clamp(jitter.min, 0)
  const max = clamp(jitter.max, min)
  return Schedule.makeWithState<void, RefreshWindow, RefreshWindow>(undefined, (now, window) =>
    Effect.sync(() => {
      const wait = Math.max(0, Duration.toMillis(window.remaining) - Duration.toMillis(lead(window.remaining)))
      const interval = ScheduleInterval.make(now + wait * min, now + wait * max)
      return [undefined, window, ScheduleDecision.continueWith(interval)] as const
    }))
}

/**
 * The default retry for transient failures: exponential from one second, jittered, at most a
 * minute apart, for as long as the session has not expired.
 *
 * @since 0.2.0
 * @category schedules
 */
export const defaultTransientRetry: RetrySchedule = Schedule.exponential(Duration.seconds(1)).pipe(
  Schedule.jittered,
  Schedule.union(Schedule.spaced(Duration.minutes(1)))
)
