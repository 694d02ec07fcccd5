/**
 * The keepalive never lets a tracked session expire silently (issue 16, classes 2-4), on the
 * TestClock: 60-90 day windows (no timer asked for more than it can hold), a 429 whose Reset is a
 * year ahead, an answer whose `expiresAt` has already passed, a hung refresh.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, DateTime, Duration, Effect, Exit, Layer, Option, Queue, Schedule, Scope, TestClock } from "effect"
import { Keepalive, KeepaliveStore, OktaError, RateLimit, Sessions } from "effect-okta-sessions"
import { FakeOkta, InMemorySessions } from "effect-okta-sessions/testing"

const fakeOrg = (options?: FakeOkta.FakeOkta.Options) =>
  Layer.merge(InMemorySessions.layer.pipe(Layer.provideMerge(FakeOkta.layer(options))), KeepaliveStore.layerMemory)

/** The longest a JavaScript timer can hold. */
const maxTimerMillis = 2 ** 31 - 1

/** The TestClock, recording the longest sleep asked of it. */
const recordingClock = (inner: Clock.Clock, longest: { value: number }): Clock.Clock => ({
  [Clock.ClockTypeId]: Clock.ClockTypeId,
  unsafeCurrentTimeMillis: () => inner.unsafeCurrentTimeMillis(),
  unsafeCurrentTimeNanos: () => inner.unsafeCurrentTimeNanos(),
  currentTimeMillis: inner.currentTimeMillis,
  currentTimeNanos: inner.currentTimeNanos,
  sleep: (duration) => {
    longest.value = Math.max(longest.value, Duration.toMillis(duration))
    return inner.sleep(duration)
  }
})

/** Runs a keepalive in its own scope and records every event. */
const startKeepalive = (options: Keepalive.Options) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const keepalive = yield* Scope.extend(Keepalive.make(options), scope)
    const subscription = yield* keepalive.subscribe
    const events: Array<Keepalive.Event> = []
    yield* Queue.take(subscription).pipe(Effect.map((event) => events.push(event)), Effect.forever, Effect.forkScoped)
    return { keepalive, scope, events }
  })

/** The fake's `Sessions` with `refreshSession` replaced. */
const withRefresh = (
  refresh: (sessions: Sessions.Sessions.Service) => Sessions.Sessions.Service["refreshSession"]
) =>
  Layer.effect(
    Sessions.Sessions,
    Effect.map(Sessions.Sessions, (sessions) => Sessions.Sessions.of({ ...sessions, refreshSession: refresh(sessions) }))
  )

const tooManyRequests = (now: number, resetInSeconds: number) =>
  new OktaError.TooManyRequests({
    method: "POST",
    path: "/api/v1/sessions/{sessionId}/lifecycle/refresh",
    status: 429,
    errorCode: "E0000047",
    rateLimit: new RateLimit.RateLimitHeaders({
      limit: 600,
      remaining: 0,
      resetEpochSeconds: Math.floor(now / 1000) + resetInSeconds,
      serverDateMillis: now
    })
  })

const ofTag = <Tag extends Keepalive.Event["_tag"]>(events: ReadonlyArray<Keepalive.Event>, tag: Tag) =>
  events.filter(Keepalive.Event.$is(tag))

const year = 365 * 24 * 3600

