import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit, Fiber, FiberId, Logger, Option, TestClock } from "effect"
import { RateLimit, Session } from "effect-okta-sessions"
import { recordingTracer } from "./recordingTracer.js"
import { epochSeconds, fake, httpDate, ok, start, tooMany, windowedOrg, withSessions } from "./RateLimitFixture.js"

const sessionId = Session.SessionId.make("l7FbDVqS8zHSy65uJD85")
const userId = Session.UserId.make("00u0abcdefGHIJKLMNOP")

/** Answers 200 with the window spent: Remaining 0 until `start + 5 s`. */
const spent = (now: number) =>
  ok({
    date: httpDate(now),
    "x-rate-limit-limit": "600",
    "x-rate-limit-remaining": "0",
    "x-rate-limit-reset": String(epochSeconds(start) + 5)
  })

describe("throttle on the TestClock", () => {
  it.effect("Remaining 0: the next request waits for the reset instead of being sent", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { client, sent } = fake((_, now) => spent(now))
      const fiber = yield* Effect.fork(withSessions(client, {}, (sessions) =>
        Effect.zipRight(sessions.getSession(sessionId), sessions.getSession(sessionId))))
      yield* TestClock.adjust(4_999)
      expect(sent.length).toBe(1)
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      expect(sent.length).toBe(2)
      const second = (sent[1]?.at ?? 0) - start
      // after the reset, by the pad (50 ms) and at most the jitter (100 ms)
      expect(second).toBeGreaterThanOrEqual(5_000 + 50)
      expect(second).toBeLessThan(5_000 + 50 + 100)
    }))

  it.effect("the window's end is placed by every Date seen: their one-second steps narrow the clock offset", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      // Okta's clock runs 700 ms ahead of ours; the window ends at start + 5 s by Okta's, start + 4.3 s by ours.
      const { client, sent } = fake((index, now) =>
        ok({
          date: httpDate(now + 700),
          "x-rate-limit-limit": "600",
          "x-rate-limit-remaining": index === 0 ? "5" : index === 1 ? "0" : "100",
          "x-rate-limit-reset": String(epochSeconds(start) + (index < 2 ? 5 : 10))
        }))
      const fiber = yield* Effect.fork(withSessions(client, {}, (sessions) =>
        Effect.gen(function*() {
          // At +0 Okta's Date says +0: by this answer alone the offset is at least 0 and the end at +5 s ...
          yield* sessions.getSession(sessionId)
          // ... at +400 ms it says +1 s: the offset is at least 600 ms. This answer spends the window.
          yield* Effect.sleep(400)
          yield* sessions.getSession(sessionId)
          yield* sessions.getSession(sessionId)
        })))
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      const third = (sent[2]?.at ?? 0) - start
      expect(third).toBeGreaterThanOrEqual(4_300 + 50)
      // by the offset of 600 ms, plus the pad (50 ms) and at most the jitter (100 ms); the first Date alone says start + 5 s
      expect(third).toBeLessThan(4_400 + 50 + 100)
    }))

  it.effect("without Date, the reset is placed by the local clock", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { client, sent } = fake(() =>
        ok({ "x-rate-limit-limit": "600", "x-rate-limit-remaining": "0", "x-rate-limit-reset": String(epochSeconds(start) + 3) })
      )
      const fiber = yield* Effect.fork(withSessions(client, { throttle: { jitter: 0, pad: 0 } }, (sessions) =>
        Effect.zipRight(sessions.getSession(sessionId), sessions.getSession(sessionId))))
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      expect(sent.map((entry) => entry.at - start)).toEqual([0, 3_000])
    }))

  it.effect("throttle: false sends at once, whatever the budget", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { client, sent } = fake((_, now) => spent(now))
      yield* withSessions(client, { throttle: false }, (sessions) =>
        Effect.zipRight(sessions.getSession(sessionId), sessions.getSession(sessionId)))
      expect(sent.map((entry) => entry.at - start)).toEqual([0, 0])
    }))

  it.effect("the budget is per endpoint family: a spent sessions window does not hold back /users", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { client, sent } = fake((_, now, request) =>
        request.method === "DELETE" ? new Response(null, { status: 204 }) : spent(now)
      )
      yield* withSessions(client, {}, (sessions) =>
        Effect.zipRight(sessions.getSession(sessionId), sessions.revokeUserSessions(userId)))
      expect(sent.map((entry) => entry.at - start)).toEqual([0, 0])
    }))

  it.effect("the budget is per layer (per org): another layer is not held back", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { client, sent } = fake((_, now) => spent(now))
      yield* withSessions(client, {}, (sessions) => sessions.getSession(sessionId))
      yield* withSessions(client, {}, (sessions) => sessions.getSession(sessionId))
      expect(sent.map((entry) => entry.at - start)).toEqual([0, 0])
    }))

  it.effect("no request is sent that the known budget would refuse: 45 calls, 10 per 5 s window, 8 at a time", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const org = windowedOrg(10, 5_000)
      const { client, sent } = fake((_, now) => org.answer(now))
      const fiber = yield* Effect.fork(withSessions(client, { maxRetries: 0 }, (sessions) =>
        Effect.forEach(Array.from({ length: 45 }), () => Effect.either(sessions.refreshSession(sessionId)), { concurrency: 8 })))
      yield* TestClock.adjust("1 minute")
      const results = yield* Fiber.join(fiber)
      expect(org.refused).toEqual([])
      expect(results.every(Either.isRight)).toBe(true)
      expect(sent.length).toBe(45)
      const perWindow = new Map<number, number>()
      for (const entry of sent) {
        const window = Math.floor((entry.at - start) / 5_000)
        perWindow.set(window, (perWindow.get(window) ?? 0) + 1)
      }
      expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(10)
      // 45 calls need at least five windows.
      expect(perWindow.size).toBeGreaterThanOrEqual(5)
    }))

  it.effect("a cap on requests in flight: maxConcurrency 3 sends 9 slow calls three at a time", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      let inFlight = 0
      let most = 0
      const { client, sent } = fake(() =>
        Effect.gen(function*() {
          inFlight++
          most = Math.max(most, inFlight)
          yield* Effect.sleep("1 second")
          inFlight--
          return ok()
        })
      )
      const fiber = yield* Effect.fork(withSessions(client, { throttle: { maxConcurrency: 3 } }, (sessions) =>
        Effect.forEach(Array.from({ length: 9 }), () => sessions.getSession(sessionId), { concurrency: "unbounded" })))
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      expect(most).toBe(3)
      expect(sent.map((entry) => entry.at - start)).toEqual([0, 0, 0, 1_000, 1_000, 1_000, 2_000, 2_000, 2_000])
    }))

  it.effect("permits go first come, first served: a caller that releases one does not take it back ahead of waiters", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { client, sent } = fake(() => Effect.as(Effect.sleep("1 second"), ok()))
      const ids = ["callerA", "callerB", "callerC"].map((id) => Session.SessionId.make(id))
      const fiber = yield* Effect.fork(withSessions(client, { throttle: { maxConcurrency: 1 } }, (sessions) =>
        Effect.forEach(ids, (id) => Effect.repeatN(sessions.getSession(id), 2), { concurrency: "unbounded" })))
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      const callers = sent.map((entry) => entry.request.url.pathname.replace(/^.*\/caller/, ""))
      expect(callers).toEqual(["A", "B", "C", "A", "B", "C", "A", "B", "C"])
    }))

  it.effect("a caller interrupted while waiting for a permit leaves the cap whole", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { client, sent } = fake(() => Effect.as(Effect.sleep("1 second"), ok()))
      const fiber = yield* Effect.fork(withSessions(client, { throttle: { maxConcurrency: 2 } }, (sessions) =>
        Effect.gen(function*() {
          const first = yield* Effect.fork(Effect.forEach([1, 2], () => sessions.getSession(sessionId), { concurrency: "unbounded" }))
          yield* Effect.repeatN(Effect.yieldNow(), 9)
          const waiting = yield* Effect.fork(sessions.getSession(sessionId))
          // Let it queue behind the two in flight, then give up on it.
          yield* Effect.repeatN(Effect.yieldNow(), 9)
          yield* Fiber.interrupt(waiting)
          yield* Fiber.join(first)
          // Both permits are back: two more calls go out at once.
          yield* Effect.forEach([1, 2], () => sessions.getSession(sessionId), { concurrency: "unbounded" })
        })))
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      expect(sent.map((entry) => entry.at - start)).toEqual([0, 0, 1_000, 1_000])
    }))

  it.effect("a caller interrupted just after it was handed a permit passes it on: the call behind it still goes out", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { client, sent } = fake(() => Effect.as(Effect.sleep("1 second"), ok()))
      // The second caller is interrupted from inside the first call, once that call has given its
      // permit back (its span ends after the release) and before the second caller has run again:
      // its wait ends interrupted although the permit was handed to it.
      let second: Fiber.RuntimeFiber<unknown, unknown> | undefined
      const interruptSecond = () => {
        second?.unsafeInterruptAsFork(FiberId.none)
        second = undefined
      }
      const fiber = yield* Effect.fork(withSessions(client, { throttle: { maxConcurrency: 1 } }, (sessions) =>
        Effect.gen(function*() {
          const first = yield* Effect.fork(sessions.getSession(sessionId))
          yield* Effect.repeatN(Effect.yieldNow(), 9)
          const waiting = yield* Effect.fork(sessions.getSession(sessionId))
          second = waiting
          yield* Effect.repeatN(Effect.yieldNow(), 9)
          const behind = yield* Effect.fork(sessions.getSession(sessionId))
          yield* Effect.repeatN(Effect.yieldNow(), 9)
          yield* Fiber.join(first)
          return { second: yield* Fiber.await(waiting), behind: yield* Fiber.await(behind) }
        }).pipe(Effect.withTracer(recordingTracer(interruptSecond).tracer))))
      yield* TestClock.adjust("10 seconds")
      // Had the permit been lost, the call behind would still be waiting.
      const outcome = Option.getOrThrow(yield* Fiber.poll(fiber))
      expect(Exit.isSuccess(outcome)).toBe(true)
      if (Exit.isSuccess(outcome)) {
        expect(Exit.isInterrupted(outcome.value.second)).toBe(true)
        expect(Exit.isSuccess(outcome.value.behind)).toBe(true)
      }
      // The first call at 0, the call behind at 1 s; the interrupted one sent nothing.
      expect(sent.map((entry) => entry.at - start)).toEqual([0, 1_000])
    }))

  it.effect("after a 429 spent the window, another call is not sent before the reset: it meets the 429 and its retry waits", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { client, sent } = fake((index, now) =>
        index === 0
          ? tooMany({ date: httpDate(now), "x-rate-limit-limit": "600", "x-rate-limit-remaining": "0", "x-rate-limit-reset": String(epochSeconds(start) + 3) })
          : ok())
      const fiber = yield* Effect.fork(withSessions(client, { rateLimitRetry: RateLimit.retrySchedule({ jitter: 0, pad: 0 }) }, (sessions) =>
        Effect.gen(function*() {
          const first = yield* Effect.fork(sessions.getSession(sessionId))
          yield* Effect.sleep(1_000)
          // the window is spent by a 429 until +3 s: this call is refused locally, then retried at the reset
          yield* sessions.getSession(sessionId)
          yield* Fiber.join(first)
        })))
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      // both calls' retries go at the reset; nothing was sent at +1 s
      expect(sent.map((entry) => entry.at - start)).toEqual([0, 3_000, 3_000])
    }))

  it.effect("a hold past the call's maxElapsed fails at once with TooManyRequests and its rateLimit, nothing sent", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { client, sent } = fake((_, now) =>
        ok({ date: httpDate(now), "x-rate-limit-limit": "600", "x-rate-limit-remaining": "0", "x-rate-limit-reset": String(epochSeconds(start) + 120) }))
      const result = yield* withSessions(client, { maxElapsed: "1 minute" }, (sessions) =>
        Effect.zipRight(sessions.getSession(sessionId), Effect.flip(sessions.getSession(sessionId))))
      expect(result._tag).toBe("TooManyRequests")
      if (result._tag === "TooManyRequests") {
        expect(result.rateLimit.remaining).toBe(0)
        expect(result.rateLimit.resetEpochSeconds).toBe(epochSeconds(start) + 120)
        expect(result.rateLimit.serverDateMillis).toBe(start)
      }
      expect(sent).toHaveLength(1)
    }))

  it.effect("a Reset beyond the 5-minute ceiling is not waited for, and is logged once per family", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const { client, sent } = fake((_, now) =>
        ok({ date: httpDate(now), "x-rate-limit-limit": "600", "x-rate-limit-remaining": "0", "x-rate-limit-reset": String(epochSeconds(start) + 301) }))
      const logs: Array<string> = []
      yield* withSessions(client, {}, (sessions) =>
        Effect.repeatN(sessions.getSession(sessionId), 2)).pipe(
          Effect.provide(Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => logs.push(String(message)))))
        )
      expect(sent.map((entry) => entry.at - start)).toEqual([0, 0, 0])
      expect(logs.filter((line) => line.includes("X-Rate-Limit-Reset of sessions"))).toHaveLength(1)
    }))
})
