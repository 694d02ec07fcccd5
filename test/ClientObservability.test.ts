/**
 * What a call shows of itself, over real loopback HTTP (a node:http server each test starts and
 * stops on 127.0.0.1) on every transport: the OpenTelemetry HTTP client attributes, `okta.request_id`,
 * `okta.retries` and `error.type` on the `Sessions.*` span, a span event per retry and per throttle
 * wait, and the client's metrics (`OktaHttpClient.metrics`) read with `Metric.value`.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, Exit, Fiber, FiberRef, FiberRefs, Layer, Logger, LogLevel, Metric, Option, Redacted, Schedule, type Scope, Tracer } from "effect"
import * as http from "node:http"
import type * as net from "node:net"
import { OktaConfig, OktaHttpClient, Session, Sessions } from "effect-okta-sessions"
import { type ClientStack, clientStacks } from "./clientStacks.js"
import { sessionBody } from "./RateLimitFixture.js"
import { type RecordedSpan, recordingTracer } from "./recordingTracer.js"
import { apiToken } from "./RecordingHttpClient.js"

const sessionId = Session.SessionId.make("l7FbDVqS8zHSy65uJD85")
const json = { "content-type": "application/json" }
const session = JSON.stringify(sessionBody)

/** What the server answers a request: status, headers, body, after an optional real delay. */
interface Reply {
  readonly status: number
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
  readonly delayMillis?: number
  /** Never answer (the request timeout ends the call). */
  readonly hang?: boolean
}

/** A node:http server on 127.0.0.1 answering the `index`-th request (from 0); closed with the scope. */
const server = (reply: (index: number) => Reply): Effect.Effect<{ readonly url: string; readonly port: number }, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.async<http.Server>((resume) => {
        let index = 0
        const created = http.createServer((request, response) => {
          request.resume()
          const answer = reply(index++)
          if (answer.hang === true) return
          setTimeout(() => {
            response.writeHead(answer.status, { ...answer.headers })
            response.end(answer.body)
          }, answer.delayMillis ?? 0)
        })
        created.listen(0, "127.0.0.1", () => resume(Effect.succeed(created)))
      }),
      (created) =>
        Effect.async<void>((resume) => {
          created.close(() => resume(Effect.void))
          created.closeAllConnections()
        })
    ),
    (created) => {
      const port = portOf(created)
      return { url: `http://127.0.0.1:${port}`, port }
    }
  )

const portOf = (created: net.Server): number => {
  const address = created.address()
  if (address === null || typeof address === "string") throw new Error("the server has no port")
  return address.port
}

/** Short real-time retries, so that the tests stay fast. */
const quickRetries = {
  transientRetry: Schedule.addDelay(Schedule.recurs(2), () => Duration.millis(10)),
  rateLimitRetry: Schedule.addDelay(Schedule.recurs(2), () => Duration.millis(10)),
  requestTimeout: "5 seconds"
} as const

/** `Sessions` over `stack` to `orgUrl`. */
const sessionsOver = (stack: ClientStack, orgUrl: string, options: Partial<OktaConfig.OktaConfig.Options> = {}) =>
  stack(OktaConfig.layer({ orgUrl, token: Redacted.make(apiToken), ...quickRetries, ...options }))

/** Runs `use` with `Sessions` over `stack` and the recording tracer; returns its exit and the spans. */
const run = <A, E>(
  stack: ClientStack,
  orgUrl: string,
  use: (sessions: Sessions.Sessions.Service) => Effect.Effect<A, E>,
  options: Partial<OktaConfig.OktaConfig.Options> = {}
) =>
  Effect.gen(function*() {
    const { spans, tracer } = recordingTracer()
    const exit = yield* Effect.gen(function*() {
      const sessions = yield* Sessions.Sessions
      return yield* Effect.exit(use(sessions).pipe(Effect.withTracer(tracer)))
    }).pipe(Effect.provide(sessionsOver(stack, orgUrl, options)))
    return { exit, spans }
  })

const spanNamed = (spans: ReadonlyArray<RecordedSpan>, name: string): RecordedSpan => {
  const span = spans.find((candidate) => candidate.name === name)
  if (span === undefined) throw new Error(`no span ${name} among ${spans.map((candidate) => candidate.name).join(", ")}`)
  return span
}

