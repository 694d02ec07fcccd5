/**
 * A fake `HttpClient` for the tests: it records every request as it would go on the wire (method,
 * URL, headers, body and its content type) and answers with whatever the test's `respond` returns.
 * Like fetch and undici, it honours the request's `AbortSignal`: an abort interrupts an answer still
 * being made and fails a body still being read.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Effect, Layer, Redacted } from "effect"
import { OktaConfig, Sessions } from "effect-okta-sessions"

/** One request as the fake client received it. */
export interface RecordedRequest {
  readonly method: string
  readonly url: URL
  /** Lower-case header names, as `@effect/platform` keeps them. */
  readonly headers: Readonly<Record<string, string>>
  /** The body as text, `undefined` when the request had none. */
  readonly body: string | undefined
  /** The content type of the body, which an HTTP client sends as `Content-Type`. */
  readonly contentType: string | undefined
}

/** What the fake answers: a web `Response`, or an effect that yields one (or fails, or never ends). */
export type Respond = (
  request: RecordedRequest,
  original: HttpClientRequest.HttpClientRequest
) => Response | Effect.Effect<Response, HttpClientError.HttpClientError>

const textDecoder = new TextDecoder()

/** `response` with a body that fails once `signal` aborts, as a fetch body does. */
const abortable = (response: Response, signal: AbortSignal): Response =>
  response.body === null
    ? response
    : new Response(response.body.pipeThrough(new TransformStream(), { signal }), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers
    })

/** A recording fake `HttpClient` and the list its requests go to. */
export const make = (respond: Respond): {
  readonly client: HttpClient.HttpClient
  readonly requests: Array<RecordedRequest>
} => {
  const requests: Array<RecordedRequest> = []
  const client = HttpClient.make((request, url, signal) => {
    const body = request.body
    const recorded: RecordedRequest = {
      method: request.method,
      url,
      headers: { ...request.headers },
      body: body._tag === "Uint8Array" ? textDecoder.decode(body.body) : undefined,
      contentType: body._tag === "Uint8Array" ? body.contentType : undefined
    }
    requests.push(recorded)
    const answer = respond(recorded, request)
    const aborted = Effect.async<never, HttpClientError.HttpClientError>((resume) => {
      const onAbort = () => resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: signal.reason })))
      if (signal.aborted) onAbort()
      else signal.addEventListener("abort", onAbort, { once: true })
      return Effect.sync(() => signal.removeEventListener("abort", onAbort))
    })
    return Effect.map(
      Effect.raceFirst(Effect.isEffect(answer) ? answer : Effect.succeed(answer), aborted),
      (response) => HttpClientResponse.fromWeb(request, abortable(response, signal))
    )
  })
  return { client, requests }
}

/** The API token every test configures; no error, log line or span may ever show it. */
export const apiToken = "00SECRET-api-token-9f8e7d6c5b4a"

/** A JSON response with the given status and extra headers. */
export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } })

/**
 * `Sessions` over the fake client, configured for `https://dev-123.okta.com` with `apiToken`; `options`
 * override any config setting.
 */
export const sessionsLayer = (
  client: HttpClient.HttpClient,
  options: Partial<OktaConfig.OktaConfig.Options> = {}
) =>
  Sessions.layer.pipe(
    Layer.provide(OktaConfig.layer({ orgUrl: "https://dev-123.okta.com", token: Redacted.make(apiToken), ...options })),
    Layer.provide(Layer.succeed(HttpClient.HttpClient, client))
  )

/** Runs `use` with the `Sessions` service over a fresh recording client; returns its result and the requests. */
export const withSessions = <A, E>(
  respond: Respond,
  use: (sessions: Sessions.Sessions.Service) => Effect.Effect<A, E>,
  options: Partial<OktaConfig.OktaConfig.Options> = {}
) => {
  const { client, requests } = make(respond)
  return Effect.flatMap(Sessions.Sessions, use).pipe(
    Effect.either,
    Effect.map((result) => ({ result, requests })),
    Effect.provide(sessionsLayer(client, options))
  )
}
