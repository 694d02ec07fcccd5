/**
 * The planner's ledger of refreshes per second: a ring of one-second buckets over the next
 * `HORIZON_SECONDS` (about 36 hours) with a segment tree of minima, so that placing a refresh in the
 * least loaded second of its window [earliest, latest] costs O(log n), whatever the window's width.
 * Ties go to the latest second (a session refreshed later needs fewer refreshes), and within a
 * second refreshes are spaced by the budget so that a full second does not start as a burst.
 *
 * A window that lies wholly beyond the horizon (a 90-day idle window) is not levelled: its refresh
 * is spread over the window by a low-discrepancy sequence instead; it is levelled the next time it
 * is planned, when its window is near.
 *
 * @internal
 */

/** Seconds the ledger looks ahead: 2^17 (36.4 hours). */
export const HORIZON_SECONDS = 131_072

/** The golden ratio's fractional part: successive multiples spread evenly over [0, 1). */
const GOLDEN = 0.6180339887498949

/** @internal */
export class LoadLeveler {
  /** tree[1] is the root; leaves at HORIZON_SECONDS + (second mod HORIZON_SECONDS) */
  private readonly tree = new Int32Array(HORIZON_SECONDS * 2)
  /** the first second of the ring (earlier seconds have passed and are cleared) */
  private base: number
  private sequence = 0

  /** `perSecond`: the budget's requests per second, to space refreshes within a second. */
  constructor(nowMillis: number, private perSecond: number) {
    this.base = Math.floor(nowMillis / 1000)
  }

  /** Moves the ring's start to `nowMillis`, clearing the seconds that passed. */
  advance(nowMillis: number): void {
    const second = Math.floor(nowMillis / 1000)
    if (second <= this.base) return
    if (second - this.base >= HORIZON_SECONDS) {
      this.tree.fill(0)
    } else {
      for (let s = this.base; s < second; s++) this.set(s, 0)
    }
    this.base = second
  }

  /** Refreshes planned in the second of `millis` (0 outside the horizon). */
  loadAt(millis: number): number {
    const second = Math.floor(millis / 1000)
    return this.inHorizon(second) ? this.leaf(second) : 0
  }

  /**
   * Plans one refresh in [startMillis, endMillis] and records it: the least loaded second (the
   * latest of equals), at an offset within it spaced by the budget. A window narrower than a second
   * or without an end (`Infinity`) keeps its start.
   */
  place(startMillis: number, endMillis: number): number {
    if (!(endMillis - startMillis >= 1000) || !Number.isFinite(endMillis)) {
      this.add(startMillis)
      return startMillis
    }
    const first = Math.max(Math.ceil(startMillis / 1000), this.base)
    if (first >= this.base + HORIZON_SECONDS) {
      // beyond the horizon: spread evenly, level it when it is planned again within the horizon
      this.sequence = (this.sequence + GOLDEN) % 1
      return startMillis + (endMillis - startMillis) * this.sequence
    }
    const last = Math.min(Math.floor(endMillis / 1000) - 1, this.base + HORIZON_SECONDS - 1)
    if (first > last) {
      this.add(startMillis)
      return startMillis
    }
    const second = this.leastLoaded(first, last)
    const load = this.leaf(second)
    const offset = Math.floor(load * 1000 / Math.max(1, this.perSecond)) % 1000
    this.set(second, load + 1)
    return Math.min(endMillis, Math.max(startMillis, second * 1000 + offset))
  }

  /** Records a refresh planned at `millis` that was not placed by `place`. */
  add(millis: number): void {
    const second = Math.floor(millis / 1000)
    if (this.inHorizon(second)) this.set(second, this.leaf(second) + 1)
  }

  /** Forgets a refresh planned at `millis` that will not happen (the session left or was re-planned). */
  release(millis: number): void {
    const second = Math.floor(millis / 1000)
    if (this.inHorizon(second)) this.set(second, Math.max(0, this.leaf(second) - 1))
  }

  private inHorizon(second: number): boolean {
    return second >= this.base && second < this.base + HORIZON_SECONDS
  }

  private leaf(second: number): number {
    return this.tree[HORIZON_SECONDS + (second % HORIZON_SECONDS)] ?? 0
  }

  private set(second: number, value: number): void {
    let node = HORIZON_SECONDS + (second % HORIZON_SECONDS)
    this.tree[node] = value
    for (node >>= 1; node >= 1; node >>= 1) {
      this.tree[node] = Math.min(this.tree[2 * node] ?? 0, this.tree[2 * node + 1] ?? 0)
    }
  }

  /** The latest second of [first, last] (absolute seconds, at most a horizon apart) with the least load. */
  private leastLoaded(first: number, last: number): number {
    const from = first % HORIZON_SECONDS
    const to = last % HORIZON_SECONDS
    if (from <= to) return first + (this.minIndex(from, to) - from)
    // the window wraps around the ring: the part after the wrap holds the later seconds
    const early = this.minIndex(from, HORIZON_SECONDS - 1)
    const late = this.minIndex(0, to)
    const lateSecond = first + (HORIZON_SECONDS - from) + late
    return this.leafAt(late) <= this.leafAt(early) ? lateSecond : first + (early - from)
  }

  private leafAt(position: number): number {
    return this.tree[HORIZON_SECONDS + position] ?? 0
  }

  /** The rightmost position of the minimum in [from, to] (ring positions). */
  private minIndex(from: number, to: number): number {
    return this.search(1, 0, HORIZON_SECONDS - 1, from, to)
  }

  private search(node: number, low: number, high: number, from: number, to: number): number {
    if (from <= low && high <= to) return this.descend(node, low, high)
    const middle = (low + high) >> 1
    const right = to > middle ? this.search(2 * node + 1, middle + 1, high, from, to) : -1
    const left = from <= middle ? this.search(2 * node, low, middle, from, to) : -1
    if (right === -1) return left
    if (left === -1) return right
    return this.leafAt(left) < this.leafAt(right) ? left : right
  }

  /** The rightmost leaf holding the minimum under `node`. */
  private descend(node: number, low: number, high: number): number {
    let at = node
    let lo = low
    let hi = high
    while (lo < hi) {
      const middle = (lo + hi) >> 1
      if ((this.tree[2 * at + 1] ?? 0) <= (this.tree[2 * at] ?? 0)) {
        at = 2 * at + 1
        lo = middle + 1
      } else {
        at = 2 * at
        hi = middle
      }
    }
    return lo
  }
}
