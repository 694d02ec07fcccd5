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
  { key: "gone", label: "gone (404)", value: stats.gone },
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
  readonly sessionsAtStart: number
  readonly trackedAtEnd: number
  /** The worker's counters (`workerCounts`); read one with `countOf`. */
  readonly counts: ReadonlyArray<WorkerCount>
  /** Sessions dropped after failing, by reason. */
  readonly failed: Readonly<Record<string, number>>
  /** 429 answers: from the emulator's counters, or as met by the worker on Okta. */
  readonly tooManyRequests: number
  readonly worstLag: Duration.Duration
  /** Share of planned refreshes that started at most 1 s behind plan (none when none was planned yet). */
  readonly onTimeShare: Option.Option<number>
  /** Emulator: sessions revoked behind the worker's back. */
  readonly revoked: number
  /** Sessions reported gone that the run did not revoke. */
  readonly goneUnexpectedly: number
  /** Tracked sessions whose `expiresAt` passed (by the org's record when it can say), and those reported `Expired`. */
  readonly expiredWhileTracked: number
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
  const failed = Object.entries(summary.failed).filter(([, n]) => n > 0).map(([reason, n]) => `${reason} ${n}`)
  const ranFor = Duration.format(Duration.millis(Math.round(Duration.toMillis(summary.elapsed))))
  return formatTable([
    ["mode", summary.mode === "emulator" ? "in-process emulator" : "Okta"],
    ["ran for", `${ranFor}${summary.endedBy === "duration" ? "" : ` (ended by ${summary.endedBy})`}`],
    ["sessions at start", count(summary.sessionsAtStart)],
    ["still tracked", count(summary.trackedAtEnd)],
    ...summary.counts.map(({ label, value }) => [label, count(value)] as const),
    ...(summary.mode === "emulator"
      ? [["revoked behind its back", count(summary.revoked)] as const, ["gone but not revoked", count(summary.goneUnexpectedly)] as const]
      : []),
    ["failed by reason", failed.length === 0 ? "-" : failed.join(", ")],
    ["429s", count(summary.tooManyRequests)],
    ["worst lag", formatMillis(summary.worstLag)],
    ["started within 1 s of plan", Option.match(summary.onTimeShare, {
      onNone: () => "-",
      onSome: (share) => `${(share * 100).toFixed(1)}%`
    })],
    ["expired while tracked", count(summary.expiredWhileTracked)]
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
  sessionsAtStart: summary.sessionsAtStart,
  trackedAtEnd: summary.trackedAtEnd,
  ...Object.fromEntries(summary.counts.map(({ key, value }) => [key, value])),
  failedByReason: summary.failed,
  tooManyRequests: summary.tooManyRequests,
  worstLagMillis: Math.round(Duration.toMillis(summary.worstLag)),
  onTimeShare: Option.getOrNull(summary.onTimeShare),
  ...(summary.mode === "emulator" ? { revoked: summary.revoked, goneUnexpectedly: summary.goneUnexpectedly } : {}),
  expiredWhileTracked: summary.expiredWhileTracked
})
