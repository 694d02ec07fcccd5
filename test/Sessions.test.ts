import * as HttpClientError from "@effect/platform/HttpClientError"
import { describe, expect, it } from "@effect/vitest"
import { Cause, DateTime, Effect, Either, Exit, Fiber, Layer, Logger, LogLevel, Redacted, Schema, TestClock, Tracer } from "effect"
import { existsSync, readFileSync } from "node:fs"
import * as os from "node:os"
import { fileURLToPath } from "node:url"
import { parse } from "yaml"
import { OktaError, Session, Sessions } from "effect-okta-sessions"
import * as RecordingHttpClient from "./RecordingHttpClient.js"

const packageVersion = Schema.decodeUnknownSync(Schema.parseJson(Schema.Struct({ version: Schema.String })))(
  readFileSync(new URL("../package.json", import.meta.url), "utf8")
).version

const sessionId = Session.SessionId.make("l7FbDVqS8zHSy65uJD85")
const userId = Session.UserId.make("00u0abcdefGHIJKLMNOP")
const cookieValue = "abcde-123_cookie-VALUE"
const sidCookie = Session.SessionCookie.make({ name: "sid", value: Session.CookieValue.make(cookieValue) })
const sessionToken = "20111gDQ-one-time-SESSION-token"

/** A Session body as Okta sends it, for tests that do not need the spec's examples. */
const sessionBody = {
  id: "l7FbDVqS8zHSy65uJD85",
  userId: "00u0abcdefGHIJKLMNOP",
  login: "user@example.com",
  status: "ACTIVE",
  createdAt: "2026-01-02T03:04:05.000Z",
  expiresAt: "2026-01-02T05:04:05.000Z",
  lastPasswordVerification: "2026-01-02T03:04:00.000Z",
  lastFactorVerification: null,
  amr: ["pwd"],
  idp: { id: "00o1abcdefGHIJKLMNOP", type: "OKTA" },
  _links: { self: { href: "https://dev-123.okta.com/api/v1/sessions/l7FbDVqS8zHSy65uJD85", hints: { allow: ["GET", "DELETE"] } } }
}

type Tag = OktaError.OktaError["_tag"]

/** Each operation, how it goes on the wire, and what it documents (DESIGN.md's table). */
interface Operation {
  readonly name: keyof Sessions.Sessions.Service
  readonly method: "GET" | "POST" | "DELETE"
  readonly path: string
  readonly template: string
  readonly credential: "apiToken" | "cookie"
  readonly success: 200 | 204
  readonly documented: ReadonlyArray<readonly [number, Tag]>
  readonly call: (sessions: Sessions.Sessions.Service) => Effect.Effect<unknown, OktaError.OktaError>
}

const operations: ReadonlyArray<Operation> = [
  {
    name: "createSession",
    method: "POST",
    path: "/api/v1/sessions",
    template: "/api/v1/sessions",
    credential: "apiToken",
    success: 200,
    documented: [[400, "BadRequest"], [403, "Forbidden"], [429, "TooManyRequests"]],
    call: (sessions) => sessions.createSession(Redacted.make(sessionToken))
  },
  {
    name: "getSession",
    method: "GET",
    path: "/api/v1/sessions/l7FbDVqS8zHSy65uJD85",
    template: "/api/v1/sessions/{sessionId}",
    credential: "apiToken",
    success: 200,
    documented: [[400, "BadRequest"], [403, "Forbidden"], [404, "NotFound"], [429, "TooManyRequests"]],
    call: (sessions) => sessions.getSession(sessionId)
  },
  {
    name: "refreshSession",
    method: "POST",
    path: "/api/v1/sessions/l7FbDVqS8zHSy65uJD85/lifecycle/refresh",
    template: "/api/v1/sessions/{sessionId}/lifecycle/refresh",
    credential: "apiToken",
    success: 200,
    documented: [[403, "Forbidden"], [404, "NotFound"], [429, "TooManyRequests"]],
    call: (sessions) => sessions.refreshSession(sessionId)
  },
  {
    name: "revokeSession",
    method: "DELETE",
    path: "/api/v1/sessions/l7FbDVqS8zHSy65uJD85",
    template: "/api/v1/sessions/{sessionId}",
    credential: "apiToken",
    success: 204,
    documented: [[403, "Forbidden"], [404, "NotFound"], [429, "TooManyRequests"]],
    call: (sessions) => sessions.revokeSession(sessionId)
  },
  {
    name: "getCurrentSession",
    method: "GET",
    path: "/api/v1/sessions/me",
    template: "/api/v1/sessions/me",
    credential: "cookie",
    success: 200,
    documented: [[404, "NotFound"]],
    call: (sessions) => sessions.getCurrentSession(sidCookie)
  },
  {
    name: "refreshCurrentSession",
    method: "POST",
    path: "/api/v1/sessions/me/lifecycle/refresh",
    template: "/api/v1/sessions/me/lifecycle/refresh",
    credential: "cookie",
    success: 200,
    documented: [[404, "NotFound"]],
    call: (sessions) => sessions.refreshCurrentSession(sidCookie)
  },
  {
    name: "closeCurrentSession",
    method: "DELETE",
    path: "/api/v1/sessions/me",
    template: "/api/v1/sessions/me",
    credential: "cookie",
    success: 204,
    documented: [[404, "NotFound"]],
    call: (sessions) => sessions.closeCurrentSession(sidCookie)
  },
  {
    name: "revokeUserSessions",
    method: "DELETE",
    path: "/api/v1/users/00u0abcdefGHIJKLMNOP/sessions",
    template: "/api/v1/users/{userId}/sessions",
    credential: "apiToken",
    success: 204,
    documented: [[403, "Forbidden"], [404, "NotFound"], [429, "TooManyRequests"]],
    call: (sessions) => sessions.revokeUserSessions(userId)
  }
]

