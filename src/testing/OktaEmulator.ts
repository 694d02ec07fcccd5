/**
 * An Okta-compatible HTTP server on the fake org: the eight Sessions operations in Okta's wire
 * format, bound to 127.0.0.1, started as a scoped layer that closes (connections included) with its
 * scope. The real client (`Sessions.layer` + `OktaConfig.layer` + an `HttpClient`) works against it;
 * `layerClient` wires that up.
 *
 * What it speaks:
 * - Session JSON with Okta's field names, ISO date-times and `_links`; 204 for revoke and close;
 *   error bodies with `errorCode`, `errorSummary`, `errorLink`, `errorId`, `errorCauses`; never a `_tag`.
 * - `X-Okta-Request-Id` and `Date` on every answer; `X-Rate-Limit-Limit/Remaining/Reset` of the
 *   family (`/api/v1/sessions*`, `/api/v1/users*`) on every API answer, 429s included.
 * - `Authorization: SSWS <apiToken>` or `Bearer <apiToken>` on the API-token operations, else 401
 *   E0000011. The `/me` operations read the `sid` or `idx` cookie (whose value is the session id in
 *   the fake) and answer 404 E0000007 when an `Authorization` header comes along: Okta does not take
 *   an API token there.
 * - `Prefer: return=minimal` on both refresh operations: 204 with `Preference-Applied: return=minimal`.
 * - Fixed rate-limit windows per family and a concurrent-request limit (429 with Limit = Remaining = 0),
 *   and every fault knob of `FakeOkta.FaultSettings`.
 *
 * Admin routes (this emulator only, never on Okta; same API token; not counted, not rate-limited):
 * - `GET /__admin/faults`, `PATCH /__admin/faults` with `FaultSettings` JSON (answers the knobs in
 *   force, or 400 naming the bad knob), `DELETE /__admin/faults` (back to none).
 * - `GET /__admin/counters`, `DELETE /__admin/counters`.
 * - `POST /__admin/sessions` with `{"count": n}`: seeds n users with a session each, answers the sessions.
 * - `POST /__admin/users` with `{"login"?: string}`, `POST /__admin/users/{userId}/session-tokens`
 *   (answers `{"sessionToken": ...}`), `DELETE /__admin/sessions/{sessionId}` and
 *   `DELETE /__admin/users/{userId}/sessions` (revoke behind the client's back).
 *
 * @since 0.1.0
 */
import * as Http from "node:http"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpRouter from "@effect/platform/HttpRouter"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import type * as ConfigError from "effect/ConfigError"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { duplicatedReset, errorJson, replyHeaders, sessionJson } from "./internal/fakeOktaWire.js"
import * as OktaConfig from "../OktaConfig.js"
import { type Session, SessionId, UserId } from "../Session.js"
import * as Sessions from "../Sessions.js"
import * as FakeOkta from "./FakeOkta.js"
import { FakeOktaAuth } from "./FakeOktaAuth.js"
import { oauthCredential, tokenRoute } from "./internal/oauth/emulatorAccess.js"

/**
 * A running emulator: its base URL (`http://127.0.0.1:<port>`, no trailing slash) and the API token it
 * accepts.
 *
 * @since 0.1.0
 */
export class OktaEmulator extends Context.Tag("effect-okta-sessions/testing/OktaEmulator")<
  OktaEmulator,
  OktaEmulator.Service
>() {}

/** @since 0.1.0 */
export declare namespace OktaEmulator {
  /**
   * A running emulator.
   *
   * @since 0.1.0
   */
  export interface Service {
    /** `http://127.0.0.1:<port>`, no trailing slash: the `orgUrl` to give the client. */
    readonly url: string
    readonly port: number
    /** The API token the emulator accepts as `SSWS <token>` or `Bearer <token>`. */
    readonly apiToken: Redacted.Redacted<string>
  }

  /**
   * Options of `layer` and `make`.
   *
   * @since 0.1.0
   */
  export interface Options {
    /** The port on 127.0.0.1. Default 0: a free port chosen by the system. */
    readonly port?: number | undefined
    /** The API token to accept. Default: a random one, read it from the service. */
    readonly apiToken?: Redacted.Redacted<string> | undefined
  }
}

