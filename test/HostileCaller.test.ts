/**
 * A careless (or hostile) caller through the public API, the way plain JavaScript or a cast reaches
 * it: ids that leave their path segment or name another endpoint, cookies that smuggle a header,
 * options of the wrong type, a session token that is not `Redacted`, config that cannot work. Each
 * case must end in its specific typed error (never a defect) and the loopback server, which records
 * every request it receives, must have received none. Run over both `FetchHttpClient` and
 * `NodeHttpClient.layerUndici`.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Cause, ConfigError, Effect, Exit, Layer, Option, Redacted } from "effect"
import * as http from "node:http"
import { OktaConfig, type OktaError, Session, Sessions } from "effect-okta-sessions"

const apiToken = "00HOSTILE-api-token-5e4d3c2b1a"
const secretCookie = "SECRET-cookie-value-77aa"
const secretSessionToken = "20111HOSTILE-one-time-session-token"

/** What plain JavaScript passes: the value as it is, whatever the signature says. Test-only. */
const untyped = <T>(value: unknown): T => value as T

interface Received {
  readonly method: string
  readonly url: string
  readonly cookie: string | undefined
}

/** A node:http server on 127.0.0.1 that records every request and answers 204; closed with the scope. */
const recordingServer = Effect.acquireRelease(
  Effect.async<{ readonly server: http.Server; readonly received: Array<Received> }>((resume) => {
    const received: Array<Received> = []
    const server = http.createServer((request, response) => {
      received.push({ method: request.method ?? "", url: request.url ?? "", cookie: request.headers.cookie })
      request.resume()
      response.writeHead(204).end()
    })
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ server, received })))
  }),
  ({ server }) =>
    Effect.async<void>((resume) => {
      server.close(() => resume(Effect.void))
      server.closeAllConnections()
    })
).pipe(Effect.map(({ received, server }) => {
  const address = server.address()
  if (address === null || typeof address === "string") throw new Error("the server has no port")
  return { orgUrl: `http://127.0.0.1:${address.port}`, received }
}))

const clients: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["FetchHttpClient", FetchHttpClient.layer],
  ["NodeHttpClient.layerUndici", NodeHttpClient.layerUndici]
]

const sessionsOver = (options: OktaConfig.OktaConfig.Options, client: Layer.Layer<HttpClient.HttpClient>) =>
  Sessions.layer.pipe(Layer.provide(OktaConfig.layer(options)), Layer.provide(client))

type Service = Sessions.Sessions.Service
const validUserId = Session.UserId.make("00u0abcdefGHIJKLMNOP")

interface Case {
  readonly name: string
  readonly call: (sessions: Service) => Effect.Effect<unknown, OktaError.OktaError>
  readonly operation: string
  readonly argument: string
  /** A part of `detail`, when the case is about one reason. */
  readonly detail?: string
  /** A value that must not appear anywhere in the error. */
  readonly secret?: string
}

