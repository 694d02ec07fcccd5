/**
 * The lean transport: one request to Okta over an undici `Dispatcher` (a `Pool` per org, keep-alive),
 * as one `Effect.async` around undici's `dispatch` handler callbacks. No `Request`/`Response`
 * objects, no body stream, no fiber: the body is collected chunk by chunk up to the cap (then
 * decoded within the cap when it came compressed, see contentDecoding.ts), the timeout is a deadline
 * on the layer's shared sweeper that aborts the dispatch, and interruption aborts it too.
 *
 * Only types come from undici here; the `Pool` itself is made by `OktaUndici.ts`, so nothing but
 * that module loads undici.
 */
import * as Headers from "@effect/platform/Headers"
import * as Effect from "effect/Effect"
import type * as Undici from "undici"
import { contentEncodings, decodeContent } from "./contentDecoding.js"
import type { DeadlineSweeper } from "./deadlineSweeper.js"
import { timeoutFailure, type Transport, type WireAnswer, type WireFailure, type WireRequest } from "./transport.js"

const timeoutReason = new Error("request timeout")
const interruptedReason = new Error("interrupted")
const tooLargeReason = new Error("response body over the cap")
const empty = new Uint8Array(0)

/** undici's headers as flat strings; a header sent twice (a duplicated `X-Rate-Limit-Reset`) is joined with `, `. */
const flatten = (headers: Record<string, string | Array<string> | undefined>): Record<string, string> => {
  const flat: Record<string, string> = {}
  for (const name in headers) {
    const value = headers[name]
    if (value !== undefined) flat[name] = typeof value === "string" ? value : value.join(", ")
  }
  return flat
}

/** The body as it should be read: decoded when its header says it is compressed and it still is. */
const decoded = (headers: Record<string, string>, body: Uint8Array, maxBodyBytes: number): Uint8Array | undefined => {
  const encoding = headers["content-encoding"]
  if (encoding === undefined) return body
  const result = decodeContent(body, contentEncodings(encoding), maxBodyBytes)
  return result === "tooLarge" ? undefined : result
}

/** The path with its query. */
const pathOf = (request: WireRequest): string => {
  if (request.urlParams === undefined) return request.path
  const query = new URLSearchParams(request.urlParams).toString()
  return query === "" ? request.path : `${request.path}?${query}`
}

/**
 * Sends requests to `origin` through `dispatcher`, reading at most `maxBodyBytes` of each body and
 * ending each call at its deadline on `sweeper` (none when `sweeper` is `undefined`).
 */
export const make = (options: {
  readonly dispatcher: Undici.Dispatcher
  readonly origin: string
  readonly maxBodyBytes: number
  readonly sweeper: DeadlineSweeper | undefined
}): Transport => {
  const { dispatcher, maxBodyBytes, origin, sweeper } = options
  return (request: WireRequest): Effect.Effect<WireAnswer, WireFailure> =>
    Effect.async<WireAnswer, WireFailure>((resume) => {
      let controller: Undici.Dispatcher.DispatchController | undefined
      let pendingAbort: Error | undefined
      let done = false
      let status = 0
      let headers: Record<string, string> = {}
      let chunks: Array<Buffer> = []
      let received = 0
      const abort = (reason: Error) => {
        if (controller === undefined) pendingAbort = reason
        else if (!controller.aborted) controller.abort(reason)
      }
      const deadline = sweeper?.register(() => abort(timeoutReason))
      const settle = (effect: Effect.Effect<WireAnswer, WireFailure>) => {
        if (done) return
        done = true
        deadline?.cancel()
        resume(effect)
      }
      const handler: Undici.Dispatcher.DispatchHandler = {
        onRequestStart(started) {
          controller = started
          if (pendingAbort !== undefined) started.abort(pendingAbort)
        },
        onResponseStart(_, statusCode, responseHeaders) {
          status = statusCode
          headers = flatten(responseHeaders)
        },
        onResponseData(current, chunk) {
          if (done) return
          received += chunk.length
          if (received > maxBodyBytes) {
            chunks = []
            // Enough is known: answer now and drop the connection rather than read the rest.
            settle(Effect.succeed({ status, headers: Headers.unsafeFromRecord(headers), body: undefined }))
            current.abort(tooLargeReason)
            return
          }
          chunks.push(chunk)
        },
        onResponseEnd() {
          if (done) return
          const raw = chunks.length === 0
            ? empty
            : chunks.length === 1 && chunks[0] !== undefined
            ? chunks[0]
            : Buffer.concat(chunks, received)
          chunks = []
          settle(Effect.succeed({ status, headers: Headers.unsafeFromRecord(headers), body: decoded(headers, raw, maxBodyBytes) }))
        },
        onResponseError(_, error) {
          settle(Effect.fail(error === timeoutReason ? timeoutFailure : { _tag: "Connection", cause: error }))
        }
      }
      const body = request.body
      try {
        dispatcher.dispatch({
          origin,
          path: pathOf(request),
          method: request.method,
          headers: body === undefined ? request.headers : { ...request.headers, "content-type": "application/json" },
          body: body ?? null
        }, handler)
      } catch (error) {
        settle(Effect.fail({ _tag: "Connection", cause: error }))
      }
      return Effect.sync(() => {
        done = true
        deadline?.cancel()
        abort(interruptedReason)
      })
    })
}
