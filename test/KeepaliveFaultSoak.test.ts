/**
 * The keepalive's fault soak over real HTTP (issue 16, class 2): 2,000 sessions with a 60-second
 * idle window, signed in over the last 30 s, on the emulator (127.0.0.1), 5xx, connection resets, hangs and 429s at a few percent
 * and a burst of hangs, with a budget well above the need. No tracked session may expire, every
 * session that stops being tracked must come with a reason, and `Gone` only for the sessions the
 * test revoked behind the worker's back.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { expect, it } from "@effect/vitest"
import { DateTime, Duration, Effect, Exit, Layer, Option, Queue, Scope } from "effect"
import { Keepalive, KeepaliveStore, type Session } from "effect-okta-sessions"
import { FakeOkta, OktaEmulator } from "effect-okta-sessions/testing"

const SESSIONS = 2000
const REVOKED = 20

const faults = {
  serverErrorRate: 0.02,
  connectionResetRate: 0.01,
  hangRate: 0.01,
  tooManyRequestsRate: 0.005,
  duplicateRateLimitReset: true
} as const

const Org = OktaEmulator.layerClient({ requestTimeout: "5 seconds", maxRetries: 1 }).pipe(
  Layer.provideMerge(OktaEmulator.layerWithFakeOkta({}, {
    idleWindow: "60 seconds",
    // windows of one second: an injected 429 (Remaining 0) holds the client for at most a second
    rateLimits: { sessions: { limit: 100_000, window: "1 second" } },
    concurrencyLimit: 1000
  })),
  Layer.provide(NodeHttpClient.layerUndici)
)

it.scopedLive(
  `keeps ${SESSIONS} sessions alive over HTTP through 5xx, resets, hangs, 429s and a burst of hangs`,
  () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      // signed in over the last 30 s: expiries spread over 30-60 s from now, so refreshes are due all along
      const seeded = yield* okta.seedSessions(SESSIONS, { maxAge: "30 seconds" })
      const scope = yield* Scope.make()
      const keepalive = yield* Scope.extend(
        Keepalive.make({
          concurrency: 48,
          budget: { limit: 1200, interval: "1 second" },
          share: 0.5,
          tick: "50 millis",
          requestTimeout: "3 seconds",
          safetyMargin: "3 seconds",
          maxThrottle: "3 seconds",
          retry: Keepalive.defaultTransientRetry
        }),
        scope
      )
      const removals = new Map<Session.SessionId, Keepalive.Event>()
      const subscription = yield* keepalive.subscribe
      yield* Queue.take(subscription).pipe(
        Effect.map((event) => {
          if (event._tag === "Gone" || event._tag === "Expired" || event._tag === "Failed" || event._tag === "Released") {
            removals.set(event.sessionId, event)
          }
        }),
        Effect.forever,
        Effect.forkScoped
      )
      yield* okta.setFaults(faults)
      yield* keepalive.addAll(seeded)

      const revoked = new Set<Session.SessionId>()
      let expiredWhileTracked = 0
      /** Tracked sessions (not revoked) that the org no longer has alive. */
      const checkOrg = Effect.gen(function*() {
        const now = DateTime.unsafeMake(Date.now())
        for (const [id] of yield* keepalive.tracked) {
          if (revoked.has(id)) continue
          const alive = yield* okta.lookupSession(id)
          if (Option.isNone(alive) || DateTime.lessThanOrEqualTo(alive.value.expiresAt, now)) expiredWhileTracked++
        }
      })
      for (let second = 0; second < 34; second++) {
        yield* Effect.sleep("1 second")
        if (second < REVOKED) {
          const session = seeded[(second * 97) % SESSIONS]!
          if (yield* okta.revokeSession(session.id)) revoked.add(session.id)
        }
        // a burst of hangs: one request in two hangs for two seconds
        if (second === 14) yield* okta.setFaults({ ...faults, hangRate: 0.5 })
        if (second === 16) yield* okta.setFaults(faults)
        if (second % 8 === 7) yield* checkOrg
      }
      yield* checkOrg
      yield* Scope.close(scope, Exit.void)
      // after shutdown, so that refreshes that finished during it are counted too
      const stats = yield* keepalive.stats
      const counters = yield* okta.counters

      expect(expiredWhileTracked).toBe(0)
      expect(stats.expired).toBe(0)
      // every session is still tracked or was removed with its reason; the removals are the revoked ones, Gone
      expect(stats.tracked + removals.size).toBe(SESSIONS)
      for (const [id, event] of removals) {
        expect([id, event._tag, revoked.has(id)]).toEqual([id, "Gone", true])
      }
      // at least half of the revoked ones were due for a refresh during the run and were found gone
      expect(removals.size).toBeGreaterThanOrEqual(REVOKED / 2)
      // the faults happened, the hangs were hedged, each session was refreshed more than once
      expect(counters.hangs).toBeGreaterThan(10)
      expect(counters.connectionResets).toBeGreaterThan(0)
      expect(stats.hedged).toBeGreaterThan(0)
      expect(stats.retried).toBeGreaterThan(0)
      expect(stats.refreshed).toBeGreaterThan(SESSIONS / 2)
      console.log(
        `fault soak: ${stats.requests} requests, ${stats.refreshed} refreshed, ${stats.hedged} hedged, ` +
          `${stats.retried} retried, ${stats.throttled} throttled, ${counters.hangs} hangs, ${counters.connectionResets} resets, ` +
          `worst lag ${Math.round(Duration.toMillis(stats.worstLag))} ms, expired ${stats.expired}`
      )
    }).pipe(Effect.provide(KeepaliveStore.layerMemory), Effect.provide(Org)),
  90_000
)
