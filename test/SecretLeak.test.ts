/**
 * The leak test: distinctive secrets (an API token, a `/me` cookie value, a session token) are
 * planted, loopback servers echo them back everywhere they can — error bodies, headers and bodies of
 * every status, and dropped connections after reading them — and every error (message, `String`,
 * `JSON.stringify`, `Cause.pretty`), every log line at Debug and every span attribute, event and end
 * state is searched for them, with and without `propagateTraceHeaders`, on `FetchHttpClient`,
 * `NodeHttpClient.layerUndici` and the lean `OktaUndici` layer.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Logger, LogLevel, Option, Redacted } from "effect"
import * as http from "node:http"
import { OktaConfig, OktaHttpClient, RateLimit, Retry, Session, Sessions } from "effect-okta-sessions"
import { clientStacks } from "./clientStacks.js"
import { type RecordedSpan, recordingTracer } from "./recordingTracer.js"

const planted = {
  token: "00LEAKtokenZq7Xw3Rv9Pp2Tt",
  cookie: "102LEAKcookieKk4Jj8Hh1Gg",
  sessionToken: "20111LEAKsessiontokenMm5Nn6"
}
const secrets = Object.values(planted)

/** Everything a span was given, as text: its name, attributes, events and end state. */
const textsOfSpan = (span: RecordedSpan): ReadonlyArray<string> => [
  span.name,
  ...Array.from(span.attributes, ([key, value]) => `${key}=${String(value)}`),
  ...span.events.flatMap((event) => [event.name, JSON.stringify(event.attributes)]),
  ...(span.exit === undefined ? [] : [String(span.exit), Exit.isFailure(span.exit) ? Cause.pretty(span.exit.cause) : ""])
]

/** What the echo server answers: status `status`, with every secret it was sent in its headers and body. */
const echoServer = (status: number | "reset") =>
  Effect.acquireRelease(
    Effect.async<http.Server>((resume) => {
      const created = http.createServer((request, response) => {
        let body = ""
        request.on("data", (chunk: Buffer) => (body += chunk.toString()))
        request.on("end", () => {
          const echo = [request.headers.authorization, request.headers.cookie, body].join(" | ")
          if (status === "reset") {
            request.socket.destroy()
            return
          }
          response.writeHead(status, {
            "content-type": "application/json",
            "x-okta-request-id": echo.replace(/[^\x20-\x7e]/g, ""),
            "x-echo": echo.replace(/[^\x20-\x7e]/g, ""),
            "www-authenticate": `SSWS realm="${request.headers.authorization ?? ""}"`,
            location: `https://elsewhere.example/?t=${encodeURIComponent(echo)}`
          })
          response.end(
            status >= 200 && status < 300
              ? `not json: ${echo}`
              : JSON.stringify({
                errorCode: echo,
                errorSummary: `echo: ${echo}`,
                errorLink: echo,
                errorId: echo,
                errorCauses: [{ errorSummary: echo }]
              })
          )
        })
      })
      created.listen(0, "127.0.0.1", () => resume(Effect.succeed(created)))
    }),
    (created) =>
      Effect.async<void>((resume) => {
        created.close(() => resume(Effect.void))
        created.closeAllConnections()
      })
  ).pipe(Effect.map((server) => {
    const address = server.address()
    if (address === null || typeof address === "string") throw new Error("no port")
    return `http://127.0.0.1:${address.port}`
  }))


const statuses: ReadonlyArray<number | "reset"> = [200, 302, 400, 401, 403, 404, 409, 429, 500, 502, 503, 504, "reset"]

const sessionId = Session.SessionId.make("l7FbDVqS8zHSy65uJD85")
const cookie = Session.SessionCookie.make({ name: "sid", value: Session.CookieValue.make(planted.cookie) })

/** Every text the library made of one call: its error in every form, the log lines and the spans. */
const textsOf = (exit: Exit.Exit<unknown, unknown>, logs: ReadonlyArray<string>, spans: ReadonlyArray<RecordedSpan>) => {
  // the test's own spans (app.*) are left out: they end with what the test's calls returned
  const texts = [...logs, ...spans.filter((span) => !span.name.startsWith("app.")).flatMap(textsOfSpan)]
  if (Exit.isFailure(exit)) {
    texts.push(Cause.pretty(exit.cause), String(exit), JSON.stringify(exit))
    const failure = Cause.failureOption(exit.cause)
    if (Option.isSome(failure)) {
      const error = failure.value
      texts.push(String(error), JSON.stringify(error), error instanceof Error ? error.message : "")
    }
  }
  return texts
}

