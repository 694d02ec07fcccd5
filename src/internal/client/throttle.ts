import type * as Headers from "@effect/platform/Headers"
import * as Duration from "effect/Duration"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as MutableQueue from "effect/MutableQueue"
import * as Random from "effect/Random"
import { parseHttpDate, parseSmallestInteger, type ThrottleSettings } from "../../RateLimit.js"

/**
 * What the throttle knows of one endpoint family's window. Fibers of one JavaScript thread update it
 * between two steps of an effect, so a plain object is enough; every read and write is synchronous.
 */
interface Budget {
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
  /** Counts one of them answered; made once per family. */
  readonly answered: Effect.Effect<void>
}

/** What a call gets from the gate when it must wait instead of being sent. */
const Held: unique symbol = Symbol.for("effect-okta-sessions/Throttle/Held")

const isHeld = <A>(result: A | typeof Held): result is typeof Held => result === Held

/** How long a held-back call waits when the budget is spent and the next reset is not yet known. */
const unknownResetPollMillis = 50

/** A call waiting for a permit. */
interface Waiter {
  readonly deferred: Deferred.Deferred<void>
  /** A released permit was handed to it. */
  granted: boolean
  /** It was interrupted before being handed one: skipped. */
  cancelled: boolean
}

/**
 * A cap on effects running at once whose waiters are served first come, first served: a released
 * permit goes straight to the oldest waiter, so a fiber that releases one cannot take it back ahead
 * of them (an Effect `Semaphore` lets it, and wakes every waiter on each release). An interrupted
 * waiter that had just been handed a permit passes it on.
 */
const makeFifoPermits = (count: number) => {
  let free = count
  const waiters = MutableQueue.unbounded<Waiter>()
  const release = Effect.sync(() => {
    for (let waiter = MutableQueue.poll(waiters, undefined); waiter !== undefined; waiter = MutableQueue.poll(waiters, undefined)) {
      if (!waiter.cancelled) {
        waiter.granted = true
        Deferred.unsafeDone(waiter.deferred, Exit.void)
        return
      }
    }
    free++
  })
  return <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.uninterruptibleMask((restore) => {
      if (free > 0) {
        free--
        return Effect.ensuring(restore(effect), release)
      }
      return Effect.flatMap(Deferred.make<void>(), (deferred) => {
        const waiter: Waiter = { deferred, granted: false, cancelled: false }
        MutableQueue.offer(waiters, waiter)
        return Effect.matchCauseEffect(restore(Deferred.await(deferred)), {
          onFailure: (cause) => {
            if (waiter.granted) return Effect.zipRight(release, Effect.failCause(cause))
            waiter.cancelled = true
            return Effect.failCause(cause)
          },
          onSuccess: () => Effect.ensuring(restore(effect), release)
        })
      })
    })
}

/**
 * The throttle of one client layer (so of one org): a budget per endpoint family learned from the
 * `X-Rate-Limit-*` headers of every response and shared by every fiber, and a cap on requests in
 * flight (first come, first served). A call whose family's budget is spent waits for the reset instead
 * of being sent; a call that fits pays one permit and a few field updates, with no fiber and no timer.
 */
