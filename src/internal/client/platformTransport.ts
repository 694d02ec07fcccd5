/**
 * The composable transport: one request over the user's `@effect/platform` `HttpClient`, its body
 * read within the cap (responseBody.ts), no redirect followed, the platform client's own span off
 * (see exchange.ts).
 *
 * The request timeout forks nothing: each request is tied to a `Scope` of its own
 * (`HttpClient.withScope`), whose closing aborts the request's `AbortSignal`; the layer's shared
 * sweeper (deadlineSweeper.ts) closes it at the deadline, and the call ends as a timeout once the
 * client gives up on the aborted request (fetch and both `NodeHttpClient`s do at once, body
 * included). `Effect.timeoutFail` raced two fibers and a timer per call, about 125 µs of CPU at
 * concurrency 64 (issue 15). A client that ignores its signal is not ended by the timeout.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import type { DeadlineSweeper } from "./deadlineSweeper.js"
import { readBodyCapped } from "./responseBody.js"
import { timeoutFailure, type Transport, type WireAnswer, type WireFailure, type WireRequest } from "./transport.js"

/** Fetch follows redirects by default; ask it not to, keeping the user's other fetch options. */
const withoutRedirects = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.serviceOption(FetchHttpClient.RequestInit), (init) =>
    Effect.provideService(effect, FetchHttpClient.RequestInit, {
      ...Option.getOrElse(init, () => ({})),
      redirect: "manual"
    }))

/** Sends requests to `orgUrl` over `userClient`, reading at most `maxBodyBytes` of each body. */
export const make = (options: {
  readonly client: HttpClient.HttpClient
  readonly orgUrl: string
  readonly maxBodyBytes: number
  readonly sweeper: DeadlineSweeper | undefined
}): Transport => {
  const { maxBodyBytes, orgUrl, sweeper } = options
  const client = HttpClient.withTracerDisabledWhen(options.client, () => true)
  const scopedClient = HttpClient.withScope(client)

  const toHttpRequest = (request: WireRequest): HttpClientRequest.HttpClientRequest => {
    const httpRequest = HttpClientRequest.make(request.method)(orgUrl + request.path, {
      headers: request.headers,
      ...(request.urlParams === undefined ? {} : { urlParams: request.urlParams })
    })
    return request.body === undefined ? httpRequest : HttpClientRequest.bodyText(httpRequest, request.body, "application/json")
  }

  const exchangeOver = <R>(
    over: HttpClient.HttpClient.With<unknown, R>,
    request: WireRequest
  ): Effect.Effect<WireAnswer, WireFailure, R> =>
    over.execute(toHttpRequest(request)).pipe(
      Effect.flatMap((response) =>
        Effect.map(readBodyCapped(response, maxBodyBytes), (body): WireAnswer => ({
          status: response.status,
          headers: response.headers,
          body: Option.getOrUndefined(body)
        }))
      ),
      Effect.mapError((cause): WireFailure => ({ _tag: "Connection", cause })),
      // Nothing a server sends may end a call with a defect: what a transport throws is a failed exchange.
      Effect.catchAllDefect((defect) => Effect.fail<WireFailure>({ _tag: "Connection", cause: defect })),
      withoutRedirects
    )

  /** The user's client may open spans or log (its own middleware): under the call's span, as the rest of the call. */
  const underCall = <A, E>(request: WireRequest, effect: Effect.Effect<A, E>): Effect.Effect<A, E> =>
    request.parentSpan === undefined ? effect : Effect.withParentSpan(effect, request.parentSpan)

  if (sweeper === undefined) return (request) => underCall(request, exchangeOver(client, request))

  return (request) =>
    underCall(request, Effect.flatMap(Scope.make(), (scope) => {
      let expired = false
      const deadline = sweeper.register(() => {
        expired = true
        Effect.runFork(Scope.close(scope, Exit.void))
      })
      return exchangeOver(scopedClient, request).pipe(
        Effect.provideService(Scope.Scope, scope),
        Effect.mapError((failure) => expired ? timeoutFailure : failure),
        // Ends the request however the call ends (an interrupted call aborts it here).
        Effect.onExit(() => {
          deadline.cancel()
          return Scope.close(scope, Exit.void)
        })
      )
    }))
}
