/**
 * The `Sessions` service: one Effect per Okta Sessions endpoint, each failing with exactly the
 * tagged errors its endpoint documents plus the `CommonError`s any call can meet.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Tracer from "effect/Tracer"
import type { OktaConfig } from "./OktaConfig.js"
import * as OktaError from "./OktaError.js"
import * as OktaHttpClient from "./OktaHttpClient.js"
import { endpoints } from "./internal/client/endpoints.js"
import { CreateSessionRequest, Session, type SessionCookie, type SessionId, type UserId } from "./Session.js"

/**
 * Options of `revokeUserSessions`, sent as query booleans. Left out, Okta's defaults apply
 * (`oauthTokens=false`, `forgetDevices=true`).
 *
 * @since 0.1.0
 */
export interface RevokeUserSessionsOptions {
  /** Also revoke the OpenID Connect and OAuth refresh and access tokens issued to the user. */
  readonly oauthTokens?: boolean | undefined
  /** Clear the user's remembered factors on all devices. */
  readonly forgetDevices?: boolean | undefined
}

/**
 * The Sessions API. Each operation is a span named `Sessions.<operation>`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Session, Sessions } from "effect-okta-sessions"
 *
 * const program = Effect.gen(function*() {
 *   const sessions = yield* Sessions.Sessions
 *   const session = yield* sessions.getSession(Session.SessionId.make("102Ke7cvc3uT0iOo4J1Fd4tSA"))
 *   return session.expiresAt
 * }).pipe(Effect.catchTag("NotFound", () => Effect.succeed(undefined)))
 * ```
 * @since 0.1.0
 */
export class Sessions extends Context.Tag("effect-okta-sessions/Sessions")<Sessions, Sessions.Service>() {}

/** @since 0.1.0 */
export declare namespace Sessions {
  /** @since 0.1.0 */
  export interface Service {
    /** `POST /api/v1/sessions`: exchanges a one-time session token for a session. Never retried. */
    readonly createSession: (
      sessionToken: Redacted.Redacted<string>
    ) => Effect.Effect<Session, CreateSessionError>
    /** `GET /api/v1/sessions/{sessionId}`. */
    readonly getSession: (sessionId: SessionId) => Effect.Effect<Session, GetSessionError>
    /** `POST /api/v1/sessions/{sessionId}/lifecycle/refresh`: answers the session with a later `expiresAt`. */
    readonly refreshSession: (sessionId: SessionId) => Effect.Effect<Session, RefreshSessionError>
    /** `DELETE /api/v1/sessions/{sessionId}`. */
    readonly revokeSession: (sessionId: SessionId) => Effect.Effect<void, RevokeSessionError>
    /** `GET /api/v1/sessions/me` with the browser's cookie; never sends the API credential. */
    readonly getCurrentSession: (cookie: SessionCookie) => Effect.Effect<Session, CurrentSessionError>
    /** `POST /api/v1/sessions/me/lifecycle/refresh` with the browser's cookie. */
    readonly refreshCurrentSession: (cookie: SessionCookie) => Effect.Effect<Session, CurrentSessionError>
    /** `DELETE /api/v1/sessions/me` with the browser's cookie: signs the user out. */
    readonly closeCurrentSession: (cookie: SessionCookie) => Effect.Effect<void, CurrentSessionError>
    /** `DELETE /api/v1/users/{userId}/sessions`: revokes every session of a user. */
    readonly revokeUserSessions: (
      userId: UserId,
      options?: RevokeUserSessionsOptions
    ) => Effect.Effect<void, RevokeUserSessionsError>
  }
}

/** Errors of `createSession`; an invalid or used session token is `Unauthorized`. @since 0.1.0 */
export type CreateSessionError =
  | OktaError.BadRequest
  | OktaError.Forbidden
  | OktaError.TooManyRequests
  | OktaError.CommonError

/** Errors of `getSession`. @since 0.1.0 */
export type GetSessionError =
  | OktaError.BadRequest
  | OktaError.Forbidden
  | OktaError.NotFound
  | OktaError.TooManyRequests
  | OktaError.CommonError

/** Errors of `refreshSession`. @since 0.1.0 */
export type RefreshSessionError =
  | OktaError.Forbidden
  | OktaError.NotFound
  | OktaError.TooManyRequests
  | OktaError.CommonError

/** Errors of `revokeSession`. @since 0.1.0 */
export type RevokeSessionError =
  | OktaError.Forbidden
  | OktaError.NotFound
  | OktaError.TooManyRequests
  | OktaError.CommonError

