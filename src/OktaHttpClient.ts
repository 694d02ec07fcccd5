/**
 * Turns the user's `HttpClient` into Okta's: base URL, `Authorization` (or the browser cookie for
 * `/me`), `Accept`, `Content-Type`, `User-Agent`, a per-exchange timeout, a cap on the decoded
 * response body, no trace headers unless asked for, no redirect followed (so no credential reaches
 * another origin), and every known secret scrubbed from what a server echoes back. Statuses become
 * the tagged errors of `OktaError`. Calls go through the throttle (`RateLimit.ThrottleOptions`) and
 * are retried by one `Effect.retry` schedule that takes a 429 to the 429 retry
 * (`RateLimit.retrySchedule`) and, when safe to repeat, a transient failure to the transient retry
 * (`Retry.transientSchedule`), all within the call's `maxElapsed`; a retry carries `X-Okta-Retry-For`
 * (the request id of the first 429) and `X-Okta-Retry-Count`.
 *
 * Each call writes the OpenTelemetry HTTP client attributes (`http.request.method`, `server.address`,
 * `server.port`, `url.template`, `http.response.status_code`, `error.type` when it fails),
 * `okta.request_id` and `okta.retries` on the span it runs in (a `Sessions.*` span), records an
 * `okta.retry` event per retry and an `okta.throttle.wait` event per throttle wait, and updates
 * `metrics`.
 *
 * @since 0.1.0
 */
import type * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Metric from "effect/Metric"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type * as Tracer from "effect/Tracer"
import { authorizerFor } from "./internal/client/authorizerForConfig.js"
import { makeService } from "./internal/client/clientService.js"
import * as ClientMetrics from "./internal/client/clientMetrics.js"
import type { TokenError } from "./internal/client/oauth/tokenError.js"
import * as PlatformTransport from "./internal/client/platformTransport.js"
import { OktaConfig } from "./OktaConfig.js"
import type * as OktaError from "./OktaError.js"
import type { SessionCookie } from "./Session.js"

/**
 * One call to Okta, described independently of any HTTP library.
 *
 * @since 0.1.0
 * @category models
 */
export interface OktaRequest<Documented extends OktaError.DocumentedTag> {
  readonly method: "GET" | "POST" | "DELETE"
  /** The path template, for errors and spans: `/api/v1/sessions/{sessionId}`. */
  readonly pathTemplate: string
  /** The path with its parameters filled in and percent-encoded. */
  readonly path: string
  readonly urlParams?: Readonly<Record<string, string>> | undefined
  /** A JSON body, already encoded. */
  readonly body?: string | undefined
  /** The API credential from `OktaConfig`, or the browser's session cookie (for `/me`). */
  readonly credential: "apiToken" | SessionCookie
  /**
   * Values this request carries that must never be echoed (the session token of `createSession`):
   * scrubbed, like the API token and the cookie's value, from every error, log line and span the
   * client makes of what the server sends.
   */
  readonly secrets?: ReadonlyArray<Redacted.Redacted<string>> | undefined
  /** The error statuses this operation documents; any other 4xx becomes `UnexpectedStatus`. */
  readonly documented: ReadonlyArray<Documented>
  /**
   * The rate-limit bucket this call counts against (Okta limits per org and per endpoint family,
   * e.g. `sessions` for `/api/v1/sessions*`). Default: the path template.
   */
  readonly rateLimitFamily?: string | undefined
  /**
   * Whether sending this request twice is harmless, so that a transient failure (502, 503, 504,
   * no answer) may be retried. Default: true for GET and DELETE, false for POST. A 429 is retried
   * either way: Okta refused it without carrying it out.
   */
  readonly retrySafe?: boolean | undefined
  /**
   * The `operation` tag of the client's metrics (`metrics`): a `Sessions` call gives its name.
   * Default: the method and the path template, `GET /api/v1/sessions/{sessionId}`.
   */
  readonly operation?: string | undefined
  /**
   * The span this call records on (its HTTP attributes, retry and throttle events) and opens its own
   * spans under. Default: the caller's current span. A `Sessions` operation passes the span it made
   * for the call without making it the current span: that would copy the fiber's context and fiber
   * refs on every call, about 10 KiB of allocation (BENCHMARKS.md, "Hot path steps 7 and 8").
   */
  readonly span?: Tracer.Span | undefined
}

/**
 * A 2xx answer, its body read in full (and capped).
 *
 * @since 0.1.0
 * @category models
 */
export interface OktaResponse {
  readonly status: number
  readonly headers: Headers.Headers
  readonly body: Uint8Array
  /** `X-Okta-Request-Id`, when present. */
  readonly requestId: string | undefined
}

