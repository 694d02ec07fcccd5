/**
 * Okta's rate limits: reading `X-Rate-Limit-Limit`, `X-Rate-Limit-Remaining`, `X-Rate-Limit-Reset`
 * (UTC epoch seconds when the window ends) and the response's `Date` (the server's clock); the
 * `Schedule` that retries a 429 when its window resets; and the options of the throttle that keeps
 * calls inside the budget so that the 429 does not happen.
 *
 * @since 0.1.0
 */
import type * as Headers from "@effect/platform/Headers"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type { InvalidOptions } from "./InvalidOptions.js"
import { makeRateLimitSchedule } from "./internal/client/rateLimitSchedule.js"
import { millisOf, resetWaitMillis } from "./internal/client/resetWait.js"
import { decodeOptions } from "./internal/options/decodeOptions.js"
import { NonNegativeDuration, NonNegativeInt, PositiveDuration } from "./internal/options/optionSchemas.js"

/**
 * What one response said about its rate-limit window. Every field is optional: Okta leaves them out
 * of some responses, and a malformed value is dropped rather than failing the call.
 *
 * @since 0.1.0
 * @category models
 */
export class RateLimitHeaders extends Schema.Class<RateLimitHeaders>("RateLimitHeaders")({
  /** Requests allowed in the window (`X-Rate-Limit-Limit`). */
  limit: Schema.optional(Schema.Number),
  /** Requests left in the window (`X-Rate-Limit-Remaining`). */
  remaining: Schema.optional(Schema.Number),
  /** When the window ends, in UTC epoch seconds (`X-Rate-Limit-Reset`; the smallest when repeated). */
  resetEpochSeconds: Schema.optional(Schema.Number),
  /** The server's clock when it answered (`Date`), in epoch milliseconds. */
  serverDateMillis: Schema.optional(Schema.Number)
}) {
  /**
   * A 429 with Limit = Remaining = 0 is Okta's concurrent-request limit, whose Reset is only an estimate.
   */
  get isConcurrencyLimit(): boolean {
    return this.limit === 0 && this.remaining === 0
  }
}

const nonNegativeInteger = (text: string): number | undefined => {
  const trimmed = text.trim()
  return /^\d{1,15}$/.test(trimmed) ? Number(trimmed) : undefined
}

/**
 * The smallest valid integer of a header that may be repeated (joined with `,`), if any.
 *
 * @since 0.1.0
 * @category utils
 */
export const parseSmallestInteger = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  if (!value.includes(",")) return nonNegativeInteger(value)
  let smallest: number | undefined
  for (const part of value.split(",")) {
    const parsed = nonNegativeInteger(part)
    if (parsed !== undefined && (smallest === undefined || parsed < smallest)) smallest = parsed
  }
  return smallest
}

/**
 * An HTTP `Date` header in epoch milliseconds, or `undefined` when absent or unreadable.
 *
 * @since 0.1.0
 * @category utils
 */
export const parseHttpDate = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  const millis = Date.parse(value)
  return Number.isFinite(millis) ? millis : undefined
}

/**
 * Reads the rate-limit headers and `Date` of a response.
 *
 * @since 0.1.0
 * @category utils
 */
export const fromHeaders = (headers: Headers.Headers): RateLimitHeaders => {
  const limit = parseSmallestInteger(headers["x-rate-limit-limit"])
  const remaining = parseSmallestInteger(headers["x-rate-limit-remaining"])
  const resetEpochSeconds = parseSmallestInteger(headers["x-rate-limit-reset"])
  const serverDateMillis = parseHttpDate(headers["date"])
  // Only the fields present, set one by one: one object per answer rather than one per field.
  const fields: {
    limit?: number
    remaining?: number
    resetEpochSeconds?: number
    serverDateMillis?: number
  } = {}
  if (limit !== undefined) fields.limit = limit
  if (remaining !== undefined) fields.remaining = remaining
  if (resetEpochSeconds !== undefined) fields.resetEpochSeconds = resetEpochSeconds
  if (serverDateMillis !== undefined) fields.serverDateMillis = serverDateMillis
  // Every value was parsed into a number above: the class's own check would only repeat it, per answer.
  return new RateLimitHeaders(fields, unvalidated)
}

/** The constructor options of a `RateLimitHeaders` made of already parsed numbers. */
const unvalidated = { disableValidation: true } as const

/**
 * What the 429 retry reads from an error: `OktaError.TooManyRequests` is one.
 *
 * @since 0.1.0
 * @category models
 */
export interface RateLimited {
  readonly rateLimit: RateLimitHeaders
}

