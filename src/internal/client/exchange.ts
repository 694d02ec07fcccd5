/**
 * One exchange with Okta: the request built (credential, `Accept`, `User-Agent`, retry headers,
 * trace headers when asked for), sent through the throttle over the layer's transport (transport.ts),
 * its answer read there within the size cap and the request timeout (which covers the exchange only,
 * not a throttle hold), and turned into an `OktaResponse` or the status's tagged error, with every known
 * secret scrubbed from what the server sent.
 *
 * The API credential comes from the `Authorizer` once the throttle has let the request go, so that
 * a held request never leaves with a token (or a DPoP proof) that aged while it waited. A 401 to an
 * OAuth token is shown to the authorizer: when it asks for a replay (it renewed the token, or the
 * server sent a DPoP nonce) the request is authorized and sent once more, outside the first permit.
 *
 * What each attempt answered (status, request id, duration) and each throttle wait is told to the
 * call's `CallObservation` (its span attributes, events and metrics).
 *
 * The platform client's own span is always off: it records every request and response header, and on
 * a transport failure an error whose request, serialised outside its fiber, shows the `Authorization`
 * header in full. With `propagateTraceHeaders` this module opens the `http.client <METHOD>` span
 * itself, with no header and no credential on it, and sends its `traceparent` and `b3`.
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpTraceContext from "@effect/platform/HttpTraceContext"
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Tracer from "effect/Tracer"
import type { OktaConfig } from "../../OktaConfig.js"
import type { ExecuteError, OktaRequest, OktaResponse } from "../../OktaHttpClient.js"
import * as OktaError from "../../OktaError.js"
import * as RateLimit from "../../RateLimit.js"
import type { AuthorizationHeaders, Authorizer } from "./authorizer.js"
import type { CallObservation, ServerAttributes } from "./callObservation.js"
import { catchFailure, matchFailure } from "./matchFailure.js"
import { makeScrub, type Scrub } from "./secretScrubber.js"
import { statusError } from "./statusError.js"
import type { HoldPolicy, ObservedAnswer, SpentWindow, Throttle } from "./throttle.js"
import { describeTransportFailure } from "./transportDetail.js"
import type { Transport, WireAnswer, WireFailure, WireRequest } from "./transport.js"

/** Which attempt of a call this is. */
export interface Attempt {
  /** 0 for the first, then the retry's number (`X-Okta-Retry-Count`). */
  readonly count: number
  /** `X-Okta-Retry-For`: the request id of the call's first 429, when there was one. */
  readonly retryFor: string | undefined
}

/** One exchange of a call. */
export type Exchange = <Documented extends OktaError.DocumentedTag>(
  request: OktaRequest<Documented>,
  attempt: Attempt,
  deadlineMillis: number,
  scrub: Scrub,
  call: CallObservation
) => Effect.Effect<OktaResponse, ExecuteError<Documented>>

/** A 401 that the authorizer wants replayed once (a renewed OAuth token, or a DPoP nonce). */
class ReplayRequested extends Data.TaggedError("ReplayRequested")<{ readonly unauthorized: OktaError.Unauthorized }> {}

/** What a throttled call fails with when it is refused (a 429 spent its window) or its wait would pass its deadline. */
const heldSummary = {
  refused: "refused by the client's throttle: a 429 spent this rate-limit window; retry after its reset",
  expired: "held by the client's throttle: the rate-limit window is spent until after the call's maxElapsed"
} as const

/**
 * The objects an exchange makes per call are class instances, not object literals: V8 may tenure an
 * object literal's allocation site under load, and the old objects then keep what they point to
 * alive through young collections (matchFailure.ts says how; BENCHMARKS.md, "The young generation").
 */
class OutgoingRequest implements WireRequest {
  constructor(
    readonly method: WireRequest["method"],
    readonly path: string,
    readonly urlParams: Readonly<Record<string, string>> | undefined,
    readonly headers: Readonly<Record<string, string>>,
    readonly body: string | undefined,
    readonly parentSpan: Tracer.Span | undefined
  ) {}
}

/** A 2xx answer as the call returns it (a class: see `OutgoingRequest`). */
class Response implements OktaResponse {
  constructor(
    readonly status: number,
    readonly headers: Headers.Headers,
    readonly body: Uint8Array,
    readonly requestId: string | undefined
  ) {}
}

