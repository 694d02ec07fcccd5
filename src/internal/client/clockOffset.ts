/**
 * The server's clock minus ours, learned from the `Date` of every answer. `Date` is whole seconds and
 * sent before the answer reaches us, so each answer bounds the offset from below; answers at
 * different points of a second narrow it to about the network delay. The largest bound seen is kept,
 * unless an answer says less by more than a second: then one of the clocks moved (or a proxy sent a
 * stale `Date`), and the offset starts again from that answer.
 */

/** The offset as learned so far. */
export interface ClockOffset {
  /** Learns from an answer whose `Date` was `serverDateMillis`, received at `nowMillis` by our clock. */
  readonly learn: (serverDateMillis: number | undefined, nowMillis: number) => void
  /** The lower bound on server − local, in milliseconds; `undefined` before any `Date`. */
  readonly lowMillis: () => number | undefined
}

/** A fresh offset, knowing nothing. */
export const makeClockOffset = (): ClockOffset => {
  let low = -Infinity
  return {
    learn: (serverDateMillis, nowMillis) => {
      if (serverDateMillis === undefined) return
      const bound = serverDateMillis - nowMillis
      if (bound > low || bound + 1000 < low) low = bound
    },
    lowMillis: () => (low === -Infinity ? undefined : low)
  }
}