/**
 * The longest wait a `X-Rate-Limit-Reset` may ask for, measured from the answer's `Date`: 5 minutes.
 * Okta's windows last a minute (some a second), so a Reset further ahead is a proxy's stale header,
 * a skewed clock or a hostile server: the header is unusable, the 429 retry backs off instead and the
 * throttle does not hold calls for it. Every wait the client does for a rate limit is bounded by it
 * (plus the pad and jitter), well under what a timer can hold.
 *
 * @since 0.2.0
 * @category constants
 */
export const maxResetWait: Duration.Duration = Duration.minutes(5)

/**
 * Settings of `retrySchedule`. Every field is optional; `defaultRateLimitRetryOptions` holds the defaults.
 *
 * @since 0.2.0
 * @category models
 */
export interface RateLimitRetryOptions {
  /** Retries of one call after a 429. Default 2, as in Okta's SDKs; 0 means none. */
  readonly maxRetries?: number | undefined
  /** No retry is started that would begin later than this after the first 429. Default 2 minutes. */
  readonly maxElapsed?: Duration.DurationInput | undefined
  /** Added to the wait until the reset, for clock resolution and transit. Default 200 ms. */
  readonly pad?: Duration.DurationInput | undefined
  /** Each wait gets a random extra in `[0, jitter)`, so waiting callers do not fire together. Default 500 ms. */
  readonly jitter?: Duration.DurationInput | undefined
  /** The longest wait computed from the local clock, when a 429 has a Reset but no `Date`. Default 60 s. */
  readonly maxWaitWithoutDate?: Duration.DurationInput | undefined
  /** A Reset asking for a longer wait than this is unusable (backoff applies). Default `maxResetWait`, 5 minutes. */
  readonly maxResetWait?: Duration.DurationInput | undefined
  /** First delay of the exponential backoff used when a 429 has no usable Reset. Default 1 s. */
  readonly backoff?: Duration.DurationInput | undefined
  /** Cap of that backoff. Default 30 s. */
  readonly maxBackoff?: Duration.DurationInput | undefined
}

/**
 * The defaults of `retrySchedule`: 2 retries within 2 minutes; wait until Reset (by the server's
 * `Date`) plus 200 ms and up to 500 ms of jitter; without `Date`, at most 60 s by the local clock; a
 * Reset more than 5 minutes ahead is unusable; without a usable Reset, 1 s doubling up to 30 s.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultRateLimitRetryOptions = {
  maxRetries: 2,
  maxElapsed: Duration.minutes(2),
  pad: Duration.millis(200),
  jitter: Duration.millis(500),
  maxWaitWithoutDate: Duration.seconds(60),
  maxResetWait,
  backoff: Duration.seconds(1),
  maxBackoff: Duration.seconds(30)
} as const satisfies { readonly [K in keyof RateLimitRetryOptions]-?: number | Duration.Duration }

/**
 * How long until the window of an answer resets, or `None` when it says nothing usable. Measured
 * against the server's `Date` when present (`reset - Date`, so a skewed local clock does not
 * matter); otherwise against `nowMillis`, the local clock, and capped at `maxWaitWithoutDate`. A
 * reset that is already past, or further ahead than `maxResetWait` (default 5 minutes) by the
 * server's `Date`, is not usable.
 *
 * @since 0.1.0
 * @category rate limits
 */
export const waitForReset = (
  rateLimit: RateLimitHeaders,
  nowMillis: number,
  maxWaitWithoutDate: Duration.DurationInput = defaultRateLimitRetryOptions.maxWaitWithoutDate,
  maxWait: Duration.DurationInput = maxResetWait
): Option.Option<Duration.Duration> =>
  Option.map(
    resetWaitMillis(rateLimit, nowMillis, millisOf(maxWaitWithoutDate), millisOf(maxWait)),
    Duration.millis
  )

/**
 * The 429 retry as a `Schedule` over the errors it retries; its output is the delay before the
 * retry. Each delay is: the wait until Reset (`waitForReset`, at most `maxResetWait`) plus `pad`; or,
 * when the 429 has no usable Reset or is the concurrent-request limit (whose Reset is only an
 * estimate), `backoff` doubling per retry up to `maxBackoff` — never zero; then a random extra in
 * `[0, jitter)`. It stops after `maxRetries`, and before any retry that would start more than
 * `maxElapsed` after the first 429.
 *
 * A negative or fractional `maxRetries` is read as its whole part, at least 0; a negative duration
 * as zero. `makeRetrySchedule` refuses such options with `InvalidOptions` instead.
 *
 * @example
 * ```ts
 * import { RateLimit } from "effect-okta-sessions"
 *
 * // one retry, no jitter, giving up after 10 seconds
 * const strict = RateLimit.retrySchedule({ maxRetries: 1, jitter: 0, maxElapsed: "10 seconds" })
 * ```
 * @since 0.1.0
 * @category schedules
 */