/** Errors of the `/me` operations. @since 0.1.0 */
export type CurrentSessionError = OktaError.NotFound | OktaError.CommonError

/** Errors of `revokeUserSessions`. @since 0.1.0 */
export type RevokeUserSessionsError =
  | OktaError.Forbidden
  | OktaError.NotFound
  | OktaError.TooManyRequests
  | OktaError.CommonError

const decodeSessionValue = Schema.decodeUnknownEither(Session, { onExcessProperty: "ignore" })
const encodeCreateRequest = Schema.encodeSync(Schema.parseJson(CreateSessionRequest))
const textDecoder = new TextDecoder()

/**
 * One decode issue as `<field>: <what is wrong>`, without the value found there: a body may echo
 * anything (a proxy can answer with the request's own headers), so no part of it is quoted.
 */
const describeIssue = (issue: ParseResult.ArrayFormatterIssue): string => {
  const where = issue.path.length === 0 ? "the body" : issue.path.map(String).join(".")
  if (issue._tag === "Missing") return `${where}: is missing`
  if (issue.path.length === 0 && issue._tag === "Type") return "the body is not a Session object"
  const what = issue.message.replace(/, actual [\s\S]*$/, "").replace(/"(?:[^"\\]|\\.)*"/g, "a value")
  return `${where}: ${what}`
}

/** A 2xx body as a Session, or what is wrong with it. */
const decodeSessionBody = (body: string): Either.Either<Session, string> => {
  if (body.length === 0) return Either.left("the body is empty, expected a Session")
  const json = Either.try((): unknown => JSON.parse(body))
  if (Either.isLeft(json)) return Either.left("the body is not JSON, expected a Session")
  return Either.mapLeft(decodeSessionValue(json.right), describeIssues)
}

/**
 * The issues of a failed decode, one line per field: a union's members all fail at one path, so a
 * path with several issues says only that its value is not allowed, and a parent whose child
 * already failed is left out.
 */
const describeIssues = (error: ParseResult.ParseError): string => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const key = (issue: ParseResult.ArrayFormatterIssue) => issue.path.map(String).join(".")
  const byPath = new Map<string, Array<ParseResult.ArrayFormatterIssue>>()
  for (const issue of issues) byPath.set(key(issue), [...(byPath.get(key(issue)) ?? []), issue])
  const lines: Array<string> = []
  for (const [path, atPath] of byPath) {
    const isParent = [...byPath.keys()].some((other) => other !== path && (path === "" || other.startsWith(`${path}.`)))
    if (isParent) continue
    const [first] = atPath
    if (first === undefined) continue
    lines.push(atPath.length === 1 ? describeIssue(first) : `${path}: is not an allowed value`)
  }
  return lines.join("; ").slice(0, 1000)
}

/** Decodes a 2xx body as a Session, or fails with `DecodeError` saying what is wrong (never quoting the body). */
const decodeSession = (
  response: OktaHttpClient.OktaResponse,
  request: { readonly method: string; readonly pathTemplate: string }
): Effect.Effect<Session, OktaError.DecodeError> =>
  Either.match(decodeSessionBody(textDecoder.decode(response.body)), {
    onRight: Effect.succeed,
    onLeft: (detail) =>
      Effect.fail(
        new OktaError.DecodeError({
          method: request.method,
          path: request.pathTemplate,
          status: response.status,
          ...(response.requestId === undefined ? {} : { requestId: response.requestId }),
          detail
        })
      )
  })

/**
 * Each operation's span is the client span of its call to Okta (the platform client's own per-request
 * span is turned off by `OktaHttpClient` unless trace headers are sent).
 */
const clientSpan: Tracer.SpanOptions = { kind: "client" }

const sessionPath = (sessionId: SessionId) => `/api/v1/sessions/${encodeURIComponent(sessionId)}`

