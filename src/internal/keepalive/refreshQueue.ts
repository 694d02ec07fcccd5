/**
 * The keepalive's bookkeeping: one compact record per tracked session (typed arrays indexed by a
 * slot number) and two heaps over those slots. A session is in one of three states:
 * - waiting: in the `waiting` heap, keyed by when it is due (its planned refresh, or a retry);
 * - ready: due, in the `ready` heap keyed by its expiry, so the one closest to expiring is taken
 *   first (a bare id, whose expiry is unknown, after those with a deadline);
 * - dispatched: in a worker's hands.
 * Synchronous and allocation-free per operation, so a million sessions cost about a hundred bytes each.
 *
 * @internal
 */
import { SlotHeap } from "./slotHeap.js"

/** How a tracked session's expiry is known: not yet (a bare id) is `NaN`. */
export const UNKNOWN_EXPIRY = Number.NaN

const FREE = 0
const WAITING = 1
const READY = 2
const DISPATCHED = 3

/** Why a session that was late would be late: the last thing that held it (see `ExpiredReason`). */
export type LateCause = "OverCapacity" | "RefreshFailing" | "Throttled"
const lateCauses: ReadonlyArray<LateCause> = ["OverCapacity", "RefreshFailing", "Throttled"]

/** @internal */
export class RefreshQueue<Id extends string> {
  /** id -> slot */
  private readonly index = new Map<Id, number>()
  /** slot -> id (undefined when free) */
  private ids: Array<Id | undefined> = []
  /** when the slot's refresh was planned (a retry or a pause may make it due later), epoch ms */
  private planned: Float64Array
  /** the session's expiresAt, epoch ms, or NaN when unknown */
  private expiry: Float64Array
  /** refreshes per second this session needs at its current pace (0 while unknown) */
  private need: Float64Array
  private state: Uint8Array
  private late: Uint8Array
  /** bumped every time the slot is freed, so a worker can tell its job went stale */
  private generations: Uint32Array
  private readonly waiting: SlotHeap
  private readonly ready: SlotHeap
  private freeSlots: Int32Array
  private freeCount = 0
  /** slots ever handed out */
  private used = 0
  private needSum = 0

  constructor(initialCapacity = 1024) {
    const capacity = Math.max(16, initialCapacity)
    this.planned = new Float64Array(capacity)
    this.expiry = new Float64Array(capacity)
    this.need = new Float64Array(capacity)
    this.state = new Uint8Array(capacity)
    this.late = new Uint8Array(capacity)
    this.generations = new Uint32Array(capacity)
    this.freeSlots = new Int32Array(capacity)
    this.waiting = new SlotHeap(capacity)
    this.ready = new SlotHeap(capacity)
  }

  /** Sessions tracked (waiting, ready or in a worker's hands). */
  get size(): number {
    return this.index.size
  }

  /** Sessions waiting for their time. */
  get waitingCount(): number {
    return this.waiting.size
  }

  /** Sessions due and not yet handed to a worker. */
  get readyCount(): number {
    return this.ready.size
  }

  /** Record slots allocated; grows with the most sessions ever tracked at once, never with time. */
  get slots(): number {
    return this.planned.length
  }

  /** Refreshes per second the tracked set needs, summed over the sessions whose expiry is known. */
  get neededRate(): number {
    return Math.max(0, this.needSum)
  }

  has(id: Id): boolean {
    return this.index.has(id)
  }

  slotOf(id: Id): number | undefined {
    return this.index.get(id)
  }

  idOf(slot: number): Id | undefined {
    return this.ids[slot]
  }

  generationOf(slot: number): number {
    return this.generations[slot] ?? 0
  }

  expiresAt(slot: number): number {
    return this.expiry[slot] ?? UNKNOWN_EXPIRY
  }

  plannedAt(slot: number): number {
    return this.planned[slot] ?? Number.NaN
  }

  isWaiting(slot: number): boolean {
    return this.state[slot] === WAITING
  }

  lateCause(slot: number): LateCause {
    return lateCauses[this.late[slot] ?? 0] ?? "OverCapacity"
  }

  setLateCause(slot: number, cause: LateCause): void {
    this.late[slot] = lateCauses.indexOf(cause)
  }

  setExpiresAt(slot: number, expiresAt: number): void {
    this.expiry[slot] = expiresAt
  }

