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
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { endpoints } from "../internal/client/endpoints.js"
import { AccessToken } from "../OktaAuth.js"
import { Sessions } from "../Sessions.js"
import { FakeOkta } from "./FakeOkta.js"
import { FakeOktaAuth } from "./FakeOktaAuth.js"
import { orgOf } from "./internal/fakeOktaService.js"
import { makeCalls } from "./internal/inMemoryFace.js"

/**
 * Builds the service on the `FakeOkta` in context. Each operation is a `Sessions.<operation>` span,
 * as on the real client.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Sessions.Service, never, FakeOkta> = Effect.gen(function*() {
  // With OktaAuth.AccessToken and FakeOktaAuth in context, API-token calls present the OAuth token.
  const oauth = Option.all({ tokens: yield* Effect.serviceOption(AccessToken), auth: yield* Effect.serviceOption(FakeOktaAuth) })
  const { nothing, session } = makeCalls(yield* orgOf(yield* FakeOkta), oauth)
  return Sessions.of({
    createSession: (sessionToken) =>
      session(
        { operation: "createSession", credential: "valid", sessionToken: Redacted.value(sessionToken) },
        endpoints.createSession.documented
      ),
    getSession: (sessionId) =>
      session({ operation: "getSession", credential: "valid", sessionId }, endpoints.getSession.documented),
    refreshSession: (sessionId) =>
      session({ operation: "refreshSession", credential: "valid", sessionId }, endpoints.refreshSession.documented),
    revokeSession: (sessionId) =>
      nothing({ operation: "revokeSession", credential: "valid", sessionId }, endpoints.revokeSession.documented),
    getCurrentSession: (cookie) =>
      session(
        { operation: "getCurrentSession", credential: "none", cookie: cookie.value },
        endpoints.getCurrentSession.documented
      ),
    refreshCurrentSession: (cookie) =>
      session(
        { operation: "refreshCurrentSession", credential: "none", cookie: cookie.value },
        endpoints.refreshCurrentSession.documented
      ),
    closeCurrentSession: (cookie) =>
      nothing(
        { operation: "closeCurrentSession", credential: "none", cookie: cookie.value },
        endpoints.closeCurrentSession.documented
      ),
    revokeUserSessions: (userId) =>
      nothing({ operation: "revokeUserSessions", credential: "valid", userId }, endpoints.revokeUserSessions.documented)
  })
})

/**
 * The in-memory `Sessions` on the `FakeOkta` in context.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Sessions, never, FakeOkta> = Layer.effect(Sessions, make)
