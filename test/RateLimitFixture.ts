/**
 * Fakes for the rate-limit, retry and throttle tests: a recording `HttpClient` that also notes the
 * `Clock` time of every request (the `TestClock` in tests), canned Okta answers, and a fake org that
 * counts requests in fixed windows aligned to the epoch, as Okta does.
 */
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Clock, type Duration, Effect, Fiber, TestClock } from "effect"
import { type OktaConfig, Sessions } from "effect-okta-sessions"
import * as RecordingHttpClient from "./RecordingHttpClient.js"

/** 2026-11-22T10:00:00Z: where the tests set the `TestClock`, on a whole second. */
export const start = Date.parse("2026-11-22T10:00:00.000Z")

/** One request and the `Clock` time it was sent at. */
export interface Sent {
  readonly at: number
  readonly request: RecordingHttpClient.RecordedRequest
}

/** What the fake answers to the `index`-th request (from 0), sent at `now`. */
export type Answer = (
  index: number,
  now: number,
  request: RecordingHttpClient.RecordedRequest,
  original: HttpClientRequest.HttpClientRequest
) => Response | Effect.Effect<Response, HttpClientError.HttpClientError>

/** A recording fake client; `sent` fills as requests arrive. */
export const fake = (answer: Answer) => {
  const sent: Array<Sent> = []
  const { client } = RecordingHttpClient.make((request, original) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      sent.push({ at: now, request })
      const answered = answer(sent.length - 1, now, request, original)
      return Effect.isEffect(answered) ? answered : Effect.succeed(answered)
    })
  )
  return { client, sent }
}

/** Runs `use` with `Sessions` over `client` and the given config options. */
export const withSessions = <A, E>(
  client: ReturnType<typeof fake>["client"],
  options: Partial<OktaConfig.OktaConfig.Options>,
  use: (sessions: Sessions.Sessions.Service) => Effect.Effect<A, E>
) =>
  Effect.flatMap(Sessions.Sessions, use).pipe(Effect.provide(RecordingHttpClient.sessionsLayer(client, options)))

/** An HTTP `Date` header for an instant (whole seconds, as servers send it). */
export const httpDate = (millis: number): string => new Date(millis).toUTCString()

/** Epoch seconds of an instant. */
export const epochSeconds = (millis: number): number => Math.floor(millis / 1000)

/** A Session body as Okta sends it. */
export const sessionBody = {
  id: "l7FbDVqS8zHSy65uJD85",
  userId: "00u0abcdefGHIJKLMNOP",
  login: "user@example.com",
  status: "ACTIVE",
  createdAt: "2026-11-22T09:00:00.000Z",
  expiresAt: "2026-11-22T11:00:00.000Z",
  amr: ["pwd"],
  idp: { id: "00o1abcdefGHIJKLMNOP", type: "OKTA" },
  _links: { self: { href: "https://dev-123.okta.com/api/v1/sessions/l7FbDVqS8zHSy65uJD85" } }
}

/** 200 with a Session. */
export const ok = (headers: Record<string, string> = {}): Response => RecordingHttpClient.json(200, sessionBody, headers)

/** 429 E0000047 with the given headers. */
export const tooMany = (headers: Record<string, string> = {}): Response =>
  RecordingHttpClient.json(429, { errorCode: "E0000047", errorSummary: "API call exceeded rate limit due to too many requests." }, headers)

/** A 5xx with an Okta error body. */
export const serverError = (status: number): Response =>
  RecordingHttpClient.json(status, { errorCode: "E0000009", errorSummary: "Internal Server Error" })

/**
 * A fake org with one fixed window of `limit` requests per `windowMillis`, aligned to the epoch.
 * Every answer carries `X-Rate-Limit-*` and `Date`; a request over the limit gets a 429.
 */
export const windowedOrg = (limit: number, windowMillis: number) => {
  let windowStart = -1
  let used = 0
  const refused: Array<number> = []
  const answer = (now: number): Response => {
    const currentStart = Math.floor(now / windowMillis) * windowMillis
    if (currentStart !== windowStart) {
      windowStart = currentStart
      used = 0
    }
    used++
    const headers = {
      "x-rate-limit-limit": String(limit),
      "x-rate-limit-remaining": String(Math.max(0, limit - used)),
      "x-rate-limit-reset": String(Math.ceil((currentStart + windowMillis) / 1000)),
      date: httpDate(now)
    }
    if (used > limit) {
      refused.push(now)
      return tooMany(headers)
    }
    return ok(headers)
  }
  return { answer, refused }
}

/** The connection failed: what the transport reports for a reset or refused socket. */
export const connectionReset = (original: HttpClientRequest.HttpClientRequest) =>
  Effect.fail(new HttpClientError.RequestError({ request: original, reason: "Transport", cause: new Error("read ECONNRESET") }))

/**
 * Sets the `TestClock` to `start`, runs `call` in a fiber over a fresh fake answering with `answer`,
 * lets `wait` pass, and returns the call's result, the send times (relative to `start`) and the requests.
 */
export const drive = <A, E>(
  answer: Answer,
  call: (sessions: Sessions.Sessions.Service) => Effect.Effect<A, E>,
  options: Partial<OktaConfig.OktaConfig.Options> = {},
  wait: Duration.DurationInput = "5 minutes"
) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(start)
    const { client, sent } = fake(answer)
    const fiber = yield* Effect.fork(Effect.either(withSessions(client, options, call)))
    yield* TestClock.adjust(wait)
    const result = yield* Fiber.join(fiber)
    return { result, times: sent.map((entry) => entry.at - start), sent }
  })

/** The rate-limit headers of a window that resets `seconds` after `serverNow`, as seen at `serverNow`. */
export const resetIn = (serverNow: number, seconds: number, remaining = 0): Record<string, string> => ({
  date: httpDate(serverNow),
  "x-rate-limit-limit": "600",
  "x-rate-limit-remaining": String(remaining),
  "x-rate-limit-reset": String(epochSeconds(serverNow) + seconds)
})
