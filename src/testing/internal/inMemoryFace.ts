/**
 * The in-memory face's one step per call: answer a request on the org at the `Clock`'s time, then
 * hand back the reply as the real client would (a 2xx, or the tagged error of its status, built by
 * the client's own `statusError` from the same headers and body the emulator would send), inside a
 * `Sessions.<operation>` span.
 *
 * It avoids `Effect.fn` and generators on purpose: `bench/inMemoryFake.ts` measured a captured stack
 * trace and a generator per call as a large share of the fake's cost per call.
 */
import * as Headers from "@effect/platform/Headers"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Record from "effect/Record"
import type * as Tracer from "effect/Tracer"
import { endpoints } from "../../internal/client/endpoints.js"
import { statusError } from "../../internal/client/statusError.js"
import * as OktaError from "../../OktaError.js"
import type { TokenError } from "../../OktaAuth.js"
import type { Session } from "../../Session.js"
import { answerAt } from "./answerRequest.js"
import { type OAuthServices, withOAuthCredential } from "./oauth/inMemoryAccess.js"
import type { Org } from "./org.js"
import type { Operation } from "./operation.js"
import type { Reply, Request } from "./protocol.js"
import { errorJson, replyHeaders, toSession } from "./wireFormat.js"

const textEncoder = new TextEncoder()
// no stack trace per span: capturing one was ~7% of a call (bench/inMemoryFake.ts --cpu-prof)
const spanOptions: Tracer.SpanOptions = { kind: "client", captureStackTrace: false }
const spanNames: { readonly [K in Operation]: string } = Record.map(endpoints, (_, operation) => `Sessions.${operation}`)

/** The errors a call of an operation documenting `Documented` can meet, as the real client makes them. */
export type StatusError<Documented extends OktaError.DocumentedTag> = ReturnType<typeof statusError<Documented>>

/** The tagged error the real client makes of a non-2xx reply. */
const errorOf = <Documented extends OktaError.DocumentedTag>(
  reply: Reply,
  documented: ReadonlyArray<Documented>
): StatusError<Documented> => {
  const endpoint = endpoints[reply.operation]
  return statusError({
    method: endpoint.method,
    path: endpoint.pathTemplate,
    status: reply.status,
    headers: Headers.fromInput(replyHeaders(reply)),
    body: reply.body._tag === "Error" ? textEncoder.encode(errorJson(reply.body.error)) : undefined,
    documented
  })
}

const isUnauthorized = (error: unknown): boolean => error instanceof OktaError.Unauthorized

/**
 * The face's calls on one org. With `oauth` (an `OktaAuth.AccessToken` and a `FakeOktaAuth`), an
 * API-token call presents the current OAuth token and a 401 to it renews once and replays once.
 */
export const makeCalls = (org: Org, oauth: Option.Option<OAuthServices> = Option.none()) => {
  /**
   * Effect's own tracer, which records spans for no one. Under it a call makes no span: a span cost
   * about 12 µs of a 25-45 µs call (bench/inMemoryFake.ts), Context copies included. Under any other
   * tracer (OpenTelemetry, a test's own) every call is its `Sessions.<operation>` span.
   */
  const nativeTracer = Effect.runSync(Effect.tracer)
  /** Answers `request` and settles its reply with `onSuccess`, in the operation's span. */
  const call = <A, E, Documented extends OktaError.DocumentedTag>(
    request: Omit<Request, "wire">,
    documented: ReadonlyArray<Documented>,
    onSuccess: (reply: Reply) => Effect.Effect<A, E>
  ): Effect.Effect<A, E | StatusError<Documented> | TokenError> => {
    const settle = (reply: Reply): Effect.Effect<A, E | StatusError<Documented>> =>
      reply.status >= 200 && reply.status < 300 ? onSuccess(reply) : Effect.fail(errorOf(reply, documented))
    const answerWith = (wireless: Request) =>
      Effect.clockWith((clock) => {
        const answered = answerAt(org, wireless, clock.unsafeCurrentTimeMillis())
        return Effect.isEffect(answered) ? Effect.flatMap(answered, settle) : settle(answered)
      })
    const answered = request.credential === "valid" && Option.isSome(oauth)
      ? withOAuthCredential(
        oauth.value,
        request.operation,
        org.orgUrl,
        (credential) => answerWith({ ...request, credential, wire: false }),
        isUnauthorized
      )
      : answerWith({ ...request, wire: false })
    return Effect.tracerWith((tracer) =>
      tracer === nativeTracer ? answered : Effect.withSpan(answered, spanNames[request.operation], spanOptions)
    )
  }

  /** The reply's Session, or the `DecodeError` the real client meets on an empty 2xx. */
  const sessionOf = (reply: Reply): Effect.Effect<Session, OktaError.DecodeError> => {
    if (reply.body._tag === "Session") return Effect.succeed(toSession(org.orgUrl, reply.body.session, reply.body.current))
    const endpoint = endpoints[reply.operation]
    return Effect.fail(
      new OktaError.DecodeError({
        method: endpoint.method,
        path: endpoint.pathTemplate,
        status: reply.status,
        requestId: reply.requestId,
        detail: "the body is empty, expected a Session"
      })
    )
  }

  const done = Effect.void
  /** An operation answering a Session. */
  const session = <Documented extends OktaError.DocumentedTag>(
    request: Omit<Request, "wire">,
    documented: ReadonlyArray<Documented>
  ) => call(request, documented, sessionOf)
  /** An operation answering nothing (204). */
  const nothing = <Documented extends OktaError.DocumentedTag>(
    request: Omit<Request, "wire">,
    documented: ReadonlyArray<Documented>
  ) => call(request, documented, () => done)

  return { session, nothing }
}