/** An answer as the throttle learns from it (a class: see `OutgoingRequest`). */
class Observed implements ObservedAnswer {
  constructor(
    readonly status: number,
    readonly headers: Headers.Headers,
    readonly body: Uint8Array | undefined,
    readonly rateLimit: RateLimit.RateLimitHeaders
  ) {}
}

/** What `Authorizer.authorize` is asked for (a class: see `OutgoingRequest`). */
class AuthorizationTarget {
  constructor(readonly method: string, readonly url: string) {}
}

/**
 * `send` inside an `http.client <METHOD>` span (a child of `parent`, else of the current span)
 * whose trace headers it sends. The span ends with nothing of the answer (a success ends it as a
 * plain success, a failure with the already scrubbed error), and carries only the method, the org,
 * the path template and the status.
 */
const tracedExchange = <A extends { readonly status: number }, E extends { readonly _tag: string }>(
  request: { readonly method: string; readonly pathTemplate: string },
  server: ServerAttributes,
  parent: Tracer.Span | undefined,
  send: (traceHeaders: Headers.Headers) => Effect.Effect<A, E>
): Effect.Effect<A, E> =>
  Effect.flatMap(
    Effect.makeSpan(`http.client ${request.method}`, {
      kind: "client",
      ...(parent === undefined ? {} : { parent }),
      attributes: {
        "http.request.method": request.method,
        "server.address": server.address,
        "server.port": server.port,
        "url.template": request.pathTemplate
      }
    }),
    (span) =>
      send(HttpTraceContext.toHeaders(span)).pipe(
        Effect.withParentSpan(span),
        Effect.onExit((exit) =>
          Effect.clockWith((clock) =>
            Effect.sync(() => {
              const status = Exit.isSuccess(exit)
                ? exit.value.status
                : Option.getOrUndefined(Option.map(Cause.failureOption(exit.cause), (error) => "status" in error ? error.status : undefined))
              if (typeof status === "number") span.attribute("http.response.status_code", status)
              // From milliseconds, rounded: a clock at a fractional instant (the TestClock) has no nanosecond BigInt.
              span.end(BigInt(Math.round(clock.unsafeCurrentTimeMillis())) * 1_000_000n, Exit.isSuccess(exit) ? Exit.void : exit)
            })
          )
        )
      )
  )

/**
 * Turns an answer to the attempt sent at `startMillis` into the 2xx response or the status's tagged
 * error; tells the call its status and request id (its span attributes and request metrics).
 */
const answerOf = <Documented extends OktaError.DocumentedTag>(
  request: OktaRequest<Documented>,
  maxResponseBytes: number,
  scrub: Scrub,
  call: CallObservation,
  startMillis: number
) =>
(
  response: WireAnswer,
  body: Uint8Array | undefined,
  rateLimit: RateLimit.RateLimitHeaders
): Effect.Effect<OktaResponse, ExecuteError<Documented>> => {
  const header = response.headers["x-okta-request-id"]
  const requestId = header === undefined ? undefined : scrub(header)
  call.answered(response.status, requestId, startMillis)
  if (response.status < 200 || response.status >= 300) {
    const error = statusError({
      method: request.method,
      path: request.pathTemplate,
      status: response.status,
      headers: response.headers,
      body,
      documented: request.documented,
      rateLimit,
      scrub
    })
    return Effect.fail(error)
  }
  if (body === undefined) {
    return Effect.fail(
      new OktaError.TransportError({
        method: request.method,
        path: request.pathTemplate,
        ...(requestId === undefined ? {} : { requestId }),
        reason: "ResponseTooLarge",
        detail: `the body is larger than ${maxResponseBytes} bytes`
      })
    )
  }
  return Effect.succeed(new Response(response.status, response.headers, body, requestId))
}

/**
 * What a throttled call may do: fail at once with the 429 that spent its window (when it documents
 * 429), or wait until its deadline; the 429 it fails with is the one that spent the window when there
 * was one, else one made from the window. One object per attempt, its methods on the prototype: the
 * closures of a policy made per attempt were 0.8 % of the lean profile.
 */
class Hold<Documented extends OktaError.DocumentedTag> implements HoldPolicy<ExecuteError<Documented>> {
  constructor(
    readonly request: OktaRequest<Documented>,
    readonly deadlineMillis: number,
    readonly scrub: Scrub,
    readonly waits: CallObservation
  ) {}

