/**
 * The planner: when to refresh a session next. It steps the user's refresh schedule for the window
 * the refresh may start in, keeps that window clear of the session's safety margin, and places the
 * refresh in the least loaded second of it (`LoadLeveler`), so that sessions created together are
 * spread evenly over their windows instead of bunching and queueing behind the budget.
 */
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleIntervals from "effect/ScheduleIntervals"
import type { SessionId } from "../../Session.js"
import type { LoadLeveler } from "./loadLeveler.js"
import type { Settings } from "./settings.js"

/** A planned refresh: when, and the refreshes per second the session needs at this pace. */
export interface Plan {
  readonly at: number
  readonly need: number
}

/** Builds the planner of one worker. */
export const makePlanner = (settings: Settings, leveler: LoadLeveler) => {
  /**
   * The longest idle window seen (a refresh's answer, or the freshest session added): a session
   * added with less time left is assumed to get that window at its next refresh, so that its need
   * is the pace from then on (the same share of that window) rather than its first, shorter, wait. With windows of different
   * lengths in one set it underestimates the short ones' need.
   */
  let longestWindow = 0
  /** The share of a full window a refresh waits (learned from a plan with the whole window left). */
  let steadyShare = 0.5
  return (
  /**
   * Plans the next refresh of a session expiring at `expiresAt`; `undefined` when the schedule is
   * done. `window`: the session's whole idle window when known to be longer than what is left (a
   * session added mid-window), so that its need is its pace after the next refresh, not this once.
   */
  (sessionId: SessionId, expiresAt: number, now: number, window?: number): Effect.Effect<Plan | undefined> => {
    longestWindow = Math.max(longestWindow, window ?? 0, expiresAt - now)
    return Effect.map(
      settings.schedule.step(now, {
        sessionId,
        expiresAt: DateTime.unsafeMake(expiresAt),
        remaining: Duration.millis(Math.max(0, expiresAt - now))
      }, settings.schedule.initial),
      ([, , decision]) => {
        if (ScheduleDecision.isDone(decision)) return undefined
        // the latest sensible start leaves the safety margin and a tick before expiry
        const latest = expiresAt - settings.safetyMargin - settings.tick
        const levelled = Number.isFinite(ScheduleIntervals.end(decision.intervals))
        const start = Math.max(now, Math.min(ScheduleIntervals.start(decision.intervals), latest))
        const end = Math.max(start, Math.min(ScheduleIntervals.end(decision.intervals), latest))
        const at = leveler.place(start, levelled ? end : Infinity)
        // one refresh per (time until the latest start): the pace the session needs at the least
        const remaining = expiresAt - now
        const wait = (levelled ? end : at) - now
        if (remaining >= 0.99 * longestWindow && wait > 0) steadyShare = wait / remaining
        // its pace once it has a whole window: never less than this first wait
        const gap = Math.max(settings.tick, wait, steadyShare * longestWindow)
        return { at, need: 1000 / gap }
      }
    )
  })
}

/** The planner of one worker. */
export type Planner = ReturnType<typeof makePlanner>
