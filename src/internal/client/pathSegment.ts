/**
 * What may stand in a path segment of an Okta URL: the id pattern Okta issues, and the route names
 * an id may not take because the path would then name another endpoint (`/api/v1/sessions/me` is
 * the current session, not a session with id `me`). The branded schemas of `Session.ts` and the
 * operation-boundary checks share these, so a typed and an untyped caller are refused alike.
 */
import { endpoints } from "./endpoints.js"

/** Letters, digits, `-` and `_`, 1 to 128 characters: nothing that could leave its segment. */
export const idPattern = /^[A-Za-z0-9_-]{1,128}$/

/**
 * Okta's own alias for "the caller" under `/sessions` and `/users` (`/api/v1/users/me` is the
 * user of the credential), refused even where the table has no such row.
 */
const oktaAliases = ["me"]

/**
 * The literal segments of the table that sit where another template has a parameter under the same
 * prefix: with `/api/v1/sessions/{sessionId}` and `/api/v1/sessions/me`, that is `me`.
 */
const literalsAtParameters = (templates: ReadonlyArray<string>): ReadonlyArray<string> => {
  const split = templates.map((template) => template.split("/"))
  const found: Array<string> = []
  for (const segments of split) {
    segments.forEach((segment, index) => {
      if (!segment.startsWith("{")) return
      const prefix = segments.slice(0, index).join("/")
      for (const other of split) {
        const literal = other[index]
        if (literal !== undefined && !literal.startsWith("{") && other.slice(0, index).join("/") === prefix) {
          found.push(literal)
        }
      }
    })
  }
  return found
}

/** Lower-case route names no id may take (compared case-insensitively, since a proxy may fold case). */
export const routeNames: ReadonlySet<string> = new Set(
  [...oktaAliases, ...literalsAtParameters(Object.values(endpoints).map((row) => row.pathTemplate))].map((name) =>
    name.toLowerCase()
  )
)

const longestRouteName = Math.max(...Array.from(routeNames, (name) => name.length))

/** Whether `id` names another endpoint; cheap for real ids, which are longer than any route name. */
export const isRouteName = (id: string): boolean => id.length <= longestRouteName && routeNames.has(id.toLowerCase())

/** RFC 6265 cookie-octets, 1 to 4096: no CR, LF, `;`, `,`, space, quote or backslash. */
export const cookieValuePattern = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]{1,4096}$/
