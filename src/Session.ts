/**
 * Schemas of the Okta Sessions wire format: the `Session` model, its open enums, links, the create
 * request, and the branded identifiers that are safe to put in a URL path or a `Cookie` header.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { openEnum } from "./internal/client/openEnum.js"
import { cookieValuePattern, idPattern, isRouteName } from "./internal/client/pathSegment.js"

/**
 * An Okta session id, as Okta issues it: letters, digits, `-` and `_`, 1 to 128 characters.
 * Anything that could leave its path segment (`/`, `..`, `?`, `%`, whitespace) is refused, and so
 * is a route name such as `me` (`/api/v1/sessions/me` is the current session, not an id).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Session } from "effect-okta-sessions"
 *
 * const id = Session.SessionId.make("102Ke7cvc3uT0iOo4J1Fd4tSA") // throws on bad input
 * const checked = Schema.decodeUnknown(Session.SessionId)("a/b") // fails with a ParseError
 * ```
 * @since 0.1.0
 * @category schemas
 */
export const SessionId = Schema.String.pipe(
  Schema.pattern(idPattern, {
    message: () => "a session id has 1 to 128 letters, digits, '-' or '_'"
  }),
  Schema.filter((id) => !isRouteName(id), { message: () => "a session id may not be a route name such as 'me'" }),
  Schema.brand("SessionId")
).annotations({ identifier: "SessionId" })

/**
 * @since 0.1.0
 * @category models
 */
export type SessionId = typeof SessionId.Type

/**
 * An Okta user id (`00u...`; a login is not accepted): letters, digits, `-` and `_`, 1 to 128
 * characters, and not a route name such as `me` (`/api/v1/users/me` is the caller, not an id).
 *
 * @since 0.1.0
 * @category schemas
 */
export const UserId = Schema.String.pipe(
  Schema.pattern(idPattern, {
    message: () => "a user id has 1 to 128 letters, digits, '-' or '_'"
  }),
  Schema.filter((id) => !isRouteName(id), { message: () => "a user id may not be a route name such as 'me'" }),
  Schema.brand("UserId")
).annotations({ identifier: "UserId" })

/**
 * @since 0.1.0
 * @category models
 */
export type UserId = typeof UserId.Type

/**
 * The value of a browser's `sid` or `idx` cookie: RFC 6265 cookie-octets only, so no CR, LF, `;`,
 * `,`, space, quote or backslash can smuggle another cookie or header into the request.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CookieValue = Schema.String.pipe(
  Schema.pattern(cookieValuePattern, {
    message: () => "a cookie value has 1 to 4096 visible ASCII characters and no ';', ',', '\"', '\\\\' or whitespace"
  }),
  Schema.brand("CookieValue")
).annotations({ identifier: "CookieValue" })

/**
 * @since 0.1.0
 * @category models
 */
export type CookieValue = typeof CookieValue.Type

/**
 * The browser cookie that identifies the current session for the `/me` operations: `sid` (Classic
 * Engine) or `idx` (Identity Engine).
 *
 * @example
 * ```ts
 * import { Session } from "effect-okta-sessions"
 *
 * const cookie = Session.SessionCookie.make({ name: "sid", value: Session.CookieValue.make("abcde-123") })
 * ```
 * @since 0.1.0
 * @category models
 */
export class SessionCookie extends Schema.Class<SessionCookie>("SessionCookie")({
  name: Schema.Literal("sid", "idx"),
  value: CookieValue
}) {
  /** The `Cookie` header value, e.g. `sid=abcde-123`. */
  get header(): string {
    return `${this.name}=${this.value}`
  }
}

/**
 * Session status. Known values are typed; a value Okta adds later decodes as an `UnknownValue` string.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SessionStatus = openEnum("SessionStatus", ["ACTIVE", "MFA_ENROLL", "MFA_REQUIRED"])

/**
 * @since 0.1.0
 * @category models
 */