/** The success answer of an operation. */
const succeed = (operation: Operation) => (): Response =>
  operation.success === 204 ? new Response(null, { status: 204 }) : RecordingHttpClient.json(200, sessionBody)

/** Runs an operation against a fake answer, with rate-limit retries off so a 429 comes straight back. */
const runAgainst = (operation: Operation, respond: RecordingHttpClient.Respond) =>
  RecordingHttpClient.withSessions(respond, operation.call, { maxRetries: 0 })

const failureOf = <A, E>(result: Either.Either<A, E>): E => {
  if (Either.isRight(result)) throw new Error(`expected a failure, got ${String(result.right)}`)
  return result.left
}

const expectedUserAgent = `effect-okta-sessions/${packageVersion} node/${process.versions.node} ${os.platform()}/${os.release()}`

describe("Sessions: what each operation sends", () => {
  for (const operation of operations) {
    it.effect(`${operation.name}: ${operation.method} ${operation.template}`, () =>
      Effect.gen(function*() {
        const { requests, result } = yield* RecordingHttpClient.withSessions(
          succeed(operation),
          operation.call,
          { userAgent: "my-app/1.2" }
        )
        expect(Either.isRight(result)).toBe(true)
        expect(requests).toHaveLength(1)
        const [request] = requests
        expect(request?.method).toBe(operation.method)
        expect(request?.url.origin).toBe("https://dev-123.okta.com")
        expect(request?.url.pathname).toBe(operation.path)
        expect(request?.url.search).toBe("")
        const credentialHeader = operation.credential === "apiToken"
          ? { authorization: `SSWS ${RecordingHttpClient.apiToken}` }
          : { cookie: `sid=${cookieValue}` }
        const bodyHeaders = operation.name === "createSession"
          ? { "content-type": "application/json", "content-length": String(JSON.stringify({ sessionToken }).length) }
          : {}
        expect(request?.headers).toEqual({
          accept: "application/json",
          "user-agent": `${expectedUserAgent} my-app/1.2`,
          ...credentialHeader,
          ...bodyHeaders
        })
        if (operation.name === "createSession") {
          expect(request?.contentType).toBe("application/json")
          expect(request?.body).toBe(JSON.stringify({ sessionToken }))
        } else {
          expect(request?.body).toBeUndefined()
          expect(request?.contentType).toBeUndefined()
        }
      }))
  }

  it.effect("a Bearer access token goes as `Authorization: Bearer …`", () =>
    Effect.gen(function*() {
      const { requests } = yield* RecordingHttpClient.withSessions(
        () => RecordingHttpClient.json(200, sessionBody),
        (sessions) => sessions.getSession(sessionId),
        { authorizationMode: "Bearer" }
      )
      expect(requests[0]?.headers.authorization).toBe(`Bearer ${RecordingHttpClient.apiToken}`)
    }))

  it.effect("the user agent has no trailing text when none is configured", () =>
    Effect.gen(function*() {
      const { requests } = yield* RecordingHttpClient.withSessions(
        () => RecordingHttpClient.json(200, sessionBody),
        (sessions) => sessions.getSession(sessionId)
      )
      expect(requests[0]?.headers["user-agent"]).toBe(expectedUserAgent)
      expect(requests[0]?.headers["user-agent"]).toMatch(/^effect-okta-sessions\/\d+\.\d+\.\d+ node\/\d+\.\d+\.\d+ \S+\/\S+$/)
    }))

  it.effect("the /me operations send the idx cookie as given", () =>
    Effect.gen(function*() {
      const idx = Session.SessionCookie.make({ name: "idx", value: Session.CookieValue.make("eyJ0-idx.value=") })
      const { requests } = yield* RecordingHttpClient.withSessions(
        () => RecordingHttpClient.json(200, sessionBody),
        (sessions) => sessions.refreshCurrentSession(idx)
      )
      expect(requests[0]?.headers.cookie).toBe("idx=eyJ0-idx.value=")
      expect(requests[0]?.headers.authorization).toBeUndefined()
    }))

  it.effect("revokeUserSessions sends its options as query booleans, and nothing when left out", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [Sessions.RevokeUserSessionsOptions | undefined, string]> = [
        [undefined, ""],
        [{}, ""],
        [{ oauthTokens: true }, "?oauthTokens=true"],
        [{ forgetDevices: false }, "?forgetDevices=false"],
        [{ oauthTokens: false, forgetDevices: true }, "?oauthTokens=false&forgetDevices=true"]
      ]
      for (const [options, search] of cases) {
        const { requests } = yield* RecordingHttpClient.withSessions(
          () => new Response(null, { status: 204 }),
          (sessions) => sessions.revokeUserSessions(userId, options)
        )
        expect(requests[0]?.url.pathname).toBe("/api/v1/users/00u0abcdefGHIJKLMNOP/sessions")
        expect(requests[0]?.url.search, JSON.stringify(options)).toBe(search)
      }
    }))

  it.effect("a 204 (or a 200) answer to a revoke succeeds with nothing, with or without a body", () =>
    Effect.gen(function*() {
      const answers = [() => new Response(null, { status: 204 }), () => new Response("", { status: 200 }), () => RecordingHttpClient.json(200, {})]
      for (const answer of answers) {
        const { result } = yield* RecordingHttpClient.withSessions(answer, (sessions) => sessions.revokeSession(sessionId))
        expect(result).toEqual(Either.right(undefined))
      }
    }))
})

