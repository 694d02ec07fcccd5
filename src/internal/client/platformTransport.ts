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
 * concurrency 64 (issue 15). A client that ignores its signal is not ended by the timeout. The
 * scope is closed when the request fails, is interrupted or is abandoned past the cap; a request
 * whose whole body was read has nothing left to abort, and its scope is simply dropped.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Tracer from "effect/Tracer"
import type { DeadlineSweeper } from "./deadlineSweeper.js"
import { readBodyCapped } from "./responseBody.js"
import { timeoutFailure, type Transport, type WireAnswer, type WireFailure, type WireRequest } from "./transport.js"

/** What fetch is asked when the caller set no `RequestInit`: not to follow redirects. */
const manualRedirects: globalThis.RequestInit = Object.freeze({ redirect: "manual" })

/**
 * The context one request runs in, made in one step: `additions` (the request's own `Scope`, when it
 * has one), fetch asked not to follow redirects (the caller's other fetch options kept), and the
 * call's span as the parent of whatever the user's client opens (its own middleware). One
 * `mapInputContext` per request, where `provideService` (twice) and `withParentSpan` each copied the
 * fiber's whole context and set it twice (`setFiberRef` was 6 % of this path's profile at concurrency
 * 64, BENCHMARKS.md, "Step 10").
 */
const requestContext = <S>(
  context: Context.Context<never>,
  additions: Context.Context<S>,
  parentSpan: Tracer.AnySpan | undefined
): Context.Context<S> => {
  const init = Context.getOption(context, FetchHttpClient.RequestInit)
  let added: Context.Context<S | FetchHttpClient.RequestInit> = Context.add(
    additions,
    FetchHttpClient.RequestInit,
    Option.isSome(init) ? { ...init.value, redirect: "manual" } : manualRedirects
  )
  if (parentSpan !== undefined) added = Context.add(added, Tracer.ParentSpan, parentSpan)
  return Context.merge(context, added)
}

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
      Effect.flatMap((response) => {
        // `NodeHttpClient`'s responses build a new `Headers` on each read of `headers`: read it once.
        const headers = response.headers
        return Effect.map(readBodyCapped(response, maxBodyBytes, headers), (body): WireAnswer => ({
          status: response.status,
          headers,
          body: Option.getOrUndefined(body)
        }))
      }),
      Effect.mapError((cause): WireFailure => ({ _tag: "Connection", cause })),
      // Nothing a server sends may end a call with a defect: what a transport throws is a failed exchange.
      Effect.catchAllDefect((defect) => Effect.fail<WireFailure>({ _tag: "Connection", cause: defect }))
    )

  if (sweeper === undefined) {
    return (request) =>
      Effect.mapInputContext(
        exchangeOver(client, request),
        (context: Context.Context<never>) => requestContext(context, Context.empty(), request.parentSpan)
      )
  }

  return (request) =>
    Effect.flatMap(Scope.make(), (scope) => {
      let expired = false
      const deadline = sweeper.register(() => {
        expired = true
        Effect.runFork(Scope.close(scope, Exit.void))
      })
      return exchangeOver(scopedClient, request).pipe(
        Effect.mapInputContext((context: Context.Context<never>) =>
          requestContext(context, Context.make(Scope.Scope, scope), request.parentSpan)
        ),
        Effect.mapError((failure) => expired ? timeoutFailure : failure),
        Effect.onExit((exit) => {
          deadline.cancel()
          // A whole body read means the request is over: the scope is left to the collector. Its
          // only finalizer aborts the request, and an abort costs a `DOMException` with its stack
          // (about 8 % of this path's CPU at concurrency 64). Any other end (a failure, an
          // interruption, a body past the cap) aborts it here.
          return Exit.isSuccess(exit) && exit.value.body !== undefined ? Effect.void : Scope.close(scope, Exit.void)
        })
      )
    })
}