const CreateBody = Schema.parseJson(Schema.Struct({ sessionToken: Schema.optional(Schema.Unknown) }))
const decodeCreateBody = Schema.decodeUnknownOption(CreateBody)
const SeedBody = Schema.parseJson(Schema.Struct({ count: Schema.Int.pipe(Schema.between(0, 1_000_000)) }))
const UserBody = Schema.parseJson(Schema.Struct({ login: Schema.optional(Schema.String) }))
const FaultBody = Schema.parseJson(FakeOkta.FaultSettings)

const isMe = (operation: FakeOkta.Operation) =>
  operation === "getCurrentSession" || operation === "refreshCurrentSession" || operation === "closeCurrentSession"

/** The credential a request presents: the configured token as SSWS or Bearer, something else, or none. */
const credentialOf = (authorization: string | undefined, apiToken: string): FakeOkta.Credential => {
  if (authorization === undefined) return "none"
  const match = /^(?:SSWS|Bearer) (.+)$/.exec(authorization.trim())
  return match !== null && match[1] === apiToken ? "valid" : "invalid"
}

/** A body padded with an extra field to `bytes` bytes. */
const padded = (json: Record<string, unknown>, bytes: number): string => {
  const plain = JSON.stringify(json)
  return JSON.stringify({ ...json, padding: "x".repeat(Math.max(0, bytes - plain.length - 14)) })
}

const adminError = (status: number, summary: string) =>
  HttpServerResponse.unsafeJson({ errorCode: "E0000001", errorSummary: summary, errorCauses: [] }, { status })

/**
 * Starts the emulator on the `FakeOkta` in context. The server, and every connection still open,
 * closes when the layer's scope closes. A port out of range or a token with spaces or control
 * characters is an `InvalidSetting`; a port in use is a `ServeError`.
 *
 * @since 0.1.0
 */
export const make = (
  options: OktaEmulator.Options = {}
): Effect.Effect<
  OktaEmulator.Service,
  HttpServerError.ServeError | FakeOkta.InvalidSetting,
  FakeOkta.FakeOkta | Scope.Scope