describe("Sessions: decoding a 200", () => {
  it.effect("a Session decodes with DateTimes, nullable verification times and links", () =>
    Effect.gen(function*() {
      const { result } = yield* RecordingHttpClient.withSessions(
        () => RecordingHttpClient.json(200, sessionBody),
        (sessions) => sessions.getSession(sessionId)
      )
      const session = Either.getOrThrow(result)
      expect(session).toBeInstanceOf(Session.Session)
      expect(session.id).toBe(sessionBody.id)
      expect(DateTime.toEpochMillis(session.expiresAt)).toBe(Date.parse(sessionBody.expiresAt))
      expect(session.lastFactorVerification).toBeUndefined()
      expect(session.lastPasswordVerification && DateTime.formatIso(session.lastPasswordVerification)).toBe(
        sessionBody.lastPasswordVerification
      )
      expect(session._links?.self?.hints?.allow).toEqual(["GET", "DELETE"])
    }))

  it.effect("unknown status, amr and idp type values decode as strings", () =>
    Effect.gen(function*() {
      const body = { ...sessionBody, status: "MFA_SOMETHING_NEW", amr: ["pwd", "face"], idp: { id: "x", type: "PASSKEY_IDP" } }
      const { result } = yield* RecordingHttpClient.withSessions(
        () => RecordingHttpClient.json(200, body),
        (sessions) => sessions.getSession(sessionId)
      )
      const session = Either.getOrThrow(result)
      expect(session.status).toBe("MFA_SOMETHING_NEW")
      expect(session.amr).toEqual(["pwd", "face"])
      expect(session.idp?.type).toBe("PASSKEY_IDP")
    }))

  it.effect("absent optional fields decode, and an absent amr is empty", () =>
    Effect.gen(function*() {
      const { amr: _amr, idp: _idp, _links, lastFactorVerification: _f, lastPasswordVerification: _p, ...minimal } = sessionBody
      const { result } = yield* RecordingHttpClient.withSessions(
        () => RecordingHttpClient.json(200, { ...minimal, mfaActive: false, somethingNew: { nested: 1 } }),
        (sessions) => sessions.refreshSession(sessionId)
      )
      const session = Either.getOrThrow(result)
      expect(session.amr).toEqual([])
      expect(session.idp).toBeUndefined()
      expect(session._links).toBeUndefined()
      expect(session.mfaActive).toBe(false)
    }))

  const malformed: ReadonlyArray<readonly [string, () => Response, RegExp]> = [
    ["an empty body", () => new Response("", { status: 200, headers: { "x-okta-request-id": "req-decode" } }), /empty/],
    ["a body that is not JSON", () => new Response("<html>", { status: 200, headers: { "x-okta-request-id": "req-decode" } }), /JSON/],
    [
      "a Session without its id",
      () => RecordingHttpClient.json(200, { ...sessionBody, id: undefined }, { "x-okta-request-id": "req-decode" }),
      /id/
    ],
    [
      "a Session with a bad timestamp",
      () => RecordingHttpClient.json(200, { ...sessionBody, expiresAt: "tomorrow" }, { "x-okta-request-id": "req-decode" }),
      /expiresAt/
    ],
    [
      "a JSON array",
      () => RecordingHttpClient.json(200, [sessionBody], { "x-okta-request-id": "req-decode" }),
      /Session/
    ]
  ]
  it.effect("a DecodeError never quotes the body, even one that echoes the credential", () =>
    Effect.gen(function*() {
      const echo = `SSWS ${RecordingHttpClient.apiToken}`
      const bodies = [
        JSON.stringify([{ authorization: echo }]),
        JSON.stringify({ ...sessionBody, login: { authorization: echo } }),
        JSON.stringify({ ...sessionBody, id: echo }),
        JSON.stringify({ ...sessionBody, createdAt: echo }),
        JSON.stringify({ ...sessionBody, amr: [7, echo, { echo }] }),
        JSON.stringify(echo),
        `${echo} is not JSON`
      ]
      for (const body of bodies) {
        const { result } = yield* RecordingHttpClient.withSessions(
          () => new Response(body, { status: 200 }),
          (sessions) => sessions.getSession(sessionId)
        )
        const error = failureOf(result)
        expect(error._tag, body).toBe("DecodeError")
        for (const text of [error.message, String(error), JSON.stringify(error)]) {
          expect(text.includes(RecordingHttpClient.apiToken), text).toBe(false)
        }
      }
    }))

  for (const [what, respond, detail] of malformed) {
    it.effect(`${what} is a DecodeError`, () =>
      Effect.gen(function*() {
        const { result } = yield* RecordingHttpClient.withSessions(respond, (sessions) => sessions.getSession(sessionId))
        const error = failureOf(result)
        expect(error).toBeInstanceOf(OktaError.DecodeError)
        if (error._tag !== "DecodeError") return
        expect(error.status).toBe(200)
        expect(error.method).toBe("GET")
        expect(error.path).toBe("/api/v1/sessions/{sessionId}")
        expect(error.requestId).toBe("req-decode")
        expect(error.detail).toMatch(detail)
        expect(error.message).toMatch(/^DecodeError: .* in the 200 answer to GET \/api\/v1\/sessions\/\{sessionId\} \(request req-decode\)$/s)
      }))
  }
})

