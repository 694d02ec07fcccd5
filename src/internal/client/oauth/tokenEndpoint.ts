import * as Crypto from "node:crypto"
import type * as Headers from "@effect/platform/Headers"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as OktaError from "../../../OktaError.js"
import * as RateLimit from "../../../RateLimit.js"
import * as Retry from "../../../Retry.js"
import { readBodyCapped } from "../responseBody.js"
import { makeScrub } from "../secretScrubber.js"
import { statusError } from "../statusError.js"
import { signClientAssertion } from "./clientAssertion.js"
import { type DpopKey, signDpopProof } from "./dpopProof.js"
import type { NonceStore } from "./nonceStore.js"
import type { PrivateKeySettings } from "./privateKeySettings.js"
import { describeScrubbed, TokenError } from "./tokenError.js"

/** A token the endpoint issued. */
export interface IssuedToken {
  readonly accessToken: Redacted.Redacted<string>
  /** `Bearer`, or `DPoP` for a token bound to the DPoP key. */
  readonly tokenType: "Bearer" | "DPoP"
  /** When it expires, in epoch millis, counted from before the request was sent. */
  readonly expiresAtMillis: number
  /** Its lifetime, as `expires_in` said. */
  readonly lifetime: Duration.Duration
}

/** What the token request needs besides the settings. */
export interface TokenEndpointContext {
  readonly settings: PrivateKeySettings
  /** The user's client, its own per-request span off (it would record the DPoP header). */
  readonly client: HttpClient.HttpClient
  readonly dpopKey: Option.Option<DpopKey>
  readonly nonces: NonceStore
  readonly rateLimitRetry: Schedule.Schedule<unknown, RateLimit.RateLimited>
  readonly transientRetry: Schedule.Schedule<unknown, Retry.TransientError>
  readonly requestTimeout: Option.Option<Duration.Duration>
  readonly userAgent: string
  readonly maxResponseBytes: number
}

const TokenBody = Schema.parseJson(Schema.Struct({
  access_token: Schema.String.pipe(Schema.pattern(/^[\x21-\x7e]+$/)),
  token_type: Schema.String,
  expires_in: Schema.Number.pipe(Schema.positive(), Schema.finite())
}))
const OAuthErrorBody = Schema.parseJson(Schema.Struct({
  error: Schema.String,
  error_description: Schema.optional(Schema.String)
}))
const decodeTokenBody = Schema.decodeUnknownEither(TokenBody)
const decodeOAuthError = Schema.decodeUnknownOption(OAuthErrorBody)
const textDecoder = new TextDecoder()

/** A failure the retry schedules read (429, 5xx, no answer), or the endpoint's final word. */
type AttemptError = OktaError.TooManyRequests | OktaError.ServerError | OktaError.TransportError | TokenError

const where = { method: "POST", path: "/oauth2/v1/token" }

/** The answer of one token request, or why there was none. */
const readAnswer = (
  context: TokenEndpointContext,
  httpRequest: HttpClientRequest.HttpClientRequest
): Effect.Effect<
  { readonly status: number; readonly headers: Headers.Headers; readonly text: string },
  OktaError.TransportError
> => {
  const received = context.client.execute(httpRequest).pipe(
    Effect.flatMap((response) =>
      Effect.map(readBodyCapped(response, context.maxResponseBytes), (body) => ({ response, body }))
    ),
    Effect.mapError((error) => new OktaError.TransportError({ ...where, reason: "Connection", detail: `${error.reason} error` })),
    Effect.flatMap(({ body, response }) =>
      Option.isNone(body)
        ? Effect.fail(new OktaError.TransportError({ ...where, reason: "ResponseTooLarge", detail: "the token response is too large" }))
        : Effect.succeed({ status: response.status, headers: response.headers, text: textDecoder.decode(body.value) })
    )
  )
  return Option.match(context.requestTimeout, {
    onNone: () => received,
    onSome: (timeout) =>
      Effect.timeoutFail(received, {
        duration: timeout,
        onTimeout: () => new OktaError.TransportError({ ...where, reason: "Timeout", detail: `no answer within ${Duration.format(timeout)}` })
      })
  })
}

/**
 * One token request with a fresh assertion (and proof); a `use_dpop_nonce` answer that brings a
 * nonce is repeated once with it.
 */
