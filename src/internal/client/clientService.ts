/**
 * The `OktaHttpClient` service over a transport: the throttle, the request timeout's shared timer,
 * the secrets to scrub, one `Effect.retry` schedule for the retries after a failed first attempt
 * (see OktaHttpClient.ts for what a call does), and each call's `CallObservation` (span attributes,
 * events, metrics), and the throttle's `RateLimitShare` when one is in context. Both layers (over the platform's `HttpClient`, over undici) build it here.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type { OktaConfig } from "../../OktaConfig.js"
import type { ExecuteError, OktaHttpClient, OktaRequest, OktaResponse } from "../../OktaHttpClient.js"
import type * as OktaError from "../../OktaError.js"
import * as RateLimit from "../../RateLimit.js"
import { RateLimitShare } from "../../RateLimitShare.js"
import type { Authorizer } from "./authorizer.js"
import { CallObservation, serverAttributes } from "./callObservation.js"
import * as DeadlineSweeper from "./deadlineSweeper.js"
import { type Attempt, makeExchange } from "./exchange.js"
import { retryPolicy } from "./retryPolicy.js"
import { catchFailure } from "./matchFailure.js"
import { makeScrub, type Scrub } from "./secretScrubber.js"
import * as Throttle from "./throttle.js"
import type { Transport } from "./transport.js"

/** Every call's first attempt (one object for all, not a literal per call: see matchFailure.ts). */
const firstAttempt: Attempt = { count: 0, retryFor: undefined }

/**
 * Builds the service; `makeTransport` gets the layer's timeout sweeper (none when `requestTimeout` is
 * off); `authorizer` gives each request its API credential (see authorizerForConfig.ts).
 */
export const makeService = (
  config: OktaConfig.Service,
  makeTransport: (sweeper: DeadlineSweeper.DeadlineSweeper | undefined) => Transport,
  authorizer: Authorizer
): Effect.Effect<OktaHttpClient.Service, never, Scope.Scope> =>
  Effect.gen(function*() {
    // A `RateLimitShare` in context when the layer is built: the throttle shares its spent windows through it.
    const share = yield* Effect.serviceOption(RateLimitShare)
    const throttle = Option.isSome(config.throttle)
      ? yield* Throttle.make(
        config.throttle.value,
        { maxResetWaitMillis: Duration.toMillis(RateLimit.maxResetWait) },
        Option.getOrUndefined(share)
      )
      : undefined
    const sweeper = Option.isSome(config.requestTimeout)
      ? yield* DeadlineSweeper.make(Duration.toMillis(config.requestTimeout.value))
      : undefined
    const server = serverAttributes(config.orgUrl)
    const exchange = makeExchange(config, makeTransport(sweeper), throttle, authorizer, server)
    const maxElapsedMillis = Duration.toMillis(config.maxElapsed)
    // The credential's own secrets (a static header and its token, a private key's text), scrubbed
    // from what any call's server sends; a request's OAuth token and proof are added per request.
    const configSecrets = authorizer.secrets
    const scrubConfigSecrets = makeScrub(configSecrets)
    const scrubOf = <Documented extends OktaError.DocumentedTag>(request: OktaRequest<Documented>): Scrub => {
      const extra = [
        ...(request.credential === "apiToken" ? [] : [request.credential.value]),
        ...(request.secrets ?? [])
      ]
      return extra.length === 0 ? scrubConfigSecrets : makeScrub([...configSecrets, ...extra])
    }

    /**
     * The retries after a failed first attempt: one `Effect.retry` whose first run fails again with
     * that failure (so the schedule steps on it), then sends retry 1, 2, ... The first attempt runs
     * outside `Effect.retry`: a call that succeeds at once makes no schedule driver, its two `Ref`s
     * and its context provision.
     */
    const retriesAfter = <Documented extends OktaError.DocumentedTag>(
      request: OktaRequest<Documented>,
      first: ExecuteError<Documented>,
      deadlineMillis: number,
      scrub: Scrub,
      call: CallObservation
    ): Effect.Effect<OktaResponse, ExecuteError<Documented>> => {
      let retryFor: string | undefined
      const attempt = Effect.flatMap(Schedule.CurrentIterationMetadata, (iteration) =>
        iteration.recurrence === 0
          ? Effect.fail(first)
          : exchange(request, { count: iteration.recurrence, retryFor }, deadlineMillis, scrub, call))
      return Effect.retry(
        attempt,
        retryPolicy<ExecuteError<Documented>>({
          method: request.method,
          pathTemplate: request.pathTemplate,
          rateLimitRetry: config.rateLimitRetry,
          transientRetry: config.transientRetry,
          retrySafe: request.retrySafe ?? request.method !== "POST",
          deadlineMillis,
          onRateLimited: (requestId) => {
            retryFor ??= requestId
          },
          onRetry: (count, delayMillis, error) => call.retrying(count, delayMillis, error)
        })
      )
    }

    const execute = <Documented extends OktaError.DocumentedTag>(
      request: OktaRequest<Documented>
    ): Effect.Effect<OktaResponse, ExecuteError<Documented>> =>
      Effect.withFiberRuntime((fiber) => {
        const call = new CallObservation(
          request.span ?? fiber.currentSpan,
          request.span === undefined,
          Context.get(fiber.currentDefaultServices, Clock.Clock),
          fiber.getFiberRef(FiberRef.currentMetricLabels),
          request.operation ?? `${request.method} ${request.pathTemplate}`,
          request.method,
          request.pathTemplate,
          server
        )
        const deadlineMillis = call.nowMillis() + maxElapsedMillis
        const scrub = scrubOf(request)
        return catchFailure(
          exchange(request, firstAttempt, deadlineMillis, scrub, call),
          (first) =>
            Effect.tapError(call.underSpan(retriesAfter(request, first, deadlineMillis, scrub, call)), (error) =>
              Effect.sync(() => call.failed(error)))
        )
      })

    return { execute }
  })