describe("Keepalive deadlines", () => {
  it.scoped("keeps a 90-day window alive for 200 days, never asking a timer for more than it holds", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const seeded = yield* okta.seedSessions(3)
      const longest = { value: 0 }
      const clock = recordingClock(yield* Clock.clockWith(Effect.succeed), longest)
      const { events, keepalive, scope } = yield* startKeepalive({ tick: "1 second" }).pipe(Effect.withClock(clock))
      yield* keepalive.addAll(seeded)
      for (let day = 0; day < 200; day += 5) yield* TestClock.adjust("5 days")
      const stats = yield* keepalive.stats
      // each is refreshed between 45% and 75% of its window: at least three times in 200 days
      expect(stats.refreshed).toBeGreaterThanOrEqual(9)
      expect(stats.expired).toBe(0)
      expect(stats.tracked).toBe(3)
      for (const session of seeded) expect(Option.isSome(yield* okta.lookupSession(session.id))).toBe(true)
      expect(events.filter((event) => event._tag !== "Refreshed")).toEqual([])
      expect(longest.value).toBeGreaterThan(0)
      expect(longest.value).toBeLessThanOrEqual(maxTimerMillis)
      yield* Scope.close(scope, Exit.void)
    }).pipe(Effect.provide(fakeOrg({ idleWindow: "90 days" }))))

  it.scoped("a 429 whose Reset is a year ahead pauses at most maxThrottle, and sessions near expiry are still tried", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const seeded = yield* okta.seedSessions(20)
      const { events, keepalive, scope } = yield* startKeepalive({ tick: "1 second", maxThrottle: "10 minutes" })
      yield* keepalive.addAll(seeded)
      // the first refresh meets the 429 at about 54 s; the pause (10 minutes) outlasts every window
      yield* TestClock.adjust("2 minutes")
      const throttled = ofTag(events, "Throttled")
      expect(throttled).toHaveLength(1)
      expect(Duration.toMillis(throttled[0]!.wait)).toBe(Duration.toMillis("10 minutes"))
      const stats = yield* keepalive.stats
      expect(Option.isSome(stats.pausedUntil)).toBe(true)
      // every session was tried when it became at risk, within its window: none expired, none gone
      expect(stats.expired).toBe(0)
      expect(stats.gone).toBe(0)
      expect(stats.refreshed).toBe(20)
      for (const session of seeded) expect(Option.isSome(yield* okta.lookupSession(session.id))).toBe(true)
      yield* Scope.close(scope, Exit.void)
    }).pipe(
      Effect.provide(Layer.provideMerge(
        withRefresh((sessions) => {
          let calls = 0
          return (id) =>
            Effect.flatMap(Clock.currentTimeMillis, (now) =>
              calls++ === 0 ? Effect.fail(tooManyRequests(now, year)) : sessions.refreshSession(id))
        }),
        fakeOrg({ idleWindow: "2 minutes" })
      ))
    ))

  it.scoped("429s a year ahead that never stop: every session is reported Expired (Throttled), none Gone, no loop", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const seeded = yield* okta.seedSessions(10)
      const { events, keepalive, scope } = yield* startKeepalive({ tick: "1 second" })
      yield* keepalive.addAll(seeded)
      yield* TestClock.adjust("3 minutes")
      const expired = ofTag(events, "Expired")
      expect(new Set(expired.map((event) => event.sessionId))).toEqual(new Set(seeded.map((session) => session.id)))
      expect(new Set(expired.map((event) => event.reason))).toEqual(new Set(["Throttled"]))
      for (const event of expired) {
        const session = seeded.find((s) => s.id === event.sessionId)!
        expect(DateTime.toEpochMillis(event.expiresAt)).toBe(DateTime.toEpochMillis(session.expiresAt))
      }
      const stats = yield* keepalive.stats
      expect(stats.expired).toBe(10)
      expect(stats.gone).toBe(0)
      expect(stats.tracked).toBe(0)
      // a few tries per session (the first, at risk, one tick before expiry), never a loop
      expect(stats.requests).toBeLessThanOrEqual(10 * 3)
      expect((yield* keepalive.stats).pausedUntil.pipe(Option.map(DateTime.toEpochMillis), Option.getOrElse(() => 0)))
        .toBeLessThanOrEqual((yield* Clock.currentTimeMillis) + Duration.toMillis("5 minutes"))
      yield* Scope.close(scope, Exit.void)
    }).pipe(
      Effect.provide(Layer.provideMerge(
        withRefresh(() => () => Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.fail(tooManyRequests(now, year)))),
        fakeOrg({ idleWindow: "2 minutes" })
      ))
    ))

  it.scoped("an answer whose expiresAt has passed is reported once (AnswerAlreadyExpired) and not refreshed again", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const [session] = yield* okta.seedSessions(1)
      const { events, keepalive, scope } = yield* startKeepalive({ tick: "100 millis" })
      yield* keepalive.add(session!.id)
      yield* TestClock.adjust("1 hour")
      expect(events.map((event) => event._tag === "Expired" ? event.reason : event._tag)).toEqual(["AnswerAlreadyExpired"])
      expect((yield* okta.counters).byOperation.refreshSession).toBe(1)
      const stats = yield* keepalive.stats
      expect([stats.requests, stats.refreshed, stats.expired, stats.tracked]).toEqual([1, 0, 1, 0])
      yield* Scope.close(scope, Exit.void)
    }).pipe(
      Effect.provide(Layer.provideMerge(
        withRefresh((sessions) => (id) =>
          Effect.flatMap(
            Effect.zip(sessions.refreshSession(id), Clock.currentTimeMillis),
            ([refreshed, now]) =>
              Effect.succeed(Object.assign(Object.create(Object.getPrototypeOf(refreshed)), refreshed, {
                expiresAt: DateTime.unsafeMake(now - 60_000)
              }))
          )
        ),
        fakeOrg({ idleWindow: "2 minutes" })
      ))
    ))

  it.scoped("a hung refresh is hedged by a second attempt, sooner when the deadline is near", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const [early, late] = yield* okta.seedSessions(2)
      const { events, keepalive, scope } = yield* startKeepalive({ tick: "100 millis", requestTimeout: "10 seconds" })
      // far from expiry: hedged after requestTimeout
      yield* keepalive.add(early!.id)
      yield* TestClock.adjust("9900 millis")
      expect((yield* keepalive.stats).hedged).toBe(0)
      yield* TestClock.adjust("200 millis")
      expect((yield* keepalive.stats).hedged).toBe(1)
      expect(ofTag(events, "Refreshed").map((event) => event.sessionId)).toEqual([early!.id])
      // added 9 s before expiry, its refresh starts at most 5 s before it (the safety margin) and is
      // hedged after a third of the time left (under 2 s), so it is refreshed before it expires
      const expiresAt = DateTime.toEpochMillis(late!.expiresAt)
      yield* TestClock.adjust(Duration.millis(expiresAt - (yield* Clock.currentTimeMillis) - 9000))
      const before = yield* Clock.currentTimeMillis
      yield* keepalive.add(late!)
      yield* TestClock.adjust("8 seconds")
      expect((yield* keepalive.stats).hedged).toBe(2)
      expect(ofTag(events, "Refreshed").map((event) => event.sessionId)).toContain(late!.id)
      const alive = yield* okta.lookupSession(late!.id)
      expect(Option.isSome(alive) && DateTime.toEpochMillis(alive.value.expiresAt) > before + 60_000).toBe(true)
      expect((yield* keepalive.stats).expired).toBe(0)
      yield* Scope.close(scope, Exit.void)
    }).pipe(
      Effect.provide(Layer.provideMerge(
        withRefresh((sessions) => {
          const seen = new Set<string>()
          // the first call for each session never answers
          return (id) =>
            Effect.suspend(() => seen.has(id) ? sessions.refreshSession(id) : Effect.zipRight(Effect.sync(() => seen.add(id)), Effect.never))
        }),
        fakeOrg({ idleWindow: "2 minutes" })
      ))
    ))
  it.scoped("sessions due together are refreshed closest to expiry first", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const seeded = yield* okta.seedSessions(30, { maxAge: "1 minute" })
      // latest expiry first, all due at once (a schedule that is done refreshes once, then releases)
      const byExpiry = [...seeded].sort((a, b) => DateTime.toEpochMillis(a.expiresAt) - DateTime.toEpochMillis(b.expiresAt))
      const { events, keepalive, scope } = yield* startKeepalive({
        tick: "100 millis",
        concurrency: 1,
        budget: { limit: 2, interval: "1 second" },
        share: 1,
        schedule: Schedule.stop
      })
      yield* keepalive.addAll([...byExpiry].reverse())
      yield* TestClock.adjust("30 seconds")
      expect(ofTag(events, "Refreshed").map((event) => event.sessionId)).toEqual(byExpiry.map((session) => session.id))
      yield* Scope.close(scope, Exit.void)
    }).pipe(Effect.provide(fakeOrg({ idleWindow: "2 minutes" }))))
})
