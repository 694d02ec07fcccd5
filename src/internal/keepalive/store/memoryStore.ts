/**
 * The in-memory keepalive store: a `Map` from session id to its record. For tests and demos; it
 * forgets everything when the process ends.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { Change, KeepaliveStore, StoredSession } from "../../../KeepaliveStore.js"
import type { SessionId } from "../../../Session.js"
import { invalidChange } from "./validChanges.js"

/** How many sessions `load` emits per chunk. */
const chunkSize = 4096

/** A new, empty in-memory store. */
export const makeMemoryStore = (): KeepaliveStore.Service => {
  const sessions = new Map<SessionId, StoredSession>()
  const apply = (changes: ReadonlyArray<Change>): void => {
    for (const change of changes) {
      if (change._tag === "Put") sessions.set(change.session.sessionId, change.session)
      else sessions.delete(change.sessionId)
    }
  }
  return {
    // A snapshot taken when the stream starts: changes written while it runs do not show up in it.
    load: Stream.suspend(() => Stream.fromIterable(Array.from(sessions.values()))).pipe(
      Stream.rechunk(chunkSize),
      Stream.withSpan("KeepaliveStore.load", { attributes: { store: "memory" } })
    ),
    write: (changes) =>
      Effect.suspend(() => {
        const refused = invalidChange(changes)
        if (refused !== undefined) return Effect.fail(refused)
        apply(changes)
        return Effect.void
      }).pipe(Effect.withSpan("KeepaliveStore.write", { attributes: { store: "memory", changes: changes.length } })),
    count: Effect.sync(() => sessions.size).pipe(Effect.withSpan("KeepaliveStore.count", { attributes: { store: "memory" } }))
  }
}