/** A counter's count for `operation` and the second tag. */
const count = (metric: Metric.Metric.Counter<number>, operation: string, tag: string, value: string) =>
  Effect.map(Metric.value(metric.pipe(Metric.tagged("operation", operation), Metric.tagged(tag, value))), (state) => state.count)

/** A histogram's count of observations for the tags. */
const observations = (metric: Metric.Metric.Histogram<number>, tags: ReadonlyArray<readonly [string, string]>) =>
  Effect.map(
    Metric.value(tags.reduce((tagged, [key, value]) => tagged.pipe(Metric.tagged(key, value)), metric)),
    (state) => state.count
  )

/** Runs `measure` before and after `effect`: the difference, and what `effect` gave. */
const delta = <A, E, R>(measure: Effect.Effect<number>, effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const before = yield* measure
    const result = yield* effect
    return { result, delta: (yield* measure) - before }
  })

/** What plain JavaScript passes, whatever the signature says. */
const untyped = <T>(value: unknown): T => value as T

const errorBody = (status: number) => JSON.stringify({ errorCode: `E${status}`, errorSummary: `status ${status}` })

/** The platform `HttpClient` path (over undici) and the lean one; fetch too. */
for (const [stackName, stack] of clientStacks) {
  describe(`observability over ${stackName}`, () => {
    it.scopedLive("a success: the HTTP client attributes, request id and no retries on the Sessions span; one request counted", () =>
      Effect.gen(function*() {
        const org = yield* server(() => ({ status: 200, headers: { ...json, "x-okta-request-id": "req-ok" }, body: session }))
        const { delta: counted, result: { exit, spans } } = yield* delta(
          count(OktaHttpClient.metrics.requests, "getSession", "status", "200"),
          run(stack, org.url, (sessions) => sessions.getSession(sessionId))
        )
        expect(Exit.isSuccess(exit)).toBe(true)
        const span = spanNamed(spans, "Sessions.getSession")
        expect(span.kind).toBe("client")
        expect(Object.fromEntries(span.attributes)).toMatchObject({
          "http.request.method": "GET",
          "server.address": "127.0.0.1",
          "server.port": org.port,
          "url.template": "/api/v1/sessions/{sessionId}",
          "http.response.status_code": 200,
          "okta.request_id": "req-ok",
          "okta.retries": 0
        })
        expect(span.attributes.has("error.type")).toBe(false)
        expect(span.events).toEqual([])
        // Ended once, as a success that does not hold the Session (callSpan.ts).
        expect(span.exit).toBe(Exit.void)
        expect(counted).toBe(1)
      }))

    it.scopedLive("an interrupted call still ends its Sessions span, as interrupted", () =>
      Effect.gen(function*() {
        const org = yield* server(() => ({ status: 200, hang: true }))
        const { exit, spans } = yield* run(
          stack,
          org.url,
          (sessions) => Effect.timeoutOption(sessions.getSession(sessionId), "100 millis")
        )
        expect(Exit.isSuccess(exit) && Option.isNone(exit.value)).toBe(true)
        const ended = spanNamed(spans, "Sessions.getSession").exit
        expect(ended !== undefined && Exit.isInterrupted(ended)).toBe(true)
      }))

    it.scopedLive("the duration histogram and the fiber's own metric labels", () =>
      Effect.gen(function*() {
        const org = yield* server(() => ({ status: 200, headers: json, body: session, delayMillis: 30 }))
        const tagged = OktaHttpClient.metrics.requestDuration.pipe(
          Metric.tagged("operation", "refreshSession"),
          Metric.tagged("status", "200"),
          Metric.tagged("app", stackName)
        )
        const before = yield* Metric.value(tagged)
        yield* run(stack, org.url, (sessions) => Effect.tagMetrics(sessions.refreshSession(sessionId), "app", stackName))
        const after = yield* Metric.value(tagged)
        expect(after.count - before.count).toBe(1)
        // At least the server's 30 ms, well under the timeout.
        expect(after.sum - before.sum).toBeGreaterThanOrEqual(0.025)
        expect(after.sum - before.sum).toBeLessThan(5)
      }))

    it.scopedLive("a failure after retries: okta.retries, error.type and the last status on the span, one event per retry, retries by reason", () =>
      Effect.gen(function*() {
        const org = yield* server((index) => ({
          status: 503,
          headers: { ...json, "x-okta-request-id": `req-${index}` },
          body: errorBody(503)
        }))
        const retriesBefore = yield* count(OktaHttpClient.metrics.retries, "getSession", "reason", "503")
        const requestsBefore = yield* count(OktaHttpClient.metrics.requests, "getSession", "status", "503")
        const { exit, spans } = yield* run(stack, org.url, (sessions) => sessions.getSession(sessionId))
        expect(Exit.isFailure(exit)).toBe(true)
        const span = spanNamed(spans, "Sessions.getSession")
        expect(Object.fromEntries(span.attributes)).toMatchObject({
          "http.response.status_code": 503,
          "okta.request_id": "req-2",
          "okta.retries": 2,
          "error.type": "503"
        })
        expect(span.events.map((event) => [event.name, event.attributes["okta.retry.count"], event.attributes["okta.retry.reason"]]))
          .toEqual([["okta.retry", 1, "503"], ["okta.retry", 2, "503"]])
        expect(span.events.every((event) => event.attributes["okta.retry.delay_ms"] === 10)).toBe(true)
        expect((yield* count(OktaHttpClient.metrics.retries, "getSession", "reason", "503")) - retriesBefore).toBe(2)
        expect((yield* count(OktaHttpClient.metrics.requests, "getSession", "status", "503")) - requestsBefore).toBe(3)
      }))

    it.scopedLive("a 429 then a 200: counted as a 429 and a retry for 429, the call ends well with okta.retries 1", () =>
      Effect.gen(function*() {
        const org = yield* server((index) =>
          index === 0
            ? { status: 429, headers: json, body: errorBody(429) }
            : { status: 200, headers: json, body: session }
        )
        const rateLimitedBefore = yield* Effect.map(
          Metric.value(OktaHttpClient.metrics.rateLimited.pipe(Metric.tagged("operation", "refreshSession"))),
          (state) => state.count
        )
        const { delta: retried, result: { exit, spans } } = yield* delta(
          count(OktaHttpClient.metrics.retries, "refreshSession", "reason", "429"),
          run(stack, org.url, (sessions) => sessions.refreshSession(sessionId))
        )
        expect(Exit.isSuccess(exit)).toBe(true)
        const span = spanNamed(spans, "Sessions.refreshSession")
        expect(span.attributes.get("okta.retries")).toBe(1)
        expect(span.attributes.get("http.response.status_code")).toBe(200)
        expect(span.attributes.has("error.type")).toBe(false)
        expect(span.events.map((event) => event.attributes["okta.retry.reason"])).toEqual(["429"])
        expect(retried).toBe(1)
        const rateLimitedAfter = yield* Effect.map(
          Metric.value(OktaHttpClient.metrics.rateLimited.pipe(Metric.tagged("operation", "refreshSession"))),
          (state) => state.count
        )
        expect(rateLimitedAfter - rateLimitedBefore).toBe(1)
      }))

    it.scopedLive("a timeout: error.type timeout, no status code, counted under status timeout", () =>
      Effect.gen(function*() {
        const org = yield* server(() => ({ status: 200, hang: true }))
        const { delta: counted, result: { exit, spans } } = yield* delta(
          count(OktaHttpClient.metrics.requests, "revokeSession", "status", "timeout"),
          run(stack, org.url, (sessions) => sessions.revokeSession(sessionId), {
            requestTimeout: "150 millis",
            transientRetry: Schedule.stop
          })
        )
        expect(Exit.isFailure(exit)).toBe(true)
        const span = spanNamed(spans, "Sessions.revokeSession")
        expect(span.attributes.get("error.type")).toBe("timeout")
        expect(span.exit !== undefined && Exit.isFailure(span.exit) && !Exit.isInterrupted(span.exit)).toBe(true)
        expect(span.attributes.has("http.response.status_code")).toBe(false)
        expect(span.attributes.get("okta.retries")).toBe(0)
        expect(counted).toBe(1)
      }))

    it.scopedLive("a spent window: the next call's span has an okta.throttle.wait event, and the wait is in the histogram", () =>
      Effect.gen(function*() {
        const now = Date.now()
        const org = yield* server((index) => ({
          status: 200,
          headers: {
            ...json,
            date: new Date(now).toUTCString(),
            "x-rate-limit-limit": "600",
            "x-rate-limit-remaining": index === 0 ? "0" : "599",
            "x-rate-limit-reset": String(Math.floor(now / 1000) + 1)
          },
          body: session
        }))
        const waits = observations(OktaHttpClient.metrics.throttleWait, [["cause", "rate_limit"]])
        const { delta: waited, result: { exit, spans } } = yield* delta(
          waits,
          run(stack, org.url, (sessions) => Effect.zipRight(sessions.getSession(sessionId), sessions.refreshSession(sessionId)), {
            throttle: { pad: 0, jitter: 0 }
          })
        )
        expect(Exit.isSuccess(exit)).toBe(true)
        expect(spanNamed(spans, "Sessions.getSession").events).toEqual([])
        const held = spanNamed(spans, "Sessions.refreshSession").events
        expect(held.map((event) => [event.name, event.attributes["okta.throttle.cause"], event.attributes["okta.rate_limit.family"]]))
          .toEqual([["okta.throttle.wait", "rate_limit", "sessions"]])
        expect(held[0]?.attributes["okta.throttle.delay_ms"]).toBeGreaterThan(0)
        expect(waited).toBe(1)
      }))

    it.scopedLive("a full maxConcurrency: the call that waited for a permit has an event with the time it waited", () =>
      Effect.gen(function*() {
        const org = yield* server(() => ({ status: 200, headers: json, body: session, delayMillis: 80 }))
        const waits = observations(OktaHttpClient.metrics.throttleWait, [["cause", "concurrency"]])
        const { delta: waited, result: { exit, spans } } = yield* delta(
          waits,
          run(
            stack,
            org.url,
            (sessions) =>
              Effect.gen(function*() {
                const first = yield* Effect.fork(sessions.getSession(sessionId))
                yield* Effect.sleep("20 millis")
                yield* sessions.refreshSession(sessionId)
                yield* Fiber.join(first)
              }),
            { throttle: { maxConcurrency: 1 } }
          )
        )
        expect(Exit.isSuccess(exit)).toBe(true)
        expect(spanNamed(spans, "Sessions.getSession").events).toEqual([])
        const held = spanNamed(spans, "Sessions.refreshSession").events
        expect(held.map((event) => [event.name, event.attributes["okta.throttle.cause"]])).toEqual([["okta.throttle.wait", "concurrency"]])
        // The first call held the only permit for about its 80 ms; the second asked 20 ms in.
        expect(held[0]?.attributes["okta.throttle.delay_ms"]).toBeGreaterThanOrEqual(30)
        expect(waited).toBe(1)
      }))

    it.scopedLive("error.type of failures made before or after the HTTP exchange: decode_error, invalid_argument", () =>
      Effect.gen(function*() {
        const org = yield* server(() => ({ status: 200, headers: json, body: "{\"id\":42}" }))
        const decoded = yield* run(stack, org.url, (sessions) => sessions.getSession(sessionId))
        expect(Exit.isFailure(decoded.exit)).toBe(true)
        const span = spanNamed(decoded.spans, "Sessions.getSession")
        expect(span.attributes.get("error.type")).toBe("decode_error")
        expect(span.attributes.get("http.response.status_code")).toBe(200)
        const refused = yield* run(stack, org.url, (sessions) => sessions.getSession(untyped("me")))
        expect(Exit.isFailure(refused.exit)).toBe(true)
        expect(spanNamed(refused.spans, "Sessions.getSession").attributes.get("error.type")).toBe("invalid_argument")
      }))

    it.scopedLive("the Sessions span is a child of the caller's span and the parent of what the call opens or logs", () =>
      Effect.gen(function*() {
        const org = yield* server((index) =>
          index === 0 ? { status: 503, headers: json, body: errorBody(503) } : { status: 200, headers: json, body: session }
        )
        // The span current when each log line was written (the retry's debug line is written inside the call).
        const spanOfLogLine: Array<string> = []
        const logger = Logger.make(({ context }) => {
          const current = Context.getOption(FiberRefs.getOrDefault(context, FiberRef.currentContext), Tracer.ParentSpan)
          spanOfLogLine.push(Option.match(current, { onNone: () => "none", onSome: (span) => span._tag === "Span" ? span.name : "external" }))
        })
        const { exit, spans } = yield* run(
          stack,
          org.url,
          (sessions) =>
            sessions.getSession(sessionId).pipe(
              Effect.withSpan("caller"),
              Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
              Logger.withMinimumLogLevel(LogLevel.Debug)
            ),
          { propagateTraceHeaders: true }
        )
        expect(Exit.isSuccess(exit)).toBe(true)
        const caller = spanNamed(spans, "caller")
        const call = spanNamed(spans, "Sessions.getSession")
        expect(Option.getOrUndefined(call.parent)).toBe(caller)
        const exchanges = spans.filter((span) => span.name === "http.client GET")
        expect(exchanges.length).toBe(2)
        for (const exchange of exchanges) expect(Option.getOrUndefined(exchange.parent)).toBe(call)
        expect(spanOfLogLine.length).toBeGreaterThan(0)
        expect(spanOfLogLine.every((name) => name === "Sessions.getSession" || name === "http.client GET"), spanOfLogLine.join(", ")).toBe(true)
        expect(spanOfLogLine).toContain("Sessions.getSession")
      }))

    it.scopedLive("no secret in any attribute or event, even when the server echoes the token in its request id", () =>
      Effect.gen(function*() {
        const org = yield* server((index) => ({
          status: index === 0 ? 503 : 401,
          headers: { ...json, "x-okta-request-id": `id-${apiToken}-SSWS ${apiToken}` },
          body: errorBody(401)
        }))
        const { spans } = yield* run(stack, org.url, (sessions) => sessions.getSession(sessionId))
        const span = spanNamed(spans, "Sessions.getSession")
        expect(String(span.attributes.get("okta.request_id"))).toContain("<redacted>")
        expect(span.events.length).toBe(1)
        for (const recorded of spans) {
          const text = JSON.stringify([...recorded.attributes, ...recorded.events.map((event) => [event.name, event.attributes])])
          expect(text.includes(apiToken), `${recorded.name}: ${text}`).toBe(false)
        }
      }))
  })
}

