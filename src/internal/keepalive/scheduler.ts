/**
 * The scheduler: one fiber that, at most once per tick, moves the sessions whose time has come to
 * the ready heap (closest to expiry first), reports the ready ones that reached their expiry before
 * a worker could start them, checks the load against the budget and wakes the workers (the
 * store writer's own fiber writes the refresh outcomes, storeWriter.ts). Between
 * passes it fires the hedges and timeouts of slow refreshes (hedge.ts) and sleeps until the next thing is due, in chunks no longer than a timer can hold, and wakes
 * early when something new is due sooner.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import { maxTimerMillis } from "../options/optionSchemas.js"
import { nextInFlightDeadline, watchInFlight } from "./hedge.js"
import { pauseEndsFor, startable, untrack, type WorkerState } from "./workerState.js"

/** Sleeps `millis` (at most one timer's worth; the loop asks again) or until woken. */
const sleepOrWake = (state: WorkerState, millis: number) =>
  millis === Number.POSITIVE_INFINITY
    ? Queue.take(state.wake)
    : Effect.raceFirst(
      Effect.sleep(Duration.millis(Math.min(maxTimerMillis, Math.max(0, millis)))),
      Queue.take(state.wake)
    )

/** Reports and drops the ready sessions that reached their expiry unstarted. */
const expireOverdue = (state: WorkerState, now: number) =>
  Effect.gen(function*() {
    const { records } = state
    for (let slot = records.peekReady(); slot !== undefined; slot = records.peekReady()) {
      const expiresAt = records.expiresAt(slot)
      const sessionId = records.idOf(slot)
      if (!(expiresAt <= now) || sessionId === undefined) return
      const reason = records.lateCause(slot)
      yield* untrack(state, slot, sessionId)
      yield* state.reporter.expired(sessionId, expiresAt, reason)
    }
  })

/** One pass: promote what is due, expire what is overdue, check the load, wake the workers. */
const pass = (state: WorkerState, now: number) =>
  Effect.gen(function*() {
    state.leveler.advance(now)
    state.records.promoteDue(now)
    yield* watchInFlight(state.inFlight, now)
    yield* expireOverdue(state, now)
    yield* state.reporter.capacity(state.records.size, state.records.neededRate)
    const wakeable = Math.min(startable(state, now), state.settings.concurrency)
    for (let i = 0; i < wakeable; i++) yield* Queue.offer(state.kicks, undefined)
  })

/** When the scheduler must look again: the next due session, the next expiry, the end of a pause. */
const nextWake = (state: WorkerState, now: number): number => {
  const { records } = state
  let at = Math.min(records.nextDue() ?? Number.POSITIVE_INFINITY, nextInFlightDeadline(state.inFlight))
  const top = records.peekReady()
  if (top !== undefined) {
    const expiresAt = records.expiresAt(top)
    if (!Number.isNaN(expiresAt)) at = Math.min(at, expiresAt)
    if (state.pausedUntil > now) at = Math.min(at, pauseEndsFor(state))
  }
  return Math.max(at, state.nextPassAt)
}

/** The scheduler's loop (runs until interrupted). */
export const runScheduler = (state: WorkerState): Effect.Effect<never> =>
  Effect.gen(function*() {
    for (;;) {
      const now = yield* Clock.currentTimeMillis
      if (now >= state.nextPassAt) {
        state.sleepingUntil = Number.NEGATIVE_INFINITY
        state.nextPassAt = now + state.settings.tick
        yield* pass(state, now)
      }
      // drain old wake-ups first: one offered after this point wakes the sleep below
      yield* Queue.takeAll(state.wake)
      const wakeAt = nextWake(state, yield* Clock.currentTimeMillis)
      state.sleepingUntil = wakeAt
      yield* sleepOrWake(state, wakeAt - (yield* Clock.currentTimeMillis))
    }
  })
