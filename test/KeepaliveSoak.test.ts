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

const SESSIONS = 2_000
const HOURS = 12
/** Sessions removed, and as many new ones added, every hour: the record slots must be reused. */
const CHURN = 100
const CONCURRENCY = 8

it.scoped(
  `keeps ${SESSIONS} sessions alive for ${HOURS} simulated hours (2-hour window) through 429 bursts, 5xx, revocations, adds and removes`,
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

      const removed = new Set<Session.SessionId>()
      const all: Array<Session.Session> = [...seeded]
      for (let hour = 0; hour < HOURS; hour++) {
        // revoke 20 sessions behind the worker's back in each of the first 10 hours (each is found
        // gone at its next refresh, within the hour and a half that follows)
        if (hour < 10) {
          for (let k = 0; k < 20; k++) {
            const session = seeded[(hour * 397 + k * 131) % SESSIONS]!
            if (!removed.has(session.id) && (yield* okta.revokeSession(session.id))) revoked.add(session.id)
          }
        }
        // churn: the application stops keeping some sessions alive and adds as many new ones
        const tracked = (yield* keepalive.tracked).map(([id]) => id).filter((id) => !revoked.has(id))
        for (const id of tracked.slice(0, CHURN)) {
          expect(yield* keepalive.remove(id)).toBe(true)
          removed.add(id)
        }
        const fresh = yield* okta.seedSessions(CHURN)
        all.push(...fresh)
        expect(yield* keepalive.addAll(fresh)).toBe(CHURN)
        if (hour >= 5 && hour <= 9 && hour % 2 === 1) {
          // a 429 burst while most refreshes happen: every request refused for ten minutes
          yield* okta.setFaults({ tooManyRequestsRate: 1 })
          yield* TestClock.adjust("10 minutes")
          yield* okta.setFaults({ tooManyRequestsRate: 0 })
          yield* TestClock.adjust("50 minutes")
        } else {
          yield* TestClock.adjust("1 hour")
        }
        // none of the tracked sessions has expired: by the worker's own record every hour, and by
        // the fake org's (skipping those revoked behind the worker's back) every three hours
        const now = DateTime.unsafeMake(yield* TestClock.currentTimeMillis)
        for (const [id, expiresAt] of yield* keepalive.tracked) {
          if (Option.isNone(expiresAt) || DateTime.lessThanOrEqualTo(expiresAt.value, now)) expiredWhileTracked++
          if (hour % 3 !== 2 || revoked.has(id)) continue
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
      // every session is still tracked, was removed by the application, or was removed with a reported reason
      expect(stats.tracked + removals.size + removed.size).toBe(SESSIONS + HOURS * CHURN)
      let unaccounted = 0
      for (const session of all) {
        const reasons = [yield* keepalive.has(session.id), removals.has(session.id), removed.has(session.id)]
        if (reasons.filter(Boolean).length !== 1) unaccounted++
      }
      expect(unaccounted).toBe(0)
      // the removals are exactly the revoked sessions, each reported gone (404)
      expect(new Set(removals.keys())).toEqual(revoked)
      expect(new Set(Array.from(removals.values(), (event) => event._tag))).toEqual(new Set(["Gone"]))
      expect(stats.gone).toBe(revoked.size)
      expect(stats.failed).toBe(0)
      expect(stats.expired).toBe(0)
      // the faults happened and were handled
      expect(stats.throttled).toBeGreaterThan(0)
      expect(throttledEvents).toBe(stats.throttled)
      expect(stats.retried).toBeGreaterThan(0)
      expect(refreshedEvents).toBe(stats.refreshed)
      // every session tracked for more than one window was refreshed; the seeded ones many times
      for (const session of seeded) {
        if ((yield* keepalive.has(session.id)) && !refreshedIds.has(session.id)) unaccounted++
      }
      expect(unaccounted).toBe(0)
      expect(refreshedEvents).toBeGreaterThan(SESSIONS * (HOURS / 2) * 0.8)
      const counters = yield* okta.counters
      expect(counters.maxInFlight).toBeLessThanOrEqual(CONCURRENCY)
      // memory does not grow with simulated time: after a full GC, the heap at the end is within
      // 16 MiB of the heap after two hours (the records and the fake org's state included)
      const [early, late] = heapSamples
      expect(late! - early!).toBeLessThan(16 * 1024 * 1024)
      yield* Scope.close(scope, Exit.void)
      // the bursts refuse everything for ten minutes; the backlog then drains, closest to expiry first
      expect(Duration.toMillis(stats.worstLag)).toBeLessThanOrEqual(Duration.toMillis("20 minutes"))
    }).pipe(Effect.provide(KeepaliveStore.layerMemory), Effect.provide(InMemorySessions.layer.pipe(Layer.provideMerge(FakeOkta.layer({
      // Okta's default 2-hour window: each session is refreshed about every 1.3 hours, so 2,000 of
      // them cost ~18,000 refreshes in 12 hours. (10,000 sessions for 24 hours, ~180,000 refreshes,
      // took too long here: the in-memory fake spends ~0.3 ms on each.)
      idleWindow: "2 hours",
      rateLimits: { sessions: { limit: 6000, window: "1 minute" } }
    }))))),
  60_000
)
