import { describe, expect, it } from "@effect/vitest"
import { Cause, Duration, Effect, Exit, Fiber, Layer, Option, TestClock, Tracer } from "effect"
import { Session, Sessions } from "effect-okta-sessions"
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

  it.effect("seeds sessions signed in up to maxAge ago, so their expiries spread over that span", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      yield* TestClock.adjust(Duration.hours(10))
      const now = Duration.toMillis(Duration.hours(10))
      const idle = Duration.toMillis(Duration.hours(2))
      const seeded = yield* okta.seedSessions(200, { maxAge: "1 hour" })
      for (const session of seeded) {
        const age = now - session.createdAt.epochMillis
        expect(age).toBeGreaterThanOrEqual(0)
        expect(age).toBeLessThan(Duration.toMillis(Duration.hours(1)))
        expect(session.expiresAt.epochMillis).toBe(session.createdAt.epochMillis + idle)
      }
      const expiries = new Set(seeded.map((session) => session.expiresAt.epochMillis))
      expect(expiries.size).toBeGreaterThan(150)
      const refused = yield* Effect.flip(okta.seedSessions(1, { maxAge: "-1 second" }))
      expect(refused).toMatchObject({ _tag: "InvalidOptions", module: "FakeOkta", option: "maxAge" })
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

  it.effect("adds the latency knob with Effect.sleep, so the TestClock drives it", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const sessions = yield* Sessions.Sessions
      const [seeded] = yield* okta.seedSessions(1)
      yield* okta.setFaults({ latencyMillis: 500 })
      const fiber = yield* Effect.fork(sessions.getSession(seeded!.id))
      yield* TestClock.adjust(Duration.millis(499))
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      yield* TestClock.adjust(Duration.millis(1))
      expect((yield* Fiber.join(fiber)).id).toBe(seeded!.id)
    }).pipe(Effect.provide(TestLayer())))

  it.effect("refuses requests over the concurrent-request limit with a 429 whose Limit and Remaining are 0", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const sessions = yield* Sessions.Sessions
      const [seeded] = yield* okta.seedSessions(1)
      yield* okta.setFaults({ latencyMillis: 100 })
      const fibers = yield* Effect.forEach([1, 2, 3], () => Effect.fork(Effect.either(sessions.getSession(seeded!.id))))
      yield* TestClock.adjust(Duration.millis(100))
      const results = yield* Effect.forEach(fibers, Fiber.join)
      const refused = results.flatMap((result) => result._tag === "Left" ? [result.left] : [])
      expect(refused).toHaveLength(1)
      const [error] = refused
      if (error?._tag !== "TooManyRequests") return expect.fail(`expected TooManyRequests, got ${error?._tag}`)
      expect(error.rateLimit.isConcurrencyLimit).toBe(true)
      const counters = yield* okta.counters
      expect([counters.concurrencyRejections, counters.maxInFlight]).toEqual([1, 2])
      // the slots are given back once the answers are in
      yield* okta.clearFaults
      expect((yield* sessions.getSession(seeded!.id)).id).toBe(seeded!.id)
    }).pipe(Effect.provide(TestLayer({ concurrencyLimit: 2 }))))

  it.effect("refuses settings out of range with InvalidOptions, naming the setting", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const errors = yield* Effect.all([
        Effect.flip(okta.setIdleWindow(0)),
        Effect.flip(okta.setMaxLifetime(Option.some(Duration.infinity))),
        Effect.flip(okta.setRateLimit("users", { limit: 0, window: "1 minute" })),
        Effect.flip(okta.setConcurrencyLimit(1.5)),
        Effect.flip(okta.setFaults({ latencyMillis: -1 })),
        Effect.flip(okta.seedSessions(-1))
      ])
      expect(errors.map((error) => [error._tag, error.module, error.option])).toEqual([
        ["InvalidOptions", "FakeOkta", "idleWindow"],
        ["InvalidOptions", "FakeOkta", "maxLifetime"],
        ["InvalidOptions", "FakeOkta", "rateLimits.users.limit"],
        ["InvalidOptions", "FakeOkta", "concurrencyLimit"],
        ["InvalidOptions", "FakeOkta", "faults.latencyMillis"],
        ["InvalidOptions", "FakeOkta", "count"]
      ])
      const unknown = yield* Effect.flip(okta.startSession(Session.UserId.make("00unobody")))
      expect(unknown._tag).toBe("UnknownUser")
      const layerError = yield* Effect.flip(Effect.provide(FakeOkta.FakeOkta, FakeOkta.layer({ rateLimits: { sessions: { limit: 10, window: "-1 seconds" } } })))
      expect(layerError.option).toBe("rateLimits.sessions.window")
    }).pipe(Effect.provide(TestLayer())))

  it.effect("seedSessionIds answers only ids, of sessions as alive as seedSessions' and of distinct users", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const sessions = yield* Sessions.Sessions
      const ids = yield* okta.seedSessionIds(3)
      expect(new Set(ids).size).toBe(3)
      const found = yield* Effect.forEach(ids, (id) => sessions.getSession(id))
      expect(new Set(found.map((session) => session.userId)).size).toBe(3)
      expect(yield* okta.activeSessionCount).toBe(3)
      expect((yield* Effect.flip(okta.seedSessionIds(1.5))).option).toBe("count")
    }).pipe(Effect.provide(TestLayer())))

  it.effect("holds 10,000 sessions: seed and refresh them all, then let them expire (its speed: bench/inMemoryFake.ts)", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const sessions = yield* Sessions.Sessions
      const seeded = yield* okta.seedSessions(10_000)
      yield* TestClock.adjust(Duration.minutes(60))
      const refreshed = yield* Effect.forEach(seeded, (session) => sessions.refreshSession(session.id))
      expect(refreshed.filter((session) => session.expiresAt.epochMillis !== Duration.toMillis("180 minutes"))).toEqual([])
      expect(new Set(refreshed.map((session) => session.id)).size).toBe(10_000)
      // each answer is its own session's, links included; and keeps what a refresh does not change
      expect(refreshed.filter((session) =>
        !JSON.stringify(session._links).includes(`/api/v1/sessions/${session.id}/lifecycle/refresh`) ||
        !JSON.stringify(session._links).includes(`/api/v1/users/${session.userId}`)
      )).toEqual([])
      expect(refreshed[9_999]).toMatchObject({ id: seeded[9_999]!.id, createdAt: seeded[9_999]!.createdAt, _links: seeded[9_999]!._links })
      expect(yield* okta.activeSessionCount).toBe(10_000)
      yield* TestClock.adjust(Duration.toMillis("120 minutes") - 1)
      expect(yield* okta.activeSessionCount).toBe(10_000)
      yield* TestClock.adjust(1)
      expect(yield* okta.activeSessionCount).toBe(0)
      expect((yield* okta.counters).byOperation.refreshSession).toBe(10_000)
    }).pipe(Effect.provide(TestLayer({ rateLimits: { sessions: { limit: 1_000_000, window: "1 minute" } } }))))

  it.effect("is a Sessions.<operation> span per call under a tracer that records spans", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const sessions = yield* Sessions.Sessions
      const [seeded] = yield* okta.seedSessions(1)
      const native = yield* Effect.tracer
      const names: Array<string> = []
      const recording = Tracer.make({
        span: (name, parent, context, links, startTime, kind, options) => {
          names.push(`${name}:${kind}`)
          return native.span(name, parent, context, links, startTime, kind, options)
        },
        context: native.context
      })
      yield* sessions.refreshSession(seeded!.id).pipe(Effect.withTracer(recording))
      yield* Effect.flip(sessions.getSession(Session.SessionId.make("102nothing"))).pipe(Effect.withTracer(recording))
      yield* sessions.getCurrentSession(FakeOkta.cookieFor(seeded!.id)).pipe(Effect.withTracer(recording))
      expect(names).toEqual(["Sessions.refreshSession:client", "Sessions.getSession:client", "Sessions.getCurrentSession:client"])
    }).pipe(Effect.provide(TestLayer())))

  it.effect("needs a FakeOkta made by FakeOkta.make: another service is a defect that says so", () =>
    Effect.gen(function*() {
      const real = yield* FakeOkta.make()
      const exit = yield* Effect.exit(
        Effect.provide(Sessions.Sessions, InMemorySessions.layer.pipe(Layer.provide(Layer.succeed(FakeOkta.FakeOkta, { ...real }))))
      )
      expect(Exit.isFailure(exit) && Cause.pretty(exit.cause)).toMatch(/not made by FakeOkta\.make/)
    }))
})