export const retrySchedule = (
  options: RateLimitRetryOptions = {}
): Schedule.Schedule<Duration.Duration, RateLimited> => {
  const settings = {
    maxRetries: Math.max(0, Math.floor(options.maxRetries ?? defaultRateLimitRetryOptions.maxRetries)),
    maxElapsedMillis: millisOf(options.maxElapsed ?? defaultRateLimitRetryOptions.maxElapsed),
    padMillis: millisOf(options.pad ?? defaultRateLimitRetryOptions.pad),
    jitterMillis: millisOf(options.jitter ?? defaultRateLimitRetryOptions.jitter),
    maxWaitWithoutDateMillis: millisOf(options.maxWaitWithoutDate ?? defaultRateLimitRetryOptions.maxWaitWithoutDate),
    maxResetWaitMillis: millisOf(options.maxResetWait ?? defaultRateLimitRetryOptions.maxResetWait),
    backoffMillis: Math.max(1, millisOf(options.backoff ?? defaultRateLimitRetryOptions.backoff)),
    maxBackoffMillis: 0
  }
  settings.maxBackoffMillis = Math.max(
    settings.backoffMillis,
    millisOf(options.maxBackoff ?? defaultRateLimitRetryOptions.maxBackoff)
  )
  return makeRateLimitSchedule(settings)
}

/**
 * `retrySchedule`, with its options checked first: a negative, fractional or non-numeric
 * `maxRetries`, or a negative, infinite or unreadable duration, fails with `InvalidOptions` naming it.
 *
 * @since 0.2.0
 * @category schedules
 */
export const makeRetrySchedule = (
  options: RateLimitRetryOptions = {}
): Effect.Effect<Schedule.Schedule<Duration.Duration, RateLimited>, InvalidOptions> =>
  Effect.map(decodeRateLimitRetryOptions(options), retrySchedule)

const decodeRateLimitRetryOptions = decodeOptions(
  "RateLimit.retrySchedule",
  Schema.Struct({
    maxRetries: Schema.optional(NonNegativeInt),
    maxElapsed: Schema.optional(NonNegativeDuration),
    pad: Schema.optional(NonNegativeDuration),
    jitter: Schema.optional(NonNegativeDuration),
    maxWaitWithoutDate: Schema.optional(NonNegativeDuration),
    maxResetWait: Schema.optional(NonNegativeDuration),
    backoff: Schema.optional(PositiveDuration),
    maxBackoff: Schema.optional(PositiveDuration)
  })
)

/**
 * `retrySchedule()` with `defaultRateLimitRetryOptions`: what a client uses unless `OktaConfig` says otherwise.
 *
 * @since 0.2.0
 * @category schedules
 */
export const defaultRateLimitRetrySchedule: Schedule.Schedule<Duration.Duration, RateLimited> = retrySchedule()

/**
 * Settings of the throttle, which waits before a request instead of collecting a 429. It learns
 * each endpoint family's budget (`X-Rate-Limit-Remaining` until `X-Rate-Limit-Reset`) from every
 * response, shares it between all fibers that use one client layer (so, per org), holds back a
 * call when the budget of its window is spent until the window resets, and caps the requests in
 * flight.
 *
 * @since 0.1.0
 * @category models
 */
export interface ThrottleOptions {
  /** Requests in flight at once, across all families. Default 32. */
  readonly maxConcurrency?: number | undefined
  /** Added to the wait until the reset. Default 50 ms. */
  readonly pad?: Duration.DurationInput | undefined
  /** Each held-back call waits a random extra in `[0, jitter)`, so they do not fire together. Default 100 ms. */
  readonly jitter?: Duration.DurationInput | undefined
  /** The longest wait by the local clock when responses carry no `Date`. Default 60 s. */
  readonly maxWaitWithoutDate?: Duration.DurationInput | undefined
}

/**
 * The throttle's settings, checked and with defaults resolved.
 *
 * @since 0.1.0
 * @category models
 */
export interface ThrottleSettings {
  readonly maxConcurrency: number
  readonly pad: Duration.Duration
  readonly jitter: Duration.Duration
  readonly maxWaitWithoutDate: Duration.Duration
}

/**
 * The throttle's defaults: 32 requests in flight, 50 ms pad, up to 100 ms jitter, 60 s at most by
 * the local clock. The pad can be small because the window's end is placed by the narrowest
 * server-minus-local clock offset seen, to within about the network delay.
 *
 * @since 0.1.0
 * @category defaults
 */
export const defaultThrottle: ThrottleSettings = {
  maxConcurrency: 32,
  pad: Duration.millis(50),
  jitter: Duration.millis(100),
  maxWaitWithoutDate: Duration.seconds(60)
}
