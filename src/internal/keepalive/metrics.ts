/**
 * The keepalive's Effect metrics, shared by every worker in the process.
 */
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"

/** The lag histogram's bucket bounds, in milliseconds (the last is `Infinity`). */
export const lagBoundaries: ReadonlyArray<number> = [
  10,
  50,
  100,
  250,
  500,
  1000,
  2500,
  5000,
  10_000,
  30_000,
  60_000,
  300_000,
  Infinity
]

/**
 * The worker's metrics, shared by every worker in the process: read them with `Metric.value` or
 * export them with a metrics layer.
 *
 * @since 0.1.0
 * @category metrics
 */
export const metrics = {
  /** Sessions tracked now. */
  tracked: Metric.gauge("okta_keepalive_tracked", { description: "sessions tracked by the keepalive" }),
  refreshed: Metric.counter("okta_keepalive_refreshed_total", { description: "successful refreshes" }),
  gone: Metric.counter("okta_keepalive_gone_total", {
    description: "sessions Okta ended before their known expiry (404)"
  }),
  /** Tracked sessions that reached their expiry before the worker refreshed them: the key health figure. */
  expired: Metric.counter("okta_keepalive_expired_total", {
    description: "tracked sessions that expired before the keepalive could refresh them"
  }),
  failed: Metric.counter("okta_keepalive_failed_total", { description: "sessions dropped after failing" }),
  retried: Metric.counter("okta_keepalive_retried_total", { description: "transient failures retried" }),
  hedged: Metric.counter("okta_keepalive_hedged_total", { description: "second attempts sent beside a slow refresh" }),
  throttled: Metric.counter("okta_keepalive_throttled_total", { description: "429 answers met" }),
  /** Refreshes per second the tracked set needs, and what the budget allows. */
  neededRate: Metric.gauge("okta_keepalive_needed_rate", { description: "refreshes per second the tracked set needs" }),
  allowedRate: Metric.gauge("okta_keepalive_allowed_rate", { description: "refreshes per second the budget allows" }),
  /** The worst lag so far, in milliseconds. */
  worstLag: Metric.gauge("okta_keepalive_worst_lag_ms", { description: "worst refresh lag behind plan" }),
  /** Lag of each refresh behind its plan, in milliseconds. */
  lag: Metric.histogram(
    "okta_keepalive_lag_ms",
    MetricBoundaries.fromIterable(lagBoundaries.slice(0, -1)),
    "refresh lag behind plan"
  )
}