> =>
  Effect.gen(function*() {
    const okta = yield* FakeOkta.FakeOkta
    // With a FakeOktaAuth in context: the token endpoint, and OAuth tokens (scopes, DPoP) on the API.
    const auth = yield* Effect.serviceOption(FakeOktaAuth)
    const requestedPort = options.port ?? 0
    if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
      return yield* new FakeOkta.InvalidSetting({ setting: "port", detail: `must be a whole number from 0 to 65535, got ${requestedPort}` })
    }
    const givenToken = options.apiToken === undefined ? undefined : Redacted.value(options.apiToken)
    if (givenToken !== undefined && !/^[\x21-\x7e]{1,512}$/.test(givenToken)) {
      return yield* new FakeOkta.InvalidSetting({ setting: "apiToken", detail: "must be 1 to 512 visible ASCII characters" })
    }
    const apiToken = options.apiToken ?? Redacted.make(`00${yield* randomToken}`)
    const token = Redacted.value(apiToken)

    // Node's automatic Date is off: every answer writes its own from the Clock (or none, as a fault).
    let nodeServer: Http.Server | undefined
    const server = yield* NodeHttpServer.make(() => {
      nodeServer = Http.createServer((_request, response) => {
        response.sendDate = false
      })
      return nodeServer
    }, { host: "127.0.0.1", port: requestedPort })
    yield* Effect.addFinalizer(() => Effect.sync(() => nodeServer?.closeAllConnections()))
    const address = server.address
    const port = address._tag === "TcpAddress" ? address.port : 0
    const url = `http://127.0.0.1:${port}`

    /** Renders a reply in Okta's wire format, with the wire faults it carries. */
    const render = (
      request: HttpServerRequest.HttpServerRequest,
      reply: FakeOkta.Reply,
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
          const json = sessionJson(url, body.session, body.current, reply.unknownEnums)
          const text = reply.wireFault === "malformedJson"
            ? JSON.stringify(json).slice(0, 57)
            : reply.wireFault === "oversizedBody"
            ? padded(json, reply.faults.oversizedBodyBytes)
            : JSON.stringify(json)
          return Effect.succeed(HttpServerResponse.text(text, { status: reply.status, headers, contentType: "application/json" }))
        }
      }
    }

    /** A route of the Okta API: reads what the operation needs from the request and answers it. */
    const api = (
      operation: FakeOkta.Operation,
      read: (
        request: HttpServerRequest.HttpServerRequest,
        params: Readonly<Record<string, string | undefined>>
      ) => Effect.Effect<Partial<FakeOkta.Request>>
    ) =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const params = yield* HttpRouter.params
        const fields = yield* read(request, params)
        const cookies = request.cookies
        let credential = credentialOf(request.headers["authorization"], token)
        if (Option.isSome(auth) && !isMe(operation)) {
          const oauth = yield* oauthCredential(auth.value, operation, request, url)
          if (HttpServerResponse.isServerResponse(oauth)) return oauth
          if (oauth !== undefined) credential = oauth
        }
        const reply = yield* okta.answer({
          ...fields,
          operation,
          credential,
          ...(isMe(operation) ? { cookie: cookies["sid"] ?? cookies["idx"] } : {}),
          wire: true
        })
        const preferMinimal = (operation === "refreshSession" || operation === "refreshCurrentSession") &&
          reply.status === 200 && /(^|[,;\s])return=minimal\b/.test(request.headers["prefer"] ?? "")
        return yield* render(request, reply, preferMinimal)
      })

    const none = () => Effect.succeed({})
    const sessionParam = (_: HttpServerRequest.HttpServerRequest, params: Readonly<Record<string, string | undefined>>) =>
      Effect.succeed({ sessionId: params["sessionId"] })

    let plainAnswers = 0
    /** `Date` and `X-Okta-Request-Id` on an answer that is not an API operation's (admin, unknown path). */
    const stamped = <E, R>(answer: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
      Effect.flatMap(answer, (response) =>
        Effect.map(Clock.currentTimeMillis, (now) =>
          HttpServerResponse.setHeaders(response, {
            date: new Date(now).toUTCString(),
            "x-okta-request-id": `emu${(++plainAnswers).toString(36).padStart(8, "0")}AAAA`
          })))

    /** An admin route: the API token is required; bad input answers 400 with what was wrong. */
    const admin = <E>(handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, HttpServerRequest.HttpServerRequest | HttpRouter.RouteContext>) =>
      stamped(Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        if (credentialOf(request.headers["authorization"], token) !== "valid") {
          return HttpServerResponse.unsafeJson(
            { errorCode: "E0000011", errorSummary: "Invalid token provided", errorCauses: [] },
            { status: 401 }
          )
        }
        return yield* handler.pipe(
          Effect.catchAll((error) =>
            Effect.succeed(
              adminError(
                400,
                ParseResult.isParseError(error)
                  ? ParseResult.TreeFormatter.formatErrorSync(error)
                  : error instanceof FakeOkta.InvalidSetting || error instanceof FakeOkta.UnknownUser
                  ? error.message
                  : "the request could not be read"
              )
            )
          )
        )
      }))

    const bodyOf = <A, I>(schema: Schema.Schema<A, I>) =>
      Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
        Effect.flatMap(request.text, (text) => Schema.decodeUnknown(schema)(text === "" ? "{}" : text)))

    const param = (name: string) => Effect.map(HttpRouter.params, (params) => params[name] ?? "")

    const wireSessions = (sessions: ReadonlyArray<Session>) =>
      sessions.map((session) =>
        sessionJson(url, {
          id: session.id,
          userId: session.userId,
          login: session.login,
          status: session.status,
          createdAt: session.createdAt.epochMillis,
          expiresAt: session.expiresAt.epochMillis,
          lastPasswordVerification: session.lastPasswordVerification?.epochMillis ?? session.createdAt.epochMillis,
          lastFactorVerification: session.lastFactorVerification?.epochMillis,
          amr: session.amr,
          idp: { id: session.idp?.id ?? "", type: session.idp?.type ?? "OKTA" }
        }, false, false)
      )

    /** A path of the API with a method it does not have: 405 E0000022; any other path: 404 E0000007. */
    const notFound = stamped(Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const path = request.url.split("?")[0] ?? request.url
      const knownPath = /^\/api\/v1\/(sessions(\/[^/]+(\/lifecycle\/refresh)?)?|users\/[^/]+\/sessions)$/.test(path)
      const code = knownPath ? "E0000022" : "E0000007"
      return HttpServerResponse.unsafeJson({
        errorCode: code,
        errorSummary: knownPath
          ? `The endpoint does not support the provided HTTP method: ${request.method}`
          : `Not found: Resource not found: ${path}`,
        errorLink: code,
        errorId: "oaeEmulator",
        errorCauses: []
      }, { status: knownPath ? 405 : 404 })
    }))

    const router = HttpRouter.empty.pipe(
      HttpRouter.post(
        "/api/v1/sessions",
        api("createSession", (request) =>
          request.text.pipe(
            Effect.map((text) => {
              const body = decodeCreateBody(text)
              const value = Option.isSome(body) ? body.value.sessionToken : undefined
              return { sessionToken: typeof value === "string" ? value : undefined }
            }),
            Effect.orElseSucceed(() => ({}))
          ))
      ),
      HttpRouter.get("/api/v1/sessions/me", api("getCurrentSession", none)),
      HttpRouter.post("/api/v1/sessions/me/lifecycle/refresh", api("refreshCurrentSession", none)),
      HttpRouter.del("/api/v1/sessions/me", api("closeCurrentSession", none)),
      HttpRouter.get("/api/v1/sessions/:sessionId", api("getSession", sessionParam)),
      HttpRouter.post("/api/v1/sessions/:sessionId/lifecycle/refresh", api("refreshSession", sessionParam)),
      HttpRouter.del("/api/v1/sessions/:sessionId", api("revokeSession", sessionParam)),
      HttpRouter.del(
        "/api/v1/users/:userId/sessions",
        api("revokeUserSessions", (_, params) => Effect.succeed({ userId: params["userId"] }))
      ),
      HttpRouter.get("/__admin/faults", admin(Effect.map(okta.faults, (faults) => HttpServerResponse.unsafeJson(faults)))),
      HttpRouter.patch(
        "/__admin/faults",
        admin(Effect.flatMap(bodyOf(FaultBody), (settings) => Effect.map(okta.setFaults(settings), (faults) => HttpServerResponse.unsafeJson(faults))))
      ),
      HttpRouter.del("/__admin/faults", admin(Effect.as(okta.clearFaults, HttpServerResponse.empty({ status: 204 })))),
      HttpRouter.get("/__admin/counters", admin(Effect.map(okta.counters, (counters) => HttpServerResponse.unsafeJson(counters)))),
      HttpRouter.del("/__admin/counters", admin(Effect.as(okta.resetCounters, HttpServerResponse.empty({ status: 204 })))),
      HttpRouter.post(
        "/__admin/sessions",
        admin(Effect.flatMap(bodyOf(SeedBody), ({ count }) =>
          Effect.map(okta.seedSessions(count), (sessions) => HttpServerResponse.unsafeJson(wireSessions(sessions)))))
      ),
      HttpRouter.post(
        "/__admin/users",
        admin(Effect.flatMap(bodyOf(UserBody), ({ login }) =>
          Effect.map(okta.createUser({ login }), (user) => HttpServerResponse.unsafeJson({ id: user.id, login: user.login }))))
      ),
      HttpRouter.post(
        "/__admin/users/:userId/session-tokens",
        admin(
          Effect.flatMap(param("userId"), (userId) =>
            Effect.flatMap(Schema.decodeUnknown(UserId)(userId), (id) =>
              Effect.map(okta.issueSessionToken(id), (sessionToken) =>
                HttpServerResponse.unsafeJson({ sessionToken: Redacted.value(sessionToken) }))))
        )
      ),
      HttpRouter.del(
        "/__admin/sessions/:sessionId",
        admin(
          Effect.flatMap(param("sessionId"), (sessionId) =>
            Effect.flatMap(Schema.decodeUnknown(SessionId)(sessionId), (id) =>
              Effect.map(okta.revokeSession(id), (revoked) => HttpServerResponse.unsafeJson({ revoked: revoked ? 1 : 0 }))))
        )
      ),
      HttpRouter.del(
        "/__admin/users/:userId/sessions",
        admin(
          Effect.flatMap(param("userId"), (userId) =>
            Effect.flatMap(Schema.decodeUnknown(UserId)(userId), (id) =>
              Effect.map(okta.revokeUserSessions(id), (revoked) => HttpServerResponse.unsafeJson({ revoked }))))
        )
      ),
      HttpRouter.post(
        "/oauth2/v1/token",
        Option.isSome(auth)
          ? Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => tokenRoute(auth.value, url, request))
          : notFound
      ),
      HttpRouter.all("*", notFound)
    )

    yield* server.serve(router)
    return { url, port, apiToken }
  })

