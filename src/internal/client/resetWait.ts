/**
 * How long an answer's rate-limit window has left, in milliseconds, as both the 429 retry and the
 * throttle read it: `Reset − Date` by the server's clock, or `Reset − now` by ours (capped) when the
 * answer has no `Date`; unusable when already past or further ahead than the ceiling.
 */
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import type { RateLimitHeaders } from "../../RateLimit.js"

/** A duration in milliseconds; negative or unreadable values read as zero. */
export const millisOf = (input: Duration.DurationInput): number => {
  const decoded = Duration.decodeUnknown(input)
  return Option.isSome(decoded) && Duration.isFinite(decoded.value) ? Math.max(0, Duration.toMillis(decoded.value)) : 0
}

/** Why a window's Reset cannot be waited for, or `undefined` when it can. */
export type UnusableReset = "missing" | "past" | "too far ahead"

/** The wait until the reset, or why there is none. */
export const classifyReset = (
  rateLimit: RateLimitHeaders,
  nowMillis: number,
  maxWaitWithoutDateMillis: number,
  maxResetWaitMillis: number
): number | UnusableReset => {
  if (rateLimit.resetEpochSeconds === undefined) return "missing"
  const resetMillis = rateLimit.resetEpochSeconds * 1000
  if (rateLimit.serverDateMillis === undefined) {
    // By our own clock, which may be off: never more than the no-Date cap (itself under the ceiling).
    const wait = Math.min(resetMillis - nowMillis, maxWaitWithoutDateMillis, maxResetWaitMillis)
    return wait > 0 ? wait : "past"
  }
  const wait = resetMillis - rateLimit.serverDateMillis
  return wait <= 0 ? "past" : wait > maxResetWaitMillis ? "too far ahead" : wait
}

/** `classifyReset` as an option: the wait, or `None` when the Reset is unusable. */
export const resetWaitMillis = (
  rateLimit: RateLimitHeaders,
  nowMillis: number,
  maxWaitWithoutDateMillis: number,
  maxResetWaitMillis: number
): Option.Option<number> => {
  const wait = classifyReset(rateLimit, nowMillis, maxWaitWithoutDateMillis, maxResetWaitMillis)
  return typeof wait === "number" ? Option.some(wait) : Option.none()
}
