/**
 * The keepalive's progress: a line updated in place on a terminal, a line every few seconds
 * otherwise, a `Progress` JSON object with `--json`.
 *
 * @since 0.2.0
 */
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import type { Keepalive } from "../../index.js"
import { byReason, formatMillis } from "./keepaliveSummary.js"

/**
 * What one progress report shows.
 *
 * @since 0.2.0
 * @category progress
 */
export interface Progress {
  readonly stats: Keepalive.Stats
  /** `Expired` events so far, by reason. */
  readonly expiredByReason: Readonly<Record<string, number>>
  /** 429s so far (the emulator's count, or the worker's). */
  readonly tooManyRequests: number
  /** The share of the worker's budget not spent since the last report, from 0 to 1. */
  readonly budgetLeft: number
  readonly elapsed: Duration.Duration
  readonly duration: Option.Option<Duration.Duration>
}

const count = (n: number) => n.toLocaleString("en-US")

/**
 * `[12s/60s] tracked 1,000  refreshed 250  gone 2  expired 1 (Throttled 1)  429s 0  budget left 80%  worst lag 12 ms`
 * (`gone`: ended by Okta; `expired`: ours, with the reasons, omitted while 0).
 *
 * @since 0.2.0
 * @category progress
 */
export const progressLine = (progress: Progress): string => {
  const elapsed = `${Math.floor(Duration.toSeconds(progress.elapsed))}s`
  const of = Option.match(progress.duration, { onNone: () => "", onSome: (d) => `/${Math.round(Duration.toSeconds(d))}s` })
  const { stats } = progress
  return `[${elapsed}${of}] tracked ${count(stats.tracked)}  refreshed ${count(stats.refreshed)}  gone ${count(stats.gone)}  ` +
    `expired ${count(stats.expired)}${stats.expired === 0 ? "" : ` (${byReason(progress.expiredByReason)})`}  ` +
    `429s ${count(progress.tooManyRequests)}  budget left ${Math.round(progress.budgetLeft * 100)}%  worst lag ${formatMillis(stats.worstLag)}`
}

/**
 * The report as one JSON object (`event: "Progress"`).
 *
 * @since 0.2.0
 * @category progress
 */
export const progressJson = (progress: Progress) => ({
  event: "Progress",
  elapsedMillis: Math.round(Duration.toMillis(progress.elapsed)),
  tracked: progress.stats.tracked,
  inFlight: progress.stats.inFlight,
  requests: progress.stats.requests,
  refreshed: progress.stats.refreshed,
  gone: progress.stats.gone,
  expired: progress.stats.expired,
  expiredByReason: progress.expiredByReason,
  failed: progress.stats.failed,
  tooManyRequests: progress.tooManyRequests,
  budgetLeft: Math.round(progress.budgetLeft * 1000) / 1000,
  worstLagMillis: Math.round(Duration.toMillis(progress.stats.worstLag))
})
