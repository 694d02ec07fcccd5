/**
 * What one call records while it runs: the OpenTelemetry HTTP client attributes on the span it runs
 * in (a `Sessions.*` span), `okta.request_id` and `okta.retries`, a span event per throttle wait and
 * per retry, and the client's metrics (clientMetrics.ts).
 *
 * One plain object per call, made from the fiber the call starts on (its span, clock and metric
 * labels read once), written to synchronously by the exchange, the throttle and the retry policy:
 * no effect, fiber-ref read or `annotateCurrentSpan` per step.
 *
 * `error.type` follows the semantic conventions: the status code as a string when Okta answered with
 * an error status, else one of `errorTypes`. Nothing here is taken from a request: every value is
 * the org's host and port, a path template, a status, or what `Scrub` left of a response header.
 */
import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as MetricLabel from "effect/MetricLabel"
import type * as Tracer from "effect/Tracer"
import * as OktaError from "../../OktaError.js"
import { recordRequest, recordRetry, recordThrottleWait } from "./clientMetrics.js"

/** The `error.type` values other than a status code, and what each says. */
export const errorTypes = {
  timeout: "no complete answer within the request timeout",
  connection_error: "the connection failed, or the transport gave up, before a complete answer",
  response_too_large: "the body was larger than maxResponseBytes",
  decode_error: "a 2xx body that is not what the spec says",
  invalid_argument: "an argument no request can be made of; nothing was sent",
  token_error: "no OAuth access token could be had",
  _OTHER: "anything else"
} as const

/** A `error.type` value: a status code as a string, or one of `errorTypes`. */
export type ErrorType = keyof typeof errorTypes | `${number}`

/** The `error.type` of a call's failure. */
export const errorTypeOf = (error: unknown): ErrorType => {
  if (error instanceof OktaError.TransportError) {
    return error.reason === "Timeout" ? "timeout" : error.reason === "Connection" ? "connection_error" : "response_too_large"
  }
  if (error instanceof OktaError.DecodeError) return "decode_error"
  if (error instanceof OktaError.InvalidArgument) return "invalid_argument"
  if (typeof error === "object" && error !== null && "_tag" in error) {
    if (error._tag === "TokenError") return "token_error"
    if ("status" in error && typeof error.status === "number") return `${error.status}`
  }
  return "_OTHER"
}

/** Why a call waited in the throttle: a spent rate-limit window, or the cap on requests in flight. */
export type WaitCause = "rate_limit" | "concurrency"

/** The org as spans name it: `server.address` and `server.port`. */
export interface ServerAttributes {
  readonly address: string
  readonly port: number
}

/** `server.address` and `server.port` of an org URL. */
export const serverAttributes = (orgUrl: string): ServerAttributes => {
  const url = new URL(orgUrl)
  return {
    address: url.hostname,
    port: url.port === "" ? (url.protocol === "http:" ? 80 : 443) : Number(url.port)
  }
}

/** The span a call annotates: only one of ours or the caller's own, never an external parent. */
const spanOf = (span: Tracer.AnySpan | undefined): Tracer.Span | undefined => span?._tag === "Span" ? span : undefined

/** Nanoseconds from milliseconds, rounded: a clock at a fractional instant (the TestClock) has no nanosecond BigInt. */
const nanos = (millis: number): bigint => BigInt(Math.round(millis)) * 1_000_000n

/**
 * The attributes of a throttle wait's span event. A class, not an object literal: at concurrency
 * over the throttle's cap about every other call waits for a permit, and V8 may tenure an object
 * literal's allocation site under load (see matchFailure.ts).
 */
class ThrottleWaitAttributes {
  readonly [key: string]: unknown
  readonly "okta.throttle.cause": WaitCause
  readonly "okta.throttle.delay_ms": number
  readonly "okta.rate_limit.family": string
  constructor(cause: WaitCause, delayMillis: number, family: string) {
    this["okta.throttle.cause"] = cause
    this["okta.throttle.delay_ms"] = delayMillis
    this["okta.rate_limit.family"] = family
  }
}

