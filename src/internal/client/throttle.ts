/**
 * The throttle of one client layer (so of one org): a window budget per endpoint family learned from
 * the `X-Rate-Limit-*` headers of every answer and shared by every fiber, and a cap on requests in
 * flight (first come, first served). A call that fits pays one permit and a few field updates, with
 * no fiber and no timer. A call whose family's window is spent:
 *
 * - fails at once with that window's 429 when a 429 spent it and the call documents 429, so that
 *   its own 429 retry waits for the reset and counts the attempt: in a 429 storm each caller makes
 *   its retries in the same time as without the throttle instead of waiting its turn window by
 *   window (test/HostileServer.test.ts "429 storm");
 * - otherwise waits for the window's end (plus pad and jitter), which is never further than the
 *   Reset ceiling (`RateLimit.maxResetWait`); a wait that would pass the call's deadline fails at
 *   once instead.
 *
 * With a `RateLimitShare` (RateLimitShare.ts), a window this throttle learns is spent is published
 * once (per family and window, and again when a 429 follows a Remaining 0), and the windows the
 * other sharers publish are applied to this throttle's budgets as if it had met their answers
 * (`WindowBudget.applyShared`). A call that fits its window does not touch the share: the only cost
 * on the hot path is one comparison in `observe`, and only for a throttle that has a share.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import type * as Scope from "effect/Scope"
import { RateLimitHeaders, type ThrottleSettings } from "../../RateLimit.js"
import { makeClockOffset } from "./clockOffset.js"
import { makeFifoPermits } from "./fifoPermits.js"
import type { RateLimitShareService } from "./rateLimitShare.js"
import { sleepMillis } from "./longSleep.js"
import * as WindowBudget from "./windowBudget.js"

/** A spent window as a held or refused call learns it. */
export interface SpentWindow {
  /** The answer that spent it (a 429, or a 2xx with Remaining 0), or none when the client's own count did. */
  readonly answer: WindowBudget.SpentAnswer | undefined
  /** The window now: Limit, Remaining 0, Reset, and the server's `Date` estimated for this instant. */
  readonly rateLimit: RateLimitHeaders
}

/** What a held call may do, and what it fails with when it may not wait. */
export interface HoldPolicy<E> {
  /** The latest local time a held call may be sent at; a wait past it fails with `expired`. */
  readonly deadlineMillis: number
  /** The failure of a call that meets a window a 429 spent, when the call documents 429; else `undefined` (it waits). */
  readonly refused: (window: SpentWindow) => E | undefined
  /** The failure of a call whose wait would pass `deadlineMillis`. */
  readonly expired: (window: SpentWindow) => E
  /** Told each wait of the call: its cause, its length and when it began (the call's span event and metric). */
  readonly waits?: WaitObserver | undefined
}

/** What the throttle tells of a call's waits (callObservation.ts). */
export interface WaitObserver {
  /** Now on the call's clock, in milliseconds. */
  readonly nowMillis: () => number
  readonly waited: (cause: "rate_limit" | "concurrency", family: string, delayMillis: number, startMillis: number) => void
}

/** An answer as the throttle learns from it. */
export interface ObservedAnswer extends WindowBudget.SpentAnswer {
  readonly rateLimit: RateLimitHeaders
}

/** The throttle. */
export interface Throttle {
  /** Runs `exchange` once the budget of `family` and a permit allow it. */
  readonly run: <A, E, R>(family: string, exchange: Effect.Effect<A, E, R>, hold: HoldPolicy<E>) => Effect.Effect<A, E, R>
  /**
   * Learns from an answer to a request of `family`, received at `nowMillis`, at once; returns the
   * warning to log when the answer's Reset is unusable (once per family), else `undefined`.
   */
  readonly observe: (family: string, answer: ObservedAnswer, nowMillis: number) => Effect.Effect<void> | undefined
}

/** The result of the permit step when the call may not go yet. */
const NotAdmitted: unique symbol = Symbol.for("effect-okta-sessions/Throttle/NotAdmitted")
const notAdmitted = Effect.succeed(NotAdmitted)
const isNotAdmitted = <A>(result: A | typeof NotAdmitted): result is typeof NotAdmitted => result === NotAdmitted

/** Settings the throttle reads besides `ThrottleSettings`. */
export interface ThrottleLimits {
  /** The Reset ceiling, in milliseconds. */
  readonly maxResetWaitMillis: number
}

