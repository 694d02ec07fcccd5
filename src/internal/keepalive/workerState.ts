/**
 * What the scheduler, the workers and the outcome handling share: the tracked records, the planner's
 * ledger, the reporter, the 429 pause and the wake-ups between fibers, with the few operations that
 * keep them consistent (tracking, untracking, re-planning, waking).
 */
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type { SessionId } from "../../Session.js"
import type { WorkerBudget } from "./budget/workerBudget.js"
import type { InFlightRegistry } from "./hedge.js"
import type { LoadLeveler } from "./loadLeveler.js"
import type { Plan, Planner } from "./planner.js"
import type { RefreshQueue } from "./refreshQueue.js"
import type { Reporter } from "./reporter.js"
import type { Settings } from "./settings.js"
import type { StoreWriter } from "./storeWriter.js"

/** The shared state of one worker. */
export interface WorkerState {
  readonly settings: Settings
  /** The budget the workers take from, and the shared pause when there is one. */
  readonly budget: WorkerBudget
  readonly records: RefreshQueue<SessionId>
  readonly leveler: LoadLeveler
  readonly plan: Planner
  readonly reporter: Reporter
  /** Refresh outcomes waiting for the next write to the store (at most a tick away). */
  readonly writer: StoreWriter
  /** Per-session state of the retry schedule, only for sessions that are retrying. */
  readonly retryStates: Map<number, unknown>
  /** Refreshes in flight, with when to hedge them and when to give up. */
  readonly inFlight: InFlightRegistry
  /** Wakes the scheduler (something became due before it planned to look). */
  readonly wake: Queue.Queue<void>
  /** Wakes idle workers (sessions became ready). */
  readonly kicks: Queue.Queue<void>
  /**
   * Sessions restored from the store whose stored `expiresAt` had passed (or was within the safety
   * margin), with that `expiresAt`:
   * tracked as bare ids (refreshed promptly) until Okta answers, since Okta may have extended them
   * (a refresh whose outcome the store had not yet recorded). A 404 then reports them `Expired`
   * (`ExpiredWhileStopped`); a success tracks them like every other session.
   */
  readonly restoredStale: Map<SessionId, number>
  /** When the current 429 pause ends (epoch ms; in the past when none is on). */
  pausedUntil: number
  /**
   * The latest shared pause taken on (epoch ms, as published): each is bounded by `maxThrottle`
   * once, when first seen, not again at every read.
   */
  sharedPauseSeen: number
  /** Set on shutdown: nothing new starts. */
  closing: boolean
  /** Workers waiting for the budget on behalf of a ready session. */
  claimed: number
  /** When the scheduler will wake next; something due before that wakes it early. */
  sleepingUntil: number
  /** The scheduler hands out due sessions at most once per tick: not before this. */
  nextPassAt: number
}

/** Wakes the scheduler when something became due before it planned to look (and a tick has passed). */
export const nudge = (state: WorkerState): Effect.Effect<void> =>
  Effect.suspend(() => {
    const next = state.records.nextDue()
    return next !== undefined && Math.max(next, state.nextPassAt) < state.sleepingUntil
      ? Queue.offer(state.wake, undefined)
      : Effect.void
  })

/** Wakes the scheduler when it would sleep past `at` (a hedge or timeout due then). */
export const nudgeFor = (state: WorkerState, at: number): Effect.Effect<void> =>
  Effect.suspend(() => Math.max(at, state.nextPassAt) < state.sleepingUntil ? Queue.offer(state.wake, undefined) : Effect.void)

/** Puts a session back among the waiting at its planned refresh (and queues that for the store). */
export const schedulePlanned = (state: WorkerState, slot: number, sessionId: SessionId, plan: Plan): void => {
  state.records.setNeed(slot, plan.need)
  state.records.schedule(slot, plan.at, plan.at)
  state.writer.put(state.records, slot, sessionId, plan.at, "Refreshed")
}

/**
 * Stops tracking a session (its planned refresh is taken off the ledger). `persist`: queue its
 * removal for the store's next write (false when the caller writes it itself).
 */
export const untrack = (state: WorkerState, slot: number, sessionId: SessionId, persist = true): Effect.Effect<void> =>
  Effect.suspend(() => {
    if (state.records.isWaiting(slot)) state.leveler.release(state.records.plannedAt(slot))
    state.retryStates.delete(slot)
    state.restoredStale.delete(sessionId)
    state.records.delete(sessionId)
    if (persist) state.writer.remove(sessionId)
    return state.reporter.tracked(state.records.size)
  })

/** How many ready sessions a worker may start now: all of them, or during a 429 pause only one at risk. */
export const startable = (state: WorkerState, now: number): number => {
  const { records, settings } = state
  if (now >= state.pausedUntil) return records.readyCount - state.claimed
  const top = records.peekReady()
  if (top === undefined) return 0
  const expiresAt = records.expiresAt(top)
  const atRisk = expiresAt - settings.safetyMargin <= now // never for a bare id (NaN)
  return atRisk ? 1 - state.claimed : 0
}

/** When a ready session becomes startable during the current pause: its at-risk time, or the pause's end. */
export const pauseEndsFor = (state: WorkerState): number => {
  const top = state.records.peekReady()
  if (top === undefined) return Number.POSITIVE_INFINITY
  const expiresAt = state.records.expiresAt(top)
  return Number.isNaN(expiresAt) ? state.pausedUntil : Math.min(state.pausedUntil, expiresAt - state.settings.safetyMargin)
}
