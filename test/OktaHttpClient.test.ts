import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Either, Fiber, Layer, Option, Redacted, TestClock } from "effect"
import * as http from "node:http"
import { OktaConfig, OktaError, Session, Sessions } from "effect-okta-sessions"
import * as RecordingHttpClient from "./RecordingHttpClient.js"

const sessionId = Session.SessionId.make("l7FbDVqS8zHSy65uJD85")

/** Retries off, so each test sees exactly one exchange. */
const once = { maxRetries: 0 } as const

const failureOf = <A, E>(result: Either.Either<A, E>): E => {
  if (Either.isRight(result)) throw new Error("expected a failure")
  return result.left
}

const transportError = (error: OktaError.OktaError): OktaError.TransportError => {
  if (error._tag !== "TransportError") throw new Error(`expected TransportError, got ${error._tag}: ${error.message}`)
  return error
}

/** A body stream that sends `first` and then neither ends nor fails. */
const hangingBody = (first: Uint8Array) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(first)
    }
  })

describe("OktaHttpClient: timeouts", () => {
  it.effect("no answer within requestTimeout is TransportError Timeout, and the request is abandoned", () =>
    Effect.gen(function*() {
      let interrupted = false
      const fiber = yield* RecordingHttpClient.withSessions(
        () => Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => (interrupted = true)))),
        (sessions) => sessions.getSession(sessionId),
        { ...once, requestTimeout: "5 seconds" }
      ).pipe(Effect.fork)
      yield* TestClock.adjust("4999 millis")
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      yield* TestClock.adjust("1 millis")
      const { requests, result } = yield* Fiber.join(fiber)
      const error = transportError(failureOf(result))
      expect(error.reason).toBe("Timeout")
      expect(error.method).toBe("GET")
      expect(error.path).toBe("/api/v1/sessions/{sessionId}")
      expect(error.detail).toContain("5s")
      expect(error.message).toMatch(/^TransportError Timeout: .* \(GET \/api\/v1\/sessions\/\{sessionId\}\)$/)
      expect(requests).toHaveLength(1)
      expect(interrupted).toBe(true)
    }))

  it.effect("the timeout covers the body: headers then a stalled body is a Timeout too", () =>
    Effect.gen(function*() {
      const fiber = yield* RecordingHttpClient.withSessions(
        () => new Response(hangingBody(new TextEncoder().encode("{\"id\":")), { status: 200 }),
        (sessions) => sessions.refreshSession(sessionId),
        { ...once, requestTimeout: "2 seconds" }
      ).pipe(Effect.fork)
      yield* TestClock.adjust("2 seconds")
      const { result } = yield* Fiber.join(fiber)
      expect(transportError(failureOf(result)).reason).toBe("Timeout")
    }))

  it.effect("the default timeout is 30 seconds; zero turns it off", () =>
    Effect.gen(function*() {
      const byDefault = yield* RecordingHttpClient.withSessions(() => Effect.never, (s) => s.getSession(sessionId), once).pipe(
        Effect.fork
      )
      const off = yield* RecordingHttpClient.withSessions(() => Effect.never, (s) => s.getSession(sessionId), {
        ...once,
        requestTimeout: 0
      }).pipe(Effect.fork)
      yield* TestClock.adjust("30 seconds")
      const { result } = yield* Fiber.join(byDefault)
      expect(transportError(failureOf(result)).reason).toBe("Timeout")
      yield* TestClock.adjust("1 hour")
      expect(Option.isNone(yield* Fiber.poll(off))).toBe(true)
      yield* Fiber.interrupt(off)
    }))
})