const randomToken = Effect.map(
  Effect.forEach(Array.from({ length: 40 }), () => Random.nextIntBetween(0, 62)),
  (indexes) => indexes.map((i) => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[i] ?? "A").join("")
)

/**
 * The emulator as a scoped layer on the `FakeOkta` in context.
 *
 * @since 0.1.0
 */
export const layer = (
  options?: OktaEmulator.Options
): Layer.Layer<OktaEmulator, HttpServerError.ServeError | FakeOkta.InvalidSetting, FakeOkta.FakeOkta> =>
  Layer.scoped(OktaEmulator, make(options))

/**
 * The emulator with its own fake org; both services are in the output.
 *
 * @example
 * ```ts
 * import { FakeOkta, OktaEmulator } from "effect-okta-sessions/testing"
 *
 * const EmulatorLive = OktaEmulator.layerWithFakeOkta({ port: 8080 }, { idleWindow: "2 minutes" })
 * ```
 * @since 0.1.0
 */
export const layerWithFakeOkta = (
  options?: OktaEmulator.Options,
  fakeOkta?: FakeOkta.FakeOkta.Options
): Layer.Layer<OktaEmulator | FakeOkta.FakeOkta, HttpServerError.ServeError | FakeOkta.InvalidSetting> =>
  layer(options).pipe(Layer.provideMerge(FakeOkta.layer(fakeOkta)))

