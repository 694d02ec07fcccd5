/**
 * The net effect of a batch of changes: for each session, only its last change counts, because a
 * `Put` replaces the whole record and a `Remove` forgets it. Applying the net effect gives the same
 * stored set as applying the changes one by one in order, with one statement per chunk of rows
 * instead of one per change.
 *
 * @internal
 */
import type { Change, StoredSession } from "../../../KeepaliveStore.js"
import type { SessionId } from "../../../Session.js"

/** What a batch leaves behind: sessions to write and ids to delete (disjoint). */
export interface NetChanges {
  readonly puts: ReadonlyArray<StoredSession>
  readonly removes: ReadonlyArray<SessionId>
}

/** Folds `changes` (in order) into their net effect. */
export const netChanges = (changes: ReadonlyArray<Change>): NetChanges => {
  const last = new Map<SessionId, StoredSession | undefined>()
  for (const change of changes) {
    if (change._tag === "Put") last.set(change.session.sessionId, change.session)
    else last.set(change.sessionId, undefined)
  }
  const puts: Array<StoredSession> = []
  const removes: Array<SessionId> = []
  for (const [sessionId, session] of last) {
    if (session === undefined) removes.push(sessionId)
    else puts.push(session)
  }
  return { puts, removes }
}
