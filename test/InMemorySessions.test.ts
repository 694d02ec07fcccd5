import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Layer, Option, TestClock } from "effect"
import { Sessions } from "effect-okta-sessions"
import { FakeOkta, InMemorySessions } from "effect-okta-sessions/testing"

const TestLayer = (options?: FakeOkta.FakeOkta.Options) =>
  InMemorySessions.layer.pipe(Layer.provideMerge(FakeOkta.layer(options)))

describe("InMemorySessions", () => {
  it.effect("exchanges a session token once, then refreshes and revokes the session", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const sessions = yield* Sessions.Sessions
      const user = yield* okta.createUser({ login: "ada@example.com" })
      const token = yield* okta.issueSessionToken(user.id)
      const created = yield* sessions.createSession(token)
      expect(created.userId).toBe(user.id)
      expect(created.login).toBe("ada@example.com")
      expect(created.status).toBe("ACTIVE")
      const reused = yield* Effect.flip(sessions.createSession(token))
      expect(reused._tag).toBe("Unauthorized")

      yield* TestClock.adjust(Duration.minutes(30))
      const refreshed = yield* sessions.refreshSession(created.id)
      expect(refreshed.expiresAt.epochMillis).toBe(created.expiresAt.epochMillis + Duration.toMillis("30 minutes"))
      yield* sessions.revokeSession(created.id)
      const gone = yield* Effect.flip(sessions.getSession(created.id))
      expect(gone._tag).toBe("NotFound")
      expect(gone).toMatchObject({ status: 404, errorCode: "E0000007" })
    }).pipe(Effect.provide(TestLayer())))

  it.effect("expires a session after the idle window, on the TestClock", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const sessions = yield* Sessions.Sessions
      const [seeded] = yield* okta.seedSessions(1)
      const id = seeded!.id
      yield* TestClock.adjust(Duration.minutes(119))
      expect((yield* sessions.getSession(id)).id).toBe(id)
      yield* TestClock.adjust(Duration.minutes(1))
      expect(Exit.isFailure(yield* Effect.exit(sessions.getSession(id)))).toBe(true)
      expect(Option.isNone(yield* okta.lookupSession(id))).toBe(true)
    }).pipe(Effect.provide(TestLayer())))

  it.effect("answers 429 with the window's rate-limit fields once the window is spent", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const sessions = yield* Sessions.Sessions
      const [seeded] = yield* okta.seedSessions(1)
      yield* sessions.getSession(seeded!.id)
      yield* sessions.getSession(seeded!.id)
      const error = yield* Effect.flip(sessions.getSession(seeded!.id))
      if (error._tag !== "TooManyRequests") return expect.fail(`expected TooManyRequests, got ${error._tag}`)
      expect(error.rateLimit).toMatchObject({ limit: 2, remaining: 0, resetEpochSeconds: 10 })
      yield* TestClock.adjust(Duration.seconds(10))
      yield* sessions.getSession(seeded!.id)
      const counters = yield* okta.counters
      expect(counters.byOperation.getSession).toBe(4)
      expect(counters.tooManyRequests).toBe(1)
    }).pipe(Effect.provide(TestLayer({ rateLimits: { sessions: { limit: 2, window: "10 seconds" } } }))))
})
