/**
 * RateLimitShare: client layers built separately (as two processes would) share the windows their
 * throttles find spent. Client A meets a 429 (or a Remaining 0) with a Reset ahead; client B, which
 * shares only the `RateLimitShare`, then fails fast or holds without sending until the reset. In
 * memory on the `TestClock` here over recording fakes; over loopback HTTP and real Redis in
 * test/RateLimitShareRedis.test.ts.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Schedule, TestClock } from "effect"
import { RateLimit, RateLimitShare, Session, type Sessions } from "effect-okta-sessions"
import { epochSeconds, fake, httpDate, ok, start, tooMany, withSessions } from "./RateLimitFixture.js"

const sessionId = Session.SessionId.make("l7FbDVqS8zHSy65uJD85")

/** The window's headers: spent until `start + 3 s`. */
const spentHeaders = (now: number) => ({
  date: httpDate(now),
  "x-rate-limit-limit": "600",
  "x-rate-limit-remaining": "0",
  "x-rate-limit-reset": String(epochSeconds(start) + 3)
})

const noRetry = { rateLimitRetry: Schedule.recurs(0) }
const retryAtReset = { rateLimitRetry: RateLimit.retrySchedule({ jitter: 0, pad: 0 }) }

/**
 * Client B's layer is up (subscribed) while client A, a layer of its own over another fake, meets
 * `first`; then `thenB` runs on B. Returns what B's fake and A's fake were sent, relative to `start`.
 */
const twoClients = <A, E>(
  first: (now: number) => Response,
  optionsB: Parameters<typeof withSessions>[1],
  thenB: (sessions: Sessions.Sessions.Service) => Effect.Effect<A, E>
) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(start)
    const a = fake((index, now) => index === 0 ? first(now) : ok())
    const b = fake(() => ok())
    const fiber = yield* Effect.fork(withSessions(b.client, optionsB, (sessionsB) =>
      Effect.zipRight(
        withSessions(a.client, noRetry, (sessionsA) => Effect.either(sessionsA.getSession(sessionId))),
        thenB(sessionsB)
      )))
    return { fiber, sentA: a.sent, sentB: b.sent }
  })

describe("RateLimitShare.layerMemory", () => {
  it.effect("a 429 met by client A: client B's call that documents 429 fails fast with TooManyRequests, nothing sent", () =>
    Effect.gen(function*() {
      const { fiber, sentA, sentB } = yield* twoClients((now) => tooMany(spentHeaders(now)), noRetry, (sessions) =>
        Effect.flip(sessions.getSession(sessionId)))
      const error = yield* Fiber.join(fiber)
      expect(sentA).toHaveLength(1)
      expect(sentB).toHaveLength(0)
      expect(error._tag).toBe("TooManyRequests")
      if (error._tag === "TooManyRequests") {
        expect(error.rateLimit.remaining).toBe(0)
        expect(error.rateLimit.resetEpochSeconds).toBe(epochSeconds(start) + 3)
      }
    }).pipe(Effect.provide(RateLimitShare.layerMemory)))

  it.effect("a 429 met by client A: client B's retry waits for the reset, and only then sends", () =>
    Effect.gen(function*() {
      const { fiber, sentB } = yield* twoClients((now) => tooMany(spentHeaders(now)), retryAtReset, (sessions) =>
        sessions.getSession(sessionId))
      yield* TestClock.adjust(2_999)
      expect(sentB).toHaveLength(0)
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      expect(sentB.map((entry) => entry.at - start)).toEqual([3_000])
    }).pipe(Effect.provide(RateLimitShare.layerMemory)))

  it.effect("a Remaining 0 met by client A: client B's call holds until the window's end (plus pad), not refused", () =>
    Effect.gen(function*() {
      const { fiber, sentB } = yield* twoClients((now) => ok(spentHeaders(now)), { ...noRetry, throttle: { jitter: 0, pad: 0 } }, (sessions) =>
        sessions.getSession(sessionId))
      yield* TestClock.adjust(2_999)
      expect(sentB).toHaveLength(0)
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      expect(sentB.map((entry) => entry.at - start)).toEqual([3_000])
    }).pipe(Effect.provide(RateLimitShare.layerMemory)))

  it.effect("without the share, client B learns nothing from client A and sends at once", () =>
    Effect.gen(function*() {
      const { fiber, sentB } = yield* twoClients((now) => tooMany(spentHeaders(now)), noRetry, (sessions) =>
        sessions.getSession(sessionId))
      yield* Fiber.join(fiber)
      expect(sentB.map((entry) => entry.at - start)).toEqual([0])
    }))

  it.effect("a shared window is held at most RateLimit.maxResetWait from when it is learned", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const b = fake(() => ok())
      const share = yield* RateLimitShare.RateLimitShare
      const fiber = yield* Effect.fork(withSessions(b.client, { ...noRetry, throttle: { jitter: 0, pad: 0 }, maxElapsed: "1 hour" }, (sessions) =>
        Effect.zipRight(
          // as a publisher whose clock is far off would say: the window ends in an hour
          share.publish({
            family: "sessions",
            limit: 600,
            resetEpochSeconds: epochSeconds(start) + 3_600,
            endsAtMillis: start + 3_600_000,
            by429: false
          }),
          sessions.getSession(sessionId)
        )))
      yield* TestClock.adjust(299_999)
      expect(b.sent).toHaveLength(0)
      yield* TestClock.adjust("1 hour")
      yield* Fiber.join(fiber)
      expect(b.sent.map((entry) => entry.at - start)).toEqual([300_000])
    }).pipe(Effect.provide(RateLimitShare.layerMemory)))
})
