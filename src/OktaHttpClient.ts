/**
 * Turns the user's `HttpClient` into Okta's: base URL, `Authorization` (or the browser cookie for
 * `/me`), `Accept`, `Content-Type`, `User-Agent`, a per-request timeout, a cap on the response body,
 * no trace headers unless asked for, and no redirect followed (so no credential reaches another
 * origin). Statuses become the tagged errors of `OktaError`. Calls go through the throttle
 * (`RateLimit.ThrottleOptions`) and are retried by the 429 retry (`RateLimit.retrySchedule`) and,
 * when safe to repeat, the transient retry (`Retry.transientSchedule`); a retry carries
 * `X-Okta-Retry-For` (the request id of the first 429) and `X-Okta-Retry-Count`.
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import { OktaConfig } from "./OktaConfig.js"
import * as OktaError from "./OktaError.js"
import * as Retry from "./Retry.js"
import type { AuthorizationHeaders } from "./internal/client/authorizer.js"
import { authorizerFor } from "./internal/client/authorizerForConfig.js"
import type { TokenError } from "./internal/client/oauth/tokenError.js"
import { readBodyCapped } from "./internal/client/responseBody.js"
import { statusError } from "./internal/client/statusError.js"
import * as Throttle from "./internal/client/throttle.js"
import type { SessionCookie } from "./Session.js"

/**
 * One call to Okta, described independently of any HTTP library.
 *
 * @since 0.1.0
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
}

/**
 * A 2xx answer, its body read in full (and capped).
 *
 * @since 0.1.0
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
 */
export type ExecuteError<Documented extends OktaError.DocumentedTag> =
  | OktaError.DocumentedErrors[Documented]
  | OktaError.Unauthorized
  | OktaError.ServerError
  | OktaError.UnexpectedStatus
  | OktaError.TransportError
  | TokenError

/** A 401 that the authorizer wants replayed once (renewed token, or a DPoP nonce). */
class ReplayRequested extends Data.TaggedError("ReplayRequested")<{ readonly unauthorized: OktaError.Unauthorized }> {}

/** The platform client's span (with propagateTraceHeaders) records headers: the DPoP proof is a secret too. */
const redactedHeaderNames = ["authorization", "cookie", "set-cookie", "x-api-key", "dpop"]

/**
 * Okta's HTTP client service.
 *
 * @since 0.1.0
 */
export class OktaHttpClient extends Context.Tag("effect-okta-sessions/OktaHttpClient")<
  OktaHttpClient,
  OktaHttpClient.Service
>() {}

/** @since 0.1.0 */
export declare namespace OktaHttpClient {
  /** @since 0.1.0 */
  export interface Service {
    /** Sends one request; succeeds with a 2xx answer, fails with the status's tagged error. */
    readonly execute: <Documented extends OktaError.DocumentedTag>(
      request: OktaRequest<Documented>
    ) => Effect.Effect<OktaResponse, ExecuteError<Documented>>
  }
}

/** What the transport said, from an error and its causes, without any request data. */
const describeCause = (error: unknown): string => {
  const parts: Array<string> = []
  let current: unknown = error
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    // An HttpClientError's own message ends with the method and full URL (ids included): use its reason.
    const message = HttpClientError.isHttpClientError(current)
      ? current.description ?? `${current.reason} error`
      : "message" in current && typeof current.message === "string" ? current.message : ""
    const code = "code" in current && typeof current.code === "string" ? ` (${current.code})` : ""
    if (message !== "" || code !== "") parts.push(`${message}${code}`.trim())
    current = "cause" in current ? current.cause : undefined
  }
  return parts.length === 0 ? "the connection failed" : parts.join(": ")
}

/** Fetch follows redirects by default; ask it not to, keeping the user's other fetch options. */
const withoutRedirects = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.serviceOption(FetchHttpClient.RequestInit), (init) =>
    Effect.provideService(effect, FetchHttpClient.RequestInit, {
      ...Option.getOrElse(init, () => ({})),
      redirect: "manual"
    }))

/** The retry headers of a repeated request. */
interface RetryHeaders {
  /** `X-Okta-Retry-Count`: 1 for the first retry. */
  readonly count: number
  /** `X-Okta-Retry-For`: the request id of the first 429, when there was one. */
  readonly retryFor: string | undefined
}