const errorBody = (status: number) => ({
  errorCode: `E00000${status}`,
  errorSummary: `Summary of ${status}`,
  errorLink: `E00000${status}`,
  errorId: `oae-${status}-id`,
  errorCauses: [{ errorSummary: `cause of ${status}` }]
})

describe("Sessions: error statuses", () => {
  for (const operation of operations) {
    describe(operation.name, () => {
      for (const [status, tag] of [...operation.documented, [401, "Unauthorized"] as const, [500, "ServerError"] as const]) {
        it.effect(`${status} is ${tag} with Okta's error body and the request id`, () =>
          Effect.gen(function*() {
            const { result } = yield* runAgainst(
              operation,
              () => RecordingHttpClient.json(status, errorBody(status), { "x-okta-request-id": `req-${status}` })
            )
            const error = failureOf(result)
            expect(error._tag).toBe(tag)
            expect(error).toMatchObject({
              status,
              method: operation.method,
              path: operation.template,
              requestId: `req-${status}`,
              errorCode: `E00000${status}`,
              errorSummary: `Summary of ${status}`,
              errorLink: `E00000${status}`,
              errorId: `oae-${status}-id`,
              errorCauses: [{ errorSummary: `cause of ${status}` }]
            })
            expect(error.message).toBe(`${tag} E00000${status}: Summary of ${status} (request req-${status})`)
          }))

        it.effect(`${status} with an empty or non-JSON body is still ${tag}`, () =>
          Effect.gen(function*() {
            for (const body of ["", "<html><body>Bad gateway</body></html>", "{\"errorCode\": 7}", "[1,2]", "null"]) {
              const { result } = yield* runAgainst(operation, () => new Response(body, { status }))
              const error = failureOf(result)
              expect(error._tag, body).toBe(tag)
              expect(error).toMatchObject({ status, method: operation.method, path: operation.template })
              expect(error.message, body).toBe(`${tag} ${status}: ${operation.method} ${operation.template}`)
            }
          }))
      }

      const undocumented = [400, 403, 404, 409, 429].filter((status) =>
        !operation.documented.some(([documented]) => documented === status)
      )
      it.effect(`statuses it does not document (${undocumented.join(", ")}, 302) are UnexpectedStatus`, () =>
        Effect.gen(function*() {
          for (const status of [...undocumented, 302]) {
            const { result } = yield* runAgainst(
              operation,
              () => RecordingHttpClient.json(status, errorBody(status), { "x-okta-request-id": "req-x" })
            )
            const error = failureOf(result)
            expect(error._tag, String(status)).toBe("UnexpectedStatus")
            expect(error).toMatchObject({ status, errorCode: `E00000${status}`, requestId: "req-x", path: operation.template })
          }
        }))
    })
  }

  it.effect("any 5xx is ServerError with its status", () =>
    Effect.gen(function*() {
      for (const status of [500, 501, 505, 599]) {
        const { result } = yield* runAgainst(operations[1]!, () => new Response("", { status }))
        const error = failureOf(result)
        expect(error._tag).toBe("ServerError")
        expect(error).toMatchObject({ status })
      }
    }))

  it.effect("TooManyRequests carries the X-Rate-Limit-* values and the server's Date, the smallest of a repeated Reset", () =>
    Effect.gen(function*() {
      const date = "Sun, 22 Nov 2026 10:00:00 GMT"
      const { result } = yield* runAgainst(operations[1]!, () =>
        RecordingHttpClient.json(429, { errorCode: "E0000047", errorSummary: "API call exceeded rate limit due to too many requests." }, {
          "x-rate-limit-limit": "600",
          "x-rate-limit-remaining": "0",
          "x-rate-limit-reset": "1795341660, 1795341630",
          "x-okta-request-id": "req-429",
          date
        }))
      const error = failureOf(result)
      if (error._tag !== "TooManyRequests") throw new Error(`expected TooManyRequests, got ${error._tag}`)
      expect(error.rateLimit.limit).toBe(600)
      expect(error.rateLimit.remaining).toBe(0)
      expect(error.rateLimit.resetEpochSeconds).toBe(1795341630)
      expect(error.rateLimit.serverDateMillis).toBe(Date.parse(date))
      expect(error.rateLimit.isConcurrencyLimit).toBe(false)
      expect(error.message).toBe("TooManyRequests E0000047: API call exceeded rate limit due to too many requests. (request req-429)")
    }))

  it.effect("a 429 with Limit = Remaining = 0 is the concurrency limit; missing headers are left out", () =>
    Effect.gen(function*() {
      const { result } = yield* runAgainst(operations[3]!, () =>
        new Response("", { status: 429, headers: { "x-rate-limit-limit": "0", "x-rate-limit-remaining": "0" } }))
      const error = failureOf(result)
      if (error._tag !== "TooManyRequests") throw new Error(`expected TooManyRequests, got ${error._tag}`)
      expect(error.rateLimit.isConcurrencyLimit).toBe(true)
      expect(error.rateLimit.resetEpochSeconds).toBeUndefined()
      expect(error.rateLimit.serverDateMillis).toBeUndefined()
    }))

  it.effect("the message reads like `NotFound E0000007: Not found: … (request …)`", () =>
    Effect.gen(function*() {
      const { result } = yield* runAgainst(operations[1]!, () =>
        RecordingHttpClient.json(404, {
          errorCode: "E0000007",
          errorSummary: "Not found: Resource not found: l7FbDVqS8zHSy65uJD85 (Session)",
          errorLink: "E0000007",
          errorId: "oaeXyz",
          errorCauses: []
        }, { "x-okta-request-id": "0aX5e1VbGz" }))
      const error = failureOf(result)
      expect(error.message).toBe(
        "NotFound E0000007: Not found: Resource not found: l7FbDVqS8zHSy65uJD85 (Session) (request 0aX5e1VbGz)"
      )
      expect(error).toBeInstanceOf(Error)
      expect(String(error)).toContain(error.message)
    }))
})

