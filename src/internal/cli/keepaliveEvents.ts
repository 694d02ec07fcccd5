/**
 * The worker's events as the CLI prints them: one JSON object per event with `--json` (for log
 * shippers), and a text line for the ones an operator must see (gone, expired, failed, over
 * capacity) otherwise.
 *
 * @since 0.2.0
 */
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import { Keepalive } from "../../index.js"
import { failureFields } from "./failureReport.js"

const millis = (duration: Duration.Duration) => Math.round(Duration.toMillis(duration))

const rate = (perSecond: number) => Math.round(perSecond * 1000) / 1000

/**
 * An event as one JSON object: `{"event": "Refreshed", "sessionId": ..., ...}`.
 *
 * @since 0.2.0
 * @category events
 */
export const eventJson = (event: Keepalive.Event): Readonly<Record<string, unknown>> =>
  Keepalive.Event.$match(event, {
    Refreshed: ({ lag, session, sessionId }) => ({
      event: "Refreshed",
      sessionId,
      expiresAt: DateTime.formatIso(session.expiresAt),
      lagMillis: millis(lag)
    }),
    Gone: ({ error, sessionId }) => ({ event: "Gone", sessionId, status: error.status, requestId: error.requestId ?? null }),
    Expired: ({ expiresAt, reason, sessionId }) => ({
      event: "Expired",
      sessionId,
      reason,
      expiresAt: DateTime.formatIso(expiresAt)
    }),
    Failed: ({ error, reason, sessionId }) => {
      const { exitCode: _, message: __, ...fields } = failureFields(error)
      return { event: "Failed", sessionId, reason, ...fields }
    },
    Throttled: ({ sessionId, wait }) => ({ event: "Throttled", sessionId, waitMillis: millis(wait) }),
    Released: ({ sessionId }) => ({ event: "Released", sessionId }),
    OverCapacity: ({ allowedRate, excess, holdable, neededRate }) => ({
      event: "OverCapacity",
      neededRate: rate(neededRate),
      allowedRate: rate(allowedRate),
      excess: rate(excess),
      holdable
    })
  })

/**
 * The text line of an event worth a line of its own (gone, expired, failed, over capacity), or `undefined`.
 *
 * @since 0.2.0
 * @category events
 */
export const eventLine = (event: Keepalive.Event): string | undefined => {
  switch (event._tag) {
    case "Gone":
      return `gone ${event.sessionId}: ${event.error.message}`
    case "Expired":
      return `expired ${event.sessionId} (${event.reason}): its expiresAt ${DateTime.formatIso(event.expiresAt)} passed before it was refreshed`
    case "Failed":
      return `failed ${event.sessionId} (${event.reason}): ${event.error.message}`
    case "OverCapacity":
      return event.excess > 0
        ? `over capacity: the tracked set needs ${rate(event.neededRate)} refreshes/s, the budget allows ${
          rate(event.allowedRate)
        }/s (it can hold about ${event.holdable} sessions)`
        : `back within capacity: ${rate(event.neededRate)} refreshes/s needed, ${rate(event.allowedRate)}/s allowed`
    default:
      return undefined
  }
}
