/**
 * The worker's events as the CLI prints them: one JSON object per event with `--json` (for log
 * shippers), and a text line for the ones an operator must see (gone, failed) otherwise.
 *
 * @since 0.2.0
 */
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import { Keepalive } from "../../index.js"
import { failureFields } from "./failureReport.js"

const millis = (duration: Duration.Duration) => Math.round(Duration.toMillis(duration))

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
    Failed: ({ error, reason, sessionId }) => {
      const { exitCode: _, message: __, ...fields } = failureFields(error)
      return { event: "Failed", sessionId, reason, ...fields }
    },
    Throttled: ({ sessionId, wait }) => ({ event: "Throttled", sessionId, waitMillis: millis(wait) }),
    Released: ({ sessionId }) => ({ event: "Released", sessionId })
  })

/**
 * The text line of an event worth a line of its own (gone, failed), or `undefined`.
 *
 * @since 0.2.0
 * @category events
 */
export const eventLine = (event: Keepalive.Event): string | undefined => {
  switch (event._tag) {
    case "Gone":
      return `gone ${event.sessionId}: ${event.error.message}`
    case "Failed":
      return `failed ${event.sessionId} (${event.reason}): ${event.error.message}`
    default:
      return undefined
  }
}
