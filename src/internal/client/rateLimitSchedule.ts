/**
 * The 429 retry schedule behind `RateLimit.retrySchedule`, over settings already resolved to
 * milliseconds: wait for the window's reset (bounded by the Reset ceiling), or back off when the
 * Reset is unusable; jittered; at most `maxRetries` times and within `maxElapsed`.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import type { RateLimited } from "../../RateLimit.js"
import { resetWaitMillis } from "./resetWait.js"
import { withinElapsed } from "./scheduleDeadline.js"

/** `RateLimit.RateLimitRetryOptions`, checked and in milliseconds. */
export interface RateLimitScheduleSettings {
  readonly maxRetries: number
  readonly maxElapsedMillis: number
  readonly padMillis: number
  readonly jitterMillis: number
  readonly maxWaitWithoutDateMillis: number
  readonly maxResetWaitMillis: number
  readonly backoffMillis: number
  readonly maxBackoffMillis: number
}

/** The schedule; its output is the delay before each retry. */
export const makeRateLimitSchedule = (
  settings: RateLimitScheduleSettings
): Schedule.Schedule<Duration.Duration, RateLimited> => {
  const delayOf = (input: RateLimited, retry: number): Effect.Effect<Duration.Duration> =>
    Effect.zipWith(Clock.currentTimeMillis, Random.next, (now, random) => {
      const wait = input.rateLimit.isConcurrencyLimit
        ? Option.none()
        : resetWaitMillis(input.rateLimit, now, settings.maxWaitWithoutDateMillis, settings.maxResetWaitMillis)
      const base = Option.match(wait, {
        onNone: () => Math.min(settings.backoffMillis * Math.pow(2, retry), settings.maxBackoffMillis),
        onSome: (millis) => millis + settings.padMillis
      })
      return Duration.millis(base + random * settings.jitterMillis)
    })

  return withinElapsed(
    Schedule.identity<RateLimited>().pipe(
      Schedule.intersect(Schedule.recurs(settings.maxRetries)),
      Schedule.mapEffect(([input, retry]) => delayOf(input, retry)),
      Schedule.addDelay((delay) => delay)
    ),
    settings.maxElapsedMillis
  )
}