describe("OktaHttpClient: connection failures", () => {
  it.effect("a dropped connection is TransportError Connection with what the transport said", () =>
    Effect.gen(function*() {
      const { requests, result } = yield* RecordingHttpClient.withSessions(
        (_recorded, request) =>
          Effect.fail(
            new HttpClientError.RequestError({
              request,
              reason: "Transport",
              cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" })
            })
          ),
        (sessions) => sessions.revokeSession(sessionId),
        once
      )
      const error = transportError(failureOf(result))
      expect(error.reason).toBe("Connection")
      expect(error.method).toBe("DELETE")
      expect(error.path).toBe("/api/v1/sessions/{sessionId}")
      expect(error.detail).toContain("other side closed")
      expect(error.detail).toContain("UND_ERR_SOCKET")
      expect(requests).toHaveLength(1)
    }))

  it.effect("what the transport said keeps the request's URL and ids out of the error", () =>
    Effect.gen(function*() {
      const { result } = yield* RecordingHttpClient.withSessions(
        (_recorded, request) =>
          Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: new Error("ECONNRESET") })),
        (sessions) => sessions.getSession(sessionId),
        once
      )
      const error = transportError(failureOf(result))
      expect(error.detail).toContain("ECONNRESET")
      for (const text of [error.detail, error.message, JSON.stringify(error)]) {
        expect(text).not.toContain(sessionId)
        expect(text).not.toContain("https://dev-123.okta.com")
      }
    }))

  it.effect("a body that breaks off mid-way is TransportError Connection", () =>
    Effect.gen(function*() {
      const broken = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode("{\"id\":"))
          controller.error(new Error("terminated"))
        }
      })
      const { result } = yield* RecordingHttpClient.withSessions(
        () => new Response(broken, { status: 200 }),
        (sessions) => sessions.getSession(sessionId),
        once
      )
      expect(transportError(failureOf(result)).reason).toBe("Connection")
    }))
})

describe("OktaHttpClient: response size cap", () => {
  const body = (size: number) => "x".repeat(size)

  it.effect("a body over maxResponseBytes is TransportError ResponseTooLarge, with or without Content-Length", () =>
    Effect.gen(function*() {
      const answers = [
        () => new Response(body(4096), { status: 200, headers: { "x-okta-request-id": "req-big" } }),
        () =>
          new Response(body(4096), { status: 200, headers: { "content-length": "4096", "x-okta-request-id": "req-big" } })
      ]
      for (const answer of answers) {
        const { result } = yield* RecordingHttpClient.withSessions(answer, (sessions) => sessions.getSession(sessionId), {
          ...once,
          maxResponseBytes: 2048
        })
        const error = transportError(failureOf(result))
        expect(error.reason).toBe("ResponseTooLarge")
        expect(error.requestId).toBe("req-big")
        expect(error.detail).toContain("2048")
      }
    }))

  it.effect("exactly maxResponseBytes is accepted, one byte more is not", () =>
    Effect.gen(function*() {
      const at = yield* RecordingHttpClient.withSessions(
        () => new Response(body(1024), { status: 200 }),
        (sessions) => sessions.revokeSession(sessionId),
        { ...once, maxResponseBytes: 1024 }
      )
      expect(at.result).toEqual(Either.right(undefined))
      const over = yield* RecordingHttpClient.withSessions(
        () => new Response(body(1025), { status: 200 }),
        (sessions) => sessions.revokeSession(sessionId),
        { ...once, maxResponseBytes: 1024 }
      )
      expect(transportError(failureOf(over.result)).reason).toBe("ResponseTooLarge")
    }))

  it.effect("an endless body is abandoned once it passes the cap", () =>
    Effect.gen(function*() {
      let pulls = 0
      const endless = new ReadableStream<Uint8Array>({
        pull(controller) {
          pulls++
          controller.enqueue(new Uint8Array(512))
        }
      })
      const { result } = yield* RecordingHttpClient.withSessions(
        () => new Response(endless, { status: 200 }),
        (sessions) => sessions.getSession(sessionId),
        { ...once, maxResponseBytes: 4096 }
      )
      expect(transportError(failureOf(result)).reason).toBe("ResponseTooLarge")
      expect(pulls).toBeLessThan(64)
    }))

  it.effect("an error status with an oversized body keeps its tag", () =>
    Effect.gen(function*() {
      const { result } = yield* RecordingHttpClient.withSessions(
        () => new Response(body(8192), { status: 404, headers: { "x-okta-request-id": "req-404" } }),
        (sessions) => sessions.getSession(sessionId),
        { ...once, maxResponseBytes: 1024 }
      )
      expect(failureOf(result)).toMatchObject({ _tag: "NotFound", status: 404, requestId: "req-404" })
    }))
})

