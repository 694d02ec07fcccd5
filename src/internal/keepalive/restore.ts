/**
 * Resuming from the store at start: every stored session is planned afresh from its stored
 * `expiresAt` (so nothing is refreshed at start-up unless it is due), a stored bare id is refreshed
 * promptly as when it was added, and a session whose stored `expiresAt` has passed (or is within the
 * safety margin) is not declared
 * expired from that (possibly stale) record: it is refreshed promptly, as a bare id, and only a 404
 * from Okta reports it `Expired` (`ExpiredWhileStopped`, refreshOutcome.ts) — after start, so a
 * subscriber sees it.
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
  // passed, or so close that the refresh could not finish before it: ask Okta first (the stored
  // value may be a refresh behind), rather than plan a refresh that is already too late
  if (expiresAt - state.settings.safetyMargin <= now) {
    if (records.insert(stored.sessionId, UNKNOWN_EXPIRY, Number.NaN, now) !== undefined) {
      state.restoredStale.set(stored.sessionId, expiresAt)
    }
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
