/**
 * One row of the SQLite store's `sessions` table read back as a `StoredSession`, checked: a row that
 * does not have the expected shape (a file edited by something else) is `undefined`, which the
 * store reports as `Corrupt` instead of handing the worker a value that is not what its type says.
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import type { StoredSession } from "../../../KeepaliveStore.js"
import { SessionId } from "../../../Session.js"
import { OutcomeSchema } from "./validChanges.js"

const StoredRow = Schema.Struct({
  session_id: SessionId,
  expires_at: Schema.NullOr(Schema.Number),
  next_refresh_at: Schema.NullOr(Schema.Number),
  last_outcome: OutcomeSchema
})

const isStoredRow = Schema.is(StoredRow)

/** The row as a `StoredSession`, or `undefined` when it is not one. */
export const readStoredRow = (row: unknown): StoredSession | undefined =>
  isStoredRow(row)
    ? {
      sessionId: row.session_id,
      expiresAt: row.expires_at ?? undefined,
      nextRefreshAt: row.next_refresh_at ?? undefined,
      lastOutcome: row.last_outcome
    }
    : undefined
