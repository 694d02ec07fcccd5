import { describe, expect, it } from "@effect/vitest"
import {
  Clock,
  DateTime,
  Duration,
  Effect,
  Exit,
  Fiber,
  Layer,
  Metric,
  Option,
  Queue,
  Random,
  Schedule,
  Scope,
  Stream,
  TestClock
} from "effect"
import { Keepalive, KeepaliveStore, OktaError, Sessions } from "effect-okta-sessions"
import { FakeOkta, InMemorySessions } from "effect-okta-sessions/testing"

const fakeOrg = (options?: FakeOkta.FakeOkta.Options) =>
  Layer.merge(InMemorySessions.layer.pipe(Layer.provideMerge(FakeOkta.layer(options))), KeepaliveStore.layerMemory)

/**
 * Runs a keepalive in a scope of its own (closed by the test) and records every event it reports,
 * including those of its shutdown, for as long as the test's scope is open.
 */
const startKeepalive = (options: Keepalive.Options) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const keepalive = yield* Scope.extend(Keepalive.make(options), scope)
    const subscription = yield* keepalive.subscribe
    const events: Array<Keepalive.Event> = []
    yield* Queue.take(subscription).pipe(
      Effect.map((event) => events.push(event)),
      Effect.forever,
      Effect.forkScoped
    )
    return { keepalive, scope, events }
  })

/** A fixed-window budget: on the TestClock it sleeps once per window rather than once per request. */
const windowBudget = { limit: 600, interval: "1 minute", algorithm: "fixed-window" } as const

const ofTag = <Tag extends Keepalive.Event["_tag"]>(events: ReadonlyArray<Keepalive.Event>, tag: Tag) =>
  events.filter(Keepalive.Event.$is(tag))

