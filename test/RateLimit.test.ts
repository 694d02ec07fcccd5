import * as Headers from "@effect/platform/Headers"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Fiber, Option, Redacted, TestClock } from "effect"
import { RateLimit, Session } from "effect-okta-sessions"
import { epochSeconds, fake, httpDate, ok, start, tooMany, withSessions } from "./RateLimitFixture.js"

const sessionId = Session.SessionId.make("l7FbDVqS8zHSy65uJD85")

/** getSession in a fiber over `client`; the test drives the `TestClock` and then joins it. */
const forkGet = (client: ReturnType<typeof fake>["client"], options: Parameters<typeof withSessions>[1]) =>
  Effect.fork(Effect.either(withSessions(client, options, (sessions) => sessions.getSession(sessionId))))

/** The send times of the requests, relative to `start`. */
const times = (sent: ReturnType<typeof fake>["sent"]) => sent.map((entry) => entry.at - start)

describe("RateLimit headers", () => {
  it("reads Limit, Remaining, the smallest of a repeated Reset, and Date", () => {
    const rateLimit = RateLimit.fromHeaders(Headers.fromInput({
      "x-rate-limit-limit": "600",
      "x-rate-limit-remaining": "0",
      "x-rate-limit-reset": "1763805630, 1763805600",
      date: "Sat, 22 Nov 2025 09:59:50 GMT"
    }))
    expect(rateLimit.limit).toBe(600)
    expect(rateLimit.remaining).toBe(0)
    expect(rateLimit.resetEpochSeconds).toBe(1763805600)
    expect(rateLimit.serverDateMillis).toBe(Date.parse("2025-11-22T09:59:50Z"))
    expect(rateLimit.isConcurrencyLimit).toBe(false)
  })

  it("waitForReset measures Reset against the server's Date, not the local clock", () => {
    const rateLimit = new RateLimit.RateLimitHeaders({ resetEpochSeconds: 1000, serverDateMillis: 990_000 })
    // The local clock is an hour off; it does not matter when Date is there.
    expect(RateLimit.waitForReset(rateLimit, 990_000 + 3_600_000)).toEqual(Option.some(Duration.seconds(10)))
    expect(RateLimit.waitForReset(rateLimit, 0)).toEqual(Option.some(Duration.seconds(10)))
  })

  it("waitForReset without Date uses the local clock, capped; a past or missing Reset is not usable", () => {
    const noDate = new RateLimit.RateLimitHeaders({ resetEpochSeconds: 1000 })
    expect(RateLimit.waitForReset(noDate, 993_500)).toEqual(Option.some(Duration.millis(6500)))
    expect(RateLimit.waitForReset(noDate, 0, "60 seconds")).toEqual(Option.some(Duration.seconds(60)))
    expect(RateLimit.waitForReset(noDate, 1_000_001)).toEqual(Option.none())
    expect(RateLimit.waitForReset(new RateLimit.RateLimitHeaders({ serverDateMillis: 5 }), 0)).toEqual(Option.none())
  })
})