describe("Sessions: bad ids and cookies never reach the wire", () => {
  const badIds = ["a/b", "..", "../users", "a?b", "a%2Fb", "%", "a b", " ab", "ab\n", "a\tb", "", "x".repeat(129), "a#b", "a.b"]

  it.effect("a refused session or user id is a ParseError and no request is sent", () =>
    Effect.gen(function*() {
      const { client, requests } = RecordingHttpClient.make(() => RecordingHttpClient.json(200, sessionBody))
      const sessions = yield* Effect.provide(Sessions.Sessions, RecordingHttpClient.sessionsLayer(client))
      for (const raw of badIds) {
        const viaSessionId: ReadonlyArray<(id: Session.SessionId) => Effect.Effect<unknown, OktaError.OktaError>> = [
          sessions.getSession,
          sessions.refreshSession,
          sessions.revokeSession
        ]
        for (const operation of viaSessionId) {
          const result = yield* Schema.decodeUnknown(Session.SessionId)(raw).pipe(Effect.flatMap(operation), Effect.either)
          expect(failureOf(result)._tag, JSON.stringify(raw)).toBe("ParseError")
        }
        const user = yield* Schema.decodeUnknown(Session.UserId)(raw).pipe(
          Effect.flatMap((id) => sessions.revokeUserSessions(id)),
          Effect.either
        )
        expect(failureOf(user)._tag, JSON.stringify(raw)).toBe("ParseError")
      }
      expect(requests).toHaveLength(0)
    }))

  it.effect("a cookie with CR, LF, `;`, `,`, a space or an unknown name is a ParseError and no request is sent", () =>
    Effect.gen(function*() {
      const { client, requests } = RecordingHttpClient.make(() => RecordingHttpClient.json(200, sessionBody))
      const sessions = yield* Effect.provide(Sessions.Sessions, RecordingHttpClient.sessionsLayer(client))
      const badCookies = [
        { name: "sid", value: "abc\r\nAuthorization: SSWS stolen" },
        { name: "sid", value: "abc\ndef" },
        { name: "sid", value: "abc\rdef" },
        { name: "sid", value: "abc; sid=other" },
        { name: "idx", value: "abc;def" },
        { name: "sid", value: "abc,def" },
        { name: "sid", value: "abc def" },
        { name: "sid", value: "" },
        { name: "sid", value: "\"quoted\"" },
        { name: "JSESSIONID", value: "abc" },
        { name: "sid", value: "é" }
      ]
      for (const raw of badCookies) {
        const viaCookie: ReadonlyArray<(cookie: Session.SessionCookie) => Effect.Effect<unknown, OktaError.OktaError>> = [
          sessions.getCurrentSession,
          sessions.refreshCurrentSession,
          sessions.closeCurrentSession
        ]
        for (const operation of viaCookie) {
          const result = yield* Schema.decodeUnknown(Session.SessionCookie)(raw).pipe(Effect.flatMap(operation), Effect.either)
          expect(failureOf(result)._tag, JSON.stringify(raw)).toBe("ParseError")
        }
      }
      expect(requests).toHaveLength(0)
    }))

  it.effect("a good id decoded from input goes out as its own path segment", () =>
    Effect.gen(function*() {
      const { requests } = yield* RecordingHttpClient.withSessions(
        () => RecordingHttpClient.json(200, sessionBody),
        (sessions) => Schema.decodeUnknown(Session.SessionId)("102-Ke7_c").pipe(Effect.flatMap(sessions.getSession))
      )
      expect(requests[0]?.url.pathname).toBe("/api/v1/sessions/102-Ke7_c")
    }))
})

