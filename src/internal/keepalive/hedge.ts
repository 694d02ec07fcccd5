/**
 * Hedging a slow refresh without a timer per request: each refresh in flight is registered with
 * when to send a second attempt beside it (`hedgeAt`) and when to give up on both (`giveUpAt`), and
 * the scheduler's pass (once per tick) fires whichever has come. On the `TestClock` a timer per
 * refresh (`Effect.timeout` plus a delayed second attempt) made test/Keepalive.test.ts's
 * "window after window" run (100 sessions, 600 refreshes) 4x slower (3.8 s to 16.9 s), hence this registry.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import type { Session } from "../../Session.js"
import type { RefreshSessionError } from "../../Sessions.js"

/** The answer of a refresh (either attempt), or the worker's own timeout. */
export type RefreshResult = Either.Either<Session, RefreshSessionError>

/** One refresh in flight. */
export interface InFlightRefresh {
  readonly hedgeAt: number
  readonly giveUpAt: number
  /** Completed when the second attempt should start. */
  readonly hedgeNow: Deferred.Deferred<void>
  /** Completed by the first answer, or by the timeout. */
  readonly done: Deferred.Deferred<RefreshResult>
  readonly timedOut: () => RefreshResult
  /** Whether the second attempt was asked for. */
  hedged: boolean
}

/** Refreshes in flight by slot. */
export type InFlightRegistry = Map<number, InFlightRefresh>

/** Fires the hedges and timeouts that are due at `now`. */
export const watchInFlight = (registry: InFlightRegistry, now: number): Effect.Effect<void> =>
  Effect.suspend(() => {
    const due: Array<Effect.Effect<boolean>> = []
    for (const refresh of registry.values()) {
      if (now >= refresh.giveUpAt) due.push(Deferred.succeed(refresh.done, refresh.timedOut()))
      else if (!refresh.hedged && now >= refresh.hedgeAt) {
        refresh.hedged = true
        due.push(Deferred.succeed(refresh.hedgeNow, undefined))
      }
    }
    return due.length === 0 ? Effect.void : Effect.all(due, { discard: true })
  })

/** The next time a hedge or timeout is due (`Infinity` when none). */
export const nextInFlightDeadline = (registry: InFlightRegistry): number => {
  let next = Number.POSITIVE_INFINITY
  for (const refresh of registry.values()) {
    next = Math.min(next, refresh.hedged ? refresh.giveUpAt : refresh.hedgeAt)
  }
  return next
}
