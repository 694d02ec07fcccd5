/**
 * The `Sessions` service: one Effect per Okta Sessions endpoint, each failing with exactly the
 * tagged errors its endpoint documents, the `CommonError`s any call can meet, and `InvalidArgument`
 * when an argument (given through a cast or from plain JavaScript) cannot make a request.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type { OperationName } from "./internal/client/endpoints.js"
import * as Operation from "./internal/client/operation.js"
import type { OktaConfig } from "./OktaConfig.js"
import * as OktaHttpClient from "./OktaHttpClient.js"
import type { Session, SessionCookie, SessionId, UserId } from "./Session.js"

/**
 * Options of `revokeUserSessions`, sent as query booleans. Left out, Okta's defaults apply
 * (`oauthTokens=false`, `forgetDevices=true`).
 *
 * @since 0.1.0
 * @category models
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
 * @category tags
 */
export class Sessions extends Context.Tag("effect-okta-sessions/Sessions")<Sessions, Sessions.Service>() {}

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace Sessions {
  /**
   * @since 0.1.0
   * @category models
   */
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

/**
 * The errors of an operation, derived from its row of the endpoint table: the statuses it
 * documents, the `CommonError`s any call can meet, and `InvalidArgument` (an argument that cannot
 * make a request; no request is sent).
 *
 * @since 0.2.0
 * @category errors
 */
export type OperationError<Op extends OperationName> = Operation.OperationError<Op>

/**

 * Errors of `createSession`; an invalid or used session token is `Unauthorized`.

 *

 * @since 0.1.0

 * @category errors

 */
export type CreateSessionError = OperationError<"createSession">

/**

 * Errors of `getSession`.

 *

 * @since 0.1.0

 * @category errors

 */
export type GetSessionError = OperationError<"getSession">

/**

 * Errors of `refreshSession`.

 *

 * @since 0.1.0

 * @category errors

 */
export type RefreshSessionError = OperationError<"refreshSession">

/**

 * Errors of `revokeSession`.

 *

 * @since 0.1.0

 * @category errors

 */
export type RevokeSessionError = OperationError<"revokeSession">

/**

 * Errors of the `/me` operations (they document the same statuses).

 *

 * @since 0.1.0

 * @category errors

 */
export type CurrentSessionError = OperationError<"getCurrentSession">

/**

 * Errors of `revokeUserSessions`.

 *

 * @since 0.1.0

 * @category errors

 */
export type RevokeUserSessionsError = OperationError<"revokeUserSessions">

/**
 * Builds the service over an `OktaHttpClient`. Each operation says only which argument fills which
 * part of its request; the endpoint table and `makeOperations` do the rest (span, checks, call, decode).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Sessions.Service, never, OktaHttpClient.OktaHttpClient> = Effect.gen(function*() {
  const { empty, session } = Operation.makeOperations(yield* OktaHttpClient.OktaHttpClient)
  return Sessions.of({
    // `retrySafe` is false in its row: a session token is single-use, so it is never sent twice
    // unless Okta refused it with a 429.
    createSession: session("createSession", (sessionToken: Redacted.Redacted<string>) => ({ sessionToken })),
    getSession: session("getSession", (sessionId: SessionId) => ({ path: { sessionId } })),
    refreshSession: session("refreshSession", (sessionId: SessionId) => ({ path: { sessionId } })),
    revokeSession: empty("revokeSession", (sessionId: SessionId) => ({ path: { sessionId } })),
    getCurrentSession: session("getCurrentSession", (cookie: SessionCookie) => ({ cookie })),
    refreshCurrentSession: session("refreshCurrentSession", (cookie: SessionCookie) => ({ cookie })),
    closeCurrentSession: empty("closeCurrentSession", (cookie: SessionCookie) => ({ cookie })),
    revokeUserSessions: empty(
      "revokeUserSessions",
      (userId: UserId, options?: RevokeUserSessionsOptions) => ({ path: { userId }, query: options })
    )
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
 * @category layers
 */
export const layer: Layer.Layer<Sessions, never, OktaConfig | HttpClient.HttpClient> = Layer.effect(
  Sessions,
  make
).pipe(Layer.provide(OktaHttpClient.layer))