  /** Sets how many refreshes per second the session needs. */
  setNeed(slot: number, perSecond: number): void {
    this.needSum += perSecond - (this.need[slot] ?? 0)
    this.need[slot] = perSecond
  }

  /** Whether the slot is the one a worker was handed (same generation, still dispatched). */
  isDispatched(slot: number, generation: number): boolean {
    return this.generations[slot] === generation && this.state[slot] === DISPATCHED
  }

  /** The earliest due time among waiting sessions, or `undefined`. */
  nextDue(): number | undefined {
    const slot = this.waiting.peek()
    return slot === undefined ? undefined : this.waiting.keyOf(slot)
  }

  /** The ready session closest to its expiry (bare ids last), or `undefined`. */
  peekReady(): number | undefined {
    return this.ready.peek()
  }

  /** Tracks a new id, waiting until `due`. Returns its slot, or `undefined` when it was already tracked. */
  insert(id: Id, expiresAt: number, planned: number, due: number): number | undefined {
    if (this.index.has(id)) return undefined
    const slot = this.allocate()
    this.index.set(id, slot)
    this.ids[slot] = id
    this.expiry[slot] = expiresAt
    this.late[slot] = 0
    this.schedule(slot, planned, due)
    return slot
  }

  /** Puts a tracked slot (in any state) back among the waiting, planned at `planned`, due at `due`. */
  schedule(slot: number, planned: number, due: number): void {
    this.ready.remove(slot)
    this.planned[slot] = planned
    this.state[slot] = WAITING
    this.waiting.push(slot, due)
  }

  /** Moves every waiting slot due at `now` to the ready heap; returns how many moved. */
  promoteDue(now: number): number {
    let moved = 0
    for (let slot = this.waiting.peek(); slot !== undefined; slot = this.waiting.peek()) {
      if (this.waiting.keyOf(slot) > now) break
      this.waiting.remove(slot)
      this.state[slot] = READY
      const expiry = this.expiry[slot] ?? UNKNOWN_EXPIRY
      this.ready.push(slot, Number.isNaN(expiry) ? Number.POSITIVE_INFINITY : expiry)
      moved++
    }
    return moved
  }

  /** Takes the ready slot closest to its expiry, marking it dispatched. */
  takeReady(): number | undefined {
    const slot = this.ready.pop()
    if (slot !== undefined) this.state[slot] = DISPATCHED
    return slot
  }

  /** Stops tracking an id. Returns whether it was tracked. */
  delete(id: Id): boolean {
    const slot = this.index.get(id)
    if (slot === undefined) return false
    this.waiting.remove(slot)
    this.ready.remove(slot)
    this.setNeed(slot, 0)
    this.index.delete(id)
    this.ids[slot] = undefined
    this.state[slot] = FREE
    this.generations[slot] = ((this.generations[slot] ?? 0) + 1) >>> 0
    this.freeSlots[this.freeCount++] = slot
    if (this.index.size === 0) this.needSum = 0 // no drift left behind by the float sums
    return true
  }

  /** Every tracked id with its expiry (ms, NaN when unknown). */
  *entries(): IterableIterator<readonly [Id, number]> {
    for (const [id, slot] of this.index) yield [id, this.expiry[slot] ?? UNKNOWN_EXPIRY]
  }

  private allocate(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount] ?? 0
    if (this.used === this.planned.length) this.grow()
    return this.used++
  }

  private grow(): void {
    const capacity = this.planned.length * 2
    const widen = <A extends Float64Array | Uint32Array | Uint8Array | Int32Array>(from: A, make: (n: number) => A): A => {
      const to = make(capacity)
      to.set(from)
      return to
    }
    this.planned = widen(this.planned, (n) => new Float64Array(n))
    this.expiry = widen(this.expiry, (n) => new Float64Array(n))
    this.need = widen(this.need, (n) => new Float64Array(n))
    this.state = widen(this.state, (n) => new Uint8Array(n))
    this.late = widen(this.late, (n) => new Uint8Array(n))
    this.generations = widen(this.generations, (n) => new Uint32Array(n))
    this.freeSlots = widen(this.freeSlots, (n) => new Int32Array(n))
    this.waiting.grow(capacity)
    this.ready.grow(capacity)
  }
}
