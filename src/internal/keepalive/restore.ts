/**
 * Resuming from the store at start: every stored session is planned afresh from its stored
 * `expiresAt` (so nothing is refreshed at start-up unless it is due), a stored bare id is refreshed
 * promptly as when it was added, and a session whose `expiresAt` passed while the worker was not
 * running is kept aside to be reported `Expired` (`ExpiredWhileStopped`) by the scheduler's first pass.
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { KeepaliveStore, KeepaliveStoreError, StoredSession } from "../../KeepaliveStore.js"
import { UNKNOWN_EXPIRY } from "./refreshQueue.js"
import type { WorkerState } from "./workerState.js"

const restoreOne = (state: WorkerState, stored: StoredSession, now: number): Effect.Effect<void> => {
  const { records } = state
  if (records.has(stored.sessionId)) return Effect.void
  if (stored.expiresAt === undefined) {
    records.insert(stored.sessionId, UNKNOWN_EXPIRY, Number.NaN, now)
    return Effect.void
  }
  const expiresAt = stored.expiresAt
  if (expiresAt <= now) {
    state.restoredExpired.push([stored.sessionId, expiresAt])
    return Effect.void
  }
  return Effect.map(state.plan(stored.sessionId, expiresAt, now), (plan) => {
    const slot = records.insert(stored.sessionId, expiresAt, now, now)
    if (slot === undefined || plan === undefined) return
    records.setNeed(slot, plan.need)
    records.schedule(slot, plan.at, plan.at)
  })
}

/** Loads every stored session into the worker's records. */
export const restore = (
  state: WorkerState,
  store: KeepaliveStore.Service,
  now: number
): Effect.Effect<void, KeepaliveStoreError> =>
  Stream.runForEachChunk(store.load, (chunk) =>
    Effect.forEach(Chunk.toReadonlyArray(chunk), (stored) => restoreOne(state, stored, now), { discard: true }))
