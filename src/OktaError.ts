/**
 * Okta's error body and one tagged error per HTTP status an operation can answer with, plus
 * `TransportError` (the request got no answer), `DecodeError` (the answer is not what the spec
 * says) and `InvalidArgument` (the caller's argument could not make a request). Every error carries
 * the request's method and path template (and, once Okta answered, its request id), and never a
 * credential.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import type { TokenError } from "./internal/client/oauth/tokenError.js"
import { RateLimitHeaders } from "./RateLimit.js"

/**
 * One entry of `errorCauses`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ErrorCause = Schema.Struct({
  errorSummary: Schema.optional(Schema.String)
}).annotations({ identifier: "ErrorCause" })

/**
 * @since 0.1.0
 * @category models
 */
export type ErrorCause = typeof ErrorCause.Type

/**
 * The JSON body Okta sends with an error status. No field is required.
 *
 * @since 0.1.0
 * @category schemas
 */
export const OktaErrorBody = Schema.Struct({
  errorCode: Schema.optional(Schema.String),
  errorSummary: Schema.optional(Schema.String),
  errorLink: Schema.optional(Schema.String),
  errorId: Schema.optional(Schema.String),
  errorCauses: Schema.optional(Schema.Array(ErrorCause))
}).annotations({ identifier: "OktaErrorBody" })

/**
 * @since 0.1.0
 * @category models
 */
export type OktaErrorBody = typeof OktaErrorBody.Type

/** Where a request went: enough to find it in logs and spans, with no id or secret in it. */
const requestFields = {
  /** The HTTP method, e.g. `GET`. */
  method: Schema.String,
  /** The path template, e.g. `/api/v1/sessions/{sessionId}`. */
  path: Schema.String,
  /** `X-Okta-Request-Id` of the response, when there was one. */
  requestId: Schema.optional(Schema.String)
}

/** The fields every error status carries: the status and Okta's error body. */
const statusFields = {
  ...requestFields,
  status: Schema.Number,
  ...OktaErrorBody.fields
}

interface StatusErrorFields {
  readonly _tag: string
  readonly status: number
  readonly method: string
  readonly path: string
  readonly requestId?: string | undefined
  readonly errorCode?: string | undefined
  readonly errorSummary?: string | undefined
}

/** `NotFound E0000007: Not found: ... (request 0aX..)`, falling back to the status and path. */
const statusMessage = (error: StatusErrorFields): string => {
  const code = error.errorCode ?? String(error.status)
  const summary = error.errorSummary ?? `${error.method} ${error.path}`
  const request = error.requestId === undefined ? "" : ` (request ${error.requestId})`
  return `${error._tag} ${code}: ${summary}${request}`
}

/**
 * 400: Okta refused the request as invalid (E0000001).
 *
 * @since 0.1.0
 * @category errors
 */
export class BadRequest extends Schema.TaggedError<BadRequest>()("BadRequest", statusFields) {
  override get message(): string {
    return statusMessage(this)
  }
}

/**
 * 401: the credential is missing, invalid or expired, or a session token was already used (E0000011).
 *
 * @since 0.1.0
 * @category errors
 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", statusFields) {
  override get message(): string {
    return statusMessage(this)
  }
}

/**
 * 403: the credential lacks the permission or scope (E0000006).
 *
 * @since 0.1.0
 * @category errors
 */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", statusFields) {
  override get message(): string {
    return statusMessage(this)
  }
}

/**
 * 404: no such session or user, or the session expired or was revoked (E0000007). Okta does not say which.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", statusFields) {
  override get message(): string {
    return statusMessage(this)
  }
}

/**
 * 429: a rate limit was hit (E0000047). `rateLimit` holds the response's `X-Rate-Limit-*` and `Date`.
 *
 * @since 0.1.0
 * @category errors
 */
export class TooManyRequests extends Schema.TaggedError<TooManyRequests>()("TooManyRequests", {
  ...statusFields,
  rateLimit: RateLimitHeaders
}) {
  override get message(): string {
    return statusMessage(this)
  }
}

/**
 * 5xx: Okta failed (E0000009) or a proxy in front of it did (502, 503, 504). `status` says which.
 *
 * @since 0.1.0
 * @category errors
 */