describe("Keepalive", () => {
  it.scoped("refuses options that cannot work with InvalidOptions", () =>
    Effect.gen(function*() {
      const attempts = [
        { concurrency: 0 },
        { concurrency: 1.5 },
        { share: 0 },
        { share: 1.5 },
        { budget: { limit: 1, interval: "1 second" }, share: 0.5 },
        { tick: "0 millis" }
      ] satisfies ReadonlyArray<Keepalive.Options>
      for (const options of attempts) {
        const exit = yield* Effect.exit(Effect.scoped(Keepalive.make(options)))
        expect(Exit.isFailure(exit)).toBe(true)
        if (Exit.isFailure(exit)) {
          const failure = exit.cause._tag === "Fail" ? exit.cause.error : undefined
          expect(failure).toBeInstanceOf(Keepalive.InvalidOptions)
        }
      }
    }).pipe(Effect.provide(fakeOrg())))

  it.scoped("spreads a token-bucket budget per second, so no minute's share goes in one burst", () =>
    Effect.gen(function*() {
      const keepalive = yield* Keepalive.make({ budget: { limit: 600, interval: "1 minute" }, share: 0.5 })
      const { budget } = yield* keepalive.stats
      expect(budget.limit).toBe(5)
      expect(Duration.toMillis(budget.interval)).toBe(1000)
      const windowed = yield* Keepalive.make({ budget: windowBudget, share: 0.5 })
      expect((yield* windowed.stats).budget.limit).toBe(300)
    }).pipe(Effect.provide(fakeOrg())))

  it.scoped("refreshes sessions ahead of their expiry, window after window", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const seeded = yield* okta.seedSessions(100)
      const { events, keepalive, scope } = yield* startKeepalive({ tick: "5 seconds", budget: windowBudget })
      expect(yield* keepalive.addAll(seeded)).toBe(100)
      expect(yield* keepalive.addAll(seeded)).toBe(0)
      // six idle windows of two minutes
      for (let step = 0; step < 6; step++) yield* TestClock.adjust("2 minutes")
      for (const session of seeded) {
        expect(Option.isSome(yield* okta.lookupSession(session.id))).toBe(true)
      }
      const refreshed = ofTag(events, "Refreshed")
      expect(refreshed.length).toBeGreaterThanOrEqual(100 * 6)
      const stats = yield* keepalive.stats
      expect(stats.tracked).toBe(100)
      expect(stats.refreshed).toBe(refreshed.length)
      expect(Duration.toMillis(stats.worstLag)).toBeLessThanOrEqual(5000)
      expect(stats.lag.at(-1)?.count).toBe(stats.refreshed)
      // the same counts as Effect metrics (shared by every worker in the process, hence at least)
      expect((yield* Metric.value(Keepalive.metrics.refreshed)).count).toBeGreaterThanOrEqual(stats.refreshed)
      expect((yield* Metric.value(Keepalive.metrics.lag)).count).toBeGreaterThanOrEqual(stats.refreshed)
      expect((yield* Metric.value(Keepalive.metrics.tracked)).value).toBe(100)
      yield* Scope.close(scope, Exit.void)
    }).pipe(Effect.provide(fakeOrg({ idleWindow: "2 minutes" }))))

  it.scoped("spreads sessions created together over the window", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const seeded = yield* okta.seedSessions(300)
      const { events, keepalive, scope } = yield* startKeepalive({ tick: "1 second", budget: windowBudget })
      yield* keepalive.addAll(seeded)
      const perWindow: Array<number> = []
      for (let second = 0; second < 120; second += 10) {
        const before = events.length
        yield* TestClock.adjust("10 seconds")
        perWindow.push(ofTag(events.slice(before), "Refreshed").length)
      }
      // default plan: refresh between 45% and 75% of a 2-minute window, i.e. from 54 s to 90 s
      expect(perWindow.slice(0, 5).every((count) => count === 0)).toBe(true)
      const busy = perWindow.filter((count) => count > 0)
      expect(busy.length).toBeGreaterThanOrEqual(3)
      expect(Math.max(...perWindow)).toBeLessThan(200)
      yield* Scope.close(scope, Exit.void)
    }).pipe(Effect.provide(fakeOrg({ idleWindow: "2 minutes" }))))

  it.scoped("adds and removes sessions while running; a bare id is refreshed at once to learn its expiry", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const seeded = yield* okta.seedSessions(60)
      const { events, keepalive, scope } = yield* startKeepalive({ tick: "1 second", budget: windowBudget })
      const first = seeded.slice(0, 20)
      const bare = seeded.slice(20, 30).map((session) => session.id)
      const later = seeded.slice(30, 60)
      yield* keepalive.addAll(first)
      yield* TestClock.adjust("30 seconds")
      // bare ids: refreshed within a tick, after which their expiry is known
      yield* keepalive.addAll(bare)
      yield* TestClock.adjust("1 second")
      const tracked = new Map(yield* keepalive.tracked)
      for (const id of bare) {
        expect(Option.isSome(tracked.get(id) ?? Option.none())).toBe(true)
      }
      expect(ofTag(events, "Refreshed").map((event) => event.sessionId)).toEqual(expect.arrayContaining(bare))
      // a bare id's first refresh had no plan, so it adds no lag
      expect(ofTag(events, "Refreshed").every((event) => Duration.toMillis(event.lag) <= 1000)).toBe(true)
      // later sessions join, some early ones leave
      yield* TestClock.adjust("30 seconds")
      yield* keepalive.addAll(later)
      const removed = first.slice(0, 10).map((session) => session.id)
      for (const id of removed) expect(yield* keepalive.remove(id)).toBe(true)
      expect(yield* keepalive.remove(removed[0]!)).toBe(false)
      const mark = events.length
      for (let step = 0; step < 20; step++) yield* TestClock.adjust("30 seconds")
      // the removed ones were left to expire, with no event and no refresh
      for (const id of removed) {
        expect(Option.isNone(yield* okta.lookupSession(id))).toBe(true)
        expect(yield* keepalive.has(id)).toBe(false)
      }
      expect(events.slice(mark).some((event) => "sessionId" in event && removed.includes(event.sessionId))).toBe(false)
      // everything still tracked is alive
      const kept = [...first.slice(10).map((s) => s.id), ...bare, ...later.map((s) => s.id)]
      expect((yield* keepalive.stats).tracked).toBe(kept.length)
      for (const id of kept) expect(Option.isSome(yield* okta.lookupSession(id))).toBe(true)
      yield* Scope.close(scope, Exit.void)
    }).pipe(Effect.provide(fakeOrg({ idleWindow: "2 minutes" }))))

  it.scoped("keeps its records straight through random adds and removes", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const seeded = yield* okta.seedSessions(400)
      const { events, keepalive, scope } = yield* startKeepalive({ tick: "5 seconds", budget: windowBudget })
      const expected = new Set<string>()
      for (let round = 0; round < 12; round++) {
        for (let k = 0; k < 60; k++) {
          const session = seeded[yield* Random.nextIntBetween(0, seeded.length)]!
          if (expected.has(session.id)) {
            expect(yield* keepalive.remove(session.id)).toBe(true)
            expected.delete(session.id)
          } else {
            // only sessions with time left: one about to expire may rightly be found gone
            const alive = yield* okta.lookupSession(session.id)
            const now = yield* Clock.currentTimeMillis
            if (Option.isSome(alive) && DateTime.toEpochMillis(alive.value.expiresAt) - now > 30_000) {
              expect(yield* keepalive.add(k % 2 === 0 ? session.id : alive.value)).toBe(true)
              expected.add(session.id)
            }
          }
        }
        yield* TestClock.adjust("20 seconds")
        const tracked = (yield* keepalive.tracked).map(([id]) => id)
        expect(new Set(tracked)).toEqual(expected)
        const stats = yield* keepalive.stats
        expect(stats.tracked).toBe(expected.size)
        expect(stats.queued + stats.inFlight).toBeLessThanOrEqual(expected.size)
        // every tracked session is alive in the org
        for (const id of tracked) expect(Option.isSome(yield* okta.lookupSession(id))).toBe(true)
      }
      // no session was reported gone or failed: removed ones simply stopped
      expect(events.filter((event) => event._tag !== "Refreshed")).toEqual([])
      yield* Scope.close(scope, Exit.void)
    }).pipe(Effect.provide(fakeOrg({ idleWindow: "2 minutes" }))))

  it.scoped("as a layer over Sessions", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const [session] = yield* okta.seedSessions(1)
      const keepalive = yield* Keepalive.Keepalive
      yield* keepalive.add(session!.id)
      yield* TestClock.adjust("1 second")
      expect((yield* keepalive.stats).refreshed).toBe(1)
    }).pipe(
      Effect.provide(Keepalive.layer({ tick: "1 second" }).pipe(Layer.provideMerge(fakeOrg({ idleWindow: "2 minutes" }))))
    ))

  it.scoped("events are a Stream", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const [kept, revoked] = yield* okta.seedSessions(2)
      const keepalive = yield* Keepalive.make({ tick: "1 second" })
      const gone = yield* keepalive.events.pipe(
        Stream.filter(Keepalive.Event.$is("Gone")),
        Stream.take(1),
        Stream.runCollect,
        Effect.fork
      )
      yield* TestClock.adjust("0 millis")
      yield* okta.revokeSession(revoked!.id)
      yield* keepalive.addAll([kept!.id, revoked!.id])
      yield* TestClock.adjust("1 second")
      const [event] = yield* Fiber.join(gone)
      expect(event?.sessionId).toBe(revoked!.id)
    }).pipe(Effect.provide(fakeOrg({ idleWindow: "2 minutes" }))))

  it.scoped("reports a revoked session as gone and stops tracking it", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const seeded = yield* okta.seedSessions(5)
      const { events, keepalive, scope } = yield* startKeepalive({ tick: "1 second" })
      yield* keepalive.addAll(seeded)
      yield* okta.revokeSession(seeded[0]!.id)
      yield* TestClock.adjust("2 minutes")
      const gone = ofTag(events, "Gone")
      expect(gone.map((event) => event.sessionId)).toEqual([seeded[0]!.id])
      expect(gone[0]!.error).toBeInstanceOf(OktaError.NotFound)
      expect(yield* keepalive.has(seeded[0]!.id)).toBe(false)
      expect((yield* keepalive.stats).gone).toBe(1)
      yield* Scope.close(scope, Exit.void)
    }).pipe(Effect.provide(fakeOrg({ idleWindow: "2 minutes" }))))

  it.scoped("reports a session whose refresh keeps failing until it expires", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const [session] = yield* okta.seedSessions(1)
      const { events, keepalive, scope } = yield* startKeepalive({ tick: "1 second" })
      yield* okta.setFaults({ serverErrorRate: 1 })
      yield* keepalive.add(session!)
      for (let step = 0; step < 6; step++) yield* TestClock.adjust("30 seconds")
      expect(ofTag(events, "Failed")).toHaveLength(0)
      const expired = ofTag(events, "Expired")
      expect(expired.map((event) => [event.sessionId, event.reason])).toEqual([[session!.id, "RefreshFailing"]])
      expect(DateTime.toEpochMillis(expired[0]!.expiresAt)).toBe(DateTime.toEpochMillis(session!.expiresAt))
      expect(yield* keepalive.has(session!.id)).toBe(false)
      const stats = yield* keepalive.stats
      expect(stats.expired).toBe(1)
      expect(stats.failed).toBe(0)
      expect(stats.gone).toBe(0)
      // it was retried several times before giving up, never after expiry
      expect(stats.retried).toBeGreaterThanOrEqual(3)
      expect((yield* okta.counters).byOperation.refreshSession).toBe(stats.retried + 1)
      yield* Scope.close(scope, Exit.void)
    }).pipe(Effect.provide(fakeOrg({ idleWindow: "2 minutes" }))))

  it.scoped("reports RetriesExhausted when the retry schedule gives up", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const [flaky] = yield* okta.seedSessions(1)
      const { events, keepalive, scope } = yield* startKeepalive({
        tick: "1 second",
        retry: Schedule.spaced("2 seconds").pipe(Schedule.intersect(Schedule.recurs(2)))
      })
      yield* okta.setFaults({ serverErrorRate: 1 })
      yield* keepalive.add(flaky!.id)
      yield* TestClock.adjust("20 seconds")
      const failed = ofTag(events, "Failed")
      expect(failed.map((event) => [event.sessionId, event.reason])).toEqual([[flaky!.id, "RetriesExhausted"]])
      expect(failed[0]!.error).toBeInstanceOf(OktaError.ServerError)
      // the first try and two retries
      expect((yield* okta.counters).byOperation.refreshSession).toBe(3)
      yield* Scope.close(scope, Exit.void)
    }).pipe(
      Effect.provide(fakeOrg({ idleWindow: "2 minutes" }))
    ))

  it.scoped("drops a Forbidden session and reports its typed error", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const [allowed, refused] = yield* okta.seedSessions(2)
      const sessions = yield* Sessions.Sessions
      const forbidden = new OktaError.Forbidden({
        method: "POST",
        path: "/api/v1/sessions/{sessionId}/lifecycle/refresh",
        status: 403,
        errorCode: "E0000006"
      })
      const keepalive = yield* Keepalive.make({ tick: "1 second" }).pipe(
        Effect.provideService(
          Sessions.Sessions,
          Sessions.Sessions.of({
            ...sessions,
            refreshSession: (id) => id === refused!.id ? Effect.fail(forbidden) : sessions.refreshSession(id)
          })
        )
      )
      const subscription = yield* keepalive.subscribe
      yield* keepalive.addAll([allowed!.id, refused!.id])
      yield* TestClock.adjust("1 second")
      const events = yield* Queue.takeAll(subscription)
      const failed = [...events].filter(Keepalive.Event.$is("Failed"))
      expect(failed.map((event) => [event.sessionId, event.reason, event.error])).toEqual([
        [refused!.id, "Forbidden", forbidden]
      ])
      expect(yield* keepalive.has(allowed!.id)).toBe(true)
      expect(yield* keepalive.has(refused!.id)).toBe(false)
    }).pipe(Effect.scoped, Effect.provide(fakeOrg({ idleWindow: "2 minutes" }))))

  it.scoped("never exceeds its concurrency nor its share of the budget", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const seeded = yield* okta.seedSessions(120)
      const { keepalive, scope } = yield* startKeepalive({
        concurrency: 4,
        budget: { limit: 40, interval: "1 second", algorithm: "fixed-window" },
        share: 0.5,
        tick: "100 millis"
      })
      yield* keepalive.addAll(seeded.map((session) => session.id))
      yield* TestClock.adjust("999 millis")
      const afterOneSecond = (yield* okta.counters).byOperation.refreshSession
      // 20 per second at most; with 4 in flight and 100 ms each, 40 per second would be possible
      expect(afterOneSecond).toBeLessThanOrEqual(20)
      expect(afterOneSecond).toBeGreaterThanOrEqual(16)
      yield* TestClock.adjust("10 seconds")
      const stats = yield* keepalive.stats
      expect(stats.refreshed).toBe(120)
      expect(stats.maxInFlight).toBe(4)
      expect((yield* okta.counters).maxInFlight).toBeLessThanOrEqual(4)
      yield* Scope.close(scope, Exit.void)
    }).pipe(Effect.provide(fakeOrg({ idleWindow: "2 minutes", faults: { latencyMillis: 100 } }))))

  it.scoped("waits out a 429 and reports it as throttled", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const seeded = yield* okta.seedSessions(20)
      const { events, keepalive, scope } = yield* startKeepalive({ tick: "1 second", concurrency: 2 })
      yield* okta.setFaults({ tooManyRequestsRate: 1 })
      yield* keepalive.addAll(seeded.map((session) => session.id))
      yield* TestClock.adjust("1 second")
      const throttled = ofTag(events, "Throttled")
      expect(throttled.length).toBeGreaterThanOrEqual(1)
      expect(throttled[0]!.error).toBeInstanceOf(OktaError.TooManyRequests)
      const requestsAtPause = (yield* okta.counters).requests
      const stats = yield* keepalive.stats
      expect(Option.isSome(stats.pausedUntil)).toBe(true)
      // while paused (until the fake's window resets), nothing is sent
      const wait = Duration.toMillis(throttled[0]!.wait)
      expect(wait).toBeGreaterThan(1000)
      expect(wait).toBeLessThanOrEqual(61_000)
      yield* TestClock.adjust(Duration.millis(wait - 1500))
      expect((yield* okta.counters).requests).toBe(requestsAtPause)
      yield* okta.setFaults({ tooManyRequestsRate: 0 })
      yield* TestClock.adjust("5 seconds")
      expect((yield* keepalive.stats).refreshed).toBe(20)
      expect((yield* keepalive.stats).throttled).toBe(throttled.length)
      yield* Scope.close(scope, Exit.void)
    }).pipe(Effect.provide(fakeOrg({ idleWindow: "2 minutes" }))))

  it.scoped("on shutdown in a burst, lets in-flight refreshes finish and starts none", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const seeded = yield* okta.seedSessions(100)
      const { events, keepalive, scope } = yield* startKeepalive({ tick: "100 millis", concurrency: 4 })
      yield* keepalive.addAll(seeded.map((session) => session.id))
      yield* TestClock.adjust("500 millis")
      expect((yield* keepalive.stats).inFlight).toBe(4)
      expect((yield* okta.counters).byOperation.refreshSession).toBe(4)
      const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
      yield* TestClock.adjust("100 millis")
      expect(Option.isNone(yield* Fiber.poll(closing))).toBe(true)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(closing)
      // the four in flight finished and were reported; none other started
      expect(ofTag(events, "Refreshed")).toHaveLength(4)
      yield* TestClock.adjust("1 minute")
      expect((yield* okta.counters).byOperation.refreshSession).toBe(4)
      expect((yield* keepalive.stats).inFlight).toBe(0)
    }).pipe(Effect.provide(fakeOrg({ idleWindow: "2 minutes", faults: { latencyMillis: 1000 } }))))

  it.scoped("bounds the shutdown wait by shutdownTimeout", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const seeded = yield* okta.seedSessions(3)
      const { keepalive, scope } = yield* startKeepalive({ tick: "100 millis", shutdownTimeout: "5 seconds" })
      yield* keepalive.addAll(seeded.map((session) => session.id))
      yield* TestClock.adjust("1 second")
      expect((yield* keepalive.stats).inFlight).toBe(3)
      const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
      yield* TestClock.adjust("4 seconds")
      expect(Option.isNone(yield* Fiber.poll(closing))).toBe(true)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(closing)
      expect((yield* keepalive.stats).refreshed).toBe(0)
    }).pipe(Effect.provide(fakeOrg({ idleWindow: "2 minutes", faults: { latencyMillis: 60_000 } }))))

  it.scoped("a refresh schedule the user supplies decides the timing", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const [session] = yield* okta.seedSessions(1)
      const { events, keepalive, scope } = yield* startKeepalive({
        tick: "1 second",
        schedule: Keepalive.refreshSchedule({ lead: () => Duration.seconds(100), jitter: { min: 1, max: 1 } })
      })
      yield* keepalive.add(session!)
      yield* TestClock.adjust("19 seconds")
      expect(ofTag(events, "Refreshed")).toHaveLength(0)
      yield* TestClock.adjust("1 second")
      expect(ofTag(events, "Refreshed")).toHaveLength(1)
      yield* TestClock.adjust("20 seconds")
      expect(ofTag(events, "Refreshed")).toHaveLength(2)
      yield* Scope.close(scope, Exit.void)
    }).pipe(Effect.provide(fakeOrg({ idleWindow: "2 minutes" }))))

  it.scoped("a schedule that is done releases the session", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const [session] = yield* okta.seedSessions(1)
      const { events, keepalive, scope } = yield* startKeepalive({ tick: "1 second", schedule: Schedule.stop })
      yield* keepalive.add(session!.id)
      yield* TestClock.adjust("1 second")
      expect(events.map((event) => event._tag)).toEqual(["Refreshed", "Released"])
      expect(yield* keepalive.has(session!.id)).toBe(false)
      yield* Scope.close(scope, Exit.void)
    }).pipe(Effect.provide(fakeOrg({ idleWindow: "2 minutes" }))))

  it.scoped("a schedule that dies releases the session and the worker carries on", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const [first, second] = yield* okta.seedSessions(2)
      const { events, keepalive, scope } = yield* startKeepalive({
        tick: "1 second",
        schedule: Schedule.spaced("1 minute").pipe(Schedule.tapInput(() => Effect.dieMessage("a broken schedule")))
      })
      yield* keepalive.add(first!.id)
      yield* keepalive.add(second!.id)
      yield* TestClock.adjust("1 second")
      expect(ofTag(events, "Released").map((event) => event.sessionId).sort()).toEqual([first!.id, second!.id].sort())
      expect((yield* keepalive.stats).tracked).toBe(0)
      yield* Scope.close(scope, Exit.void)
    }).pipe(Effect.provide(fakeOrg({ idleWindow: "2 minutes" }))))

  it.scoped("a session added past its expiry is reported expired, not gone, and not tried", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const [session] = yield* okta.seedSessions(1)
      yield* TestClock.adjust("3 minutes")
      const { events, keepalive, scope } = yield* startKeepalive({ tick: "1 second" })
      expect(yield* keepalive.add(session!)).toBe(false)
      yield* TestClock.adjust("1 second")
      expect(events.map((event) => event._tag === "Expired" ? event.reason : event._tag)).toEqual(["ExpiredBeforeAdded"])
      expect((yield* okta.counters).byOperation.refreshSession ?? 0).toBe(0)
      expect((yield* keepalive.stats).expired).toBe(1)
      yield* Scope.close(scope, Exit.void)
    }).pipe(Effect.provide(fakeOrg({ idleWindow: "2 minutes" }))))
})
