import * as DateTime from "effect/DateTime"
import type * as OktaError from "../../OktaError.js"
import { IdentityProvider, Session, type SessionLinks } from "../../Session.js"
import type { Reply, SessionView } from "./protocol.js"

/** Okta's `_links` of a session: by id, or (for `/me`) the current-session links. */
export const sessionLinks = (baseUrl: string, view: SessionView, current: boolean) => {
  const self = current ? `${baseUrl}/api/v1/sessions/me` : `${baseUrl}/api/v1/sessions/${view.id}`
  return {
    self: { href: self, hints: { allow: ["GET", "DELETE"] } },
    refresh: { href: `${self}/lifecycle/refresh`, hints: { allow: ["POST"] } },
    user: {
      name: view.login,
      href: current ? `${baseUrl}/api/v1/users/me` : `${baseUrl}/api/v1/users/${view.userId}`,
      hints: { allow: ["GET"] }
    }
  } satisfies SessionLinks
}

const iso = (millis: number): string => new Date(millis).toISOString()

/** A session's JSON as Okta sends it (no `_tag`, ISO date-times); optionally with undocumented enum values. */
export const sessionJson = (baseUrl: string, view: SessionView, current: boolean, unknownEnums: boolean) => ({
  id: view.id,
  userId: view.userId,
  login: view.login,
  createdAt: iso(view.createdAt),
  expiresAt: iso(view.expiresAt),
  status: unknownEnums ? "PASSWORD_EXPIRED_X" : view.status,
  lastPasswordVerification: iso(view.lastPasswordVerification),
  ...(view.lastFactorVerification === undefined ? {} : { lastFactorVerification: iso(view.lastFactorVerification) }),
  amr: unknownEnums ? [...view.amr, "xyz"] : view.amr,
  idp: { id: view.idp.id, type: unknownEnums ? "QUANTUM" : view.idp.type },
  _links: sessionLinks(baseUrl, view, current)
})

/** What a session's `Session` shares across refreshes: built once per session and face. */
interface SessionParts {
  readonly baseUrl: string
  readonly createdAt: DateTime.Utc
  readonly lastPasswordVerification: DateTime.Utc
  readonly lastFactorVerification: DateTime.Utc | undefined
  readonly idp: IdentityProvider
  readonly links: SessionLinks
  readonly currentLinks: SessionLinks
}

/**
 * The parts by the session's `origin`: a refresh builds a new `Session` with a new `expiresAt` and
 * reuses these (bench/inMemoryFake.ts: the dates and links were about a tenth of an in-memory call).
 */
const partsCache = new WeakMap<object, SessionParts>()

const partsOf = (baseUrl: string, view: SessionView): SessionParts => {
  const cached = partsCache.get(view.origin)
  if (cached !== undefined && cached.baseUrl === baseUrl) return cached
  const parts: SessionParts = {
    baseUrl,
    createdAt: DateTime.unsafeMake(view.createdAt),
    lastPasswordVerification: DateTime.unsafeMake(view.lastPasswordVerification),
    lastFactorVerification: view.lastFactorVerification === undefined
      ? undefined
      : DateTime.unsafeMake(view.lastFactorVerification),
    idp: new IdentityProvider({ id: view.idp.id, type: view.idp.type }, true),
    links: sessionLinks(baseUrl, view, false),
    currentLinks: sessionLinks(baseUrl, view, true)
  }
  partsCache.set(view.origin, parts)
  return parts
}

/** The `Session` the real client would decode from `sessionJson` (without the unknown-enum fault). */
export const toSession = (baseUrl: string, view: SessionView, current: boolean): Session => {
  const parts = partsOf(baseUrl, view)
  return new Session({
    id: view.id,
    userId: view.userId,
    login: view.login,
    status: view.status,
    createdAt: parts.createdAt,
    expiresAt: DateTime.unsafeMake(view.expiresAt),
    lastPasswordVerification: parts.lastPasswordVerification,
    ...(parts.lastFactorVerification === undefined ? {} : { lastFactorVerification: parts.lastFactorVerification }),
    amr: view.amr,
    idp: parts.idp,
    _links: current ? parts.currentLinks : parts.links
  }, true)
}

/** The JSON of an error body, in Okta's field order. */
export const errorJson = (error: OktaError.OktaErrorBody): string => JSON.stringify(error)

/**
 * The headers every answer carries: `X-Okta-Request-Id`, `Date` and the family's `X-Rate-Limit-*`,
 * less what the header faults remove (a duplicated Reset is written by the emulator itself).
 */
export const replyHeaders = (reply: Reply): Record<string, string> => {
  const headers: Record<string, string> = {
    "x-okta-request-id": reply.requestId,
    "x-rate-limit-limit": String(reply.rateLimit.limit),
    "x-rate-limit-remaining": String(reply.rateLimit.remaining)
  }
  if (!reply.faults.omitDate) headers["date"] = new Date(reply.dateMillis).toUTCString()
  if (!reply.faults.omitRateLimitReset && !reply.faults.duplicateRateLimitReset) {
    headers["x-rate-limit-reset"] = String(reply.rateLimit.resetEpochSeconds)
  }
  return headers
}

/** The two values of a duplicated `X-Rate-Limit-Reset`: one 30 s late, then the real one (the smaller). */
export const duplicatedReset = (reply: Reply): ReadonlyArray<string> => [
  String(reply.rateLimit.resetEpochSeconds + 30),
  String(reply.rateLimit.resetEpochSeconds)
]
