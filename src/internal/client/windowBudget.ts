/**
 * What the throttle knows of one endpoint family's rate-limit window, learned from answers, and the
 * two things it does with it: take one unit for a call (or say how long to wait), and learn from an
 * answer. Fibers of one JavaScript thread update it between two steps of an effect, so a plain
 * object is enough; every read and write is synchronous.
 */
import * as Headers from "@effect/platform/Headers"
import type { RateLimitHeaders } from "../../RateLimit.js"
import type { ClockOffset } from "./clockOffset.js"
import { classifyReset } from "./resetWait.js"

/** An answer as the throttle keeps it: the one that spent a window. */
export interface SpentAnswer {
  readonly status: number
  readonly headers: Headers.Headers
  readonly body: Uint8Array | undefined
}

/** One family's window. */
export interface WindowBudget {
  /** `X-Rate-Limit-Limit` of the current window; 0 while unknown. */
  limit: number
  /** Requests this client may still send in the window: a lower bound. `Infinity` while unknown. */
  remaining: number
  /** `X-Rate-Limit-Reset` of the newest window seen, in epoch seconds; -1 before any. */
  resetEpochSeconds: number
  /** When that window ends by the local clock, in milliseconds; `Infinity` while unknown. */
  resetAtMillis: number
  /** Requests of this family sent and not yet answered. */
  inFlight: number
  /** The answer that said the current window is spent (a 429, or a 2xx with Remaining 0), if one did. */
  spentBy: SpentAnswer | undefined
  /** Whether an unusable Reset of this family has been logged already (once per family). */
  warnedUnusableReset: boolean
  /** The newest spent window shared (published or applied), as `spentKey`; -1 before any. */
  sharedKey: number
}

/** A family's budget before any answer: nothing known, nothing held. */
export const makeWindowBudget = (): WindowBudget => ({
  limit: 0,
  remaining: Infinity,
  resetEpochSeconds: -1,
  resetAtMillis: Infinity,
  inFlight: 0,
  spentBy: undefined,
  warnedUnusableReset: false,
  sharedKey: -1
})

/** How long a held call waits when the budget is spent and the next reset is not yet known. */
export const unknownResetPollMillis = 50

/**
 * Takes one unit of the budget and returns 0, or returns how long to wait (without pad and jitter)
 * before asking again: until the window's end, or `unknownResetPollMillis` when it is not known.
 */
export const reserve = (budget: WindowBudget, nowMillis: number): number => {
  if (nowMillis >= budget.resetAtMillis) {
    // The window ended by our clock: a fresh one starts, less what may already count in it.
    budget.remaining = budget.limit > 0 ? budget.limit - budget.inFlight : Infinity
    budget.resetAtMillis = Infinity
    budget.spentBy = undefined
  }
  if (budget.remaining > 0) {
    budget.remaining--
    budget.inFlight++
    return 0
  }
  return budget.resetAtMillis === Infinity ? unknownResetPollMillis : budget.resetAtMillis - nowMillis
}

/**
 * Orders the spent windows a throttle shares: a later window first, then a 429 before a Remaining 0
 * of the same window (a 429 makes the others' calls that document 429 fail fast).
 */
export const spentKey = (resetEpochSeconds: number, by429: boolean): number => resetEpochSeconds * 2 + (by429 ? 1 : 0)

/** A window another throttle found spent, as `applyShared` takes it. */
export interface SharedSpent {
  readonly limit: number
  readonly resetEpochSeconds: number
  /** When the window ends, in epoch milliseconds (the publisher's estimate). */
  readonly endsAtMillis: number
  readonly by429: boolean
}

/**
 * Applies a window another throttle found spent, at `nowMillis`: its Remaining becomes 0 until its
 * end, placed no later than `nowMillis + maxResetWaitMillis`; a 429 leaves an answer that says so
 * (its `X-Rate-Limit-*` headers, no body), so that calls documenting 429 fail fast with it. A window
 * older than the one this budget knows, or already over, teaches nothing. Returns whether it applied.
 */