/**
 * Builds the service over an `OktaHttpClient`.
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<Sessions.Service, never, OktaHttpClient.OktaHttpClient> = Effect.gen(function*() {
  const http = yield* OktaHttpClient.OktaHttpClient

  /** Sends a request and decodes its 2xx body as a Session. */
  const sessionCall = <Documented extends OktaError.DocumentedTag>(request: OktaHttpClient.OktaRequest<Documented>) =>
    Effect.flatMap(http.execute(request), (response) => decodeSession(response, request))

  /** Sends a request whose success is a 204 with nothing to read. */
  const voidCall = <Documented extends OktaError.DocumentedTag>(request: OktaHttpClient.OktaRequest<Documented>) =>
    Effect.asVoid(http.execute(request))

  const createSession = Effect.fn("Sessions.createSession", clientSpan)(function*(sessionToken: Redacted.Redacted<string>) {
    yield* Effect.annotateCurrentSpan("okta.operation", "createSession")
    // `retrySafe` is false: a session token is single-use, so it is never sent twice unless Okta
    // refused it with a 429.
    return yield* sessionCall({
      ...endpoints.createSession,
      path: "/api/v1/sessions",
      body: encodeCreateRequest(new CreateSessionRequest({ sessionToken })),
      credential: "apiToken"
    })
  })

  const getSession = Effect.fn("Sessions.getSession", clientSpan)(function*(sessionId: SessionId) {
    yield* Effect.annotateCurrentSpan({ "okta.operation": "getSession", "okta.session_id": sessionId })
    return yield* sessionCall({ ...endpoints.getSession, path: sessionPath(sessionId), credential: "apiToken" })
  })

  const refreshSession = Effect.fn("Sessions.refreshSession", clientSpan)(function*(sessionId: SessionId) {
    yield* Effect.annotateCurrentSpan({ "okta.operation": "refreshSession", "okta.session_id": sessionId })
    return yield* sessionCall({
      ...endpoints.refreshSession,
      path: `${sessionPath(sessionId)}/lifecycle/refresh`,
      credential: "apiToken"
    })
  })

  const revokeSession = Effect.fn("Sessions.revokeSession", clientSpan)(function*(sessionId: SessionId) {
    yield* Effect.annotateCurrentSpan({ "okta.operation": "revokeSession", "okta.session_id": sessionId })
    return yield* voidCall({ ...endpoints.revokeSession, path: sessionPath(sessionId), credential: "apiToken" })
  })

  const getCurrentSession = Effect.fn("Sessions.getCurrentSession", clientSpan)(function*(cookie: SessionCookie) {
    yield* Effect.annotateCurrentSpan("okta.operation", "getCurrentSession")
    return yield* sessionCall({ ...endpoints.getCurrentSession, path: "/api/v1/sessions/me", credential: cookie })
  })

  const refreshCurrentSession = Effect.fn("Sessions.refreshCurrentSession", clientSpan)(function*(cookie: SessionCookie) {
    yield* Effect.annotateCurrentSpan("okta.operation", "refreshCurrentSession")
    return yield* sessionCall({
      ...endpoints.refreshCurrentSession,
      path: "/api/v1/sessions/me/lifecycle/refresh",
      credential: cookie
    })
  })

  const closeCurrentSession = Effect.fn("Sessions.closeCurrentSession", clientSpan)(function*(cookie: SessionCookie) {
    yield* Effect.annotateCurrentSpan("okta.operation", "closeCurrentSession")
    return yield* voidCall({ ...endpoints.closeCurrentSession, path: "/api/v1/sessions/me", credential: cookie })
  })

  const revokeUserSessions = Effect.fn("Sessions.revokeUserSessions", clientSpan)(
    function*(userId: UserId, options?: RevokeUserSessionsOptions) {
      yield* Effect.annotateCurrentSpan({ "okta.operation": "revokeUserSessions", "okta.user_id": userId })
      const urlParams: Record<string, string> = {}
      if (options?.oauthTokens !== undefined) urlParams.oauthTokens = String(options.oauthTokens)
      if (options?.forgetDevices !== undefined) urlParams.forgetDevices = String(options.forgetDevices)
      return yield* voidCall({
        ...endpoints.revokeUserSessions,
        path: `/api/v1/users/${encodeURIComponent(userId)}/sessions`,
        urlParams,
        credential: "apiToken"
      })
    }
  )

  return Sessions.of({
    createSession,
    getSession,
    refreshSession,
    revokeSession,
    getCurrentSession,
    refreshCurrentSession,
    closeCurrentSession,
    revokeUserSessions
  })
})

/**
 * The real client: `Sessions` over Okta's HTTP API. Needs `OktaConfig` and an `HttpClient`.
 *
 * @example
 * ```ts
 * import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
 * import { Layer } from "effect"
 * import { OktaConfig, Sessions } from "effect-okta-sessions"
 *
 * const SessionsLive = Sessions.layer.pipe(
 *   Layer.provide(OktaConfig.layerConfig()),
 *   Layer.provide(NodeHttpClient.layerUndici)
 * )
 * ```
 * @since 0.1.0
 */
export const layer: Layer.Layer<Sessions, never, OktaConfig | HttpClient.HttpClient> = Layer.effect(
  Sessions,
  make
).pipe(Layer.provide(OktaHttpClient.layer))
