import * as Headers from "@effect/platform/Headers"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Duration, Effect, Either, Exit, Fiber, Option, Redacted, Schedule, TestClock } from "effect"
import { RateLimit, Session } from "effect-okta-sessions"
import { drive, epochSeconds, fake, httpDate, ok, resetIn, start, tooMany, withSessions } from "./RateLimitFixture.js"

const sessionId = Session.SessionId.make("l7FbDVqS8zHSy65uJD85")

/** `drive` with getSession. */
const get = (answer: Parameters<typeof drive>[0], options: Parameters<typeof drive>[2], wait?: Duration.DurationInput) =>
  drive(answer, (sessions) => sessions.getSession(sessionId), options, wait)

/** The first request gets `first`, the others a 200. */
const firstThenOk = (first: (now: number) => Response) => (index: number, now: number) => index === 0 ? first(now) : ok()

/** No jitter, throttle off: the 429 retry alone, with exact times. */
const exact = (options: RateLimit.RateLimitRetryOptions = {}) => ({
  throttle: false,
  rateLimitRetry: RateLimit.retrySchedule({ jitter: 0, ...options })
})

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
      const { client, sent } = fake(firstThenOk(() => tooMany(resetIn(start + 5 * 60_000, 10))))
      const fiber = yield* Effect.fork(Effect.either(withSessions(client, exact(), (sessions) => sessions.getSession(sessionId))))
      yield* TestClock.adjust(10_199)
      expect(sent.length).toBe(1)
      yield* TestClock.adjust(1)
      expect(Either.isRight(yield* Fiber.join(fiber))).toBe(true)
      expect(sent.map((entry) => entry.at - start)).toEqual([0, 10_200])
    }))

  it.effect("with the throttle on (the default) the retry still goes at the same instant", () =>
    Effect.gen(function*() {
      const { result, times } = yield* get(firstThenOk((now) => tooMany(resetIn(now, 4))), {
        rateLimitRetry: RateLimit.retrySchedule({ jitter: 0, pad: "50 millis" })
      })
      expect(Either.isRight(result)).toBe(true)
      expect(times).toEqual([0, 4_050])
    }))

  it.effect("no Date: waits for Reset by the local clock", () =>
    Effect.gen(function*() {
      const { result, times } = yield* get(
        firstThenOk(() => tooMany({ "x-rate-limit-reset": String(epochSeconds(start) + 7) })),
        exact()
      )
      expect(Either.isRight(result)).toBe(true)
      expect(times).toEqual([0, 7_200])
    }))

  it.effect("no Date and a Reset far ahead of the local clock: the wait is bounded", () =>
    Effect.gen(function*() {
      const { result, times } = yield* get(
        firstThenOk(() => tooMany({ "x-rate-limit-reset": String(epochSeconds(start) + 3600) })),
        exact({ maxWaitWithoutDate: "20 seconds" })
      )
      expect(Either.isRight(result)).toBe(true)
      expect(times).toEqual([0, 20_200])
    }))

  it.effect("no Reset: capped exponential backoff, never a tight loop, bounded by maxRetries", () =>
    Effect.gen(function*() {
      const { result, times } = yield* get(
        () => tooMany({ date: httpDate(start) }),
        exact({ maxRetries: 6, backoff: "1 second", maxBackoff: "10 seconds" })
      )
      expect(Either.isLeft(result) && result.left._tag).toBe("TooManyRequests")
      expect(times).toEqual([0, 1_000, 3_000, 7_000, 15_000, 25_000, 35_000])
    }))

  it.effect("a Reset already past by the server's clock is not usable: backoff instead of a zero wait", () =>
    Effect.gen(function*() {
      const { result, times } = yield* get(firstThenOk((now) => tooMany(resetIn(now, -5))), exact())
      expect(Either.isRight(result)).toBe(true)
      expect(times).toEqual([0, 1_000])
    }))

  it.effect("the concurrent-request limit (Limit = Remaining = 0) backs off instead of trusting its Reset", () =>
    Effect.gen(function*() {
      const { result, times } = yield* get(
        firstThenOk((now) => tooMany({ ...resetIn(now, 30), "x-rate-limit-limit": "0" })),
        { rateLimitRetry: RateLimit.retrySchedule({ jitter: 0, backoff: "300 millis" }) }
      )
      expect(Either.isRight(result)).toBe(true)
      expect(times).toEqual([0, 300])
    }))

  it.effect("a duplicated Reset: the smallest value is used", () =>
    Effect.gen(function*() {
      const reset = epochSeconds(start) + 3
      const { result, times } = yield* get(
        firstThenOk(() => tooMany({ date: httpDate(start), "x-rate-limit-reset": `${reset + 30}, ${reset}` })),
        exact()
      )
      expect(Either.isRight(result)).toBe(true)
      expect(times).toEqual([0, 3_200])
    }))

  for (const maxRetries of [0, 1, 5]) {
    it.effect(`maxRetries ${maxRetries} (from OktaConfig) sends ${maxRetries + 1} request(s) and then fails with TooManyRequests`, () =>
      Effect.gen(function*() {
        const { result, times } = yield* get((_, now) => tooMany(resetIn(now, 1)), { maxRetries }, "2 minutes")
        expect(Either.isLeft(result) && result.left._tag).toBe("TooManyRequests")
        expect(times.length).toBe(maxRetries + 1)
        // Each retry waited for the reset: at least a second apart, at most pad + jitter later.
        for (let index = 1; index < times.length; index++) {
          const gap = (times[index] ?? 0) - (times[index - 1] ?? 0)
          expect(gap).toBeGreaterThanOrEqual(1_000)
          expect(gap).toBeLessThan(2_000 + 700)
        }
      }))
  }

  it.effect("maxElapsed: no retry starts past it", () =>
    Effect.gen(function*() {
      const { result, times } = yield* get(
        (_, now) => tooMany(resetIn(now, 10)),
        exact({ maxRetries: 10, maxElapsed: "25 seconds" })
      )
      expect(Either.isLeft(result) && result.left._tag).toBe("TooManyRequests")
      expect(times).toEqual([0, 10_200, 20_400])
    }))

  it.effect("maxElapsed (from OktaConfig): a Reset further away than it fails at once instead of waiting", () =>
    Effect.gen(function*() {
      const { result, times } = yield* get(() => tooMany(resetIn(start, 60)), { throttle: false, maxElapsed: "30 seconds" }, 0)
      expect(Either.isLeft(result) && result.left._tag).toBe("TooManyRequests")
      expect(times).toEqual([0])
    }))

  it.effect("jitter spreads 100 waiting fibers: distinct send times, all after the reset", () =>
    Effect.gen(function*() {
      const reset = epochSeconds(start) + 5
      const firstSeen = new Set<string>()
      // Each caller asks for its own session, so its path tells it apart; its first request gets a 429.
      const { sent } = yield* drive(
        (_, now, request) => {
          if (firstSeen.has(request.url.pathname)) return ok()
          firstSeen.add(request.url.pathname)
          return tooMany(resetIn(now, reset - epochSeconds(now)))
        },
        (sessions) =>
          Effect.forEach(
            Array.from({ length: 100 }, (_, caller) => Session.SessionId.make(`caller${caller}`)),
            (id) => sessions.getSession(id),
            { concurrency: "unbounded" }
          ),
        { throttle: false },
        "1 minute"
      )
      const retryTimes = sent.filter((entry) => entry.at > start).map((entry) => entry.at)
      expect(sent.length).toBe(200)
      expect(retryTimes.length).toBe(100)
      expect(new Set(retryTimes).size).toBe(100)
      expect(Math.min(...retryTimes)).toBeGreaterThanOrEqual(reset * 1000)
      // Spread over the jitter window (500 ms by default), not bunched.
      expect(Math.max(...retryTimes) - Math.min(...retryTimes)).toBeGreaterThan(250)
      expect(Math.max(...retryTimes)).toBeLessThan(reset * 1000 + 200 + 500)
    }))

  it.effect("retries send X-Okta-Retry-For (the first 429's request id) and X-Okta-Retry-Count", () =>
    Effect.gen(function*() {
      const { result, sent } = yield* get(
        (index, now) => index < 2 ? tooMany({ ...resetIn(now, 1), "x-okta-request-id": `req-${index + 1}` }) : ok(),
        { maxRetries: 5 }
      )
      expect(Either.isRight(result)).toBe(true)
      const headers = sent.map((entry) => [entry.request.headers["x-okta-retry-for"], entry.request.headers["x-okta-retry-count"]])
      expect(headers).toEqual([[undefined, undefined], ["req-1", "1"], ["req-1", "2"]])
    }))

  it.effect("createSession's 429 is retried: Okta refused it without using the token", () =>
    Effect.gen(function*() {
      const { result, times } = yield* drive(
        firstThenOk((now) => tooMany(resetIn(now, 2))),
        (sessions) => sessions.createSession(Redacted.make("20111one-time-token"))
      )
      expect(Either.isRight(result)).toBe(true)
      expect(times.length).toBe(2)
    }))

  it.effect("a Reset beyond the ceiling (an hour ahead by the server's Date) is unusable: the retry backs off", () =>
    Effect.gen(function*() {
      const { result, times } = yield* get(firstThenOk((now) => tooMany(resetIn(now, 3600))), exact())
      expect(Either.isRight(result)).toBe(true)
      expect(times).toEqual([0, 1_000])
      // and by the option: 10 minutes allowed, then it is waited for
      const allowed = yield* get(firstThenOk((now) => tooMany(resetIn(now, 400))), {
        ...exact({ maxResetWait: "10 minutes", maxElapsed: "10 minutes" }),
        maxElapsed: "10 minutes"
      }, "10 minutes")
      expect(allowed.times).toEqual([0, 400_200])
    }))

  it.effect("no retry sleep is longer than a timer can hold, whatever the schedule asks", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { client } = fake(() => tooMany({ date: httpDate(start) }))
      const fiber = yield* Effect.fork(withSessions(client, {
        throttle: false,
        // the longest maxElapsed the config takes (what a timer holds); the schedule asks for most of it
        maxElapsed: "24 days",
        rateLimitRetry: Schedule.spaced("23 days")
      }, (sessions) => sessions.getSession(sessionId)))
      yield* TestClock.adjust(1)
      // The fake's body is a web stream: give its reads a few real turns, until the retry sleeps.
      const retrySleep = (wakeAts: Iterable<number>) => Array.from(wakeAts).some((wakeAt) => wakeAt - (start + 1) > 60_000)
      for (let turn = 0; turn < 200 && !retrySleep(yield* TestClock.sleeps()); turn++) {
        yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
      }
      const sleeps = yield* TestClock.sleeps()
      expect(retrySleep(sleeps)).toBe(true)
      for (const wakeAt of sleeps) expect(wakeAt - (start + 1)).toBeLessThanOrEqual(2 ** 31 - 1)
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("a retry schedule asking for more than maxElapsed gives up at once with the 429", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { client } = fake(() => tooMany({ date: httpDate(start) }))
      // maxElapsed itself is at most 24 days (OktaConfig refuses more), so a schedule asking for
      // 30 days gives up at once with the 429 instead of asking a timer for it
      const fiber = yield* Effect.fork(withSessions(client, {
        throttle: false,
        maxElapsed: "24 days",
        rateLimitRetry: Schedule.spaced("30 days")
      }, (sessions) => sessions.getSession(sessionId)))
      yield* TestClock.adjust(1)
      const sleeps = yield* TestClock.sleeps()
      for (const wakeAt of sleeps) expect(wakeAt - (start + 1)).toBeLessThanOrEqual(2 ** 31 - 1)
      const exit = yield* Fiber.await(fiber)
      expect(Exit.isFailure(exit) && Cause.failureOption(exit.cause).pipe(Option.map((e) => e._tag), Option.getOrUndefined))
        .toBe("TooManyRequests")
    }))

  it.effect("makeRetrySchedule refuses options that cannot work with InvalidOptions", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(RateLimit.makeRetrySchedule({ maxRetries: -1 }))
      expect(error).toMatchObject({ _tag: "InvalidOptions", module: "RateLimit.retrySchedule", option: "maxRetries" })
      const jitter = yield* Effect.flip(RateLimit.makeRetrySchedule({ jitter: Duration.infinity }))
      expect(jitter).toMatchObject({ _tag: "InvalidOptions", option: "jitter" })
      yield* RateLimit.makeRetrySchedule({ maxRetries: 3, jitter: "1 second" })
    }))
})
