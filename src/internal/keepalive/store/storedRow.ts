/**
 * One row of a SQL store's sessions table (SQLite or PostgreSQL: the same four columns) read back as
 * a `StoredSession`, checked: a row that does not have the expected shape (a table edited by
 * something else) is `undefined`, which the store reports as `Corrupt` instead of handing the worker
 * a value that is not what its type says.
 *
 * The check is written out rather than a `Schema.is` of the whole row: on 200,000 rows that took
 * about 4-7 µs a row here against 0.4-1.5 µs for this one (the id still goes through the
 * `SessionId` schema), which is seconds at a million sessions on every restart.
 *
 * @internal
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import type { Outcome, StoredSession } from "../../../KeepaliveStore.js"
import { SessionId } from "../../../Session.js"
import { OutcomeSchema } from "./validChanges.js"

const isSessionId = Schema.is(SessionId)
const isOutcome = Schema.is(OutcomeSchema)

/** A stored time: a number, or NULL for "not known". */
const timeOf = (value: unknown): number | undefined | false =>
  value === null ? undefined : typeof value === "number" ? value : false

/** The row as a `StoredSession`, or `undefined` when it is not one. */
export const readStoredRow = (row: unknown): StoredSession | undefined => {
  if (
    !Predicate.hasProperty(row, "session_id") || !Predicate.hasProperty(row, "expires_at") ||
    !Predicate.hasProperty(row, "next_refresh_at") || !Predicate.hasProperty(row, "last_outcome")
  ) return undefined
  const sessionId = row.session_id
  const expiresAt = timeOf(row.expires_at)
  const nextRefreshAt = timeOf(row.next_refresh_at)
  const lastOutcome: unknown = row.last_outcome
  if (!isSessionId(sessionId) || expiresAt === false || nextRefreshAt === false || !isOutcome(lastOutcome)) {
    return undefined
  }
  const outcome: Outcome = lastOutcome
  return { sessionId, expiresAt, nextRefreshAt, lastOutcome: outcome }
}
