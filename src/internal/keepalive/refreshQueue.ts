/**
 * The keepalive's bookkeeping: one compact record per tracked session (in typed arrays indexed by a
 * slot number) and a binary min-heap of slots ordered by when each is due. Synchronous and
 * allocation-free per operation, so a million sessions cost about a hundred bytes each.
 *
 * @internal
 */

/** A slot that is in neither the heap nor a worker's hands: free, or just taken out. */
const NOT_QUEUED = -1
/** A slot handed to a worker (dispatched or being refreshed). */
const DISPATCHED = -2

/** How a tracked session's expiry is known: not yet (a bare id) is `NaN`. */
export const UNKNOWN_EXPIRY = Number.NaN

/**
 * Tracked sessions and the time-ordered heap of their next refresh.
 *
 * @internal
 */
export class RefreshQueue<Id extends string> {
  /** id -> slot */
  private readonly index = new Map<Id, number>()
  /** slot -> id (undefined when free) */
  private ids: Array<Id | undefined> = []
  /** when the slot is due, epoch ms */
  private due: Float64Array
  /** when the refresh schedule planned it (due may be later after a throttle), epoch ms */
  private planned: Float64Array
  /** the session's expiresAt, epoch ms, or NaN when unknown */
  private expiry: Float64Array
  /** bumped every time the slot is freed, so a worker can tell its job went stale */
  private generations: Uint32Array
  /** slot -> position in the heap, or NOT_QUEUED / DISPATCHED */
  private position: Int32Array
  /** the heap of slots, by due */
  private heap: Int32Array
  private heapSize = 0
  /** free slots below `used` */
  private freeSlots: Int32Array
  private freeCount = 0
  /** slots ever handed out */
  private used = 0

  constructor(initialCapacity = 1024) {
    const capacity = Math.max(16, initialCapacity)
    this.due = new Float64Array(capacity)
    this.planned = new Float64Array(capacity)
    this.expiry = new Float64Array(capacity)
    this.generations = new Uint32Array(capacity)
    this.position = new Int32Array(capacity).fill(NOT_QUEUED)
    this.heap = new Int32Array(capacity)
    this.freeSlots = new Int32Array(capacity)
  }

  /** Sessions tracked (queued or in a worker's hands). */
  get size(): number {
    return this.index.size
  }

  /** Sessions waiting in the heap. */
  get queued(): number {
    return this.heapSize
  }

  /** Slots allocated; grows with the most sessions ever tracked at once, never with time. */
  get capacity(): number {
    return this.due.length
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
    return this.planned[slot] ?? 0
  }

  setExpiresAt(slot: number, expiresAt: number): void {
    this.expiry[slot] = expiresAt
  }

  /** Whether the slot is the one a worker was handed (same generation, still dispatched). */
  isDispatched(slot: number, generation: number): boolean {
    return this.generations[slot] === generation && this.position[slot] === DISPATCHED
  }

  /** The earliest due time, or `undefined` when nothing is queued. */
  nextDue(): number | undefined {
    if (this.heapSize === 0) return undefined
    return this.due[this.heap[0] ?? 0]
  }

  /** Tracks a new id, queued at `due`. Returns its slot, or `undefined` when it was already tracked. */
  insert(id: Id, expiresAt: number, planned: number, due: number): number | undefined {
    if (this.index.has(id)) return undefined
    const slot = this.allocate()
    this.index.set(id, slot)
    this.ids[slot] = id
    this.expiry[slot] = expiresAt
    this.push(slot, planned, due)
    return slot
  }

  /** Puts a tracked slot (queued or dispatched) back in the heap at a new time. */
  reschedule(slot: number, planned: number, due: number): void {
    const at = this.position[slot] ?? NOT_QUEUED
    if (at >= 0) this.removeAt(at)
    this.push(slot, planned, due)
  }

  /** Takes the earliest slot if it is due at `now`, marking it dispatched. */
  popDue(now: number): number | undefined {
    if (this.heapSize === 0) return undefined
    const slot = this.heap[0] ?? 0
    if ((this.due[slot] ?? 0) > now) return undefined
    this.removeAt(0)
    this.position[slot] = DISPATCHED
    return slot
  }

  /** Stops tracking an id. Returns whether it was tracked. */
  delete(id: Id): boolean {
    const slot = this.index.get(id)
    if (slot === undefined) return false
    const at = this.position[slot] ?? NOT_QUEUED
    if (at >= 0) this.removeAt(at)
    this.index.delete(id)
    this.ids[slot] = undefined
    this.position[slot] = NOT_QUEUED
    this.generations[slot] = ((this.generations[slot] ?? 0) + 1) >>> 0
    this.freeSlots[this.freeCount++] = slot
    return true
  }

  /** Every tracked id with its expiry (ms, NaN when unknown). */
  *entries(): IterableIterator<readonly [Id, number]> {
    for (const [id, slot] of this.index) yield [id, this.expiry[slot] ?? UNKNOWN_EXPIRY]
  }

  private allocate(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount] ?? 0
    if (this.used === this.due.length) this.grow()
    return this.used++
  }

  private grow(): void {
    const capacity = this.due.length * 2
    const widen = <A extends Float64Array | Uint32Array | Int32Array>(
      from: A,
      make: (n: number) => A
    ): A => {
      const to = make(capacity)
      to.set(from)
      return to
    }
    this.due = widen(this.due, (n) => new Float64Array(n))
    this.planned = widen(this.planned, (n) => new Float64Array(n))
    this.expiry = widen(this.expiry, (n) => new Float64Array(n))
    this.generations = widen(this.generations, (n) => new Uint32Array(n))
    const position = new Int32Array(capacity).fill(NOT_QUEUED)
    position.set(this.position)
    this.position = position
    this.heap = widen(this.heap, (n) => new Int32Array(n))
    this.freeSlots = widen(this.freeSlots, (n) => new Int32Array(n))
  }

  private push(slot: number, planned: number, due: number): void {
    this.planned[slot] = planned
    this.due[slot] = due
    const at = this.heapSize++
    this.heap[at] = slot
    this.position[slot] = at
    this.siftUp(at)
  }

  private removeAt(at: number): void {
    const slot = this.heap[at] ?? 0
    const last = --this.heapSize
    this.position[slot] = NOT_QUEUED
    if (at === last) return
    const moved = this.heap[last] ?? 0
    this.heap[at] = moved
    this.position[moved] = at
    this.siftDown(at)
    this.siftUp(this.position[moved] ?? at)
  }

  private less(a: number, b: number): boolean {
    return (this.due[this.heap[a] ?? 0] ?? 0) < (this.due[this.heap[b] ?? 0] ?? 0)
  }

  private swap(a: number, b: number): void {
    const slotA = this.heap[a] ?? 0
    const slotB = this.heap[b] ?? 0
    this.heap[a] = slotB
    this.heap[b] = slotA
    this.position[slotB] = a
    this.position[slotA] = b
  }

  private siftUp(at: number): void {
    let child = at
    while (child > 0) {
      const parent = (child - 1) >> 1
      if (!this.less(child, parent)) return
      this.swap(child, parent)
      child = parent
    }
  }

  private siftDown(at: number): void {
    let parent = at
    for (;;) {
      const left = parent * 2 + 1
      if (left >= this.heapSize) return
      const right = left + 1
      const smaller = right < this.heapSize && this.less(right, left) ? right : left
      if (!this.less(smaller, parent)) return
      this.swap(parent, smaller)
      parent = smaller
    }
  }
}