const cases: ReadonlyArray<Case> = [
  // Class 5: ids that leave their path segment, or name another endpoint.
  { name: `revokeSession("..")`, call: (s) => s.revokeSession(untyped("..")), operation: "revokeSession", argument: "sessionId" },
  {
    name: `revokeSession("me")`,
    call: (s) => s.revokeSession(untyped("me")),
    operation: "revokeSession",
    argument: "sessionId",
    detail: "names another endpoint"
  },
  {
    name: `refreshSession("ME")`,
    call: (s) => s.refreshSession(untyped("ME")),
    operation: "refreshSession",
    argument: "sessionId",
    detail: "names another endpoint"
  },
  { name: `getSession("")`, call: (s) => s.getSession(untyped("")), operation: "getSession", argument: "sessionId", detail: "is empty" },
  { name: `getSession("a/b")`, call: (s) => s.getSession(untyped("a/b")), operation: "getSession", argument: "sessionId" },
  { name: `getSession("a%2Fb")`, call: (s) => s.getSession(untyped("a%2Fb")), operation: "getSession", argument: "sessionId" },
  { name: "getSession(129 characters)", call: (s) => s.getSession(untyped("x".repeat(129))), operation: "getSession", argument: "sessionId" },
  {
    name: "getSession(42)",
    call: (s) => s.getSession(untyped(42)),
    operation: "getSession",
    argument: "sessionId",
    detail: "got a number"
  },
  { name: "getSession()", call: (s) => s.getSession(untyped(undefined)), operation: "getSession", argument: "sessionId" },
  {
    name: `revokeUserSessions("..")`,
    call: (s) => s.revokeUserSessions(untyped("..")),
    operation: "revokeUserSessions",
    argument: "userId"
  },
  {
    name: `revokeUserSessions("me")`,
    call: (s) => s.revokeUserSessions(untyped("me")),
    operation: "revokeUserSessions",
    argument: "userId",
    detail: "names another endpoint"
  },
  {
    name: `revokeUserSessions(id, { oauthTokens: "yes please" })`,
    call: (s) => s.revokeUserSessions(validUserId, untyped({ oauthTokens: "yes please" })),
    operation: "revokeUserSessions",
    argument: "options.oauthTokens",
    detail: "got a string"
  },
  {
    name: "revokeUserSessions(id, { forgetDevices: 1 })",
    call: (s) => s.revokeUserSessions(validUserId, untyped({ forgetDevices: 1 })),
    operation: "revokeUserSessions",
    argument: "options.forgetDevices"
  },
  {
    name: `revokeUserSessions(id, "oauthTokens=true")`,
    call: (s) => s.revokeUserSessions(validUserId, untyped("oauthTokens=true")),
    operation: "revokeUserSessions",
    argument: "options"
  },
  // Cookies that could smuggle a header or another cookie.
  {
    name: "getCurrentSession(cookie with CR LF)",
    call: (s) => s.getCurrentSession(untyped({ name: "sid", value: `${secretCookie}\r\nAuthorization: SSWS x` })),
    operation: "getCurrentSession",
    argument: "cookie.value",
    secret: secretCookie
  },
  {
    name: "refreshCurrentSession(cookie with ;)",
    call: (s) => s.refreshCurrentSession(untyped({ name: "idx", value: `${secretCookie}; sid=other` })),
    operation: "refreshCurrentSession",
    argument: "cookie.value",
    secret: secretCookie
  },
  {
    name: "closeCurrentSession(another cookie name)",
    call: (s) => s.closeCurrentSession(untyped({ name: "JSESSIONID", value: secretCookie })),
    operation: "closeCurrentSession",
    argument: "cookie.name",
    secret: secretCookie
  },
  {
    name: "getCurrentSession(a header string)",
    call: (s) => s.getCurrentSession(untyped(`sid=${secretCookie}`)),
    operation: "getCurrentSession",
    argument: "cookie",
    secret: secretCookie
  },
  // Class 9: a session token that is not Redacted (today a ParseError defect).
  {
    name: "createSession(plain string)",
    call: (s) => s.createSession(untyped(secretSessionToken)),
    operation: "createSession",
    argument: "sessionToken",
    detail: "Redacted",
    secret: secretSessionToken
  },
  {
    name: "createSession(Redacted number)",
    call: (s) => s.createSession(untyped(Redacted.make(42))),
    operation: "createSession",
    argument: "sessionToken"
  },
]

