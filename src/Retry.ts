/**
 * The transient-failure retry: a 502, 503 or 504 (a proxy or Okta briefly unavailable) or a request
 * that got no answer (connection failure, timeout) is retried with exponential backoff and jitter,
 * a bounded number of times, and only for operations that are safe to repeat. `createSession` is
 * not: its session token is single-use, and a request that may have reached Okta is never sent twice.
 *
 * The 429 retry is `RateLimit.retrySchedule`.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type { InvalidOptions } from "./InvalidOptions.js"
import { withinElapsed } from "./internal/client/scheduleDeadline.js"
import { decodeOptions } from "./internal/options/decodeOptions.js"
import { NonNegativeDuration, NonNegativeInt, PositiveDuration } from "./internal/options/optionSchemas.js"
import * as OktaError from "./OktaError.js"

/**
 * The failures `transientSchedule` retries.
 *
 * @since 0.1.0
 * @category errors
 */
export type TransientError = OktaError.ServerError | OktaError.TransportError

/**
 * The statuses that say "try again": bad gateway, service unavailable, gateway timeout. A 500 is
 * Okta's own failure on this request and is not retried.
 *
 * @since 0.1.0
 * @category utils
 */
export const transientStatuses: ReadonlySet<number> = new Set([502, 503, 504])

/**
 * Whether a failure is worth repeating: a 502, 503 or 504, or a request that got no answer (a
 * connection failure or a timeout; not a body over the size cap, which would only happen again).
 *
 * @since 0.1.0
 * @category utils
 */
export const isTransient = (error: unknown): error is TransientError =>
  (error instanceof OktaError.ServerError && transientStatuses.has(error.status)) ||
  (error instanceof OktaError.TransportError && error.reason !== "ResponseTooLarge")

/**
 * Settings of `transientSchedule`. Every field is optional; `defaultTransientOptions` holds the defaults.
 *
 * @since 0.1.0
 * @category models
 */
export interface TransientOptions {
  /** Retries of one call after transient failures. Default 2; 0 means none. */
  readonly maxRetries?: number | undefined
  /** No retry is started that would begin later than this after the first failure. Default 2 minutes. */
  readonly maxElapsed?: Duration.DurationInput | undefined
  /** The first delay; each next one doubles. Default 250 ms. */
  readonly backoff?: Duration.DurationInput | undefined
  /** Cap of the delay. Default 5 s. */
  readonly maxBackoff?: Duration.DurationInput | undefined
}

/**
 * The defaults of `transientSchedule`: 2 retries within 2 minutes, 250 ms doubling up to 5 s, each
 * delay jittered by a random factor between 0.8 and 1.2.
 *
 * @since 0.1.0
 * @category defaults
 */
export const defaultTransientOptions = {
  maxRetries: 2,
  maxElapsed: Duration.minutes(2),
  backoff: Duration.millis(250),
  maxBackoff: Duration.seconds(5)
} as const satisfies { readonly [K in keyof TransientOptions]-?: number | Duration.Duration }

/** A duration, negative or unreadable values read as zero. */
const durationOf = (input: Duration.DurationInput): Duration.Duration => {
  const decoded = Duration.decodeUnknown(input)
  return Option.isSome(decoded) && Duration.isFinite(decoded.value) && Duration.greaterThan(decoded.value, Duration.zero)
    ? decoded.value
    : Duration.zero
}

/**
 * The transient retry as a `Schedule`; its output is the delay before the retry: exponential from
 * `backoff`, capped at `maxBackoff`, jittered (Effect's `Schedule.jittered`, 0.8 to 1.2 times), at
 * most `maxRetries` times, and none that would start more than `maxElapsed` after the first failure.
 * The client feeds it only the `isTransient` failures of operations that are safe to repeat.
 *
 * A negative or fractional `maxRetries` is read as its whole part, at least 0; a negative duration
 * as zero. `makeTransientSchedule` refuses such options with `InvalidOptions` instead.
 *
 * @example
 * ```ts
 * import { Retry } from "effect-okta-sessions"
 *
 * const patient = Retry.transientSchedule({ maxRetries: 5, maxBackoff: "10 seconds" })
 * ```
 * @since 0.1.0
 * @category schedules
 */
export const transientSchedule = (
  options: TransientOptions = {}
): Schedule.Schedule<Duration.Duration, TransientError> => {
  const maxRetries = Math.max(0, Math.floor(options.maxRetries ?? defaultTransientOptions.maxRetries))
  const backoff = Duration.max(Duration.millis(1), durationOf(options.backoff ?? defaultTransientOptions.backoff))
  const maxBackoff = Duration.max(backoff, durationOf(options.maxBackoff ?? defaultTransientOptions.maxBackoff))
  const maxElapsed = durationOf(options.maxElapsed ?? defaultTransientOptions.maxElapsed)
  const delays = Schedule.exponential(backoff).pipe(
    Schedule.union(Schedule.spaced(maxBackoff)),
    Schedule.jittered,
    Schedule.intersect(Schedule.recurs(maxRetries)),
    Schedule.delays
  )
  return withinElapsed<Duration.Duration, TransientError, never>(delays, Duration.toMillis(maxElapsed))
}

/**
 * `transientSchedule()` with `defaultTransientOptions`: what a client uses unless `OktaConfig` says otherwise.
 *
 * @since 0.1.0
 * @category defaults
 */
export const defaultTransientSchedule: Schedule.Schedule<Duration.Duration, TransientError> = transientSchedule()

/**
 * `transientSchedule`, with its options checked first: a negative, fractional or non-numeric
 * `maxRetries`, or a negative, infinite or unreadable duration, fails with `InvalidOptions` naming it.
 *
 * @since 0.2.0
 * @category schedules
 */
export const makeTransientSchedule = (
  options: TransientOptions = {}
): Effect.Effect<Schedule.Schedule<Duration.Duration, TransientError>, InvalidOptions> =>
  Effect.map(decodeTransientOptions(options), transientSchedule)

const decodeTransientOptions = decodeOptions(
  "Retry.transientSchedule",
  Schema.Struct({
    maxRetries: Schema.optional(NonNegativeInt),
    maxElapsed: Schema.optional(NonNegativeDuration),
    backoff: Schema.optional(PositiveDuration),
    maxBackoff: Schema.optional(PositiveDuration)
  })
)
