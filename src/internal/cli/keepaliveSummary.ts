/**
 * What a keepalive run did, as printed when it ends: a table, or one `Summary` JSON object.
 *
 * @since 0.2.0
 */
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import type { Keepalive } from "../../index.js"
import { formatTable } from "./table.js"

/**
 * One count of the worker's, with its label in the table and its key in the JSON.
 *
 * @since 0.2.0
 * @category summary
 */
export interface WorkerCount {
  readonly key: string
  readonly label: string
  readonly value: number
}

/**
 * The worker's counters as the summary reads them: the one place that reads `Keepalive.Stats` for
 * the summary, so a counter the worker gains is one line here.
 *
 * @since 0.2.0
 * @category summary
 */
export const workerCounts = (stats: Keepalive.Stats): ReadonlyArray<WorkerCount> => [
  { key: "requests", label: "refresh requests", value: stats.requests },
  { key: "refreshed", label: "refreshed", value: stats.refreshed },
  { key: "gone", label: "gone (404, ended by Okta)", value: stats.gone },
  { key: "expired", label: "expired while tracked (ours)", value: stats.expired },
  { key: "failed", label: "failed", value: stats.failed },
  { key: "retried", label: "retries", value: stats.retried },
  { key: "throttled", label: "429 pauses", value: stats.throttled }
]

/**
 * A run's summary.
 *
 * @since 0.2.0
 * @category summary
 */
export interface Summary {
  /** `emulator` (the in-process emulator of npm start) or `okta` (an org from the settings). */
  readonly mode: "emulator" | "okta"
  /** Why it ended: its duration passed, a signal, nothing left to keep alive, or an interruption. */
  readonly endedBy: "duration" | "SIGINT" | "SIGTERM" | "nothing left" | "interrupted"
  /** True when it ended before its duration (a signal or an interruption). */
  readonly interrupted: boolean
  readonly elapsed: Duration.Duration
  /** Where the tracked set is kept: `memory`, or the SQLite file given with `--store`. */
  readonly store: string
  /** Sessions given on the command line (or seeded by the demo). */
  readonly sessionsAtStart: number
  /** Sessions resumed from the store at start (tracked before the given ones were added). */
  readonly resumed: number
  /** Sessions tracked once the given ones were added (resumed ones included). */
  readonly trackedAtStart: number
  readonly trackedAtEnd: number
  /** The worker's counters (`workerCounts`); read one with `countOf`. */
  readonly counts: ReadonlyArray<WorkerCount>
  /** Sessions dropped after failing, by reason. */
  readonly failed: Readonly<Record<string, number>>
  /** Sessions the worker reported `Expired` (ours: it could not refresh them in time), by reason. */
  readonly expiredByReason: Readonly<Record<string, number>>
  /** 429 answers: from the emulator's counters, or as met by the worker on Okta. */
  readonly tooManyRequests: number
  readonly worstLag: Duration.Duration
  /** Share of planned refreshes that started at most 1 s behind plan (none when none was planned yet). */
  readonly onTimeShare: Option.Option<number>
  /** Emulator: sessions revoked behind the worker's back. */
  readonly revoked: number
  /** Sessions reported gone that the run did not revoke. */
  readonly goneUnexpectedly: number
  /**
   * The independent check: tracked sessions that had expired by the org's own record (the emulator's
   * state; on Okta, their known `expiresAt`) while the worker still tracked them, plus (emulator) 404s for
   * sessions nobody revoked. The worker's own count is `countOf(summary, "expired")`.
   */
  readonly expiredByOrg: number
}

/**
 * One of the worker's counters in a summary, by key (`"refreshed"`, `"gone"`, ...); 0 when absent.
 *
 * @since 0.2.0
 * @category summary
 */
export const countOf = (summary: Summary, key: string): number =>
  summary.counts.find((entry) => entry.key === key)?.value ?? 0

const count = (n: number) => n.toLocaleString("en-US")

/**
 * Counts by reason as `OverCapacity 2, Throttled 1` (`-` when none).
 *
 * @since 0.2.0
 * @category summary
 */
export const byReason = (counts: Readonly<Record<string, number>>): string => {
  const entries = Object.entries(counts).filter(([, n]) => n > 0).map(([reason, n]) => `${reason} ${count(n)}`)
  return entries.length === 0 ? "-" : entries.join(", ")
}

/**
 * Milliseconds as `1,234 ms`.
 *
 * @since 0.2.0
 * @category summary
 */
export const formatMillis = (duration: Duration.Duration) => `${count(Math.round(Duration.toMillis(duration)))} ms`

/**
 * The summary as a two-column table.
 *
 * @since 0.2.0
 * @category summary
 */
export const formatSummary = (summary: Summary): string => {
  const failed = byReason(summary.failed)
  const expired = byReason(summary.expiredByReason)
  const ranFor = Duration.format(Duration.millis(Math.round(Duration.toMillis(summary.elapsed))))
  return formatTable([
    ["mode", summary.mode === "emulator" ? "in-process emulator" : "Okta"],
    ["ran for", `${ranFor}${summary.endedBy === "duration" ? "" : ` (ended by ${summary.endedBy})`}`],
    ["store", summary.store],
    ["sessions at start", count(summary.sessionsAtStart)],
    ["resumed from the store", count(summary.resumed)],
    ["tracked at start", count(summary.trackedAtStart)],
    ["still tracked", count(summary.trackedAtEnd)],
    ...summary.counts.map(({ label, value }) => [label, count(value)] as const),
    ...(summary.mode === "emulator"
      ? [["revoked behind its back", count(summary.revoked)] as const, ["gone but not revoked", count(summary.goneUnexpectedly)] as const]
      : []),
    ["expired by reason", expired],
    ["failed by reason", failed],
    ["429s", count(summary.tooManyRequests)],
    ["worst lag", formatMillis(summary.worstLag)],
    ["started within 1 s of plan", Option.match(summary.onTimeShare, {
      onNone: () => "-",
      onSome: (share) => `${(share * 100).toFixed(1)}%`
    })],
    [summary.mode === "emulator" ? "expired by the emulator's state" : "expired by known expiresAt", count(summary.expiredByOrg)]
  ], "right")
}

/**
 * The summary as one JSON object (`event: "Summary"`).
 *
 * @since 0.2.0
 * @category summary
 */
export const summaryJson = (summary: Summary) => ({
  event: "Summary",
  mode: summary.mode,
  endedBy: summary.endedBy,
  elapsedMillis: Math.round(Duration.toMillis(summary.elapsed)),
  store: summary.store,
  sessionsAtStart: summary.sessionsAtStart,
  resumed: summary.resumed,
  trackedAtStart: summary.trackedAtStart,
  trackedAtEnd: summary.trackedAtEnd,
  ...Object.fromEntries(summary.counts.map(({ key, value }) => [key, value])),
  failedByReason: summary.failed,
  expiredByReason: summary.expiredByReason,
  tooManyRequests: summary.tooManyRequests,
  worstLagMillis: Math.round(Duration.toMillis(summary.worstLag)),
  onTimeShare: Option.getOrNull(summary.onTimeShare),
  ...(summary.mode === "emulator" ? { revoked: summary.revoked, goneUnexpectedly: summary.goneUnexpectedly } : {}),
  expiredByOrg: summary.expiredByOrg
})