/** A user's own `HttpClient` that opens a span of its own around each request (its middleware). */
const withMiddlewareSpan = (client: Layer.Layer<HttpClient.HttpClient>): ClientStack => (config) =>
  Layer.effect(Sessions.Sessions, Sessions.make).pipe(
    Layer.provideMerge(OktaHttpClient.layer),
    Layer.provide(config),
    Layer.provide(
      Layer.effect(
        HttpClient.HttpClient,
        Effect.map(HttpClient.HttpClient, (inner) => HttpClient.transform(inner, (request) => Effect.withSpan(request, "user.middleware")))
      ).pipe(Layer.provide(client))
    )
  )

describe("observability over a user's HttpClient that opens spans of its own", () => {
  for (const [name, client] of [["FetchHttpClient", FetchHttpClient.layer], ["NodeHttpClient.layerUndici", NodeHttpClient.layerUndici]] as const) {
    it.scopedLive(`over ${name}: its span is a child of the Sessions span`, () =>
      Effect.gen(function*() {
        const org = yield* server(() => ({ status: 200, headers: json, body: session }))
        const { exit, spans } = yield* run(withMiddlewareSpan(client), org.url, (sessions) => sessions.getSession(sessionId))
        expect(Exit.isSuccess(exit)).toBe(true)
        const call = spanNamed(spans, "Sessions.getSession")
        const middleware = spanNamed(spans, "user.middleware")
        expect(Option.getOrUndefined(middleware.parent)).toBe(call)
        expect(middleware.exit !== undefined && Exit.isSuccess(middleware.exit)).toBe(true)
      }))
  }
})

