/**
 * The client's Effect metrics, shared by every client layer in the process (`OktaHttpClient.metrics`),
 * and the tagged instances the client updates.
 *
 * The instances are made once per tag combination and kept: `Metric.tagged` on a hot path builds a
 * new label array on every update, which misses the metric's hook cache and hashes the whole key
 * in the registry each time; a metric made from an already tagged key keeps its hook. The fiber's
 * own metric labels (`Effect.tagMetrics`) are still added to every update.
 */
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricKey from "effect/MetricKey"
import type * as MetricKeyType from "effect/MetricKeyType"
import * as MetricLabel from "effect/MetricLabel"

const requestsKey = MetricKey.counter("okta_client_requests_total", {
  description: "HTTP requests sent to Okta, by operation and status (the status code, or timeout / connection_error)"
})
const retriesKey = MetricKey.counter("okta_client_retries_total", {
  description: "retries the client made, by operation and reason (the error.type of the failure retried)"
})
const rateLimitedKey = MetricKey.counter("okta_client_rate_limited_total", {
  description: "429 answers from Okta, by operation"
})
/** The OpenTelemetry HTTP client duration buckets, in seconds. */
const durationBoundaries = MetricBoundaries.fromIterable([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10])
const requestDurationKey = MetricKey.histogram(
  "okta_client_request_duration_seconds",
  durationBoundaries,
  "time from sending a request to its complete answer (or to its failure), by operation and status"
)
const throttleWaitBoundaries = MetricBoundaries.fromIterable([0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300])
const throttleWaitKey = MetricKey.histogram(
  "okta_client_throttle_wait_seconds",
  throttleWaitBoundaries,
  "time a call waited in the client's throttle before it was sent, by cause (rate_limit, concurrency)"
)

/**
 * The client's metrics. Tags: `operation` (a `Sessions` operation name, or the method and path
 * template of a direct `OktaHttpClient.execute`), then `status`, `reason` or `cause`.
 */
export const metrics = {
  requests: Metric.fromMetricKey(requestsKey),
  retries: Metric.fromMetricKey(retriesKey),
  rateLimited: Metric.fromMetricKey(rateLimitedKey),
  requestDuration: Metric.fromMetricKey(requestDurationKey),
  throttleWait: Metric.fromMetricKey(throttleWaitKey)
}

type Counter = Metric.Metric<MetricKeyType.MetricKeyType.Counter<number>, number, unknown>
type Histogram = Metric.Metric<MetricKeyType.MetricKeyType.Histogram, number, unknown>

/** The instances of one tag combination, made on first use. */
const cached = <M>(make: (tags: ReadonlyArray<MetricLabel.MetricLabel>) => M) => {
  const byFirst = new Map<string, Map<string, M>>()
  return (first: string, second: string, tags: (first: string, second: string) => ReadonlyArray<MetricLabel.MetricLabel>): M => {
    let bySecond = byFirst.get(first)
    if (bySecond === undefined) {
      bySecond = new Map()
      byFirst.set(first, bySecond)
    }
    let metric = bySecond.get(second)
    if (metric === undefined) {
      metric = make(tags(first, second))
      bySecond.set(second, metric)
    }
    return metric
  }
}

const operationAnd = (name: string) => (operation: string, value: string) => [
  MetricLabel.make("operation", operation),
  MetricLabel.make(name, value)
]
const byStatus = operationAnd("status")
const byReason = operationAnd("reason")

/** The two metrics of one answered (or failed) request. */
interface RequestMetrics {
  readonly requests: Counter
  readonly duration: Histogram
}

const requestMetrics = cached((tags): RequestMetrics => ({
  requests: Metric.fromMetricKey(MetricKey.taggedWithLabels(requestsKey, tags)),
  duration: Metric.fromMetricKey(MetricKey.taggedWithLabels(requestDurationKey, tags))
}))
const retryMetrics = cached((tags): Counter => Metric.fromMetricKey(MetricKey.taggedWithLabels(retriesKey, tags)))
const rateLimitedMetrics = new Map<string, Counter>()
const throttleWaitMetrics = new Map<string, Histogram>()

/** Counts one request of `operation` that ended with `status` after `seconds`; `labels` are the fiber's. */
export const recordRequest = (
  operation: string,
  status: string,
  seconds: number,
  labels: ReadonlyArray<MetricLabel.MetricLabel>
): void => {
  const metric = requestMetrics(operation, status, byStatus)
  metric.requests.unsafeUpdate(1, labels)
  metric.duration.unsafeUpdate(seconds, labels)
  if (status === "429") {
    let rateLimited = rateLimitedMetrics.get(operation)
    if (rateLimited === undefined) {
      rateLimited = Metric.fromMetricKey(MetricKey.tagged(rateLimitedKey, "operation", operation))
      rateLimitedMetrics.set(operation, rateLimited)
    }
    rateLimited.unsafeUpdate(1, labels)
  }
}

/** Counts one retry of `operation` after a failure of type `reason`. */
export const recordRetry = (operation: string, reason: string, labels: ReadonlyArray<MetricLabel.MetricLabel>): void =>
  retryMetrics(operation, reason, byReason).unsafeUpdate(1, labels)

/** Records one throttle wait of `seconds` for `cause`. */
export const recordThrottleWait = (cause: string, seconds: number, labels: ReadonlyArray<MetricLabel.MetricLabel>): void => {
  let metric = throttleWaitMetrics.get(cause)
  if (metric === undefined) {
    metric = Metric.fromMetricKey(MetricKey.tagged(throttleWaitKey, "cause", cause))
    throttleWaitMetrics.set(cause, metric)
  }
  metric.unsafeUpdate(seconds, labels)
}