/** One call's recorder. */
export class CallObservation {
  readonly #span: Tracer.Span | undefined
  readonly #clock: Clock.Clock
  readonly #labels: ReadonlyArray<MetricLabel.MetricLabel>
  /** The call's span when the caller passed it without making it current (`OktaRequest.span`). */
  readonly #notCurrent: Tracer.Span | undefined
  /** The metrics' `operation` tag. */
  readonly operation: string

  /**
   * Positional arguments rather than one options object: an object literal per call is an
   * allocation site V8 may tenure under load (see matchFailure.ts).
   *
   * @param span the call's span (or the caller's current one)
   * @param spanIsCurrent whether `span` is the fiber's current span; when not, `underSpan` makes it the parent of what it runs
   * @param operation the metrics' `operation` tag
   */
  constructor(
    span: Tracer.AnySpan | undefined,
    spanIsCurrent: boolean,
    clock: Clock.Clock,
    labels: ReadonlyArray<MetricLabel.MetricLabel>,
    operation: string,
    method: string,
    pathTemplate: string,
    server: ServerAttributes
  ) {
    this.#span = spanOf(span)
    this.#clock = clock
    this.#labels = labels
    this.#notCurrent = spanIsCurrent ? undefined : this.#span
    this.operation = operation
    const own = this.#span
    if (own !== undefined) {
      own.attribute("http.request.method", method)
      own.attribute("server.address", server.address)
      own.attribute("server.port", server.port)
      own.attribute("url.template", pathTemplate)
      own.attribute("okta.retries", 0)
    }
  }

  /** The call's span when it is not the fiber's current span (a transport that may open spans or log makes it their parent). */
  get parentSpan(): Tracer.Span | undefined {
    return this.#notCurrent
  }

  /**
   * `effect` with the call's span as its parent span: for what may open a span or log (an OAuth token
   * request, a retry, a warning). Unchanged when the span is current already.
   */
  underSpan<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return this.#notCurrent === undefined ? effect : Effect.withParentSpan(effect, this.#notCurrent)
  }

  /** Now on the call's clock, in milliseconds. */
  nowMillis(): number {
    return this.#clock.unsafeCurrentTimeMillis()
  }

  /** An attempt sent at `startMillis` was answered with `status`. */
  answered(status: number, requestId: string | undefined, startMillis: number): void {
    const span = this.#span
    if (span !== undefined) {
      span.attribute("http.response.status_code", status)
      if (requestId !== undefined) span.attribute("okta.request_id", requestId)
    }
    recordRequest(this.operation, `${status}`, (this.nowMillis() - startMillis) / 1000, this.#labels)
  }

  /** An attempt sent at `startMillis` ended with no complete answer. */
  unanswered(errorType: "timeout" | "connection_error", startMillis: number): void {
    recordRequest(this.operation, errorType, (this.nowMillis() - startMillis) / 1000, this.#labels)
  }

  /** Retry `count` starts in `delayMillis` after a failure `error`. */
  retrying(count: number, delayMillis: number, error: unknown): void {
    const reason = errorTypeOf(error)
    const span = this.#span
    if (span !== undefined) {
      span.attribute("okta.retries", count)
      span.event("okta.retry", nanos(this.nowMillis()), {
        "okta.retry.count": count,
        "okta.retry.delay_ms": Math.round(delayMillis),
        "okta.retry.reason": reason,
        "okta.retry.after": typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : "unknown"
      })
    }
    recordRetry(this.operation, reason, this.#labels)
  }

  /** The call waited (or waits) `delayMillis` from `startMillis` in the throttle, for `family`'s window or a permit. */
  waited(cause: WaitCause, family: string, delayMillis: number, startMillis: number): void {
    const span = this.#span
    if (span !== undefined) {
      span.event("okta.throttle.wait", nanos(startMillis), new ThrottleWaitAttributes(cause, Math.round(delayMillis), family))
    }
    recordThrottleWait(cause, delayMillis / 1000, this.#labels)
  }

  /** The call failed with `error`: its `error.type`. */
  failed(error: unknown): void {
    this.#span?.attribute("error.type", errorTypeOf(error))
  }
}
