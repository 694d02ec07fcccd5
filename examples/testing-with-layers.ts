/**
 * Testing your own code that uses `Sessions`, two ways:
 *
 * 1. With the in-memory layer: no HTTP, the fake org's time on the TestClock. Fast; use it for most tests.
 * 2. With the emulator: the real client over loopback HTTP to an Okta-compatible server, with wire
 *    faults (resets, hangs, malformed bodies, header quirks). Use it to test what HTTP does to you.
 *
 * Both give your code the same `Sessions` service and the same tagged errors. This file only exports
 * effects; run them from your tests, e.g. with @effect/vitest:
 *
 * ```ts
 * import { it } from "@effect/vitest"
 * import { inMemoryExample, emulatorExample } from "./testing-with-layers.js"
 *
 * it.effect("extends active sessions and reports revoked ones", () => inMemoryExample)
 * it.live("survives a flaky Okta", () => emulatorExample)
 * ```
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { Duration, Effect, Layer, TestClock } from "effect"
import { type Session, Sessions } from "effect-okta-sessions"
import { FakeOkta, InMemorySessions, OktaEmulator } from "effect-okta-sessions/testing"

/** The code under test: refresh a session if it is still there, and say what happened. */
export const extendSession = (sessionId: Session.SessionId) =>
  Effect.gen(function*() {
    const sessions = yield* Sessions.Sessions
    const session = yield* sessions.refreshSession(sessionId)
    return { outcome: "extended" as const, expiresAt: session.expiresAt }
  }).pipe(
    Effect.catchTag("NotFound", () => Effect.succeed({ outcome: "gone" as const })),
    Effect.catchTag("ServerError", (error) => Effect.succeed({ outcome: "okta-failed" as const, status: error.status }))
  )

/** 1. The in-memory face: swap `Sessions.layer` for `InMemorySessions.layer` over a fake org. */
export const InMemoryTestLayer = InMemorySessions.layer.pipe(
  Layer.provideMerge(FakeOkta.layer({ idleWindow: "30 minutes" }))
)

export const inMemoryExample = Effect.gen(function*() {
  const okta = yield* FakeOkta.FakeOkta
  const [alive, revoked, idle] = yield* okta.seedSessions(3)

  // Okta revokes a session behind your back...
  yield* okta.revokeSession(revoked!.id)
  // ...and another one expires: the fake's clock is the TestClock, so this takes no time.
  yield* TestClock.adjust(Duration.minutes(20))
  yield* extendSession(alive!.id)
  yield* TestClock.adjust(Duration.minutes(15))

  const results = yield* Effect.all([extendSession(alive!.id), extendSession(revoked!.id), extendSession(idle!.id)])
  // results: extended (at 35 + 30 minutes), gone, gone

  // Faults that make sense without HTTP: 5xx, 429s, latency (slept on the TestClock).
  yield* okta.setFaults({ serverErrorRate: 1, serverErrorStatuses: [500] })
  const failed = yield* extendSession(alive!.id)
  // failed: { outcome: "okta-failed", status: 500 }

  const counters = yield* okta.counters
  return { results, failed, refreshes: counters.byOperation.refreshSession }
}).pipe(Effect.provide(InMemoryTestLayer))

/**
 * 2. The emulator: the real client (your `OktaConfig` options included) over fetch to 127.0.0.1.
 * The server closes with the scope of whatever provides this layer.
 */
export const EmulatorTestLayer = OktaEmulator.layerClient({ requestTimeout: "2 seconds", maxRetries: 0 }).pipe(
  Layer.provideMerge(OktaEmulator.layerWithFakeOkta(undefined, { idleWindow: "30 minutes" })),
  Layer.provide(FetchHttpClient.layer)
)

export const emulatorExample = Effect.gen(function*() {
  const okta = yield* FakeOkta.FakeOkta
  const emulator = yield* OktaEmulator.OktaEmulator
  const [session] = yield* okta.seedSessions(1)

  const extended = yield* extendSession(session!.id)

  // Wire faults: a 503 from a proxy, then a malformed body (your code sees a DecodeError).
  yield* okta.setFaults({ serverErrorRate: 1, serverErrorStatuses: [503] })
  const proxyFailure = yield* extendSession(session!.id)
  yield* okta.setFaults({ serverErrorRate: 0, malformedJsonRate: 1 })
  const malformed = yield* Effect.either(extendSession(session!.id))
  yield* okta.clearFaults

  // The same knobs are on the admin route, for tests in another process:
  //   curl -X PATCH -H "Authorization: SSWS $TOKEN" -d '{"hangRate":1}' "$URL/__admin/faults"
  return { url: emulator.url, extended, proxyFailure, malformed, counters: yield* okta.counters }
}).pipe(Effect.provide(EmulatorTestLayer))
