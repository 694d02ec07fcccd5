/**
 * How a `Session` is shown: Okta's own JSON shape for `--json`, a table of its fields otherwise.
 *
 * @since 0.2.0
 */
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Schema from "effect/Schema"
import { Session } from "../../index.js"

const encodeSession = Schema.encodeSync(Session.Session)

/**
 * The session as Okta sends it (ISO date-times, `_links`).
 *
 * @since 0.2.0
 * @category formatting
 */
export const sessionJson = (session: Session.Session): unknown => encodeSession(session)

const when = (at: DateTime.Utc, now: DateTime.Utc): string => {
  const millis = DateTime.toEpochMillis(at) - DateTime.toEpochMillis(now)
  const span = Duration.format(Duration.seconds(Math.round(Math.abs(millis) / 1000)))
  return `${DateTime.formatIso(at)} (${millis >= 0 ? `in ${span}` : `${span} ago`})`
}

/**
 * The session's fields as table rows, times also relative to `now`.
 *
 * @since 0.2.0
 * @category formatting
 */
export const sessionRows = (session: Session.Session, now: DateTime.Utc): ReadonlyArray<readonly [string, string]> => [
  ["id", session.id],
  ["userId", session.userId],
  ["login", session.login],
  ["status", session.status],
  ["createdAt", when(session.createdAt, now)],
  ["expiresAt", when(session.expiresAt, now)],
  ["lastPasswordVerification", session.lastPasswordVerification === undefined ? "-" : when(session.lastPasswordVerification, now)],
  ["lastFactorVerification", session.lastFactorVerification === undefined ? "-" : when(session.lastFactorVerification, now)],
  ["amr", session.amr.length === 0 ? "-" : session.amr.join(", ")],
  ["idp", session.idp === undefined ? "-" : `${session.idp.type} ${session.idp.id}`],
  ["mfaActive", session.mfaActive === undefined ? "-" : String(session.mfaActive)]
]
