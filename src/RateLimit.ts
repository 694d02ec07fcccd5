/**
 * Okta's rate-limit headers: `X-Rate-Limit-Limit`, `X-Rate-Limit-Remaining`, `X-Rate-Limit-Reset`
 * (UTC epoch seconds when the window ends) and the response's `Date` (the server's clock).
 *
 * @since 0.1.0
 */
import type * as Headers from "@effect/platform/Headers"
import * as Schema from "effect/Schema"

/**
 * What one response said about its rate-limit window. Every field is optional: Okta leaves them out
 * of some responses, and a malformed value is dropped rather than failing the call.
 *
 * @since 0.1.0
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
 */
export const parseSmallestInteger = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
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
 */
export const fromHeaders = (headers: Headers.Headers): RateLimitHeaders => {
  const limit = parseSmallestInteger(headers["x-rate-limit-limit"])
  const remaining = parseSmallestInteger(headers["x-rate-limit-remaining"])
  const resetEpochSeconds = parseSmallestInteger(headers["x-rate-limit-reset"])
  const serverDateMillis = parseHttpDate(headers["date"])
  return new RateLimitHeaders({
    ...(limit === undefined ? {} : { limit }),
    ...(remaining === undefined ? {} : { remaining }),
    ...(resetEpochSeconds === undefined ? {} : { resetEpochSeconds }),
    ...(serverDateMillis === undefined ? {} : { serverDateMillis })
  })
}
