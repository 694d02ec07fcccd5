/**
 * The worker's options as the user gives them (`Options`) and as the worker uses them (`Settings`):
 * decoded by one `Schema` into the shared `InvalidOptions` error, with every default in one place.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import { InvalidOptions } from "../../InvalidOptions.js"
import { decodeOptions } from "../options/decodeOptions.js"
import { NonNegativeDuration, PositiveDuration, PositiveInt, PositiveNumber, Share } from "../options/optionSchemas.js"
import { defaultTransientRetry, type RefreshSchedule, refreshSchedule, type RetrySchedule } from "./refreshSchedules.js"

/**
 * The org's rate budget for the refresh endpoint, of which the worker uses `share`. With
 * `token-bucket`, a budget over more than a second is spread per second (600 a minute at a share
 * of 0.5 is 5 a second, with bursts of 5), so the worker never spends a minute's share at once.
 *
 * @since 0.2.0
 * @category options
 */
export interface RefreshBudget {
  /** Requests allowed per `interval`. */
  readonly limit: number
  readonly interval: Duration.DurationInput
  /**
   * `token-bucket` (smooth, the default) or `fixed-window`, as in `effect/RateLimiter`. On the
   * `TestClock`, `fixed-window` is much cheaper: it sleeps once per window, not once per request.
   */
  readonly algorithm?: "token-bucket" | "fixed-window" | undefined
}

/**
 * Options of the worker. Every field has a default.
 *
 * @since 0.1.0
 * @category options
 */
export interface Options {
  /** Refreshes in flight at once (a hedge of a slow one aside). Default 8. */
  readonly concurrency?: number | undefined
  /** The org's budget for refreshes. Default 600 per minute (Okta's common `/api/v1/sessions` limit). */
  readonly budget?: RefreshBudget | undefined
  /** The share of `budget` the worker may use, in `(0, 1]`; the rest is left to the application. Default 0.5. */
  readonly share?: number | undefined
  /** When to refresh. Default `refreshSchedule()`. */
  readonly schedule?: RefreshSchedule | undefined
  /** When to retry transient failures. Default `defaultTransientRetry`. */
  readonly retry?: RetrySchedule | undefined
  /**
   * The scheduler's resolution: it wakes at most once per tick, and a retry is never planned later
   * than one tick before expiry. Default 100 milliseconds.
   */
  readonly tick?: Duration.DurationInput | undefined
  /**
   * How long the worker waits for a refresh's answer before it sends a second attempt (a hedge)
   * beside the first; the first answer of either counts, and with no answer after twice this the
   * try counts as a `TransportError` `Timeout`. Near a session's expiry both are shortened to fit in
   * the time left. Default 10 seconds.
   */
  readonly requestTimeout?: Duration.DurationInput | undefined
  /**
   * A session is "at risk" once it is this close to its `expiresAt`: it is then tried even while a
   * 429 pause is on, and its attempts are hedged sooner. Default 5 seconds.
   */
  readonly safetyMargin?: Duration.DurationInput | undefined
  /** How long to pause after a 429 whose `X-Rate-Limit-Reset` is missing or unusable. Default 1 second. */
  readonly throttleFallback?: Duration.DurationInput | undefined
  /** The longest pause a 429 can cause, however far its reset. Default 5 minutes (at most 24 days). */
  readonly maxThrottle?: Duration.DurationInput | undefined
  /** How long closing the scope waits for in-flight refreshes. Default 10 seconds. */
  readonly shutdownTimeout?: Duration.DurationInput | undefined
  /**
   * Events kept per slow subscriber before the oldest are dropped. Default: unbounded (no event is
   * lost; a subscriber must keep up).
   */
  readonly eventCapacity?: number | undefined
}

const ScheduleValue = Schema.declare(Schedule.isSchedule, { message: () => "expected a Schedule" })

const BudgetSchema = Schema.Struct({
  limit: PositiveNumber,
  interval: PositiveDuration,
  algorithm: Schema.optionalWith(Schema.Literal("token-bucket", "fixed-window"), { default: () => "token-bucket" })
})