const attempt = (context: TokenEndpointContext, nonceRetry: boolean): Effect.Effect<IssuedToken, AttemptError> =>
  Effect.gen(function*() {
    const { settings } = context
    const sentAt = yield* Clock.currentTimeMillis
    const nowSeconds = Math.floor(sentAt / 1000)
    const assertion = yield* Effect.promise(() =>
      signClientAssertion({ ...settings, nowSeconds, jti: Crypto.randomUUID() })
    )
    const tokenNonce = yield* context.nonces.get("token")
    const proof = yield* Option.match(context.dpopKey, {
      onNone: () => Effect.succeed(undefined),
      onSome: (key) =>
        Effect.promise(() =>
          signDpopProof({ key, method: "POST", url: settings.tokenUrl, nowSeconds, jti: Crypto.randomUUID(), nonce: tokenNonce, accessToken: undefined })
        )
    })
    // What this request carries, and the private keys' texts: scrubbed from whatever the server sends back.
    const secrets = makeScrub([
      assertion,
      ...(proof === undefined ? [] : [proof]),
      ...settings.signingKey.secrets,
      ...Option.match(context.dpopKey, { onNone: () => [], onSome: (key) => key.signingKey.secrets })
    ])
    const scrub = (text: string) => describeScrubbed(text, secrets)
    const httpRequest = HttpClientRequest.post(settings.tokenUrl).pipe(
      HttpClientRequest.setHeaders({
        accept: "application/json",
        "user-agent": context.userAgent,
        ...(proof === undefined ? {} : { dpop: Redacted.value(proof) })
      }),
      HttpClientRequest.bodyUrlParams({
        grant_type: "client_credentials",
        scope: settings.scopes.join(" "),
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: Redacted.value(assertion)
      })
    )
    const answer = yield* readAnswer(context, httpRequest)
    const requestIdHeader = answer.headers["x-okta-request-id"]
    const requestId = requestIdHeader === undefined ? undefined : secrets(requestIdHeader)
    const nonce = answer.headers["dpop-nonce"]
    if (nonce !== undefined) yield* context.nonces.set("token", nonce)
    yield* Effect.annotateCurrentSpan({ "http.response.status_code": answer.status, "okta.request_id": requestId ?? "" })
    if (answer.status >= 200 && answer.status < 300) {
      const body = decodeTokenBody(answer.text)
      const expected = Option.isSome(context.dpopKey) ? "dpop" : "bearer"
      if (Either.isLeft(body) || body.right.token_type.toLowerCase() !== expected) {
        return yield* new TokenError({
          error: "invalid_response",
          errorDescription: Either.isLeft(body)
            ? "the answer is not a token response"
            : `token_type is ${scrub(body.right.token_type)}, expected ${expected}`,
          status: answer.status,
          ...(requestId === undefined ? {} : { requestId })
        })
      }
      return {
        accessToken: Redacted.make(body.right.access_token),
        tokenType: expected === "dpop" ? "DPoP" : "Bearer",
        expiresAtMillis: sentAt + body.right.expires_in * 1000,
        lifetime: Duration.seconds(body.right.expires_in)
      } satisfies IssuedToken
    }
    const oauthError = decodeOAuthError(answer.text)
    if (
      answer.status === 400 && !nonceRetry && nonce !== undefined && Option.isSome(context.dpopKey) &&
      Option.isSome(oauthError) && oauthError.value.error === "use_dpop_nonce"
    ) {
      return yield* attempt(context, true)
    }
    if (answer.status === 429 || answer.status >= 500) {
      const error = statusError({
        ...where,
        status: answer.status,
        headers: answer.headers,
        body: undefined,
        documented: ["TooManyRequests"],
        rateLimit: RateLimit.fromHeaders(answer.headers),
        scrub: secrets
      })
      if (error instanceof OktaError.TooManyRequests || error instanceof OktaError.ServerError) return yield* error
    }
    return yield* new TokenError({
      error: Option.match(oauthError, { onNone: () => "invalid_response", onSome: (body) => scrub(body.error) }),
      ...Option.match(oauthError, {
        onNone: () => ({ errorDescription: `status ${answer.status} without an OAuth error body` }),
        onSome: (body) =>
          body.error_description === undefined ? {} : { errorDescription: scrub(body.error_description) }
      }),
      status: answer.status,
      ...(requestId === undefined ? {} : { requestId })
    })
  })

/** The final error of a request that a schedule gave up on. */
const asTokenError = (error: AttemptError): TokenError =>
  error instanceof TokenError
    ? error
    : error instanceof OktaError.TransportError
    ? new TokenError({ error: "transport_error", errorDescription: error.detail })
    : new TokenError({
      error: "temporarily_unavailable",
      errorDescription: `status ${error.status} after the retries`,
      status: error.status,
      ...(error.requestId === undefined ? {} : { requestId: error.requestId })
    })

/**
 * Asks the token endpoint for an access token: `grant_type=client_credentials`, the scopes and a
 * signed client assertion (and a DPoP proof). A 429 is retried by the 429 schedule and a 5xx or
 * no answer by the transient one (each attempt signs a new assertion); an OAuth error
 * (`invalid_client`, `invalid_scope`, ...) is final. The span `OktaAuth.requestToken` holds the
 * URL, the client id, the status and the request id: never the assertion, the proof or the token.
 */
export const requestToken = (context: TokenEndpointContext): Effect.Effect<IssuedToken, TokenError> =>
  Effect.gen(function*() {
    let rateLimitDriver: Schedule.ScheduleDriver<unknown, RateLimit.RateLimited> | undefined
    let transientDriver: Schedule.ScheduleDriver<unknown, Retry.TransientError> | undefined
    for (let count = 0;; count++) {
      const result = yield* Effect.either(attempt(context, false))
      if (Either.isRight(result)) return result.right
      const error = result.left
      let next: Effect.Effect<unknown, Option.Option<never>>
      if (error instanceof OktaError.TooManyRequests) {
        rateLimitDriver ??= yield* Schedule.driver(context.rateLimitRetry)
        next = rateLimitDriver.next(error)
      } else if (Retry.isTransient(error)) {
        transientDriver ??= yield* Schedule.driver(context.transientRetry)
        next = transientDriver.next(error)
      } else {
        return yield* asTokenError(error)
      }
      if (Either.isLeft(yield* Effect.either(next))) return yield* asTokenError(error)
      yield* Effect.logDebug(`OktaAuth: token request retry ${count + 1} after ${error._tag}`)
    }
  }).pipe(
    Effect.withSpan("OktaAuth.requestToken", {
      kind: "client",
      attributes: {
        "http.request.method": "POST",
        "url.full": context.settings.tokenUrl,
        "okta.client_id": context.settings.clientId,
        "okta.dpop": Option.isSome(context.dpopKey)
      }
    })
  )