/**
 * `OktaConfig` pointed at the emulator in context, with its API token. Other options as in `OktaConfig.layer`.
 *
 * @since 0.1.0
 */
export const layerConfig = (
  options?: Omit<OktaConfig.OktaConfig.Options, "orgUrl" | "token" | "authorizationMode">
): Layer.Layer<OktaConfig.OktaConfig, ConfigError.ConfigError, OktaEmulator> =>
  Layer.unwrapEffect(
    Effect.map(OktaEmulator, (emulator) => OktaConfig.layer({ ...options, orgUrl: emulator.url, token: emulator.apiToken }))
  )

/**
 * The real `Sessions` client pointed at the emulator in context, over the `HttpClient` you provide
 * (`FetchHttpClient.layer` or `NodeHttpClient.layerUndici`).
 *
 * @example
 * ```ts
 * import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
 * import { Layer } from "effect"
 * import { OktaEmulator } from "effect-okta-sessions/testing"
 *
 * const SessionsOnEmulator = OktaEmulator.layerClient().pipe(
 *   Layer.provideMerge(OktaEmulator.layerWithFakeOkta()),
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * ```
 * @since 0.1.0
 */
export const layerClient = (
  options?: Omit<OktaConfig.OktaConfig.Options, "orgUrl" | "token" | "authorizationMode">
): Layer.Layer<Sessions.Sessions, ConfigError.ConfigError, OktaEmulator | HttpClient.HttpClient> =>
  Sessions.layer.pipe(Layer.provide(layerConfig(options)))
