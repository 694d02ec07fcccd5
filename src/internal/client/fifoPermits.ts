/**
 * A cap on effects running at once whose waiters are served first come, first served.
 *
 * Why not Effect's `Semaphore`: a released permit there is not handed to a waiter; every waiter is
 * woken and the fastest fiber wins, so a caller that releases one can take it straight back ahead of
 * the queue (test/Throttle.test.ts "permits go first come, first served" shows the Semaphore order
 * A A A B B B where this gives A B C A B C; at 64 callers and a cap of 32 the slowest call waited
 * about 4.5 s with the Semaphore and about 50 ms with this: commit 38ca2d6).
 */
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"

/** A call waiting for a permit, as the queue sees it. */
interface Queued {
  /** A released permit was handed to it. */
  granted: boolean
  /** It was interrupted before being handed one: skipped. */
  readonly cancelled: boolean
  /** Resumes the waiting call (it now holds the permit); set once it is queued. */
  readonly resume: ((effect: Effect.Effect<void>) => void) | undefined
}

/**
 * A call waiting for a permit, and the continuation of its wait (`matchCauseEffect`, in the
 * uninterruptible region): once granted it goes on with `next`; interrupted while waiting, it is
 * skipped, or passes on the permit it was just handed. This is what a canceler of the wait's
 * `Effect.async` would do, but a canceler makes `Effect.async` add an `Effect.onInterrupt`, whose
 * object literal of closures per call V8 may tenure under load (see matchFailure.ts).
 */
class Waiter<A, E, R> implements Queued {
  granted = false
  cancelled = false
  resume: ((effect: Effect.Effect<void>) => void) | undefined = undefined
  constructor(readonly releaseNow: () => void, readonly next: () => Effect.Effect<A, E, R>) {}
  // Fields, not methods: `matchCauseEffect` calls them as plain functions.
  readonly onFailure = (cause: Cause.Cause<never>): Effect.Effect<A, E, R> => {
    if (this.granted) this.releaseNow()
    else this.cancelled = true
    return Effect.failCause(cause)
  }
  readonly onSuccess = (): Effect.Effect<A, E, R> => this.next()
}

/**
 * The waiters, oldest first: an array read from `head`, each slot cleared as it is taken and the
 * array cut back once half of it is taken. Not `MutableQueue`: its list nodes keep pointing at the
 * next node after they leave the queue, so one node that reached the old generation kept its
 * successors, and their waiting calls, alive through every young collection. Measured in one process
 * (bench/notes/stack-cost.ts, 64 callers over the cap of 32, answers after 3 ms): 82-98 µs of CPU and
 * 20-23 µs of GC pause per call with `MutableQueue`, 45-48 µs and 6-7 µs with this (BENCHMARKS.md,
 * "Hot path steps 7 and 8").
 */
class WaiterQueue {
  private items: Array<Queued | undefined> = []
  private head = 0

  offer(waiter: Queued): void {
    this.items.push(waiter)
  }

  poll(): Queued | undefined {
    if (this.head === this.items.length) return undefined
    const waiter = this.items[this.head]
    this.items[this.head++] = undefined
    if (this.head === this.items.length) {
      this.items.length = 0
      this.head = 0
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return waiter
  }
}

/**
 * Gives the permit back when the effect holding it ends, then passes its outcome on. A class
 * instance rather than an `{ onFailure, onSuccess }` literal per call: V8 may tenure an object
 * literal's allocation site under load, and this one points at the call's continuation (see
 * matchFailure.ts).
 */
class ReleaseOnExit<A, E> {
  constructor(readonly released: Effect.Effect<void>) {}
  // Fields, not methods: `matchCauseEffect` calls them as plain functions.
  readonly onFailure = (cause: Cause.Cause<E>): Effect.Effect<A, E> => Effect.zipRight(this.released, Effect.failCause(cause))
  readonly onSuccess = (value: A): Effect.Effect<A, E> => Effect.as(this.released, value)
}

/**
 * Runs an effect once one of the permits is free; the permit is back when it ends. `onQueued` is
 * called when the effect must wait, and the function it returns once it has the permit;
 * `onRelease` runs just before the permit is given back.
 */
export type WithPermit = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  onQueued?: (() => () => void) | undefined,
  onRelease?: (() => void) | undefined
) => Effect.Effect<A, E, R>

/**
 * `count` permits: a released permit goes straight to the oldest waiter. An interrupted waiter that
 * had just been handed a permit passes it on.
 *
 * A call that finds a permit free makes no `Deferred`, fiber or timer: one uninterruptible region
 * and its exit handler. A waiting call suspends in one `Effect.async` whose resume the releasing
 * call invokes (a `Deferred` per waiter showed up at 1.5 % of the CPU profile at concurrency 64
 * over the default cap of 32, bench-effect-lean-refresh-64).
 */
export const makeFifoPermits = (count: number): WithPermit => {
  let free = count
  const waiters = new WaiterQueue()
  const releaseNow = () => {
    for (let waiter = waiters.poll(); waiter !== undefined; waiter = waiters.poll()) {
      if (!waiter.cancelled) {
        waiter.granted = true
        waiter.resume?.(Effect.void)
        return
      }
    }
    free++
  }
  const release = Effect.sync(releaseNow)
  const run = <A, E, R>(
    restore: <X, Y, Z>(effect: Effect.Effect<X, Y, Z>) => Effect.Effect<X, Y, Z>,
    effect: Effect.Effect<A, E, R>,
    onRelease: (() => void) | undefined
  ): Effect.Effect<A, E, R> => {
    const released = onRelease === undefined ? release : Effect.sync(() => {
      onRelease()
      releaseNow()
    })
    return Effect.matchCauseEffect(restore(effect), new ReleaseOnExit<A, E>(released))
  }
  return <A, E, R>(
    effect: Effect.Effect<A, E, R>,
    onQueued?: (() => () => void) | undefined,
    onRelease?: (() => void) | undefined
  ): Effect.Effect<A, E, R> =>
    Effect.uninterruptibleMask((restore) => {
      if (free > 0) {
        free--
        return run(restore, effect, onRelease)
      }
      const granted = onQueued?.()
      const waiter = new Waiter(releaseNow, () => {
        granted?.()
        return run(restore, effect, onRelease)
      })
      // No canceler: interruption is handled by `waiter.onFailure` (see there).
      const wait = Effect.async<void>((resume) => {
        waiter.resume = resume
        waiters.offer(waiter)
      })
      return Effect.matchCauseEffect(restore(wait), waiter)
    })
}
