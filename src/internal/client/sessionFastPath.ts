/**
 * A hand-checked decode of the common `Session` shape: the same checks as the `Session` schema
 * (Session.ts stays the source of truth), written out field by field, building the same `Session`
 * instance. Anything it is not sure of (a missing field, a wrong type, a bad id, a timestamp that
 * does not parse) gives `undefined`, and the caller decodes with the schema instead, so every
 * `DecodeError` detail is still the schema's.
 *
 * Hand-written because of a measured difference: `Schema.decodeUnknownEither(Session)` costs about
 * 25 µs per Okta-shaped body, this path about 2 µs (bench/sessionDecode.ts). test/SessionDecode.test.ts
 * checks that both give the same result on valid and invalid bodies.
 */
import * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import {
  type AuthenticationMethod,
  IdentityProvider,
  type IdentityProviderType,
  type Link,
  Session,
  type SessionId,
  type SessionLinks,
  type SessionStatus,
  type UserId
} from "../../Session.js"
import { idPattern, isRouteName } from "./pathSegment.js"

/** Gives up on the fast path: the schema decides. */
class Unusual {
  static readonly instance = new Unusual()
}

type Fields = { readonly [key: string]: unknown }

const isId = (value: unknown): value is string => typeof value === "string" && idPattern.test(value) && !isRouteName(value)
const isSessionId = (value: unknown): value is SessionId => isId(value)
const isUserId = (value: unknown): value is UserId => isId(value)
/** The open enums take any string: a known literal, or an `UnknownValue` (a brand, nothing at run time). */
const isSessionStatus = (value: unknown): value is SessionStatus => typeof value === "string"
const isAuthenticationMethod = (value: unknown): value is AuthenticationMethod => typeof value === "string"
const isIdentityProviderType = (value: unknown): value is IdentityProviderType => typeof value === "string"

const timestamp = (value: unknown): DateTime.Utc => {
  if (typeof value !== "string") throw Unusual.instance
  const parsed = DateTime.make(value)
  if (Option.isNone(parsed)) throw Unusual.instance
  return parsed.value
}

/**
 * The parsed array itself once every item passed `is`: it is `JSON.parse`'s own fresh array, which
 * nothing else holds, so no copy is made (a copy was an array-literal allocation site per call; see
 * matchFailure.ts).
 */
const strings = <A extends string>(value: unknown, is: (item: unknown) => item is A): ReadonlyArray<A> => {
  if (!Array.isArray(value)) throw Unusual.instance
  const items: ReadonlyArray<unknown> = value
  if (!items.every(is)) throw Unusual.instance
  return items
}

const isString = (value: unknown): value is string => typeof value === "string"

/** The `amr` of a body without one (the schema's default): one frozen empty array for all. */
const noMethods: ReadonlyArray<AuthenticationMethod> = Object.freeze([])

const optionalString = (fields: Fields, key: string): string | undefined => {
  const value = fields[key]
  if (value === undefined || typeof value === "string") return value
  throw Unusual.instance
}

/** A field's type with its `readonly` taken off, to fill it key by key (a spread per optional key costs more). */
type Filling<A> = { -readonly [K in keyof A]: A[K] }

const link = (value: unknown): Link => {
  if (!Predicate.isRecord(value)) throw Unusual.instance
  const { hints, templated } = value
  const out: Filling<Link> = {}
  const href = optionalString(value, "href")
  if (href !== undefined) out.href = href
  const name = optionalString(value, "name")
  if (name !== undefined) out.name = name
  const type = optionalString(value, "type")
  if (type !== undefined) out.type = type
  if (templated !== undefined) {
    if (typeof templated !== "boolean") throw Unusual.instance
    out.templated = templated
  }
  if (hints !== undefined) {
    if (!Predicate.isRecord(hints)) throw Unusual.instance
    const kept: Filling<NonNullable<Link["hints"]>> = {}
    if (hints.allow !== undefined) kept.allow = strings(hints.allow, isString)
    out.hints = kept
  }
  return out
}

const links = (value: unknown): SessionLinks => {
  if (!Predicate.isRecord(value)) throw Unusual.instance
  const { refresh, self, user } = value
  const out: Filling<SessionLinks> = {}
  if (self !== undefined) out.self = link(self)
  if (refresh !== undefined) out.refresh = link(refresh)
  if (user !== undefined) out.user = link(user)
  const href = optionalString(value, "href")
  if (href !== undefined) out.href = href
  return out
}

const identityProvider = (value: unknown): IdentityProvider => {
  if (!Predicate.isRecord(value)) throw Unusual.instance
  const out: Filling<ConstructorParameters<typeof IdentityProvider>[0]> = {}
  const id = optionalString(value, "id")
  if (id !== undefined) out.id = id
  const type = value.type
  if (type !== undefined) {
    if (!isIdentityProviderType(type)) throw Unusual.instance
    out.type = type
  }
  return new IdentityProvider(out, true)
}

const build = (json: unknown): Session => {
  if (!Predicate.isRecord(json)) throw Unusual.instance
  const { _links, amr, createdAt, expiresAt, id, idp, lastFactorVerification, lastPasswordVerification, login, mfaActive, status, userId } =
    json
  if (!isSessionId(id) || !isUserId(userId) || typeof login !== "string" || !isSessionStatus(status)) throw Unusual.instance
  const fields: Filling<ConstructorParameters<typeof Session>[0]> = {
    id,
    userId,
    login,
    status,
    createdAt: timestamp(createdAt),
    expiresAt: timestamp(expiresAt),
    amr: amr === undefined ? noMethods : strings(amr, isAuthenticationMethod)
  }
  // `optionalWith(..., { nullable: true })`: absent and `null` are both left out.
  if (lastPasswordVerification != null) fields.lastPasswordVerification = timestamp(lastPasswordVerification)
  if (lastFactorVerification != null) fields.lastFactorVerification = timestamp(lastFactorVerification)
  if (idp !== undefined) fields.idp = identityProvider(idp)
  if (mfaActive !== undefined) {
    if (typeof mfaActive !== "boolean") throw Unusual.instance
    fields.mfaActive = mfaActive
  }
  if (_links !== undefined) fields._links = links(_links)
  // Checked above, field by field, as the schema would: no second validation.
  return new Session(fields, true)
}

/** The parsed JSON as a `Session` when it has the common shape, else `undefined` (decode it with the schema). */
export const fastDecodeSession = (json: unknown): Session | undefined => {
  try {
    return build(json)
  } catch (error) {
    if (error instanceof Unusual) return undefined
    throw error
  }
}
