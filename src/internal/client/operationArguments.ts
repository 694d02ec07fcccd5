/**
 * The checks every operation runs on its arguments before a request exists, so that a caller who
 * bypasses the types (plain JavaScript, a cast) still cannot make a request leave its endpoint:
 * ids that are not ids or name another route, cookies that could smuggle a header, a session token
 * that is not a `Redacted` string, options of the wrong type. Each check is a `typeof` and a regex
 * test, not a `Schema` decode: they run on every call (see `bench/operationArguments.ts`).
 *
 * A problem is `[argument, detail]`; the detail describes the value and never quotes it, because a
 * secret given in the wrong place must not end up in an error.
 */
import * as Redacted from "effect/Redacted"
import { CookieValue, SessionCookie } from "../../Session.js"
import type { PathParameter } from "./endpoints.js"
import { cookieValuePattern, idPattern, isRouteName } from "./pathSegment.js"

/** What is wrong with one argument: its name (as a path) and a description without the value. */
export type Problem = readonly [argument: string, detail: string]

/** A value's kind, for a message that must not quote it. */
const kindOf = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "an array" : typeof value === "object" ? "an object" : `a ${typeof value}`

/** A checked id: letters, digits, `-`, `_`, 1 to 128, and no route name. The hot path: a regex test. */
const isId = (value: unknown): value is string => typeof value === "string" && idPattern.test(value) && !isRouteName(value)

/** Why `value` cannot stand in a path segment as a `noun` (only asked once `isId` said no). */
const idProblem = (value: unknown, noun: string): string => {
  if (typeof value !== "string") return `expected a ${noun} string, got ${kindOf(value)}`
  if (idPattern.test(value)) return `names another endpoint ('${value.toLowerCase()}'), not a ${noun}`
  if (value.length === 0) return "is empty"
  if (value.length > 128) return `has ${value.length} characters, at most 128`
  return "may hold only letters, digits, '-' and '_'"
}

/**
 * Each path parameter of the endpoint table, how it is checked and shown on the span. A row with a
 * new parameter name does not compile until its entry is added here.
 */
export const pathParameters: {
  readonly [K in PathParameter]: {
    readonly isValid: (value: unknown) => value is string
    readonly problem: (value: unknown) => string
    /** The span attribute that carries the checked id. */
    readonly attribute: string
  }
} = {
  sessionId: { isValid: isId, problem: (value) => idProblem(value, "session id"), attribute: "okta.session_id" },
  userId: { isValid: isId, problem: (value) => idProblem(value, "user id"), attribute: "okta.user_id" }
}

/** The cookie to send, rebuilt as a `SessionCookie` when a caller passed a plain object; or its problem. */
export const checkCookie = (cookie: unknown): SessionCookie | Problem => {
  if (typeof cookie !== "object" || cookie === null) return ["cookie", `expected a SessionCookie, got ${kindOf(cookie)}`]
  const name: unknown = "name" in cookie ? cookie.name : undefined
  const value: unknown = "value" in cookie ? cookie.value : undefined
  if (name !== "sid" && name !== "idx") return ["cookie.name", "expected 'sid' or 'idx'"]
  if (typeof value !== "string") return ["cookie.value", `expected a string, got ${kindOf(value)}`]
  if (!cookieValuePattern.test(value)) {
    return [
      "cookie.value",
      value.length === 0 || value.length > 4096
        ? `has ${value.length} characters, expected 1 to 4096`
        : "may hold only visible ASCII without ';', ',', '\"', '\\' or whitespace"
    ]
  }
  // A real SessionCookie is used as it is (its fields were just checked, so a mutated one is refused
  // too); a plain object is rebuilt without a second validation (about 7 µs with it, 1 µs without).
  return cookie instanceof SessionCookie
    ? cookie
    : SessionCookie.make({ name, value: CookieValue.make(value, true) }, true)
}

/** A `Redacted` whose value is a string. */
const isRedactedString = (token: unknown): token is Redacted.Redacted<string> =>
  Redacted.isRedacted(token) && typeof Redacted.value(token) === "string"

/** The session token, or its problem (never quoting it). */
export const checkSessionToken = (token: unknown): Redacted.Redacted<string> | Problem => {
  if (!Redacted.isRedacted(token)) {
    return ["sessionToken", `expected a Redacted string (Redacted.make), got ${kindOf(token)}`]
  }
  if (!isRedactedString(token)) return ["sessionToken", `expected a Redacted string, got a Redacted ${kindOf(Redacted.value(token))}`]
  // Its content is Okta's to judge (an empty or malformed token is its documented 400): it travels
  // JSON-encoded in the body, where no character can leave its place.
  return token
}

/** The query booleans of `names` found in `options` as URL parameters, or the first problem. */
export const checkQueryBooleans = (
  options: unknown,
  names: ReadonlyArray<string>
): Readonly<Record<string, string>> | undefined | Problem => {
  if (options === undefined) return undefined
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    return ["options", `expected an object or nothing, got ${kindOf(options)}`]
  }
  const params: Record<string, string> = {}
  const given: Readonly<Record<string, unknown>> = { ...options }
  for (const name of names) {
    const value = given[name]
    if (value === undefined) continue
    if (typeof value !== "boolean") return [`options.${name}`, `expected true, false or nothing, got ${kindOf(value)}`]
    params[name] = value ? "true" : "false"
  }
  return params
}

/** Whether a check's result is a problem rather than the checked value. */
export const isProblem = (result: unknown): result is Problem =>
  Array.isArray(result) && result.length === 2 && typeof result[0] === "string" && typeof result[1] === "string"
