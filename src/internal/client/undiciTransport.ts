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
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as Undici from "undici"
import { contentEncodings, decodeContent } from "./contentDecoding.js"
import type { Deadline, DeadlineSweeper } from "./deadlineSweeper.js"
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
 * One request in flight: undici's handler, and all the call's state as fields of one object. A
 * class rather than an object literal of closures over `let`s: V8 may tenure an object literal's
 * allocation site under load, and a tenured handler kept the call's closures, chunks and resume
 * alive through young collections (matchFailure.ts says how; BENCHMARKS.md, "The young generation").
 */
class DispatchCall implements Undici.Dispatcher.DispatchHandler {
  controller: Undici.Dispatcher.DispatchController | undefined = undefined
  pendingAbort: Error | undefined = undefined
  /**
   * Resumes the call's fiber; `undefined` before the request is sent and once the call is settled
   * or interrupted. Everything else the call held is dropped with it, so that a finished call keeps
   * nothing alive through this object.
   */
  resume: ((effect: Effect.Effect<WireAnswer, WireFailure>) => void) | undefined = undefined
  status = 0
  headers: Record<string, string> | undefined = undefined
  /** The first chunk of the body, then `more` for the rest: most bodies come in one chunk. */
  first: Buffer | undefined = undefined
  more: Array<Buffer> | undefined = undefined
  received = 0
  deadline: Deadline | undefined = undefined

  constructor(readonly maxBodyBytes: number) {}

  /**
   * The continuation of the wait for the answer (`matchCauseEffect`, in an uninterruptible region):
   * a wait that ends while the call still waits was interrupted, and the request is aborted. This
   * is what `Effect.async`'s canceler would do, but a canceler makes `Effect.async` add an
   * `Effect.onInterrupt`, whose object literal of closures per call V8 may tenure (see
   * matchFailure.ts). Fields, not methods: `matchCauseEffect` calls them as plain functions.
   */
  readonly onFailure = (cause: Cause.Cause<WireFailure>): Effect.Effect<WireAnswer, WireFailure> => {
    if (this.resume !== undefined) this.interrupt()
    return Effect.failCause(cause)
  }

  readonly onSuccess = (answer: WireAnswer): Effect.Effect<WireAnswer, WireFailure> => Effect.succeed(answer)

  abort(reason: Error): void {
    const controller = this.controller
    if (controller === undefined) this.pendingAbort = reason
    else if (!controller.aborted) controller.abort(reason)
  }

  /** Ends the call's own part: cancels the deadline and lets go of everything the call held. */
  private finish(): void {
    this.resume = undefined
    this.deadline?.cancel()
    this.deadline = undefined
    this.headers = undefined
    this.first = undefined
    this.more = undefined
  }

  settle(effect: Effect.Effect<WireAnswer, WireFailure>): void {
    const resume = this.resume
    if (resume === undefined) return
    this.finish()
    this.controller = undefined
    resume(effect)
  }

  /** Interruption: the answer no longer matters. */
  interrupt(): void {
    this.finish()
    this.abort(interruptedReason)
    this.controller = undefined
  }

  onRequestStart(controller: Undici.Dispatcher.DispatchController): void {
    this.controller = controller
    if (this.pendingAbort !== undefined) controller.abort(this.pendingAbort)
  }

  onResponseStart(
    _: Undici.Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | Array<string> | undefined>
  ): void {
    this.status = statusCode
    this.headers = flatten(headers)
  }

  onResponseData(controller: Undici.Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.resume === undefined) return
    this.received += chunk.length
    if (this.received > this.maxBodyBytes) {
      // Enough is known: answer now and drop the connection rather than read the rest.
      this.settle(Effect.succeed(new Answer(this.status, Headers.unsafeFromRecord(this.headers ?? {}), undefined)))
      controller.abort(tooLargeReason)
      return
    }
    if (this.first === undefined) this.first = chunk
    else if (this.more === undefined) this.more = Array.of(chunk)
    else this.more.push(chunk)
  }

  onResponseEnd(): void {
    if (this.resume === undefined) return
    const first = this.first
    const raw = first === undefined
      ? empty
      : this.more === undefined
      ? first
      : Buffer.concat(Array.of(first, ...this.more), this.received)
    const headers = this.headers ?? {}
    this.settle(Effect.succeed(new Answer(this.status, Headers.unsafeFromRecord(headers), decoded(headers, raw, this.maxBodyBytes))))
  }

  onResponseError(_: Undici.Dispatcher.DispatchController, error: Error): void {
    this.settle(Effect.fail(error === timeoutReason ? timeoutFailure : { _tag: "Connection", cause: error }))
  }
}

/** A complete answer (a class for the reason `DispatchCall` is one). */
class Answer implements WireAnswer {
  constructor(readonly status: number, readonly headers: Headers.Headers, readonly body: Uint8Array | undefined) {}
}

/** undici's options for one request (a class for the reason `DispatchCall` is one). */
class DispatchOptions implements Undici.Dispatcher.DispatchOptions {
  constructor(
    readonly origin: string,
    readonly path: string,
    readonly method: Undici.Dispatcher.HttpMethod,
    readonly headers: Readonly<Record<string, string>>,
    readonly body: string | null
  ) {}
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
    Effect.uninterruptibleMask((restore) => {
      const call = new DispatchCall(maxBodyBytes)
      // No canceler: interruption is handled by `call.onFailure` (see there).
      const answer = Effect.async<WireAnswer, WireFailure>((resume) => {
        call.resume = resume
        if (sweeper !== undefined) call.deadline = sweeper.register(() => call.abort(timeoutReason))
        const body = request.body
        try {
          dispatcher.dispatch(
            new DispatchOptions(
              origin,
              pathOf(request),
              request.method,
              body === undefined ? request.headers : { ...request.headers, "content-type": "application/json" },
              body ?? null
            ),
            call
          )
        } catch (error) {
          call.settle(Effect.fail({ _tag: "Connection", cause: error }))
        }
      })
      return Effect.matchCauseEffect(restore(answer), call)
    })
}
