/**
 * What the fake org counts: requests (per operation and per status), 429s, concurrency rejections,
 * wire faults and the most requests in flight at once. Admin calls and test operations do not count.
 */
import * as Record from "effect/Record"
import { type Family, familyOf, type Operation } from "./operation.js"
import type { WindowSetting } from "./orgOptions.js"

/**
 * One rate-limit window of one family as the org counted it: every request that arrived in it
 * (refused ones included), the 429s it answered, and the window's limit. Windows are fixed and
 * aligned to the epoch, as the org enforces them.
 */
export interface WindowCount {
  readonly family: Family
  /** The window's start, epoch milliseconds. */
  readonly start: number
  readonly windowMillis: number
  /** The family's limit per window while it was counted. */
  readonly limit: number
  /** Requests that arrived in the window, refused ones included. */
  readonly requests: number
  /** Of those, the ones answered 429 (a rate limit, the concurrent-request limit or an injected one). */
  readonly tooManyRequests: number
}

/** The most windows kept per family: older ones are dropped first. */
const maxWindows = 10_000

/** A snapshot of the counters since the org started (or since `resetCounters`). */
export interface Counters {
  /** Every API request received. */
  readonly requests: number
  /** Requests per operation. */
  readonly byOperation: { readonly [K in Operation]: number }
  /** Answers per HTTP status (`{ 200: 17, 404: 2 }`). Dropped requests have no status. */
  readonly byStatus: Readonly<Record<number, number>>
  /** Every 429, whatever its cause. */
  readonly tooManyRequests: number
  /** The 429s of the concurrent-request limit (Limit = Remaining = 0). */
  readonly concurrencyRejections: number
  /** Connections reset by the `connectionResetRate` fault. */
  readonly connectionResets: number
  /** Requests left unanswered by the `hangRate` fault. */
  readonly hangs: number
  /** The most requests that were in flight at once. */
  readonly maxInFlight: number
}

/** The org's counters while it counts. */
export class OrgCounters {
  requests = 0
  byOperation: { [K in Operation]: number } = Record.map(familyOf, () => 0)
  /** Indexed by status: a sparse array is cheaper to bump than a Map. */
  byStatus: Array<number> = []
  tooManyRequests = 0
  concurrencyRejections = 0
  connectionResets = 0
  hangs = 0
  maxInFlight = 0
  /** Per family, its windows by start, in arrival order (a Map keeps insertion order). */
  private readonly windows = new Map<Family, Map<number, { limit: number; windowMillis: number; requests: number; tooManyRequests: number }>>()

  /** Counts an answer of `operation` at `at` in its family's window of `setting`. */
  countWindow(operation: Operation, setting: WindowSetting, at: number, status: number): void {
    const family = familyOf[operation]
    let byStart = this.windows.get(family)
    if (byStart === undefined) {
      byStart = new Map()
      this.windows.set(family, byStart)
    }
    const start = Math.floor(at / setting.windowMillis) * setting.windowMillis
    let window = byStart.get(start)
    if (window === undefined) {
      window = { limit: setting.limit, windowMillis: setting.windowMillis, requests: 0, tooManyRequests: 0 }
      byStart.set(start, window)
      if (byStart.size > maxWindows) {
        const oldest = byStart.keys().next()
        if (oldest.done !== true) byStart.delete(oldest.value)
      }
    }
    window.requests++
    if (status === 429) window.tooManyRequests++
  }

  /** Every counted window, by family, oldest first. */
  windowCounts(): ReadonlyArray<WindowCount> {
    const all: Array<WindowCount> = []
    for (const [family, byStart] of this.windows) {
      for (const [start, window] of Array.from(byStart.entries()).sort(([a], [b]) => a - b)) {
        all.push({ family, start, ...window })
      }
    }
    return all
  }

  /** Counts an answer's status (0, a dropped request, has none). */
  countStatus(status: number): void {
    if (status === 0) return
    this.byStatus[status] = (this.byStatus[status] ?? 0) + 1
    if (status === 429) this.tooManyRequests++
  }

  /** Notes how many requests are in flight now. */
  noteInFlight(inFlight: number): void {
    if (inFlight > this.maxInFlight) this.maxInFlight = inFlight
  }

  snapshot(): Counters {
    const byStatus: Record<number, number> = {}
    this.byStatus.forEach((count, status) => {
      byStatus[status] = count
    })
    return {
      requests: this.requests,
      byOperation: { ...this.byOperation },
      byStatus,
      tooManyRequests: this.tooManyRequests,
      concurrencyRejections: this.concurrencyRejections,
      connectionResets: this.connectionResets,
      hangs: this.hangs,
      maxInFlight: this.maxInFlight
    }
  }
}
