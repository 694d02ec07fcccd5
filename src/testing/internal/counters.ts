/**
 * What the fake org counts: requests (per operation and per status), 429s, concurrency rejections,
 * wire faults and the most requests in flight at once. Admin calls and test operations do not count.
 */
import * as Record from "effect/Record"
import { familyOf, type Operation } from "./operation.js"

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
