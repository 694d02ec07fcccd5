/**
 * The emulator's rendering of a `Reply` in Okta's wire format, wire faults included: a reset socket,
 * damaged Session bodies, header faults; and the `Date` and `X-Okta-Request-Id` stamped on answers
 * that are not an API operation's (admin routes, unknown paths).
 */
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { Reply } from "./protocol.js"
import { duplicatedReset, errorJson, replyHeaders, sessionJson } from "./wireFormat.js"

/** A body padded with an extra field to `bytes` bytes. */
const padded = (json: Record<string, unknown>, bytes: number): string => {
  const plain = JSON.stringify(json)
  return JSON.stringify({ ...json, padding: "x".repeat(Math.max(0, bytes - plain.length - 14)) })
}

/** The Session body's text, damaged as the reply's wire fault says. */
const sessionText = (json: Record<string, unknown>, reply: Reply): string =>
  reply.wireFault === "malformedJson"
    ? JSON.stringify(json).slice(0, 57)
    : reply.wireFault === "oversizedBody"
    ? padded(json, reply.faults.oversizedBodyBytes)
    : JSON.stringify(json)

/**
 * Renders `reply` for `request` on the emulator at `baseUrl`. `preferMinimal`: a refresh asked for
 * `Prefer: return=minimal` and gets 204 with `Preference-Applied`.
 */
export const render = (
  request: HttpServerRequest.HttpServerRequest,
  reply: Reply,
  baseUrl: string,
  preferMinimal: boolean
): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  if (reply.wireFault === "connectionReset") {
    return Effect.zipRight(
      Effect.sync(() => NodeHttpServerRequest.toIncomingMessage(request).socket.resetAndDestroy()),
      Effect.never
    )
  }
  const headers = replyHeaders(reply)
  if (reply.faults.duplicateRateLimitReset && !reply.faults.omitRateLimitReset) {
    NodeHttpServerRequest.toServerResponse(request).setHeader("x-rate-limit-reset", [...duplicatedReset(reply)])
  }
  const body = reply.body
  switch (body._tag) {
    case "Empty":
      return Effect.succeed(HttpServerResponse.empty({ status: reply.status, headers }))
    case "Error":
      return Effect.succeed(
        HttpServerResponse.text(errorJson(body.error), { status: reply.status, headers, contentType: "application/json" })
      )
    case "Session": {
      if (preferMinimal) {
        return Effect.succeed(
          HttpServerResponse.empty({ status: 204, headers: { ...headers, "preference-applied": "return=minimal" } })
        )
      }
      const json = sessionJson(baseUrl, body.session, body.current, reply.unknownEnums)
      return Effect.succeed(
        HttpServerResponse.text(sessionText(json, reply), { status: reply.status, headers, contentType: "application/json" })
      )
    }
  }
}

/** Stamps `Date` and `X-Okta-Request-Id` (`emu…`) on answers that are not an API operation's. */
export const makeStamp = () => {
  let answered = 0
  return <E, R>(answer: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
    Effect.flatMap(answer, (response) =>
      Effect.map(Clock.currentTimeMillis, (now) =>
        HttpServerResponse.setHeaders(response, {
          date: new Date(now).toUTCString(),
          "x-okta-request-id": `emu${(++answered).toString(36).padStart(8, "0")}AAAA`
        })))
}