/** A logger that keeps every log line, in logfmt and JSON, with the cause rendered. */
const captureLogs = () => {
  const lines: Array<string> = []
  const logger = Logger.make((options) => {
    lines.push(Logger.logfmtLogger.log(options), Logger.jsonLogger.log(options), Logger.stringLogger.log(options))
  })
  return { lines, layer: Layer.merge(Logger.replace(Logger.defaultLogger, logger), Logger.minimumLogLevel(LogLevel.All)) }
}

/** A tracer that keeps every span it starts, so their names and attributes can be read. */
const recordSpans = Effect.map(Effect.tracer, (base) => {
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span: (...args) => {
      const span = base.span(...args)
      spans.push(span)
      return span
    },
    context: base.context
  })
  return { spans, tracer }
})

describe("Sessions: no credential in errors, logs or spans", () => {
  const secrets = [RecordingHttpClient.apiToken, sessionToken, cookieValue]

  const expectNoSecret = (text: string, where: string) => {
    for (const secret of secrets) expect(text.includes(secret), `${where} shows a secret: ${text}`).toBe(false)
  }

  const answers: ReadonlyArray<readonly [string, RecordingHttpClient.Respond]> = [
    ["BadRequest", () => RecordingHttpClient.json(400, errorBody(400))],
    ["Unauthorized", () => RecordingHttpClient.json(401, errorBody(401))],
    ["Forbidden", () => RecordingHttpClient.json(403, errorBody(403))],
    ["NotFound", () => RecordingHttpClient.json(404, errorBody(404))],
    ["TooManyRequests", () => RecordingHttpClient.json(429, errorBody(429), { "x-rate-limit-reset": "1" })],
    ["ServerError", () => RecordingHttpClient.json(500, errorBody(500))],
    ["UnexpectedStatus", () => RecordingHttpClient.json(409, errorBody(409))],
    ["DecodeError", () => RecordingHttpClient.json(200, { hello: "world" })],
    [
      "TransportError",
      (_recorded, request) =>
        Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: new Error("socket hang up") }))
    ],
    ["TransportError", () => new Response("x".repeat(4096), { status: 200 })]
  ]

  for (const operation of operations) {
    it.effect(`${operation.name}: every error, its message, String, JSON and log line are free of the token`, () =>
      Effect.gen(function*() {
        const seen = new Set<string>()
        for (const [tag, respond] of answers) {
          const { layer, lines } = captureLogs()
          const { result } = yield* RecordingHttpClient.withSessions(
            respond,
            (sessions) => operation.call(sessions).pipe(Effect.tapErrorCause(Effect.logError), Effect.tapError((error) => Effect.logWarning("call failed", error))),
            { maxRetries: 0, maxResponseBytes: 1024 }
          ).pipe(Effect.provide(layer))
          if (Either.isRight(result)) {
            // A 204 operation reads no Session, so a bad 200 body is not an error for it.
            expect(tag === "DecodeError" && operation.success === 204).toBe(true)
            continue
          }
          const error = result.left
          const documented = tag === "Unauthorized" || tag === "ServerError" || tag === "TransportError" ||
            tag === "DecodeError" || operation.documented.some(([, candidate]) => candidate === tag)
          expect(error._tag, operation.name).toBe(documented ? tag : "UnexpectedStatus")
          seen.add(error._tag)
          expectNoSecret(error.message, "message")
          expectNoSecret(String(error), "String(error)")
          expectNoSecret(JSON.stringify(error), "JSON.stringify(error)")
          expectNoSecret(error.stack ?? "", "stack")
          expect(lines.length).toBeGreaterThan(0)
          for (const line of lines) expectNoSecret(line, "log line")
        }
        expect(seen.has("TransportError")).toBe(true)
        expect(seen.has("Unauthorized")).toBe(true)
      }))
  }

  it.effect("timeouts are free of the token too, in the error and the log", () =>
    Effect.gen(function*() {
      const { layer, lines } = captureLogs()
      const fiber = yield* RecordingHttpClient.withSessions(
        () => Effect.never,
        (sessions) => sessions.createSession(Redacted.make(sessionToken)).pipe(Effect.tapErrorCause(Effect.logError)),
        { requestTimeout: "1 second" }
      ).pipe(Effect.provide(layer), Effect.fork)
      yield* TestClock.adjust("1 second")
      const { result } = yield* Fiber.join(fiber)
      const error = failureOf(result)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Timeout" })
      expectNoSecret(`${error.message} ${String(error)} ${JSON.stringify(error)}`, "timeout error")
      expect(lines.length).toBeGreaterThan(0)
      for (const line of lines) expectNoSecret(line, "log line")
    }))

  it.effect("spans are named after the operation, carry its attributes, and hold no credential", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordSpans
      for (const operation of operations) {
        const status = operation.documented.some(([status]) => status === 404) ? 404 : 401
        yield* runAgainst(operation, () => RecordingHttpClient.json(status, errorBody(status), { "x-okta-request-id": `req-${operation.name}` }))
          .pipe(Effect.withTracer(tracer))
        const span = spans.find((span) => span.name === `Sessions.${operation.name}`)
        expect(span, operation.name).toBeDefined()
        expect(span?.attributes.get("okta.operation")).toBe(operation.name)
        expect(span?.attributes.get("http.response.status_code")).toBe(status)
        expect(span?.attributes.get("okta.request_id")).toBe(`req-${operation.name}`)
        if (operation.template.includes("{sessionId}")) expect(span?.attributes.get("okta.session_id")).toBe(sessionId)
        if (operation.template.includes("{userId}")) expect(span?.attributes.get("okta.user_id")).toBe(userId)
        const exit = span?.status._tag === "Ended" ? span.status.exit : undefined
        expect(exit && Exit.isFailure(exit)).toBe(true)
      }
      for (const span of spans) {
        for (const [key, value] of span.attributes) expectNoSecret(`${key}=${String(value)}`, `span ${span.name}`)
      }
      expect(spans.some((span) => span.kind === "client")).toBe(true)
    }))
  it.effect("a refused argument fails its own span with InvalidArgument and records no part of the value", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordSpans
      const { client, requests } = RecordingHttpClient.make(() => RecordingHttpClient.json(200, sessionBody))
      const sessions = yield* Effect.provide(Sessions.Sessions, RecordingHttpClient.sessionsLayer(client))
      /** What plain JavaScript passes, whatever the signature says. */
      const untyped = <T>(value: unknown): T => value as T
      const calls: ReadonlyArray<readonly [string, Effect.Effect<unknown, OktaError.OktaError>]> = [
        ["getSession", sessions.getSession(untyped(`${sessionToken}/x`))],
        ["createSession", sessions.createSession(untyped(sessionToken))],
        ["getCurrentSession", sessions.getCurrentSession(untyped({ name: "sid", value: `${cookieValue}\r\n` }))]
      ]
      for (const [name, call] of calls) {
        const result = yield* Effect.either(call.pipe(Effect.withTracer(tracer)))
        expect(failureOf(result)._tag, name).toBe("InvalidArgument")
        const span = spans.find((span) => span.name === `Sessions.${name}`)
        expect(span?.attributes.get("okta.operation"), name).toBe(name)
        expect(span?.attributes.has("okta.session_id"), name).toBe(false)
        const exit = span?.status._tag === "Ended" ? span.status.exit : undefined
        expect(exit !== undefined && Exit.isFailure(exit), name).toBe(true)
        if (exit !== undefined && Exit.isFailure(exit)) expectNoSecret(Cause.pretty(exit.cause), `span ${name} exit`)
      }
      for (const span of spans) {
        for (const [key, value] of span.attributes) expectNoSecret(`${key}=${String(value)}`, `span ${span.name}`)
      }
      expect(requests).toHaveLength(0)
    }))
})

