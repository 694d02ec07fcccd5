/**
 * The rate-limit scenario over loopback HTTP: an org allowing 600 requests per 5-second window,
 * 1,500 refreshes, 16 at a time, with the client's default settings (the throttle on), each answer
 * 5 ms late so that the calls really overlap. The throttle should hold calls back at each window's
 * end instead of collecting 429s: a 429 can only come from a window whose budget is spent, and 1,500
 * calls spend at most three windows of 600.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Either, Layer } from "effect"
import { Sessions } from "effect-okta-sessions"
import { FakeOkta, OktaEmulator } from "effect-okta-sessions/testing"

const limit = 600
const windowMillis = 5_000
const refreshes = 1_500
const concurrency = 16

const SessionsOnEmulator = OktaEmulator.layerClient().pipe(
  Layer.provideMerge(OktaEmulator.layerWithFakeOkta(undefined, {
    rateLimits: { sessions: { limit, window: `${windowMillis} millis` } }
  })),
  Layer.provide(NodeHttpClient.layerUndici)
)

describe("rate-limit scenario", () => {
  it.live(`${refreshes} refreshes, ${concurrency} at a time, ${limit} per ${windowMillis / 1000} s window: at most one 429 per window`, () =>
    Effect.gen(function*() {
      const fake = yield* FakeOkta.FakeOkta
      const sessions = yield* Sessions.Sessions
      const seeded = yield* fake.seedSessions(refreshes)
      // latency, so that 16 calls are in flight at once (answered at once, they would not overlap)
      yield* fake.setFaults({ latencyMillis: 5 })
      yield* fake.resetCounters
      const started = yield* Clock.currentTimeMillis
      const refreshed = yield* Effect.forEach(seeded, (session) => sessions.refreshSession(session.id), { concurrency })
      const finished = yield* Clock.currentTimeMillis
      const counters = yield* fake.counters
      const windows = Math.floor(finished / windowMillis) - Math.floor(started / windowMillis) + 1
      console.log(
        `rate-limit scenario: ${refreshes} refreshes in ${finished - started} ms over ${windows} windows; ` +
          `${counters.requests} requests, ${counters.tooManyRequests} 429s, at most ${counters.maxInFlight} in flight`
      )
      expect(refreshed.length).toBe(refreshes)
      // at most one 429 per window whose budget the run spent: ceil(1500 / 600) = 3
      expect(counters.tooManyRequests).toBeLessThanOrEqual(Math.ceil(refreshes / limit))
      // every request is a refresh or the retry of a 429
      expect(counters.requests).toBe(refreshes + counters.tooManyRequests)
      // the calls did overlap, and never more than the caller's 16
      expect(counters.maxInFlight).toBeGreaterThan(1)
      expect(counters.maxInFlight).toBeLessThanOrEqual(concurrency)
    }).pipe(Effect.provide(SessionsOnEmulator)), 60_000)

  /** 40 reads, 16 at a time, against an org that takes 4 at once and answers in 20 ms. */
  const concurrencyRun = (throttle: false | { readonly maxConcurrency: number }) =>
    Effect.gen(function*() {
      const fake = yield* FakeOkta.FakeOkta
      const sessions = yield* Sessions.Sessions
      const [seeded] = yield* fake.seedSessions(1)
      if (seeded === undefined) return yield* Effect.dieMessage("no session seeded")
      yield* fake.setFaults({ latencyMillis: 20 })
      yield* fake.resetCounters
      const results = yield* Effect.forEach(Array.from({ length: 40 }), () => Effect.either(sessions.getSession(seeded.id)), {
        concurrency: 16
      })
      return { results, counters: yield* fake.counters }
    }).pipe(
      Effect.provide(
        OktaEmulator.layerClient({ throttle }).pipe(
          Layer.provideMerge(OktaEmulator.layerWithFakeOkta(undefined, { concurrencyLimit: 4 })),
          Layer.provide(NodeHttpClient.layerUndici)
        )
      )
    )

  it.live("the cap on requests in flight keeps under Okta's concurrent-request limit", () =>
    Effect.gen(function*() {
      const { counters, results } = yield* concurrencyRun({ maxConcurrency: 4 })
      expect(results.every(Either.isRight)).toBe(true)
      expect(counters.concurrencyRejections).toBe(0)
      // the cap was reached (16 callers, 20 ms answers) and held
      expect(counters.maxInFlight).toBe(4)
      expect(counters.requests).toBe(40)
    }))

  it.live("without the throttle the same load meets the concurrent-request limit, and its 429s are retried with backoff", () =>
    Effect.gen(function*() {
      const { counters, results } = yield* concurrencyRun(false)
      expect(counters.concurrencyRejections).toBeGreaterThan(0)
      // every call ends as a success or, past its retries, a TooManyRequests
      for (const result of results) {
        if (Either.isLeft(result)) expect(result.left._tag).toBe("TooManyRequests")
      }
      // each request was either a call's success or a 429 of the concurrent-request limit
      expect(counters.requests).toBe(results.filter(Either.isRight).length + counters.concurrencyRejections)
    }), 30_000)
})