export class ServerError extends Schema.TaggedError<ServerError>()("ServerError", statusFields) {
  override get message(): string {
    return statusMessage(this)
  }
}

/**
 * Any status the operation does not document (a 3xx redirect, a 409, a 400 where none is expected).
 *
 * @since 0.1.0
 * @category errors
 */
export class UnexpectedStatus extends Schema.TaggedError<UnexpectedStatus>()("UnexpectedStatus", statusFields) {
  override get message(): string {
    return statusMessage(this)
  }
}

/**
 * The request got no complete answer: the connection failed or was reset, the request timed out,
 * or the response body was larger than the configured cap.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportError extends Schema.TaggedError<TransportError>()("TransportError", {
  ...requestFields,
  reason: Schema.Literal("Connection", "Timeout", "ResponseTooLarge"),
  /** What the transport said, e.g. `ECONNRESET` or `no response within 10 seconds`. */
  detail: Schema.String
}) {
  override get message(): string {
    return `TransportError ${this.reason}: ${this.detail} (${this.method} ${this.path})`
  }
}

/**
 * A success response whose body is not what the spec says (not JSON, not a Session, a required
 * field missing). `detail` says what was wrong; the body itself is not kept.
 *
 * @since 0.1.0
 * @category errors
 */
export class DecodeError extends Schema.TaggedError<DecodeError>()("DecodeError", {
  ...requestFields,
  status: Schema.Number,
  detail: Schema.String
}) {
  override get message(): string {
    const request = this.requestId === undefined ? "" : ` (request ${this.requestId})`
    return `DecodeError: ${this.detail} in the ${this.status} answer to ${this.method} ${this.path}${request}`
  }
}

/**
 * An operation was called with an argument no request can be built from: an id that is not one or
 * names another endpoint (`me`), a cookie that could smuggle a header, a session token that is not
 * a `Redacted` string, an option of the wrong type. Typed callers meet it only through a cast or
 * plain JavaScript. No request was sent. `detail` describes the value, never quotes it (it may be a
 * secret given in the wrong place).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Session, Sessions } from "effect-okta-sessions"
 *
 * const revoke = (raw: string) =>
 *   Effect.flatMap(Sessions.Sessions, (sessions) =>
 *     // a cast skips the schema; the operation still checks its argument
 *     sessions.revokeSession(Session.SessionId.make(raw, { disableValidation: true }))
 *   ).pipe(Effect.catchTag("InvalidArgument", (error) => Effect.logWarning(error.message)))
 * ```
 * @since 0.2.0
 * @category errors
 */
export class InvalidArgument extends Schema.TaggedError<InvalidArgument>()("InvalidArgument", {
  /** The operation's name, e.g. `revokeSession`. */
  operation: Schema.String,
  /** The argument, as a path: `sessionId`, `cookie.value`, `options.oauthTokens`, `sessionToken`. */
  argument: Schema.String,
  /** What is wrong, e.g. `is empty` or `names another endpoint ('me'), not a session id`. */
  detail: Schema.String,
  /** The HTTP method the operation would have used. */
  method: Schema.String,
  /** The path template the operation would have used, e.g. `/api/v1/sessions/{sessionId}`. */
  path: Schema.String
}) {
  override get message(): string {
    return `InvalidArgument: ${this.operation} ${this.argument} ${this.detail}; no request was sent (${this.method} ${this.path})`
  }
}

/**
 * The errors that any call can meet, whatever its documented statuses. `TokenError` (`OktaAuth`) only
 * with `authorizationMode: "PrivateKey"`: the token endpoint refused or did not answer.
 *
 * @since 0.1.0
 * @category errors
 */
export type CommonError = Unauthorized | ServerError | UnexpectedStatus | TransportError | DecodeError | TokenError

/**
 * The documented statuses that differ between operations, by tag.
 *
 * @since 0.1.0
 * @category models
 */
export interface DocumentedErrors {
  readonly BadRequest: BadRequest
  readonly Forbidden: Forbidden
  readonly NotFound: NotFound
  readonly TooManyRequests: TooManyRequests
}

/**
 * A tag of `DocumentedErrors`.
 *
 * @since 0.1.0
 * @category models
 */
export type DocumentedTag = keyof DocumentedErrors

/**
 * Every error this library's operations fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type OktaError = CommonError | DocumentedErrors[DocumentedTag] | InvalidArgument