/** The spec extract beside the project, read at run time (never copied into it). */
const specUrl = new URL("../../shared/okta/sessions-openapi.yaml", import.meta.url)
const specFound = existsSync(specUrl)
if (!specFound) {
  console.warn(`Sessions spec examples skipped: ${fileURLToPath(specUrl)} is not there (it lives outside the project).`)
}

const JsonObject = Schema.Record({ key: Schema.String, value: Schema.Unknown })
const isJsonObject = Schema.is(JsonObject)

/** The value at a path of keys in parsed YAML, `undefined` when any step is missing. */
const field = (value: unknown, ...keys: ReadonlyArray<string>): unknown =>
  keys.reduce<unknown>((current, key) => (isJsonObject(current) ? current[key] : undefined), value)

/** Follows a local `$ref` (`#/components/...`) once, if there is one. */
const resolve = (spec: unknown, value: unknown): unknown => {
  const ref = field(value, "$ref")
  return typeof ref === "string" ? field(spec, ...ref.replace(/^#\//, "").split("/")) : value
}

/** The spec's operation object for an operationId. */
const specOperation = (spec: unknown, operationId: string): unknown => {
  const paths = field(spec, "paths")
  if (!isJsonObject(paths)) return undefined
  for (const pathItem of Object.values(paths)) {
    if (!isJsonObject(pathItem)) continue
    for (const operation of Object.values(pathItem)) {
      if (field(operation, "operationId") === operationId) return operation
    }
  }
  return undefined
}

/** The example values of one response of an operation. */
const responseExamples = (spec: unknown, operation: unknown, status: string): ReadonlyArray<unknown> => {
  const response = resolve(spec, field(operation, "responses", status))
  const examples = field(response, "content", "application/json", "examples")
  return isJsonObject(examples) ? Object.values(examples).map((example) => field(resolve(spec, example), "value")) : []
}

const millisOf = (value: unknown): number | undefined => (typeof value === "string" ? Date.parse(value) : undefined)

describe.skipIf(!specFound)(`Sessions: the spec's own examples (${fileURLToPath(specUrl)})`, () => {
  const spec: unknown = specFound ? parse(readFileSync(specUrl, "utf8")) : undefined

  for (const operation of operations) {
    const specOp = specOperation(spec, operation.name)

    it(`${operation.name}: the spec documents exactly the error statuses this client maps`, () => {
      const statuses = Object.keys(field(specOp, "responses") ?? {}).filter((status) => !status.startsWith("2"))
      expect(statuses.map(Number).sort()).toEqual(operation.documented.map(([status]) => status).sort())
      expect(Object.keys(field(specOp, "responses") ?? {})).toContain(String(operation.success))
    })

    if (operation.success === 200) {
      it.effect(`${operation.name}: the spec's 200 examples decode to the same values`, () =>
        Effect.gen(function*() {
          const examples = responseExamples(spec, specOp, "200")
          expect(examples.length).toBeGreaterThan(0)
          for (const example of examples) {
            const { result } = yield* runAgainst(operation, () => RecordingHttpClient.json(200, example))
            const session = Either.getOrThrow(result)
            if (!(session instanceof Session.Session)) throw new Error(`${operation.name} did not answer a Session`)
            for (const key of ["id", "userId", "login", "status"] as const) expect(session[key]).toBe(field(example, key))
            expect(session.amr).toEqual(field(example, "amr"))
            expect({ ...session.idp }).toEqual(field(example, "idp"))
            for (const key of ["createdAt", "expiresAt", "lastFactorVerification", "lastPasswordVerification"] as const) {
              const value = session[key]
              expect(value && DateTime.toEpochMillis(value), key).toBe(millisOf(field(example, key)))
            }
            // Including the spec's misplaced `_links.href` beside `self`.
            expect(session._links).toEqual(field(example, "_links"))
          }
        }))
    }

    for (const [status, tag] of operation.documented) {
      const examples = responseExamples(spec, specOp, String(status))
      if (examples.length === 0) continue
      it.effect(`${operation.name}: the spec's ${status} example is ${tag} with its fields`, () =>
        Effect.gen(function*() {
          for (const example of examples) {
            const { result } = yield* runAgainst(operation, () => RecordingHttpClient.json(status, example))
            const error = failureOf(result)
            expect(error._tag).toBe(tag)
            expect(error).toMatchObject({ status, ...JsonObject.make(isJsonObject(example) ? example : {}) })
          }
        }))
    }
  }

  it.effect("createSession sends the spec's request example byte for byte", () =>
    Effect.gen(function*() {
      const example = field(resolve(spec, field(specOperation(spec, "createSession"), "requestBody", "content", "application/json", "examples", "SessionsCreate")), "value")
      const token = field(example, "sessionToken")
      if (typeof token !== "string") throw new Error("the spec's CreateSessionBody example has no sessionToken")
      const { requests } = yield* RecordingHttpClient.withSessions(
        () => RecordingHttpClient.json(200, sessionBody),
        (sessions) => sessions.createSession(Redacted.make(token))
      )
      expect(requests[0]?.body).toBe(JSON.stringify(example))
    }))

  it("at least one of the spec's Session examples has the misplaced `_links.href`", () => {
    const misplaced = operations.flatMap((operation) =>
      operation.success === 200 ? responseExamples(spec, specOperation(spec, operation.name), "200") : []
    ).filter((example) => typeof field(example, "_links", "href") === "string")
    expect(misplaced.length).toBeGreaterThan(0)
  })
})