/**
 * Builds the service from the config and the user's `HttpClient`. The throttle's budget lives in
 * the service, so every fiber that uses one layer shares it.
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<OktaHttpClient.Service, never, OktaConfig | HttpClient.HttpClient> = Effect.gen(
  function*() {
    const config = yield* OktaConfig
    const throttle = Option.isSome(config.throttle) ? yield* Throttle.make(config.throttle.value) : undefined
    const userClient = yield* HttpClient.HttpClient
    const authorizer = yield* authorizerFor(config, userClient)
    // The platform client opens its own span per request and records every header on it; `Sessions.*`
    // already has the span, so the inner one is skipped. Trace headers are only written inside that
    // span, so it stays when they are to be sent.
    const client = config.propagateTraceHeaders
      ? HttpClient.withTracerPropagation(userClient, true)
      : HttpClient.withTracerDisabledWhen(userClient, () => true)
    const baseHeaders = {
      accept: "application/json",
      "user-agent": config.userAgent
    }

    /** The 2xx answer, or the status's tagged error; annotates the current span with status and request id. */
    const answer = <Documented extends OktaError.DocumentedTag>(
      request: OktaRequest<Documented>,
      response: HttpClientResponse.HttpClientResponse,
      body: Option.Option<Uint8Array>,
      used: AuthorizationHeaders | undefined
    ): Effect.Effect<OktaResponse, ExecuteError<Documented> | ReplayRequested> => {
      const requestId = response.headers["x-okta-request-id"]
      const annotate = Effect.annotateCurrentSpan({
        "http.response.status_code": response.status,
        "okta.request_id": requestId ?? ""
      })
      if (response.status < 200 || response.status >= 300) {
        const error = statusError({
          method: request.method,
          path: request.pathTemplate,
          status: response.status,
          headers: response.headers,
          body: Option.getOrUndefined(body),
          documented: request.documented
        })
        // A 401 to an OAuth token: the authorizer may renew it (or take a DPoP nonce) for one replay.
        if (error instanceof OktaError.Unauthorized && used !== undefined) {
          return Effect.zipRight(
            annotate,
            Effect.flatMap(
              authorizer.onUnauthorized(response.headers, used),
              (decision): Effect.Effect<never, OktaError.Unauthorized | ReplayRequested> =>
                decision === "replay" ? Effect.fail(new ReplayRequested({ unauthorized: error })) : Effect.fail(error)
            )
          )
        }
        return Effect.zipRight(annotate, Effect.fail(error))
      }
      if (Option.isNone(body)) {
        return Effect.zipRight(
          annotate,
          Effect.fail(
            new OktaError.TransportError({
              method: request.method,
              path: request.pathTemplate,
              ...(requestId === undefined ? {} : { requestId }),
              reason: "ResponseTooLarge",
              detail: `the body is larger than ${config.maxResponseBytes} bytes`
            })
          )
        )
      }
      return Effect.as(annotate, { status: response.status, headers: response.headers, body: body.value, requestId })
    }

    /**
     * One exchange, and at most one replay after a 401 the authorizer asks to replay (a renewed
     * OAuth token or a DPoP nonce). The replay is outside the throttle's permit of the first try.
     */
    const send = <Documented extends OktaError.DocumentedTag>(
      request: OktaRequest<Documented>,
      family: string,
      retry: RetryHeaders | undefined
    ): Effect.Effect<OktaResponse, ExecuteError<Documented>> =>
      Effect.catchAll(sendOnce(request, family, retry, true), (error) =>
        error instanceof ReplayRequested
          ? Effect.mapError(sendOnce(request, family, retry, false), (again) =>
            again instanceof ReplayRequested ? again.unauthorized : again)
          : Effect.fail(error))

    /** One exchange: sends the request once and reads its answer. `retry` adds the retry headers. */
    const sendOnce = <Documented extends OktaError.DocumentedTag>(
      request: OktaRequest<Documented>,
      family: string,
      retry: RetryHeaders | undefined,
      mayReplay: boolean
    ): Effect.Effect<OktaResponse, ExecuteError<Documented> | ReplayRequested> =>
      request.credential === "apiToken"
        ? Effect.flatMap(
          authorizer.authorize({ method: request.method, url: config.orgUrl + request.path }),
          (used) => exchangeOnce(request, family, retry, used, mayReplay)
        )
        : exchangeOnce(request, family, retry, undefined, false)

    const exchangeOnce = <Documented extends OktaError.DocumentedTag>(
      request: OktaRequest<Documented>,
      family: string,
      retry: RetryHeaders | undefined,
      used: AuthorizationHeaders | undefined,
      mayReplay: boolean
    ): Effect.Effect<OktaResponse, ExecuteError<Documented> | ReplayRequested> => {
      const where = { method: request.method, path: request.pathTemplate }
      const headers: Record<string, string> = typeof request.credential === "string"
        ? { ...baseHeaders, authorization: used === undefined ? "" : Redacted.value(used.authorization) }
        : { ...baseHeaders, cookie: request.credential.header }
      if (used?.dpop !== undefined) headers["dpop"] = Redacted.value(used.dpop)
      if (retry !== undefined) {
        headers["x-okta-retry-count"] = String(retry.count)
        if (retry.retryFor !== undefined) headers["x-okta-retry-for"] = retry.retryFor
      }
      let httpRequest = HttpClientRequest.make(request.method)(config.orgUrl + request.path, {
        headers,
        ...(request.urlParams === undefined ? {} : { urlParams: request.urlParams })
      })
      if (request.body !== undefined) {
        httpRequest = HttpClientRequest.bodyText(httpRequest, request.body, "application/json")
      }
      const transportError = (error: HttpClientError.HttpClientError) =>
        new OktaError.TransportError({ ...where, reason: "Connection", detail: describeCause(error) })

      const received = client.execute(httpRequest).pipe(
        Effect.flatMap((response) =>
          Effect.map(readBodyCapped(response, config.maxResponseBytes), (body) => ({ response, body }))
        ),
        Effect.mapError(transportError),
        withoutRedirects,
        Effect.locally(Headers.currentRedactedNames, redactedHeaderNames)
      )
      const usedForReplay = mayReplay ? used : undefined
      const exchange = throttle === undefined
        ? Effect.flatMap(received, ({ body, response }) => answer(request, response, body, usedForReplay))
        : Effect.flatMap(received, ({ body, response }) =>
          Effect.clockWith((clock) => {
            throttle.observe(family, response.headers, clock.unsafeCurrentTimeMillis())
            return answer(request, response, body, usedForReplay)
          }))
      const timed = Option.match(config.requestTimeout, {
        onNone: () => exchange,
        onSome: (timeout) =>
          Effect.timeoutFail(exchange, {
            duration: timeout,
            onTimeout: () => new OktaError.TransportError({ ...where, reason: "Timeout", detail: `no complete answer within ${Duration.format(timeout)}` })
          })
      })
      return throttle === undefined ? timed : throttle.run(family, timed)
    }

    /** Retries a failed call by the 429 retry or, when it is safe to repeat, the transient retry. */
    const retrying = <Documented extends OktaError.DocumentedTag>(
      request: OktaRequest<Documented>,
      family: string,
      retrySafe: boolean,
      first: ExecuteError<Documented>
    ): Effect.Effect<OktaResponse, ExecuteError<Documented>> =>
      Effect.gen(function*() {
        let error = first
        let rateLimitDriver: Schedule.ScheduleDriver<unknown, OktaError.TooManyRequests> | undefined
        let transientDriver: Schedule.ScheduleDriver<unknown, Retry.TransientError> | undefined
        let retryFor: string | undefined
        for (let count = 1;; count++) {
          let next: Effect.Effect<unknown, Option.Option<never>>
          if (error instanceof OktaError.TooManyRequests) {
            retryFor ??= error.requestId
            rateLimitDriver ??= yield* Schedule.driver(config.rateLimitRetry)
            next = rateLimitDriver.next(error)
          } else if (retrySafe && Retry.isTransient(error)) {
            transientDriver ??= yield* Schedule.driver(config.transientRetry)
            next = transientDriver.next(error)
          } else {
            return yield* Effect.fail(error)
          }
          // The schedule sleeps for its delay, or says it is done: then the last failure stands.
          if (Either.isLeft(yield* Effect.either(next))) return yield* Effect.fail(error)
          yield* Effect.logDebug(`Okta: retry ${count} of ${request.method} ${request.pathTemplate} after ${error._tag}`)
          const result = yield* Effect.either(send(request, family, { count, retryFor }))
          if (Either.isRight(result)) {
            yield* Effect.annotateCurrentSpan("okta.retries", count)
            return result.right
          }
          error = result.left
        }
      })

    const execute = <Documented extends OktaError.DocumentedTag>(
      request: OktaRequest<Documented>
    ): Effect.Effect<OktaResponse, ExecuteError<Documented>> => {
      const family = request.rateLimitFamily ?? request.pathTemplate
      return Effect.catchAll(
        send(request, family, undefined),
        (error) => retrying(request, family, request.retrySafe ?? request.method !== "POST", error)
      )
    }

    return { execute }
  }
)

/**
 * The service as a layer over `OktaConfig` and the user's `HttpClient`.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<OktaHttpClient, never, OktaConfig | HttpClient.HttpClient> = Layer.effect(
  OktaHttpClient,
  make
)