for (const [clientName, client] of clients) {
  describe(`HostileCaller over ${clientName}`, () => {
    for (const hostile of cases) {
      it.scoped(`${hostile.name} is InvalidArgument(${hostile.operation}, ${hostile.argument}) and sends nothing`, () =>
        Effect.gen(function*() {
          const { orgUrl, received } = yield* recordingServer
          const exit = yield* Effect.flatMap(Sessions.Sessions, hostile.call).pipe(
            Effect.provide(sessionsOver({ orgUrl, token: Redacted.make(apiToken) }, client)),
            Effect.exit
          )
          if (Exit.isSuccess(exit)) throw new Error("expected the call to fail")
          expect(Cause.isDie(exit.cause), "a defect").toBe(false)
          const error = Option.getOrUndefined(Cause.failureOption(exit.cause))
          expect(error?._tag).toBe("InvalidArgument")
          if (error?._tag !== "InvalidArgument") return
          expect(error.operation).toBe(hostile.operation)
          expect(error.argument).toBe(hostile.argument)
          if (hostile.detail !== undefined) expect(error.detail).toContain(hostile.detail)
          expect(error.message).toContain("no request was sent")
          const texts = [error.message, String(error), JSON.stringify(error), Cause.pretty(exit.cause)]
          for (const secret of [apiToken, ...(hostile.secret === undefined ? [] : [hostile.secret])]) {
            for (const text of texts) expect(text).not.toContain(secret)
          }
          expect(received).toEqual([])
        }))
    }

    it.scoped("the server does record: valid calls, a plain-object cookie included, reach it", () =>
      Effect.gen(function*() {
        const { orgUrl, received } = yield* recordingServer
        yield* Effect.flatMap(Sessions.Sessions, (sessions) =>
          Effect.all([
            sessions.revokeSession(Session.SessionId.make("l7FbDVqS8zHSy65uJD85")),
            sessions.revokeUserSessions(validUserId, { oauthTokens: true }),
            sessions.closeCurrentSession(untyped({ name: "sid", value: "abc-123" }))
          ])).pipe(Effect.provide(sessionsOver({ orgUrl, token: Redacted.make(apiToken) }, client)))
        expect(received).toEqual([
          { method: "DELETE", url: "/api/v1/sessions/l7FbDVqS8zHSy65uJD85", cookie: undefined },
          { method: "DELETE", url: "/api/v1/users/00u0abcdefGHIJKLMNOP/sessions?oauthTokens=true", cookie: undefined },
          { method: "DELETE", url: "/api/v1/sessions/me", cookie: "sid=abc-123" }
        ])
      }))

    // Class 8: config that cannot work fails the layer, before any request.
    const badConfigs: ReadonlyArray<readonly [string, (orgUrl: string) => Record<string, unknown>, string]> = [
      ["an org URL with a path", (orgUrl) => ({ orgUrl: `${orgUrl}/api/v1` }), "OKTA_CLIENT_ORGURL"],
      ["a negative requestTimeout", () => ({ requestTimeout: -1 }), "OKTA_CLIENT_REQUESTTIMEOUT"],
      ["a NaN requestTimeout", () => ({ requestTimeout: Number.NaN }), "OKTA_CLIENT_REQUESTTIMEOUT"],
      ["a negative maxRetries", () => ({ maxRetries: -1 }), "OKTA_CLIENT_RATELIMIT_MAXRETRIES"],
      ["an infinite maxElapsed", () => ({ maxElapsed: Number.POSITIVE_INFINITY }), "OKTA_CLIENT_RATELIMIT_MAXELAPSED"],
      ["a token with a non-breaking space", () => ({ token: Redacted.make(`${apiToken}\u00a0x`) }), "OKTA_CLIENT_TOKEN"],
      ["a plain-string token", () => ({ token: apiToken }), "OKTA_CLIENT_TOKEN"]
    ]
    for (const [what, options, name] of badConfigs) {
      it.scoped(`${what} is a ConfigError naming ${name}, and nothing is sent`, () =>
        Effect.gen(function*() {
          const { orgUrl, received } = yield* recordingServer
          const config = untyped<OktaConfig.OktaConfig.Options>({ orgUrl, token: Redacted.make(apiToken), ...options(orgUrl) })
          const exit = yield* Effect.flatMap(Sessions.Sessions, (sessions) =>
            sessions.revokeSession(Session.SessionId.make("l7FbDVqS8zHSy65uJD85"))).pipe(
              Effect.provide(sessionsOver(config, client)),
              Effect.exit
            )
          const error = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined
          expect(ConfigError.isConfigError(error)).toBe(true)
          expect(String(error)).toContain(name)
          expect(String(error)).not.toContain(apiToken)
          expect(received).toEqual([])
        }))
    }
  })
}