export const applyShared = (budget: WindowBudget, shared: SharedSpent, nowMillis: number, maxResetWaitMillis: number): boolean => {
  const key = spentKey(shared.resetEpochSeconds, shared.by429)
  if (key <= budget.sharedKey || shared.resetEpochSeconds < budget.resetEpochSeconds) return false
  const endsAt = Math.min(shared.endsAtMillis, nowMillis + maxResetWaitMillis)
  if (!(endsAt > nowMillis)) return false
  budget.sharedKey = key
  const answer: SpentAnswer = {
    status: shared.by429 ? 429 : 200,
    headers: Headers.fromInput({
      ...(shared.limit > 0 ? { "x-rate-limit-limit": String(shared.limit) } : {}),
      "x-rate-limit-remaining": "0",
      "x-rate-limit-reset": String(shared.resetEpochSeconds)
    }),
    body: undefined
  }
  if (shared.resetEpochSeconds > budget.resetEpochSeconds || budget.resetAtMillis === Infinity) {
    budget.resetEpochSeconds = shared.resetEpochSeconds
    budget.resetAtMillis = endsAt
    if (shared.limit > 0) budget.limit = shared.limit
  } else {
    budget.resetAtMillis = Math.min(budget.resetAtMillis, endsAt)
  }
  budget.remaining = 0
  if (budget.spentBy === undefined || (shared.by429 && budget.spentBy.status !== 429)) budget.spentBy = answer
  return true
}

/** Settings of `learn`, in milliseconds. */
export interface LearnSettings {
  readonly maxWaitWithoutDateMillis: number
  readonly maxResetWaitMillis: number
}

/** What `learn` made of an answer's Reset. */
export type Learned = "learned" | "nothing to learn" | "unusable reset"

/**
 * Learns from an answer received at `nowMillis`: its window's Remaining and end. A Reset further
 * ahead than the ceiling is unusable and teaches nothing; no window end is ever placed later than
 * `nowMillis` plus the ceiling, whatever the clocks say.
 */
export const learn = (
  budget: WindowBudget,
  offset: ClockOffset,
  answer: SpentAnswer & { readonly rateLimit: RateLimitHeaders },
  nowMillis: number,
  settings: LearnSettings
): Learned => {
  const { limit = 0, remaining, resetEpochSeconds: reset } = answer.rateLimit
  if (remaining === undefined || reset === undefined) return "nothing to learn"
  // Limit = Remaining = 0 is the concurrent-request limit, which says nothing of the window.
  if (limit === 0 && remaining === 0) return "nothing to learn"
  const wait = classifyReset(answer.rateLimit, nowMillis, settings.maxWaitWithoutDateMillis, settings.maxResetWaitMillis)
  if (wait === "too far ahead") return "unusable reset"
  if (typeof wait !== "number") return "nothing to learn"
  const latestEnd = nowMillis + wait
  // The others in flight may or may not be counted in `remaining` yet: assume they are not.
  const known = remaining - Math.max(0, budget.inFlight - 1)
  if (reset > budget.resetEpochSeconds) {
    budget.resetEpochSeconds = reset
    budget.resetAtMillis = Math.min(windowEnd(offset, reset, nowMillis, settings), latestEnd)
    budget.limit = limit
    budget.remaining = known
    budget.spentBy = known <= 0 ? answer : undefined
  } else if (reset === budget.resetEpochSeconds) {
    budget.remaining = Math.min(budget.remaining, known)
    if (budget.remaining <= 0 && (budget.spentBy === undefined || answer.status === 429)) budget.spentBy = answer
    if (budget.resetAtMillis === Infinity) {
      // Our clock said the window was over but Okta still counts in it: learn its end again, by
      // this answer alone (its `Date` is still inside the window).
      budget.resetAtMillis = latestEnd
    } else {
      // The offset may have narrowed: the end can only come closer.
      budget.resetAtMillis = Math.min(budget.resetAtMillis, windowEnd(offset, reset, nowMillis, settings), latestEnd)
    }
  }
  return "learned"
}

/** When a window ends by the local clock: by the servers' `Date`s when there have been any. */
const windowEnd = (offset: ClockOffset, reset: number, nowMillis: number, settings: LearnSettings): number => {
  const low = offset.lowMillis()
  return low === undefined
    ? Math.min(reset * 1000, nowMillis + settings.maxWaitWithoutDateMillis)
    : reset * 1000 - low
}