describe("429 retry on the TestClock", () => {
  it.effect("waits exactly until Reset by the server's Date plus the pad, whatever the local clock says", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      // The server's clock runs 5 minutes ahead of ours; its window resets 10 s after its Date.
      const serverNow = start + 5 * 60_000
      const { client, sent } = fake((index) =>
        index === 0
          ? tooMany({ date: httpDate(serverNow), "x-rate-limit-reset": String(epochSeconds(serverNow) + 10), "x-rate-limit-remaining": "0", "x-rate-limit-limit": "600" })
          : ok()
      )
      const fiber = yield* forkGet(client, { throttle: false, rateLimitRetry: RateLimit.retrySchedule({ jitter: 0 }) })
      yield* TestClock.adjust(10_199)
      expect(sent.length).toBe(1)
      yield* TestClock.adjust(1)
      const result = yield* Fiber.join(fiber)
      expect(Either.isRight(result)).toBe(true)
      expect(times(sent)).toEqual([0, 10_200])
    }))

  it.effect("with the throttle on (the default) the retry still goes at the same instant", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { client, sent } = fake((index) =>
        index === 0
          ? tooMany({ date: httpDate(start), "x-rate-limit-reset": String(epochSeconds(start) + 4), "x-rate-limit-remaining": "0", "x-rate-limit-limit": "600" })
          : ok()
      )
      const fiber = yield* forkGet(client, { rateLimitRetry: RateLimit.retrySchedule({ jitter: 0, pad: "50 millis" }) })
      yield* TestClock.adjust("10 seconds")
      expect(Either.isRight(yield* Fiber.join(fiber))).toBe(true)
      expect(times(sent)).toEqual([0, 4_050])
    }))

  it.effect("no Date: waits for Reset by the local clock", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { client, sent } = fake((index) =>
        index === 0 ? tooMany({ "x-rate-limit-reset": String(epochSeconds(start) + 7) }) : ok()
      )
      const fiber = yield* forkGet(client, { throttle: false, rateLimitRetry: RateLimit.retrySchedule({ jitter: 0 }) })
      yield* TestClock.adjust("1 minute")
      expect(Either.isRight(yield* Fiber.join(fiber))).toBe(true)
      expect(times(sent)).toEqual([0, 7_200])
    }))

  it.effect("no Date and a Reset far ahead of the local clock: the wait is bounded", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { client, sent } = fake((index) =>
        index === 0 ? tooMany({ "x-rate-limit-reset": String(epochSeconds(start) + 3600) }) : ok()
      )
      const fiber = yield* forkGet(client, {
        throttle: false,
        rateLimitRetry: RateLimit.retrySchedule({ jitter: 0, maxWaitWithoutDate: "20 seconds" })
      })
      yield* TestClock.adjust("2 minutes")
      expect(Either.isRight(yield* Fiber.join(fiber))).toBe(true)
      expect(times(sent)).toEqual([0, 20_200])
    }))

  it.effect("no Reset: capped exponential backoff, never a tight loop, bounded by maxRetries", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { client, sent } = fake(() => tooMany({ date: httpDate(start) }))
      const fiber = yield* forkGet(client, {
        throttle: false,
        rateLimitRetry: RateLimit.retrySchedule({ jitter: 0, maxRetries: 6, backoff: "1 second", maxBackoff: "10 seconds" })
      })
      yield* TestClock.adjust("5 minutes")
      const result = yield* Fiber.join(fiber)
      expect(Either.isLeft(result) && result.left._tag).toBe("TooManyRequests")
      expect(times(sent)).toEqual([0, 1_000, 3_000, 7_000, 15_000, 25_000, 35_000])
    }))

  it.effect("a Reset already past by the server's clock is not usable: backoff instead of a zero wait", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { client, sent } = fake((index) =>
        index === 0 ? tooMany({ date: httpDate(start), "x-rate-limit-reset": String(epochSeconds(start) - 5) }) : ok()
      )
      const fiber = yield* forkGet(client, { throttle: false, rateLimitRetry: RateLimit.retrySchedule({ jitter: 0 }) })
      yield* TestClock.adjust("1 minute")
      expect(Either.isRight(yield* Fiber.join(fiber))).toBe(true)
      expect(times(sent)).toEqual([0, 1_000])
    }))

  it.effect("the concurrent-request limit (Limit = Remaining = 0) backs off instead of trusting its Reset", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { client, sent } = fake((index) =>
        index === 0
          ? tooMany({ date: httpDate(start), "x-rate-limit-reset": String(epochSeconds(start) + 30), "x-rate-limit-limit": "0", "x-rate-limit-remaining": "0" })
          : ok()
      )
      const fiber = yield* forkGet(client, { rateLimitRetry: RateLimit.retrySchedule({ jitter: 0, backoff: "300 millis" }) })
      yield* TestClock.adjust("1 minute")
      expect(Either.isRight(yield* Fiber.join(fiber))).toBe(true)
      expect(times(sent)).toEqual([0, 300])
    }))

  it.effect("a duplicated Reset: the smallest value is used", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const reset = epochSeconds(start) + 3
      const { client, sent } = fake((index) =>
        index === 0
          ? tooMany({ date: httpDate(start), "x-rate-limit-reset": `${reset + 30}, ${reset}` })
          : ok()
      )
      const fiber = yield* forkGet(client, { throttle: false, rateLimitRetry: RateLimit.retrySchedule({ jitter: 0 }) })
      yield* TestClock.adjust("1 minute")
      expect(Either.isRight(yield* Fiber.join(fiber))).toBe(true)
      expect(times(sent)).toEqual([0, 3_200])
    }))

  for (const maxRetries of [0, 1, 5]) {
    it.effect(`maxRetries ${maxRetries} (from OktaConfig) sends ${maxRetries + 1} request(s) and then fails with TooManyRequests`, () =>
      Effect.gen(function*() {
        yield* TestClock.setTime(start)
        const { client, sent } = fake((_, now) =>
          tooMany({ date: httpDate(now), "x-rate-limit-reset": String(epochSeconds(now) + 1), "x-rate-limit-remaining": "0", "x-rate-limit-limit": "600" })
        )
        const fiber = yield* forkGet(client, { maxRetries })
        yield* TestClock.adjust("2 minutes")
        const result = yield* Fiber.join(fiber)
        expect(Either.isLeft(result) && result.left._tag).toBe("TooManyRequests")
        expect(sent.length).toBe(maxRetries + 1)
        // Each retry waited for the reset: at least a second apart, at most pad + jitter later.
        for (let index = 1; index < sent.length; index++) {
          const gap = (sent[index]?.at ?? 0) - (sent[index - 1]?.at ?? 0)
          expect(gap).toBeGreaterThanOrEqual(1_000)
          expect(gap).toBeLessThan(2_000 + 700)
        }
      }))
  }

  it.effect("maxElapsed: no retry starts past it", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { client, sent } = fake((_, now) =>
        tooMany({ date: httpDate(now), "x-rate-limit-reset": String(epochSeconds(now) + 10) })
      )
      const fiber = yield* forkGet(client, {
        throttle: false,
        rateLimitRetry: RateLimit.retrySchedule({ jitter: 0, maxRetries: 10, maxElapsed: "25 seconds" })
      })
      yield* TestClock.adjust("5 minutes")
      const result = yield* Fiber.join(fiber)
      expect(Either.isLeft(result) && result.left._tag).toBe("TooManyRequests")
      expect(times(sent)).toEqual([0, 10_200, 20_400])
    }))

  it.effect("maxElapsed (from OktaConfig): a Reset further away than it fails at once instead of waiting", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { client, sent } = fake(() =>
        tooMany({ date: httpDate(start), "x-rate-limit-reset": String(epochSeconds(start) + 60) })
      )
      const result = yield* Effect.either(
        withSessions(client, { throttle: false, maxElapsed: "30 seconds" }, (sessions) => sessions.getSession(sessionId))
      )
      expect(Either.isLeft(result) && result.left._tag).toBe("TooManyRequests")
      expect(times(sent)).toEqual([0])
    }))

  it.effect("jitter spreads 100 waiting fibers: distinct send times, all after the reset", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const reset = epochSeconds(start) + 5
      const firstSeen = new Set<string>()
      const { client, sent } = fake((_, now, request) => {
        const caller = request.url.pathname
        if (firstSeen.has(caller)) return ok()
        firstSeen.add(caller)
        return tooMany({ date: httpDate(now), "x-rate-limit-reset": String(reset), "x-rate-limit-remaining": "0", "x-rate-limit-limit": "600" })
      })
      // One layer shared by all callers; each asks for its own session, so its path tells it apart.
      const fiber = yield* Effect.fork(
        withSessions(client, { throttle: false }, (sessions) =>
          Effect.forEach(
            Array.from({ length: 100 }, (_, caller) => caller),
            (caller) => sessions.getSession(Session.SessionId.make(`caller${caller}`)),
            { concurrency: "unbounded" }
          ))
      )
      yield* TestClock.adjust("1 minute")
      yield* Fiber.join(fiber)
      const retries = sent.filter((entry) => entry.at > start)
      expect(sent.length).toBe(200)
      expect(retries.length).toBe(100)
      const retryTimes = retries.map((entry) => entry.at)
      expect(new Set(retryTimes).size).toBe(100)
      expect(Math.min(...retryTimes)).toBeGreaterThanOrEqual(reset * 1000)
      // Spread over the jitter window (500 ms by default), not bunched.
      expect(Math.max(...retryTimes) - Math.min(...retryTimes)).toBeGreaterThan(250)
      expect(Math.max(...retryTimes)).toBeLessThan(reset * 1000 + 200 + 500)
    }))

  it.effect("retries send X-Okta-Retry-For (the first 429's request id) and X-Okta-Retry-Count", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { client, sent } = fake((index, now) =>
        index < 2
          ? tooMany({ date: httpDate(now), "x-rate-limit-reset": String(epochSeconds(now) + 1), "x-okta-request-id": `req-${index + 1}` })
          : ok()
      )
      const fiber = yield* forkGet(client, { maxRetries: 5 })
      yield* TestClock.adjust("1 minute")
      expect(Either.isRight(yield* Fiber.join(fiber))).toBe(true)
      const headers = sent.map((entry) => [entry.request.headers["x-okta-retry-for"], entry.request.headers["x-okta-retry-count"]])
      expect(headers).toEqual([[undefined, undefined], ["req-1", "1"], ["req-1", "2"]])
    }))

  it.effect("createSession's 429 is retried: Okta refused it without using the token", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { client, sent } = fake((index, now) =>
        index === 0 ? tooMany({ date: httpDate(now), "x-rate-limit-reset": String(epochSeconds(now) + 2) }) : ok()
      )
      const fiber = yield* Effect.fork(Effect.either(withSessions(client, {}, (sessions) =>
        sessions.createSession(Redacted.make("20111one-time-token")))))
      yield* TestClock.adjust("1 minute")
      expect(Either.isRight(yield* Fiber.join(fiber))).toBe(true)
      expect(sent.length).toBe(2)
    }))
})