  refused(window: SpentWindow): ExecuteError<Documented> | undefined {
    return this.request.documented.some((tag) => tag === "TooManyRequests") ? this.held(window, "refused") : undefined
  }

  expired(window: SpentWindow): ExecuteError<Documented> {
    return this.held(window, "expired")
  }

  held(window: SpentWindow, why: keyof typeof heldSummary): ExecuteError<Documented> {
    const spentBy429 = window.answer?.status === 429 ? window.answer : undefined
    return statusError({
      method: this.request.method,
      path: this.request.pathTemplate,
      status: 429,
      headers: spentBy429?.headers ?? Headers.empty,
      body: spentBy429?.body,
      documented: this.request.documented,
      rateLimit: window.rateLimit,
      scrub: this.scrub,
      summaryFallback: heldSummary[why]
    })
  }
}

/** Builds the exchange over `transport` (the platform's `HttpClient` or undici, see transport.ts), its API credential from `authorizer`. */
export const makeExchange = (
  config: OktaConfig.Service,
  transport: Transport,
  throttle: Throttle | undefined,
  authorizer: Authorizer,
  server: ServerAttributes
): Exchange => {
  const baseHeaders = { accept: "application/json", "user-agent": config.userAgent }
  /**
   * The headers of a first attempt with the API credential: the same object for every call while the
   * authorizer hands out the same credential (a static token always does), since no transport writes
   * to them; three objects per call otherwise.
   */
  let lastFirstAttempt: { readonly used: AuthorizationHeaders; readonly headers: Readonly<Record<string, string>> } | undefined
  const firstAttemptHeaders = (used: AuthorizationHeaders): Readonly<Record<string, string>> => {
    if (lastFirstAttempt?.used === used) return lastFirstAttempt.headers
    const headers = { ...baseHeaders, ...credentialHeaders(used) }
    lastFirstAttempt = { used, headers }
    return headers
  }
  const timeoutDetail = Option.match(config.requestTimeout, {
    onNone: () => "no complete answer",
    onSome: (timeout) => `no complete answer within ${Duration.format(timeout)}`
  })

  /** The request's credential; an authorizer that may open a span (OAuth) runs under the call's span. */
  const authorizedUnder = (call: CallObservation, target: AuthorizationTarget) =>
    authorizer.fixed ? authorizer.authorize(target) : call.underSpan(authorizer.authorize(target))

  /**
   * One send of the request: with the cookie (`/me`), or with the credential `authorize` gives once
   * the throttle lets it go. `mayReplay`: a 401 to it may ask the authorizer for a replay.
   */
  const sendOnce = <Documented extends OktaError.DocumentedTag>(
    request: OktaRequest<Documented>,
    attempt: Attempt,
    scrub: Scrub,
    mayReplay: boolean,
    call: CallObservation
  ): Effect.Effect<OktaResponse, ExecuteError<Documented> | ReplayRequested> => {
    const fixedHeaders = (): Record<string, string> => {
      const fixed: Record<string, string> = request.credential === "apiToken"
        ? { ...baseHeaders }
        : { ...baseHeaders, cookie: request.credential.header }
      if (attempt.count > 0) {
        fixed["x-okta-retry-count"] = String(attempt.count)
        if (attempt.retryFor !== undefined) fixed["x-okta-retry-for"] = scrub(attempt.retryFor)
      }
      return fixed
    }
    const authorized = request.credential === "apiToken"
      ? authorizedUnder(call, new AuthorizationTarget(request.method, config.orgUrl + request.path))
      : Effect.succeed(undefined)
    return Effect.flatMap(authorized, (used) => {
      const headers = used === undefined
        ? fixedHeaders()
        : attempt.count === 0
        ? firstAttemptHeaders(used)
        : { ...fixedHeaders(), ...credentialHeaders(used) }
      // What this request carries besides the config's secrets (an OAuth token, a DPoP proof).
      const scrubAll = used === undefined || used.secrets.length === 0 ? scrub : composeScrub(scrub, makeScrub(used.secrets))
      return exchangeWith(request, headers, scrubAll, mayReplay ? used : undefined, call)
    })
  }

  const exchangeWith = <Documented extends OktaError.DocumentedTag>(
    request: OktaRequest<Documented>,
    headers: Record<string, string>,
    scrub: Scrub,
    replayable: AuthorizationHeaders | undefined,
    call: CallObservation
  ): Effect.Effect<OktaResponse, ExecuteError<Documented> | ReplayRequested> => {
    const family = request.rateLimitFamily ?? request.pathTemplate
    // Built once the throttle has let the request go: the attempt's duration starts here.
    const startMillis = call.nowMillis()
    const answered = answerOf(request, config.maxResponseBytes, scrub, call, startMillis)
    const answer = (
      response: WireAnswer,
      rateLimit: RateLimit.RateLimitHeaders
    ): Effect.Effect<OktaResponse, ExecuteError<Documented> | ReplayRequested> =>
      replayable === undefined || response.status !== 401
        ? answered(response, response.body, rateLimit)
        : Effect.catchIf(
          answered(response, response.body, rateLimit),
          (error): error is OktaError.Unauthorized => error instanceof OktaError.Unauthorized,
          (unauthorized) =>
            Effect.flatMap(
              call.underSpan(authorizer.onUnauthorized(response.headers, replayable)),
              (decision): Effect.Effect<never, OktaError.Unauthorized | ReplayRequested> =>
                decision === "replay" ? Effect.fail(new ReplayRequested({ unauthorized })) : Effect.fail(unauthorized)
            )
        )

    const transportError = (failure: WireFailure) => {
      if (failure._tag === "Timeout") {
        call.unanswered("timeout", startMillis)
        return new OktaError.TransportError({ method: request.method, path: request.pathTemplate, reason: "Timeout", detail: timeoutDetail })
      }
      call.unanswered("connection_error", startMillis)
      return new OktaError.TransportError({
        method: request.method,
        path: request.pathTemplate,
        reason: "Connection",
        detail: describeTransportFailure(failure.cause, scrub)
      })
    }

    const send = (
      traceHeaders: Headers.Headers | undefined
    ): Effect.Effect<OktaResponse, ExecuteError<Documented> | ReplayRequested> => {
      // One continuation for both outcomes (a `mapError` and a `flatMap` were two).
      return matchFailure(
        transport(
          new OutgoingRequest(
            request.method,
            request.path,
            request.urlParams,
            traceHeaders === undefined ? headers : { ...headers, ...traceHeaders },
            request.body,
            call.parentSpan
          )
        ),
        (failure) => Effect.fail(transportError(failure)),
        (response) => {
          const rateLimit = RateLimit.fromHeaders(response.headers)
          if (throttle === undefined) return answer(response, rateLimit)
          const warning = throttle.observe(
            family,
            new Observed(response.status, response.headers, response.status === 429 ? response.body : undefined, rateLimit),
            call.nowMillis()
          )
          return warning === undefined ? answer(response, rateLimit) : Effect.zipRight(call.underSpan(warning), answer(response, rateLimit))
        }
      )
    }

    // The request timeout is the transport's (a deadline on the layer's sweeper): no fiber per call.
    return config.propagateTraceHeaders ? tracedExchange(request, server, call.parentSpan, send) : send(undefined)
  }

  return <Documented extends OktaError.DocumentedTag>(
    request: OktaRequest<Documented>,
    attempt: Attempt,
    deadlineMillis: number,
    scrub: Scrub,
    call: CallObservation
  ): Effect.Effect<OktaResponse, ExecuteError<Documented>> => {
    const family = request.rateLimitFamily ?? request.pathTemplate
    const once = (mayReplay: boolean) => {
      const sent = sendOnce(request, attempt, scrub, mayReplay, call)
      return throttle === undefined
        ? sent
        : throttle.run<OktaResponse, ExecuteError<Documented> | ReplayRequested, never>(
          family,
          sent,
          new Hold(request, deadlineMillis, scrub, call)
        )
    }
    return catchFailure(once(true), (error) =>
      error instanceof ReplayRequested
        ? Effect.mapError(once(false), (again) => again instanceof ReplayRequested ? again.unauthorized : again)
        : Effect.fail(error))
  }
}

/** The headers of an authorized request: `Authorization`, and `DPoP` with DPoP-bound tokens. */
const credentialHeaders = (used: AuthorizationHeaders): Record<string, string> =>
  used.dpop === undefined
    ? { authorization: Redacted.value(used.authorization) }
    : { authorization: Redacted.value(used.authorization), dpop: Redacted.value(used.dpop) }

/** Both scrubbers, one after the other. */
const composeScrub = (first: Scrub, second: Scrub): Scrub => (text) => second(first(text))
