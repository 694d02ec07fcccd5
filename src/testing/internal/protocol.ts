/**
 * What the fake org and its two faces (in-memory and HTTP) say to each other: one request as the org
 * sees it, independent of HTTP, and the answer before any rendering. Not public: users drive the org
 * through `FakeOkta.Service` and the faces.
 */
import type { OktaErrorBody } from "../../OktaError.js"
import type { AuthenticationMethod, IdentityProviderType, SessionId, SessionStatus, UserId } from "../../Session.js"
import type { Faults } from "./faults.js"
import type { Operation } from "./operation.js"

/**
 * What a caller presented: a valid API credential, a wrong one, or none (the `/me` operations must
 * come with none: Okta does not take an API credential there). `insufficientScope`: a valid OAuth
 * token without the operation's scope (`FakeOktaAuth`), answered 403 E0000006.
 */
export type Credential = "valid" | "invalid" | "none" | "insufficientScope"

/**
 * One API request. Ids are raw strings, as they arrive on the wire. `wire: true` lets the wire faults
 * apply (connection reset, hang, damaged bodies and headers).
 */
export interface Request {
  readonly operation: Operation
  readonly credential: Credential
  readonly sessionId?: string | undefined
  readonly userId?: string | undefined
  /** `createSession` only; `undefined` when the body had none. */
  readonly sessionToken?: string | undefined
  /** The `/me` operations: the `sid` or `idx` cookie's value, if any. */
  readonly cookie?: string | undefined
  readonly wire: boolean
}

/**
 * A session as the org holds it, times in epoch milliseconds. Immutable: a refresh replaces it, so a
 * reply can carry it without a copy.
 */
export interface SessionView {
  readonly id: SessionId
  readonly userId: UserId
  readonly login: string
  readonly status: SessionStatus
  readonly createdAt: number
  readonly expiresAt: number
  readonly lastPasswordVerification: number
  readonly lastFactorVerification: number | undefined
  readonly amr: ReadonlyArray<AuthenticationMethod>
  readonly idp: { readonly id: string; readonly type: IdentityProviderType }
  /**
   * The same object for the session's whole life (a refresh replaces the view, not this): what a
   * cache of the parts that never change (dates, links) is keyed by, so that it empties with the session.
   */
  readonly origin: object
}

/** The rate-limit state a reply reports in `X-Rate-Limit-*`. */
export interface RateLimitState {
  readonly limit: number
  readonly remaining: number
  readonly resetEpochSeconds: number
}

/** What a reply carries: a session (by id, or the current one for `/me`), an Okta error body, or nothing. */
export type ReplyBody =
  | { readonly _tag: "Session"; readonly session: SessionView; readonly current: boolean }
  | { readonly _tag: "Error"; readonly error: OktaErrorBody }
  | { readonly _tag: "Empty" }

/** A wire fault drawn for one answer (`wire: true` requests only). */
export type WireFault = "connectionReset" | "hang" | "malformedJson" | "oversizedBody"

/** The answer to one request, before any HTTP rendering. */
export interface Reply {
  readonly operation: Operation
  /** The HTTP status; 0 when the request was dropped. */
  readonly status: number
  readonly requestId: string
  /** The server's clock when it answered (the `Date` header). */
  readonly dateMillis: number
  readonly rateLimit: RateLimitState
  readonly body: ReplyBody
  readonly wireFault: WireFault | undefined
  readonly unknownEnums: boolean
  /** The fault knobs when the answer was made (header faults are read from here). */
  readonly faults: Faults
}