export type SessionStatus = typeof SessionStatus.Type

/**
 * An authentication method reference (`amr`). Unknown values decode as strings.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AuthenticationMethod = openEnum("AuthenticationMethod", [
  "fpt",
  "geo",
  "hwk",
  "kba",
  "mca",
  "mfa",
  "otp",
  "pwd",
  "sc",
  "sms",
  "swk",
  "tel"
])

/**
 * @since 0.1.0
 * @category models
 */
export type AuthenticationMethod = typeof AuthenticationMethod.Type

/**
 * The kind of identity provider that authenticated the session. Unknown values decode as strings.
 *
 * @since 0.1.0
 * @category schemas
 */
export const IdentityProviderType = openEnum("IdentityProviderType", [
  "ACTIVE_DIRECTORY",
  "FEDERATION",
  "LDAP",
  "OKTA",
  "SOCIAL"
])

/**
 * @since 0.1.0
 * @category models
 */
export type IdentityProviderType = typeof IdentityProviderType.Type

/**
 * The identity provider of a session: its id (the org id when `type` is `OKTA`) and type.
 *
 * @since 0.1.0
 * @category models
 */
export class IdentityProvider extends Schema.Class<IdentityProvider>("IdentityProvider")({
  id: Schema.optional(Schema.String),
  type: Schema.optional(IdentityProviderType)
}) {}

/**
 * A HAL link object. `href` is optional here because the spec's own examples leave it out of `self`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Link = Schema.Struct({
  href: Schema.optional(Schema.String),
  name: Schema.optional(Schema.String),
  type: Schema.optional(Schema.String),
  templated: Schema.optional(Schema.Boolean),
  hints: Schema.optional(Schema.Struct({ allow: Schema.optional(Schema.Array(Schema.String)) }))
}).annotations({ identifier: "Link" })

/**
 * @since 0.1.0
 * @category models
 */
export type Link = typeof Link.Type

/**
 * The `_links` of a session: `self`, and for `/me` also `refresh` and `user`. A top-level `href`
 * (where the spec's examples misplace the self link) is kept too.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SessionLinks = Schema.Struct({
  self: Schema.optional(Link),
  refresh: Schema.optional(Link),
  user: Schema.optional(Link),
  href: Schema.optional(Schema.String)
}).annotations({ identifier: "SessionLinks" })

/**
 * @since 0.1.0
 * @category models
 */
export type SessionLinks = typeof SessionLinks.Type

/** A timestamp that Okta may omit or send as `null`. */
const OptionalTimestamp = Schema.optionalWith(Schema.DateTimeUtc, { nullable: true })

/**
 * An Okta session. `id`, `userId`, `login`, `status`, `createdAt` and `expiresAt` are always sent by
 * Okta and required here; the rest may be absent (and the verification times `null`).
 *
 * @since 0.1.0
 * @category models
 */
export class Session extends Schema.Class<Session>("Session")({
  id: SessionId,
  userId: UserId,
  login: Schema.String,
  status: SessionStatus,
  createdAt: Schema.DateTimeUtc,
  expiresAt: Schema.DateTimeUtc,
  lastPasswordVerification: OptionalTimestamp,
  lastFactorVerification: OptionalTimestamp,
  amr: Schema.optionalWith(Schema.Array(AuthenticationMethod), { default: () => [] }),
  idp: Schema.optional(IdentityProvider),
  mfaActive: Schema.optional(Schema.Boolean),
  _links: Schema.optional(SessionLinks)
}) {}

/**
 * The body of `POST /api/v1/sessions`. The session token is a one-time secret, so it is `Redacted`
 * in memory and only revealed when the body is encoded for the wire.
 *
 * @since 0.1.0
 * @category models
 */
export class CreateSessionRequest extends Schema.Class<CreateSessionRequest>("CreateSessionRequest")({
  sessionToken: Schema.Redacted(Schema.String)
}) {}
