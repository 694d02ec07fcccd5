/**
 * A cap on effects running at once whose waiters are served first come, first served.
 *
 * Why not Effect's `Semaphore`: a released permit there is not handed to a waiter; every waiter is
 * woken and the fastest fiber wins, so a caller that releases one can take it straight back ahead of
 * the queue (test/Throttle.test.ts "permits go first come, first served" shows the Semaphore order
 * A A A B B B where this gives A B C A B C; at 64 callers and a cap of 32 the slowest call waited
 * about 4.5 s with the Semaphore and about 50 ms with this: commit 38ca2d6).
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as MutableQueue from "effect/MutableQueue"

/** A call waiting for a permit. */
interface Waiter {
  readonly deferred: Deferred.Deferred<void>
  /** A released permit was handed to it. */
  granted: boolean
  /** It was interrupted before being handed one: skipped. */
  cancelled: boolean
}

/** Runs an effect once one of the permits is free; the permit is back when it ends. */
export type WithPermit = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/**
 * `count` permits: a released permit goes straight to the oldest waiter. An interrupted waiter that
 * had just been handed a permit passes it on.
 */
export const makeFifoPermits = (count: number): WithPermit => {
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
