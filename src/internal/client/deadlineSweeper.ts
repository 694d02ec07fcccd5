/**
 * One timer for every request timeout of a client layer: a call registers its deadline and cancels
 * it when it ends; a single fiber sleeps on Effect's `Clock` until the oldest live deadline and fires
 * its `onExpire`. No fiber, no `Effect.timeout` race and no Node timer per call (that race forked two
 * fibers per call and cost about 125 µs of CPU at concurrency 64 in the measurements), and it
 * still runs on the `TestClock`.
 *
 * Every call of one layer has the same timeout, so deadlines arrive in order: an insertion-ordered
 * `Set` is the whole index, O(1) to add and to cancel, its first entry the next to expire. A
 * cancelled deadline leaves the set at once, so nothing of a finished call stays reachable from the
 * layer (the FIFO array this replaced dropped a cancelled entry only once it reached the head, so it
 * held every entry behind the oldest call in flight). A wall clock set back makes later deadlines wait
 * behind earlier ones by at most the jump.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

/** A registered deadline; `cancel` it when the call ends first. */
export interface Deadline {
  readonly cancel: () => void
}

/** The timer of one layer. */
export interface DeadlineSweeper {
  /** Calls `onExpire` once `timeoutMillis` have passed on the layer's clock, unless cancelled first. */
  readonly register: (onExpire: () => void) => Deadline
}

/** The longest single sleep: below what a Node timer can hold. */
const maxSleepMillis = 60_000

/** A live deadline: in `live` until it expires or is cancelled. */
class Entry implements Deadline {
  constructor(
    readonly at: number,
    readonly onExpire: () => void,
    readonly live: Set<Entry>
  ) {}

  cancel(): void {
    this.live.delete(this)
  }
}

/**
 * A sweeper for deadlines `timeoutMillis` after registration, on the `Clock` of the scope that builds
 * it; its fiber ends with the scope.
 */
export const make = (timeoutMillis: number): Effect.Effect<DeadlineSweeper, never, Scope.Scope> =>
  Effect.gen(function*() {
    const clock = yield* Effect.clock
    const live = new Set<Entry>()
    /** Set while the fiber waits for the first entry; resuming it starts the sweep. */
    let wakeUp: (() => void) | undefined

    const sweep: Effect.Effect<void> = Effect.suspend(() => {
      const now = clock.unsafeCurrentTimeMillis()
      let next: Entry | undefined
      for (const entry of live) {
        if (entry.at > now) {
          next = entry
          break
        }
        live.delete(entry)
        entry.onExpire()
      }
      if (next === undefined) {
        return Effect.async<void>((resume) => {
          wakeUp = () => {
            wakeUp = undefined
            resume(Effect.void)
          }
        })
      }
      return clock.sleep(Duration.millis(Math.min(maxSleepMillis, Math.max(1, next.at - now))))
    })

    yield* Effect.forkScoped(Effect.forever(sweep))

    const register = (onExpire: () => void): Deadline => {
      const entry = new Entry(clock.unsafeCurrentTimeMillis() + timeoutMillis, onExpire, live)
      live.add(entry)
      wakeUp?.()
      return entry
    }
    return { register }
  })