const OptionsSchema = Schema.Struct({
  concurrency: Schema.optionalWith(PositiveInt, { default: () => 8 }),
  budget: Schema.optionalWith(BudgetSchema, {
    default: () => ({ limit: 600, interval: Duration.minutes(1), algorithm: "token-bucket" as const })
  }),
  share: Schema.optionalWith(Share, { default: () => 0.5 }),
  schedule: Schema.optional(ScheduleValue),
  retry: Schema.optional(ScheduleValue),
  tick: Schema.optionalWith(PositiveDuration, { default: () => Duration.millis(100) }),
  requestTimeout: Schema.optionalWith(PositiveDuration, { default: () => Duration.seconds(10) }),
  safetyMargin: Schema.optionalWith(NonNegativeDuration, { default: () => Duration.seconds(5) }),
  throttleFallback: Schema.optionalWith(NonNegativeDuration, { default: () => Duration.seconds(1) }),
  maxThrottle: Schema.optionalWith(NonNegativeDuration, { default: () => Duration.minutes(5) }),
  shutdownTimeout: Schema.optionalWith(NonNegativeDuration, { default: () => Duration.seconds(10) }),
  eventCapacity: Schema.optional(PositiveInt)
})

const decode = decodeOptions("Keepalive", OptionsSchema)

/** The settings after validation and defaults; durations in milliseconds. */
export interface Settings {
  readonly concurrency: number
  /** The worker's own budget: `limit` requests per `interval`, after the share. */
  readonly limit: number
  readonly interval: Duration.Duration
  readonly algorithm: "token-bucket" | "fixed-window"
  /** `limit` per `interval` as requests per second. */
  readonly allowedRate: number
  readonly schedule: RefreshSchedule
  readonly retry: RetrySchedule
  readonly tick: number
  readonly requestTimeout: number
  readonly safetyMargin: number
  readonly throttleFallback: number
  readonly maxThrottle: number
  readonly shutdownTimeout: Duration.Duration
  readonly eventCapacity: number | undefined
}

/** Decodes the options; `InvalidOptions` names the first that cannot work. */
export const decodeSettings = (options: Options): Effect.Effect<Settings, InvalidOptions> =>
  Effect.flatMap(decode(options), (decoded) => {
    const { algorithm, limit: orgLimit } = decoded.budget
    const intervalMillis = Duration.toMillis(decoded.budget.interval)
    // token-bucket: per second when the budget's interval is longer, so no interval's share goes in one burst
    const perSecond = algorithm === "token-bucket" && intervalMillis > 1000
    const limit = Math.floor(orgLimit * decoded.share * (perSecond ? 1000 / intervalMillis : 1))
    if (limit < 1) {
      return Effect.fail(
        new InvalidOptions({
          module: "Keepalive",
          option: "share",
          detail: `${decoded.share} of ${orgLimit} per ${Duration.format(decoded.budget.interval)} leaves less than one request per ${
            perSecond ? "second" : "interval"
          }`
        })
      )
    }
    const interval = perSecond ? Duration.seconds(1) : decoded.budget.interval
    return Effect.succeed({
      concurrency: decoded.concurrency,
      limit,
      interval,
      algorithm,
      allowedRate: limit * 1000 / Duration.toMillis(interval),
      // the declared schema checks a Schedule; its input type is the user's, as `Options` states
      schedule: options.schedule ?? refreshSchedule(),
      retry: options.retry ?? defaultTransientRetry,
      tick: Duration.toMillis(decoded.tick),
      requestTimeout: Duration.toMillis(decoded.requestTimeout),
      safetyMargin: Duration.toMillis(decoded.safetyMargin),
      throttleFallback: Duration.toMillis(decoded.throttleFallback),
      maxThrottle: Duration.toMillis(decoded.maxThrottle),
      shutdownTimeout: decoded.shutdownTimeout,
      eventCapacity: decoded.eventCapacity
    })
  })