export interface Throttle {
  /** Runs `exchange` once the budget of `family` and a permit allow it. */
  readonly run: <A, E, R>(family: string, exchange: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Learns from the headers of an answer to a request of `family`, received at `nowMillis`. */
  readonly observe: (family: string, headers: Headers.Headers, nowMillis: number) => void
}

/** Builds a throttle with the given settings. */
export const make = (settings: ThrottleSettings): Effect.Effect<Throttle> =>
  Effect.sync(() => {
    const withPermit = makeFifoPermits(settings.maxConcurrency)
    const budgets = new Map<string, Budget>()
    const padMillis = Duration.toMillis(settings.pad)
    const jitterMillis = Duration.toMillis(settings.jitter)
    const maxWaitWithoutDateMillis = Duration.toMillis(settings.maxWaitWithoutDate)

    const budgetOf = (family: string): Budget => {
      let budget = budgets.get(family)
      if (budget === undefined) {
        const created: Budget = {
          limit: 0,
          remaining: Infinity,
          resetEpochSeconds: -1,
          resetAtMillis: Infinity,
          inFlight: 0,
          answered: Effect.sync(() => {
            created.inFlight--
          })
        }
        budgets.set(family, created)
        budget = created
      }
      return budget
    }

    /** Takes one unit of the budget and returns 0, or returns how long to wait before asking again. */
    const reserve = (budget: Budget, nowMillis: number): number => {
      if (nowMillis >= budget.resetAtMillis) {
        // The window ended by our clock: a fresh one starts, less what may already count in it.
        budget.remaining = budget.limit > 0 ? budget.limit - budget.inFlight : Infinity
        budget.resetAtMillis = Infinity
      }
      if (budget.remaining > 0) {
        budget.remaining--
        budget.inFlight++
        return 0
      }
      return budget.resetAtMillis === Infinity
        ? unknownResetPollMillis
        : budget.resetAtMillis - nowMillis + padMillis
    }

    const held = Effect.succeed(Held)

    const run = <A, E, R>(family: string, exchange: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
      const budget = budgetOf(family)
      let wait = 0
      const gate = withPermit(Effect.clockWith((clock): Effect.Effect<A | typeof Held, E, R> => {
        wait = reserve(budget, clock.unsafeCurrentTimeMillis())
        return wait === 0 ? Effect.ensuring(exchange, budget.answered) : held
      }))
      // Spent: the permit is back; come again after the reset, plus jitter so that waiters spread out.
      const again: Effect.Effect<A, E, R> = Effect.flatMap(gate, (result) =>
        isHeld(result)
          ? Effect.flatMap(Random.next, (random) =>
            Effect.zipRight(Effect.sleep(Duration.millis(wait + random * jitterMillis)), again))
          : Effect.succeed(result))
      return again
    }

    /**
     * The server's clock minus ours, in milliseconds, at least: the largest `Date − received at` seen
     * (`Date` is whole seconds, sent before the answer reaches us, so each answer bounds it from below
     * and answers at different points of a second narrow it to about the network delay). `-Infinity`
     * before any `Date`.
     */
    let offsetLowMillis = -Infinity

    const learnOffset = (headers: Headers.Headers, nowMillis: number): void => {
      const serverDate = parseHttpDate(headers["date"])
      if (serverDate === undefined) return
      const low = serverDate - nowMillis
      // Below what we know by more than a second: one of the clocks moved; start again from this answer.
      if (low > offsetLowMillis || low + 1000 < offsetLowMillis) offsetLowMillis = low
    }

    const observe = (family: string, headers: Headers.Headers, nowMillis: number): void => {
      learnOffset(headers, nowMillis)
      const remaining = parseSmallestInteger(headers["x-rate-limit-remaining"])
      const reset = parseSmallestInteger(headers["x-rate-limit-reset"])
      if (remaining === undefined || reset === undefined) return
      const limit = parseSmallestInteger(headers["x-rate-limit-limit"]) ?? 0
      // Limit = Remaining = 0 is the concurrent-request limit, which says nothing of the window.
      if (limit === 0 && remaining === 0) return
      const budget = budgetOf(family)
      // The others in flight may or may not be counted in `remaining` yet: assume they are not.
      const known = remaining - Math.max(0, budget.inFlight - 1)
      if (reset > budget.resetEpochSeconds) {
        budget.resetEpochSeconds = reset
        budget.resetAtMillis = resetAt(reset, nowMillis)
        budget.limit = limit
        budget.remaining = known
      } else if (reset === budget.resetEpochSeconds) {
        budget.remaining = Math.min(budget.remaining, known)
        if (budget.resetAtMillis === Infinity) {
          // Our clock said the window was over but Okta still counts in it: learn its end again, by
          // this answer alone (its `Date` is still inside the window).
          const serverDate = parseHttpDate(headers["date"])
          budget.resetAtMillis = serverDate === undefined
            ? resetAt(reset, nowMillis)
            : nowMillis + reset * 1000 - serverDate
        } else if (offsetLowMillis !== -Infinity) {
          // The offset may have narrowed: the end can only come closer.
          budget.resetAtMillis = Math.min(budget.resetAtMillis, reset * 1000 - offsetLowMillis)
        }
      }
    }

    /** When a window ends by the local clock: by the servers' `Date`s when there have been any. */
    const resetAt = (reset: number, nowMillis: number): number =>
      offsetLowMillis === -Infinity
        ? Math.min(reset * 1000, nowMillis + maxWaitWithoutDateMillis)
        : reset * 1000 - offsetLowMillis

    return { run, observe }
  })