/**
 * The errors of a request that documents `Documented`.
 *
 * @since 0.1.0
 * @category errors
 */
export type ExecuteError<Documented extends OktaError.DocumentedTag> =
  | OktaError.DocumentedErrors[Documented]
  | OktaError.Unauthorized
  | OktaError.ServerError
  | OktaError.UnexpectedStatus
  | OktaError.TransportError
  | TokenError

/**
 * Okta's HTTP client service.
 *
 * @since 0.1.0
 * @category tags
 */
export class OktaHttpClient extends Context.Tag("effect-okta-sessions/OktaHttpClient")<
  OktaHttpClient,
  OktaHttpClient.Service
>() {}

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace OktaHttpClient {
  /**
   * @since 0.1.0
   * @category models
   */
  export interface Service {
    /** Sends one request; succeeds with a 2xx answer, fails with the status's tagged error. */
    readonly execute: <Documented extends OktaError.DocumentedTag>(
      request: OktaRequest<Documented>
    ) => Effect.Effect<OktaResponse, ExecuteError<Documented>>
  }
}

/**
 * Builds the service from the config and the user's `HttpClient`. The throttle's budget and the
 * request timeout's timer live in the service, so every fiber that uses one layer shares them; the
 * timer's fiber ends with the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<OktaHttpClient.Service, never, OktaConfig | HttpClient.HttpClient | Scope.Scope> = Effect
  .gen(function*() {
    const config = yield* OktaConfig
    const client = yield* HttpClient.HttpClient
    // The API credential per request: the static header (SSWS, Bearer) or the OAuth token and DPoP proof.
    const authorizer = yield* authorizerFor(config, client)
    return yield* makeService(config, (sweeper) =>
      PlatformTransport.make({ client, orgUrl: config.orgUrl, maxBodyBytes: config.maxResponseBytes, sweeper }), authorizer)
  })

/**
 * The service as a layer over `OktaConfig` and the user's `HttpClient`. For undici without the
 * platform client in between, see `OktaUndici`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<OktaHttpClient, never, OktaConfig | HttpClient.HttpClient> = Layer.scoped(
  OktaHttpClient,
  make
)

/**
 * The client's metrics, shared by every client layer in the process (both transports): read them
 * with `Metric.value` or export them with a metrics layer (`@effect/opentelemetry`). Tags come in
 * this order: `operation` (a `Sessions` operation, e.g. `getSession`, or the `OktaRequest`'s own
 * `operation`), then the second tag named below. A fiber's own metric labels (`Effect.tagMetrics`)
 * are added to every update.
 *
 * - `requests` (`okta_client_requests_total`, counter): each request sent, by `operation` and
 *   `status`: the status code (`"200"`, `"429"`), or `"timeout"` / `"connection_error"` when no
 *   complete answer came. Retries count as requests; a call the throttle refused sent none.
 * - `retries` (`okta_client_retries_total`, counter): each retry, by `operation` and `reason`, the
 *   `error.type` of the failure retried (`"429"`, `"503"`, `"timeout"`, `"connection_error"`).
 * - `rateLimited` (`okta_client_rate_limited_total`, counter): each 429 answer, by `operation`.
 * - `requestDuration` (`okta_client_request_duration_seconds`, histogram with the OpenTelemetry HTTP
 *   client buckets): from sending a request to its complete answer, by `operation` and `status`.
 * - `throttleWait` (`okta_client_throttle_wait_seconds`, histogram): each wait in the client's
 *   throttle, by `cause`: `"rate_limit"` (the window was spent; the planned wait) or
 *   `"concurrency"` (the `maxConcurrency` cap was full; the time until a permit came).
 *
 * @example
 * ```ts
 * import { Effect, Metric } from "effect"
 * import { OktaHttpClient } from "effect-okta-sessions"
 *
 * const notFound = Metric.value(
 *   OktaHttpClient.metrics.requests.pipe(Metric.tagged("operation", "getSession"), Metric.tagged("status", "404"))
 * ).pipe(Effect.map((state) => state.count))
 * ```
 * @since 0.3.0
 * @category metrics
 */
export const metrics: {
  readonly requests: Metric.Metric.Counter<number>
  readonly retries: Metric.Metric.Counter<number>
  readonly rateLimited: Metric.Metric.Counter<number>
  readonly requestDuration: Metric.Metric.Histogram<number>
  readonly throttleWait: Metric.Metric.Histogram<number>
} = ClientMetrics.metrics
