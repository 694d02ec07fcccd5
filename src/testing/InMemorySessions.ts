/**
 * The `Sessions` service on the fake org, with no HTTP: the same operations and the same tagged
 * errors (with the same `errorCode`, `errorSummary`, `status`, `requestId` and, for 429, `rateLimit`)
 * as the real client meets against the emulator. Swap it in for `Sessions.layer` with one
 * `Layer.provide`.
 *
 * Of the `FakeOkta` fault knobs, it honours `latencyMillis` (with `Effect.sleep`, so the `TestClock`
 * drives it), `serverErrorRate`, `tooManyRequestsRate`, the rate-limit windows and the
 * concurrent-request limit; the wire faults (reset, hang, damaged bodies and headers) need HTTP.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Sessions } from "effect-okta-sessions"
 * import { FakeOkta, InMemorySessions } from "effect-okta-sessions/testing"
 *
 * const TestSessions = InMemorySessions.layer.pipe(Layer.provideMerge(FakeOkta.layer()))
 *
 * const program = Effect.gen(function*() {
 *   const okta = yield* FakeOkta.FakeOkta
 *   const [seeded] = yield* okta.seedSessions(1)
 *   const sessions = yield* Sessions.Sessions
 *   return yield* sessions.refreshSession(seeded!.id)
 * }).pipe(Effect.provide(TestSessions))
 * ```
 * @since 0.1.0
 */
import * as Headers from "@effect/platform/Headers"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { endpoints } from "../internal/client/endpoints.js"
import { errorJson, replyHeaders, toSession } from "./internal/fakeOktaWire.js"
import { statusError } from "../internal/client/statusError.js"
import * as OktaError from "../OktaError.js"
import type { Session, SessionCookie, SessionId, UserId } from "../Session.js"
import { Sessions } from "../Sessions.js"
import { AccessToken } from "../OktaAuth.js"
import { FakeOkta, type Operation, type Reply, type Request } from "./FakeOkta.js"
import { FakeOktaAuth } from "./FakeOktaAuth.js"
import { withOAuthCredential } from "./internal/oauth/inMemoryAccess.js"

const textEncoder = new TextEncoder()

/**
 * Builds the service on the `FakeOkta` in context.
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<Sessions.Service, never, FakeOkta> = Effect.gen(function*() {
  const okta = yield* FakeOkta
  // With OktaAuth.AccessToken and FakeOktaAuth in context, API-token calls present the OAuth token.
  const oauth = Option.all({ tokens: yield* Effect.serviceOption(AccessToken), auth: yield* Effect.serviceOption(FakeOktaAuth) })

  /** The reply when it is a 2xx, or the tagged error the real client would make of it. */
  const send = <Documented extends OktaError.DocumentedTag>(
    request: Omit<Request, "wire">,
    documented: ReadonlyArray<Documented>
  ) =>
    request.credential === "valid"
      ? withOAuthCredential(
        oauth,
        request.operation,
        okta.orgUrl,
        (credential) => answerOf({ ...request, credential }, documented),
        (error) => error instanceof OktaError.Unauthorized
      )
      : answerOf(request, documented)

  const answerOf = <Documented extends OktaError.DocumentedTag>(
    request: Omit<Request, "wire">,
    documented: ReadonlyArray<Documented>
  ) =>
    Effect.flatMap(okta.answer({ ...request, wire: false }), (reply) => {
      if (reply.status >= 200 && reply.status < 300) return Effect.succeed(reply)
      const route = endpoints[reply.operation]
      return Effect.fail(statusError({
        method: route.method,
        path: route.pathTemplate,
        status: reply.status,
        headers: Headers.fromInput(replyHeaders(reply)),
        body: reply.body._tag === "Error" ? textEncoder.encode(errorJson(reply.body.error)) : undefined,
        documented
      }))
    })

  const sessionOf = (reply: Reply, operation: Operation): Effect.Effect<Session, OktaError.DecodeError> => {
    if (reply.body._tag === "Session") return Effect.succeed(toSession(okta.orgUrl, reply.body.session, reply.body.current))
    const route = endpoints[operation]
    return Effect.fail(
      new OktaError.DecodeError({
        method: route.method,
        path: route.pathTemplate,
        status: reply.status,
        requestId: reply.requestId,
        detail: "the body is empty, expected a Session"
      })
    )
  }

  const createSession = Effect.fn("Sessions.createSession")(function*(sessionToken: Redacted.Redacted<string>) {
    const reply = yield* send(
      { operation: "createSession", credential: "valid", sessionToken: Redacted.value(sessionToken) },
      endpoints.createSession.documented
    )
    return yield* sessionOf(reply, "createSession")
  })

  const getSession = Effect.fn("Sessions.getSession")(function*(sessionId: SessionId) {
    const reply = yield* send(
      { operation: "getSession", credential: "valid", sessionId },
      endpoints.getSession.documented
    )
    return yield* sessionOf(reply, "getSession")
  }) satisfies Sessions.Service["getSession"]

  const refreshSession = Effect.fn("Sessions.refreshSession")(function*(sessionId: SessionId) {
    const reply = yield* send(
      { operation: "refreshSession", credential: "valid", sessionId },
      endpoints.refreshSession.documented
    )
    return yield* sessionOf(reply, "refreshSession")
  }) satisfies Sessions.Service["refreshSession"]

  const revokeSession = Effect.fn("Sessions.revokeSession")(function*(sessionId: SessionId) {
    yield* send({ operation: "revokeSession", credential: "valid", sessionId }, endpoints.revokeSession.documented)
  }) satisfies Sessions.Service["revokeSession"]

  const getCurrentSession = Effect.fn("Sessions.getCurrentSession")(function*(cookie: SessionCookie) {
    const reply = yield* send(
      { operation: "getCurrentSession", credential: "none", cookie: cookie.value },
      endpoints.getCurrentSession.documented
    )
    return yield* sessionOf(reply, "getCurrentSession")
  }) satisfies Sessions.Service["getCurrentSession"]

  const refreshCurrentSession = Effect.fn("Sessions.refreshCurrentSession")(function*(cookie: SessionCookie) {
    const reply = yield* send(
      { operation: "refreshCurrentSession", credential: "none", cookie: cookie.value },
      endpoints.refreshCurrentSession.documented
    )
    return yield* sessionOf(reply, "refreshCurrentSession")
  }) satisfies Sessions.Service["refreshCurrentSession"]

  const closeCurrentSession = Effect.fn("Sessions.closeCurrentSession")(function*(cookie: SessionCookie) {
    yield* send(
      { operation: "closeCurrentSession", credential: "none", cookie: cookie.value },
      endpoints.closeCurrentSession.documented
    )
  }) satisfies Sessions.Service["closeCurrentSession"]

  const revokeUserSessions = Effect.fn("Sessions.revokeUserSessions")(function*(userId: UserId) {
    yield* send({ operation: "revokeUserSessions", credential: "valid", userId }, endpoints.revokeUserSessions.documented)
  }) satisfies Sessions.Service["revokeUserSessions"]

  return Sessions.of({
    createSession,
    getSession,
    refreshSession,
    revokeSession,
    getCurrentSession,
    refreshCurrentSession,
    closeCurrentSession,
    revokeUserSessions
  })
})

/**
 * The in-memory `Sessions` on the `FakeOkta` in context.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<Sessions, never, FakeOkta> = Layer.effect(Sessions, make)
