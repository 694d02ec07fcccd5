/**
 * What the exchange needs of a transport: send one request to the org and hand back the status, the
 * headers and the body read within the size cap (decoded when it came compressed), or say why no
 * complete answer came. Two transports implement it: `platformTransport.ts` over any
 * `@effect/platform` `HttpClient`, and `undiciTransport.ts` straight over an undici `Pool`. Each ends
 * a request at the layer's request timeout (the shared `deadlineSweeper.ts`) and on interruption.
 */
import type * as Headers from "@effect/platform/Headers"
import type * as Effect from "effect/Effect"
import type * as Tracer from "effect/Tracer"

/** One request as it goes out. */
export interface WireRequest {
  readonly method: "GET" | "POST" | "DELETE"
  /** The path with its parameters filled in and percent-encoded, without the query. */
  readonly path: string
  readonly urlParams: Readonly<Record<string, string>> | undefined
  /** Lower-case names; the transport adds `Content-Type` for a body. */
  readonly headers: Readonly<Record<string, string>>
  /** A JSON body, already encoded. */
  readonly body: string | undefined
  /** The call's span when it is not the current span: the parent of any span the transport's client opens. */
  readonly parentSpan?: Tracer.Span | undefined
}

/** A complete answer. */
export interface WireAnswer {
  readonly status: number
  readonly headers: Headers.Headers
  /** The body, decoded; `undefined` when it is larger than the cap (decoded or not). */
  readonly body: Uint8Array | undefined
}

/** Why no complete answer came: the connection failed (with what the transport said), or the request timeout passed. */
export type WireFailure =
  | { readonly _tag: "Connection"; readonly cause: unknown }
  | { readonly _tag: "Timeout" }

/** Sends one request. */
export type Transport = (request: WireRequest) => Effect.Effect<WireAnswer, WireFailure>

/** The failure of a request the timeout ended. */
export const timeoutFailure: WireFailure = { _tag: "Timeout" }
