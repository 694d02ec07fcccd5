import { expect, it } from "@effect/vitest"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { DateTime, Duration, Effect, Exit, Layer, Option, Queue, Scope, TestClock } from "effect"
import { Keepalive, KeepaliveStore, type Session } from "effect-okta-sessions"
import { FakeOkta, InMemorySessions } from "effect-okta-sessions/testing"

/** `heapUsed` after a full collection (V8's `gc`, exposed for this process at run time). */
const heapUsedAfterGc = (): number => {
  setFlagsFromString("--expose-gc")
  const gc: unknown = runInNewContext("gc")
  if (typeof gc === "function") gc()
  return process.memoryUsage().heapUsed
}

const SESSIONS = 10_000
const HOURS = 24
const CONCURRENCY = 8

it.scoped(
  `keeps ${SESSIONS} sessions alive for ${HOURS} simulated hours through 429 bursts, 5xx and revocations`,
  () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const seeded = yield* okta.seedSessions(SESSIONS)
      const scope = yield* Scope.make()
      const keepalive = yield* Scope.extend(
        Keepalive.make({
          concurrency: CONCURRENCY,
          budget: { limit: 6000, interval: "1 minute", algorithm: "fixed-window" },
          share: 0.5,
          tick: "5 minutes"
        }),
        scope
      )
      // every removal must come with its reason; refreshes are only counted
      const removals = new Map<Session.SessionId, Keepalive.Event>()
      const refreshedIds = new Set<Session.SessionId>()
      let refreshedEvents = 0
      let throttledEvents = 0
      const subscription = yield* keepalive.subscribe
      yield* Queue.take(subscription).pipe(
        Effect.map((event) => {
          if (event._tag === "Refreshed") {
            refreshedEvents++
            refreshedIds.add(event.sessionId)
          }
          else if (event._tag === "Throttled") throttledEvents++
          else if (event._tag !== "OverCapacity") removals.set(event.sessionId, event)
        }),
        Effect.forever,
        Effect.forkScoped
      )
      yield* keepalive.addAll(seeded)
      yield* okta.setFaults({ serverErrorRate: 0.05 })

      const revoked = new Set<Session.SessionId>()
      const slotsAtStart = (yield* keepalive.stats).slots
      let expiredWhileTracked = 0
      const heapSamples: Array<number> = []

      for (let hour = 0; hour < HOURS; hour++) {
        // revoke 40 sessions behind the worker's back in each of the first 10 hours (all of them are
        // due for their first refresh, and so found gone, between 10.8 and 18 hours)
        if (hour < 10) {
          for (let k = 0; k < 40; k++) {
            const session = seeded[(hour * 397 + k * 131) % SESSIONS]!
            if (yield* okta.revokeSession(session.id)) revoked.add(session.id)
          }
        }
        if (hour >= 11 && hour <= 17 && hour % 2 === 1) {
          // a 429 burst while most refreshes happen: every request refused for ten minutes
          yield* okta.setFaults({ tooManyRequestsRate: 1 })
          yield* TestClock.adjust("10 minutes")
          yield* okta.setFaults({ tooManyRequestsRate: 0 })
          yield* TestClock.adjust("50 minutes")
        } else {
          yield* TestClock.adjust("1 hour")
        }
        // none of the tracked sessions has expired: by the worker's own record every hour, and by
        // the fake org's (skipping those revoked behind the worker's back) every twelve hours
        const now = DateTime.unsafeMake(yield* TestClock.currentTimeMillis)
        for (const [id, expiresAt] of yield* keepalive.tracked) {
          if (Option.isNone(expiresAt) || DateTime.lessThanOrEqualTo(expiresAt.value, now)) expiredWhileTracked++
          if (hour % 12 !== 11 || revoked.has(id)) continue
          const alive = yield* okta.lookupSession(id)
          if (Option.isNone(alive) || DateTime.lessThanOrEqualTo(alive.value.expiresAt, now)) expiredWhileTracked++
        }
        const stats = yield* keepalive.stats
        expect(stats.maxInFlight).toBeLessThanOrEqual(CONCURRENCY)
        expect(stats.queued).toBeLessThanOrEqual(stats.tracked)
        expect(stats.slots).toBe(slotsAtStart)
        if (hour === 2 || hour === HOURS - 1) heapSamples.push(heapUsedAfterGc())
      }
      expect(expiredWhileTracked).toBe(0)

      const stats = yield* keepalive.stats
      // every session is either still tracked or was removed with a reported reason
      expect(stats.tracked + removals.size).toBe(SESSIONS)
      let unaccounted = 0
      for (const session of seeded) {
        if ((yield* keepalive.has(session.id)) === removals.has(session.id)) unaccounted++
      }
      expect(unaccounted).toBe(0)
      // the removals are exactly the revoked sessions, each reported gone (404)
      expect(new Set(removals.keys())).toEqual(revoked)
      expect(new Set(Array.from(removals.values(), (event) => event._tag))).toEqual(new Set(["Gone"]))
      expect(stats.gone).toBe(revoked.size)
      expect(stats.failed).toBe(0)
      // the faults happened and were handled
      expect(stats.throttled).toBeGreaterThan(0)
      expect(throttledEvents).toBe(stats.throttled)
      expect(stats.retried).toBeGreaterThan(0)
      expect(refreshedEvents).toBe(stats.refreshed)
      // every session still tracked was refreshed at least once (its first expiry was at 24 hours)
      for (const [id] of yield* keepalive.tracked) {
        if (!refreshedIds.has(id)) unaccounted++
      }
      expect(unaccounted).toBe(0)
      const counters = yield* okta.counters
      expect(counters.maxInFlight).toBeLessThanOrEqual(CONCURRENCY)
      // memory does not grow with simulated time: after a full GC, the heap at the end is within
      // 16 MiB of the heap after two hours (10,000 sessions' records and the fake org's state included)
      const [early, late] = heapSamples
      expect(late! - early!).toBeLessThan(16 * 1024 * 1024)
      yield* Scope.close(scope, Exit.void)
      expect(Duration.toMillis(stats.worstLag)).toBeLessThanOrEqual(Duration.toMillis("10 minutes"))
    }).pipe(Effect.provide(KeepaliveStore.layerMemory), Effect.provide(InMemorySessions.layer.pipe(Layer.provideMerge(FakeOkta.layer({
      // A day-long idle window: every session must be refreshed once before it would expire at
      // 24 hours, and the run costs ~10,000 refreshes (the fake spends ~0.3 ms on each) rather than
      // the ~110,000 of Okta's default 2-hour window, so the test takes seconds.
      idleWindow: "24 hours",
      rateLimits: { sessions: { limit: 6000, window: "1 minute" } }
    }))))),
  60_000
)