describe("observability of a direct OktaHttpClient.execute", () => {
  it.scopedLive("counted under its own operation name, or its method and path template", () =>
    Effect.gen(function*() {
      const org = yield* server(() => ({ status: 204 }))
      const stack = clientStacks.find(([name]) => name === "OktaUndici")?.[1]
      if (stack === undefined) throw new Error("no OktaUndici stack")
      const request = {
        method: "DELETE",
        pathTemplate: "/api/v1/sessions/{sessionId}",
        path: `/api/v1/sessions/${sessionId}`,
        credential: "apiToken",
        documented: ["NotFound"]
      } as const
      const named = count(OktaHttpClient.metrics.requests, "myRevoke", "status", "204")
      const unnamed = count(OktaHttpClient.metrics.requests, "DELETE /api/v1/sessions/{sessionId}", "status", "204")
      const [namedBefore, unnamedBefore] = [yield* named, yield* unnamed]
      yield* Effect.gen(function*() {
        const client = yield* OktaHttpClient.OktaHttpClient
        yield* client.execute({ ...request, operation: "myRevoke" })
        yield* client.execute(request)
      }).pipe(Effect.provide(sessionsOver(stack, org.url)))
      expect((yield* named) - namedBefore).toBe(1)
      expect((yield* unnamed) - unnamedBefore).toBe(1)
    }))
})