describe.each(clientStacks)("no secret leaks over %s", (_name, clientLayer) => {
  for (const propagateTraceHeaders of [false, true]) {
    it.scopedLive(`every status and a dropped connection, propagateTraceHeaders ${propagateTraceHeaders}`, () =>
      Effect.gen(function*() {
        let calls = 0
        const findings: Array<string> = []
        for (const status of statuses) {
          const orgUrl = yield* echoServer(status)
          const { spans, tracer } = recordingTracer()
          const logs: Array<string> = []
          const logger = Logger.make(({ cause, message }) => {
            logs.push(`${String(message)} ${Cause.isEmpty(cause) ? "" : Cause.pretty(cause)}`)
          })
          const layer = clientLayer(
            OktaConfig.layer({
              orgUrl,
              token: Redacted.make(planted.token),
              propagateTraceHeaders,
              // one quick retry of each kind, so that retries are logged and recorded too
              rateLimitRetry: RateLimit.retrySchedule({ maxRetries: 1, pad: 0, jitter: 0, backoff: "1 millis" }),
              transientRetry: Retry.transientSchedule({ maxRetries: 1, backoff: "1 millis" })
            })
          )
          const operations = Effect.gen(function*() {
            const sessions = yield* Sessions.Sessions
            const client = yield* OktaHttpClient.OktaHttpClient
            return [
              yield* Effect.exit(sessions.getSession(sessionId)),
              yield* Effect.exit(sessions.refreshCurrentSession(cookie)),
              // a request carrying a session token, as createSession's does
              yield* Effect.exit(client.execute({
                method: "POST",
                pathTemplate: "/api/v1/sessions/{sessionId}",
                path: `/api/v1/sessions/${sessionId}`,
                body: JSON.stringify({ sessionToken: planted.sessionToken }),
                secrets: [Redacted.make(planted.sessionToken)],
                credential: "apiToken",
                documented: ["TooManyRequests", "NotFound"]
              }).pipe(Effect.withSpan("app.createLike")))
            ] as const
          })
          const exits = yield* operations.pipe(
            Effect.withSpan("app.request"),
            Effect.provide(layer),
            Effect.withTracer(tracer),
            Logger.withMinimumLogLevel(LogLevel.Debug),
            Effect.provide(Logger.replace(Logger.defaultLogger, logger))
          )
          const asUnknown: ReadonlyArray<Exit.Exit<unknown, unknown>> = exits
          for (const [index, exit] of asUnknown.entries()) {
            calls++
            // a 2xx is a success only for the raw execute, which does not decode a Session
            expect(Exit.isSuccess(exit), `${status}: call ${index}`).toBe(status === 200 && index === 2)
            for (const text of textsOf(exit, logs, spans)) {
              for (const secret of secrets) if (text.includes(secret)) findings.push(`${status}: ${text.slice(0, 300)}`)
            }
          }
          // the search did look at what the server sent: its echo is there, scrubbed
          if (status !== "reset" && status !== 302) {
            expect(textsOf(exits[0], logs, spans).some((text) => text.includes("<redacted>")), `${status}: scrubbed echo`).toBe(true)
          }
          if (status === 503) {
            // each retry logged once, with its delay, and recorded as an event on the call's span
            const retryLines = logs.filter((line) => line.includes("Okta: retry 1 of GET /api/v1/sessions/{sessionId} in "))
            expect(retryLines.filter((line) => line.includes("after ServerError")), "a retry is logged once").toHaveLength(1)
            const events = spans.filter((span) => span.name === "Sessions.getSession").flatMap(textsOfSpan)
            expect(events.some((text) => text.includes("\"okta.retry.delay_ms\"")), "a retry event").toBe(true)
          }
          if (propagateTraceHeaders) expect(spans.some((span) => span.name.startsWith("http.client"))).toBe(true)
        }
        expect(calls).toBe(statuses.length * 3)
        expect(findings).toEqual([])
      }), 60_000)
  }
})