/** A loopback server that answers every request with `handler`, closed with the test's scope. */
const server = (handler: http.RequestListener) =>
  Effect.acquireRelease(
    Effect.async<http.Server>((resume) => {
      const created = http.createServer(handler)
      created.listen(0, "127.0.0.1", () => resume(Effect.succeed(created)))
    }),
    (created) =>
      Effect.async<void>((resume) => {
        created.close(() => resume(Effect.void))
        created.closeAllConnections()
      })
  ).pipe(Effect.map((created) => {
    const address = created.address()
    if (address === null || typeof address === "string") throw new Error("the server has no port")
    return `http://127.0.0.1:${address.port}`
  }))

const clients: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["FetchHttpClient", FetchHttpClient.layer],
  ["NodeHttpClient.layerUndici", NodeHttpClient.layerUndici]
]

/** `Sessions` over a real client to a loopback org. */
const realSessions = (orgUrl: string, clientLayer: Layer.Layer<HttpClient.HttpClient>) =>
  Sessions.layer.pipe(
    Layer.provide(OktaConfig.layer({ orgUrl, token: Redacted.make(RecordingHttpClient.apiToken), ...once })),
    Layer.provide(clientLayer)
  )

describe("OktaHttpClient: real loopback HTTP", () => {
  for (const [name, clientLayer] of clients) {
    it.scopedLive(`${name}: the token goes with API calls, the cookie (and never the token) with /me`, () =>
      Effect.gen(function*() {
        const seen: Array<http.IncomingHttpHeaders & { readonly url?: string | undefined }> = []
        const org = yield* server((request, response) => {
          seen.push({ ...request.headers, url: request.url })
          response.writeHead(204).end()
        })
        const cookie = Session.SessionCookie.make({ name: "sid", value: Session.CookieValue.make("102cookie-VALUE") })
        yield* Effect.flatMap(Sessions.Sessions, (sessions) =>
          Effect.zipRight(sessions.revokeSession(sessionId), sessions.closeCurrentSession(cookie))).pipe(
            Effect.provide(realSessions(org, clientLayer))
          )
        expect(seen).toHaveLength(2)
        expect(seen[0]).toMatchObject({
          url: `/api/v1/sessions/${sessionId}`,
          authorization: `SSWS ${RecordingHttpClient.apiToken}`,
          accept: "application/json"
        })
        expect(seen[0]?.cookie).toBeUndefined()
        expect(seen[0]?.["user-agent"]).toMatch(/^effect-okta-sessions\//)
        expect(seen[1]).toMatchObject({ url: "/api/v1/sessions/me", cookie: "sid=102cookie-VALUE" })
        expect(seen[1]?.authorization).toBeUndefined()
      }))
  }
})

describe("OktaHttpClient: redirects", () => {
  it.effect("a 302 to another origin is not followed: one request, UnexpectedStatus", () =>
    Effect.gen(function*() {
      const { requests, result } = yield* RecordingHttpClient.withSessions(
        () => new Response(null, { status: 302, headers: { location: "https://attacker.example.com/collect" } }),
        (sessions) => sessions.getSession(sessionId),
        once
      )
      expect(failureOf(result)).toMatchObject({ _tag: "UnexpectedStatus", status: 302 })
      expect(requests).toHaveLength(1)
      expect(requests[0]?.url.origin).toBe("https://dev-123.okta.com")
    }))

  it.effect("fetch is told not to follow redirects, and the user's other fetch options are kept", () =>
    Effect.gen(function*() {
      const seen: Array<globalThis.RequestInit | undefined> = []
      const client = HttpClient.make((request, _url, _signal, fiber) => {
        seen.push(Option.getOrUndefined(Context.getOption(fiber.currentContext, FetchHttpClient.RequestInit)))
        return Effect.succeed(HttpClientResponse.fromWeb(request, new Response(null, { status: 204 })))
      })
      yield* Effect.flatMap(Sessions.Sessions, (sessions) => sessions.revokeSession(sessionId)).pipe(
        Effect.provide(RecordingHttpClient.sessionsLayer(client)),
        Effect.provideService(FetchHttpClient.RequestInit, { keepalive: true, redirect: "follow" })
      )
      expect(seen).toEqual([{ keepalive: true, redirect: "manual" }])
    }))

  for (const [name, clientLayer] of clients) {
    it.scopedLive(`${name}: a real 302 to another origin never reaches it, so the token stays home`, () =>
      Effect.gen(function*() {
        const elsewhere: Array<string | undefined> = []
        const other = yield* server((request, response) => {
          elsewhere.push(request.headers.authorization)
          response.writeHead(200, { "content-type": "application/json" }).end("{}")
        })
        const okta = yield* server((_request, response) => {
          response.writeHead(302, { location: `${other}/api/v1/sessions/${sessionId}` }).end()
        })
        const result = yield* Effect.flatMap(Sessions.Sessions, (sessions) => sessions.getSession(sessionId)).pipe(
          Effect.provide(realSessions(okta, clientLayer)),
          Effect.either
        )
        expect(failureOf(result)).toMatchObject({ _tag: "UnexpectedStatus", status: 302 })
        expect(elsewhere).toEqual([])
      }))
  }
})

describe("OktaHttpClient: trace headers", () => {
  const traceHeaders = (headers: Readonly<Record<string, string>>) =>
    Object.keys(headers).filter((name) => name === "traceparent" || name === "tracestate" || name === "b3" || name.startsWith("x-b3-"))

  it.effect("inside a span, no traceparent or b3 header goes to Okta by default", () =>
    Effect.gen(function*() {
      const { requests } = yield* RecordingHttpClient.withSessions(
        () => new Response(null, { status: 204 }),
        (sessions) => sessions.revokeSession(sessionId).pipe(Effect.withSpan("app.handler"))
      ).pipe(Effect.withSpan("app.request"))
      expect(requests).toHaveLength(1)
      expect(traceHeaders(requests[0]?.headers ?? {})).toEqual([])
    }))

  it.effect("with propagateTraceHeaders: true, traceparent and b3 are sent", () =>
    Effect.gen(function*() {
      const { requests } = yield* RecordingHttpClient.withSessions(
        () => new Response(null, { status: 204 }),
        (sessions) => sessions.revokeSession(sessionId),
        { propagateTraceHeaders: true }
      ).pipe(Effect.withSpan("app.request"))
      expect(traceHeaders(requests[0]?.headers ?? {}).sort()).toEqual(["b3", "traceparent"])
      expect(requests[0]?.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/)
    }))

  it.effect("the user's own client keeps propagating to other services", () =>
    Effect.gen(function*() {
      const { client, requests } = RecordingHttpClient.make(() => new Response(null, { status: 204 }))
      yield* Effect.flatMap(Sessions.Sessions, (sessions) => sessions.revokeSession(sessionId)).pipe(
        Effect.provide(RecordingHttpClient.sessionsLayer(client))
      )
      yield* client.get("https://billing.internal.example/api")
      expect(traceHeaders(requests[0]?.headers ?? {})).toEqual([])
      expect(traceHeaders(requests[1]?.headers ?? {})).toContain("traceparent")
    }).pipe(Effect.withSpan("app.request")))
})