/** Builds a throttle with the given settings; with a `share`, subscribed to it until the scope closes. */
export const make = (
  settings: ThrottleSettings,
  limits: ThrottleLimits,
  share: RateLimitShareService | undefined
): Effect.Effect<Throttle, never, Scope.Scope> =>
  Effect.suspend(() => {
    const withPermit = makeFifoPermits(settings.maxConcurrency)
    const budgets = new Map<string, WindowBudget.WindowBudget>()
    const offset = makeClockOffset()
    const padMillis = Duration.toMillis(settings.pad)
    const jitterMillis = Duration.toMillis(settings.jitter)
    const learnSettings: WindowBudget.LearnSettings = {
      maxWaitWithoutDateMillis: Duration.toMillis(settings.maxWaitWithoutDate),
      maxResetWaitMillis: limits.maxResetWaitMillis
    }

    const budgetOf = (family: string): WindowBudget.WindowBudget => {
      let budget = budgets.get(family)
      if (budget === undefined) {
        budget = WindowBudget.makeWindowBudget()
        budgets.set(family, budget)
      }
      return budget
    }

    const spentWindow = (budget: WindowBudget.WindowBudget, nowMillis: number): SpentWindow => {
      const low = offset.lowMillis()
      return {
        answer: budget.spentBy,
        rateLimit: new RateLimitHeaders({
          ...(budget.limit > 0 ? { limit: budget.limit } : {}),
          remaining: 0,
          ...(budget.resetEpochSeconds >= 0 ? { resetEpochSeconds: budget.resetEpochSeconds } : {}),
          ...(low === undefined ? {} : { serverDateMillis: nowMillis + low })
        }, { disableValidation: true })
      }
    }

    const run = <A, E, R>(family: string, exchange: Effect.Effect<A, E, R>, hold: HoldPolicy<E>): Effect.Effect<A, E, R> => {
      const budget = budgetOf(family)
      const waits = hold.waits
      let wait = 0
      let reserved = false
      // The budget's in-flight count goes down with the permit, in one exit handler.
      const onRelease = () => {
        if (reserved) {
          reserved = false
          budget.inFlight--
        }
      }
      const onQueued = waits === undefined ? undefined : () => {
        const startMillis = waits.nowMillis()
        return () => waits.waited("concurrency", family, waits.nowMillis() - startMillis, startMillis)
      }
      const admit = withPermit(
        Effect.clockWith((clock): Effect.Effect<A | typeof NotAdmitted, E, R> => {
          wait = WindowBudget.reserve(budget, clock.unsafeCurrentTimeMillis())
          if (wait !== 0) return notAdmitted
          reserved = true
          return exchange
        }),
        onQueued,
        onRelease
      )
      // Not admitted: the permit is back. Refused, or wait for the window's end plus jitter so that
      // waiters spread out, then ask again; never past the deadline.
      const waitOrFail: Effect.Effect<A, E, R> = Effect.clockWith((clock) => {
        const now = clock.unsafeCurrentTimeMillis()
        if (budget.spentBy?.status === 429) {
          const refusal = hold.refused(spentWindow(budget, now))
          if (refusal !== undefined) return Effect.fail(refusal)
        }
        return Effect.flatMap(Random.next, (random) => {
          const delay = wait + padMillis + random * jitterMillis
          if (now + delay > hold.deadlineMillis) return Effect.fail(hold.expired(spentWindow(budget, now)))
          waits?.waited("rate_limit", family, delay, now)
          return Effect.zipRight(sleepMillis(delay), admitted)
        })
      })
      const admitted: Effect.Effect<A, E, R> = Effect.flatMap(admit, (result) =>
        isNotAdmitted(result) ? waitOrFail : Effect.succeed(result))
      return admitted
    }

    const observe = (family: string, answer: ObservedAnswer, nowMillis: number): Effect.Effect<void> | undefined => {
      offset.learn(answer.rateLimit.serverDateMillis, nowMillis)
      const budget = budgetOf(family)
      const learned = WindowBudget.learn(budget, offset, answer, nowMillis, learnSettings)
      // only an answer that taught something can spend a window; an unusable Reset teaches nothing
      if (share !== undefined && budget.spentBy !== undefined && learned === "learned") return publishSpent(family, budget)
      if (learned !== "unusable reset" || budget.warnedUnusableReset) return undefined
      budget.warnedUnusableReset = true
      return Effect.logWarning(
        `Okta: the X-Rate-Limit-Reset of ${family} asks for a wait beyond ${Duration.format(Duration.millis(limits.maxResetWaitMillis))}; ` +
          "such a header is ignored by the throttle, and the 429 retry backs off instead (logged once per family)"
      )
    }

    /** The publish of a spent window not shared yet (the share's publish does not wait for its backend), else `undefined`. */
    const publishSpent = (family: string, budget: WindowBudget.WindowBudget): Effect.Effect<void> | undefined => {
      const by429 = budget.spentBy?.status === 429
      const key = WindowBudget.spentKey(budget.resetEpochSeconds, by429)
      if (share === undefined || key <= budget.sharedKey || budget.resetAtMillis === Infinity) return undefined
      budget.sharedKey = key
      return share.publish({
        family,
        limit: budget.limit,
        resetEpochSeconds: budget.resetEpochSeconds,
        endsAtMillis: budget.resetAtMillis,
        by429
      })
    }

    const throttle: Throttle = { run, observe }
    if (share === undefined) return Effect.succeed(throttle)
    return Effect.as(
      share.subscribe((window) =>
        Effect.clockWith((clock) =>
          Effect.sync(() => {
            WindowBudget.applyShared(budgetOf(window.family), window, clock.unsafeCurrentTimeMillis(), limits.maxResetWaitMillis)
          })
        )
      ),
      throttle
    )
  })
