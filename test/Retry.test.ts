import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Redacted } from "effect"
import { OktaError, Retry, Session } from "effect-okta-sessions"
import { connectionReset, drive, type fake, ok, serverError, type withSessions } from "./RateLimitFixture.js"

const sessionId = Session.SessionId.make("l7FbDVqS8zHSy65uJD85")
const sessionToken = Redacted.make("20111one-time-session-token")

type Sessions = Parameters<Parameters<typeof withSessions>[2]>[0]

describe("transient retry on the TestClock", () => {
  for (const status of [502, 503, 504]) {
    it.effect(`getSession: ${status} twice, then 200, with exponential jittered waits`, () =>
      Effect.gen(function*() {
        const { result, times } = yield* drive(
          (index) => index < 2 ? serverError(status) : ok(),
          (sessions) => sessions.getSession(sessionId)
        )
        expect(Either.isRight(result)).toBe(true)
        expect(times.length).toBe(3)
        const [first = 0, second = 0, third = 0] = times
        expect(first).toBe(0)
        // 250 ms, then 500 ms, each times a factor between 0.8 and 1.2
        expect(second).toBeGreaterThanOrEqual(200)
        expect(second).toBeLessThanOrEqual(300)
        expect(third - second).toBeGreaterThanOrEqual(400)
        expect(third - second).toBeLessThanOrEqual(600)
      }))
  }

  it.effect("getSession: bounded by maxRetries; the last ServerError stands", () =>
    Effect.gen(function*() {
      const { result, times } = yield* drive(() => serverError(503), (sessions) => sessions.getSession(sessionId), { maxRetries: 3 })
      expect(Either.isLeft(result) && result.left._tag).toBe("ServerError")
      expect(times.length).toBe(4)
    }))

  it.effect("maxRetries 0 turns the transient retry off too", () =>
    Effect.gen(function*() {
      const { result, times } = yield* drive(() => serverError(503), (sessions) => sessions.getSession(sessionId), { maxRetries: 0 })
      expect(Either.isLeft(result) && result.left._tag).toBe("ServerError")
      expect(times).toEqual([0])
    }))

  it.effect("a 500 is Okta's own failure and is not retried", () =>
    Effect.gen(function*() {
      const { result, times } = yield* drive(() => serverError(500), (sessions) => sessions.getSession(sessionId))
      expect(Either.isLeft(result) && result.left._tag).toBe("ServerError")
      expect(times).toEqual([0])
    }))

  it.effect("a transport error on getSession, refreshSession and revokeSession is retried", () =>
    Effect.gen(function*() {
      const calls: ReadonlyArray<(sessions: Sessions) => Effect.Effect<unknown, OktaError.OktaError>> = [
        (sessions) => sessions.getSession(sessionId),
        (sessions) => sessions.refreshSession(sessionId),
        (sessions) => sessions.revokeSession(sessionId)
      ]
      for (const call of calls) {
        const { result, times } = yield* drive(
          (index, _, request, original) => index === 0 ? connectionReset(original) : request.method === "DELETE" ? new Response(null, { status: 204 }) : ok(),
          call
        )
        expect(Either.isRight(result)).toBe(true)
        expect(times.length).toBe(2)
      }
    }))

  it.effect("a retry after a transient failure sends X-Okta-Retry-Count, and no X-Okta-Retry-For without a 429", () =>
    Effect.gen(function*() {
      const { sent } = yield* drive((index) => index === 0 ? serverError(503) : ok(), (sessions) => sessions.getSession(sessionId))
      expect(sent.map((entry) => [entry.request.headers["x-okta-retry-count"], entry.request.headers["x-okta-retry-for"]]))
        .toEqual([[undefined, undefined], ["1", undefined]])
    }))

  it.effect("a timeout on getSession is retried", () =>
    Effect.gen(function*() {
      const { result, times } = yield* drive(
        (index) => index === 0 ? Effect.never : ok(),
        (sessions) => sessions.getSession(sessionId),
        { requestTimeout: "1 second" }
      )
      expect(Either.isRight(result)).toBe(true)
      expect(times.length).toBe(2)
      expect(times[1]).toBeGreaterThanOrEqual(1_000 + 200)
    }))

  it.effect("createSession is not retried after a transport error: the token is single-use", () =>
    Effect.gen(function*() {
      const { result, times } = yield* drive(
        (index, _, __, original) => index === 0 ? connectionReset(original) : ok(),
        (sessions) => sessions.createSession(sessionToken),
        { maxRetries: 5 }
      )
      expect(Either.isLeft(result) && result.left).toBeInstanceOf(OktaError.TransportError)
      expect(times).toEqual([0])
    }))

  it.effect("createSession is not retried after a timeout, a 502, a 503 or a 504", () =>
    Effect.gen(function*() {
      const answers: ReadonlyArray<Parameters<typeof fake>[0]> = [
        (index) => index === 0 ? Effect.never : ok(),
        (index) => index === 0 ? serverError(502) : ok(),
        (index) => index === 0 ? serverError(503) : ok(),
        (index) => index === 0 ? serverError(504) : ok()
      ]
      for (const answer of answers) {
        const { result, times } = yield* drive(answer, (sessions) => sessions.createSession(sessionToken), {
          maxRetries: 5,
          requestTimeout: "1 second"
        })
        expect(Either.isLeft(result) && Retry.isTransient(result.left)).toBe(true)
        expect(times).toEqual([0])
      }
    }))

  it.effect("a replacement schedule from OktaConfig is used", () =>
    Effect.gen(function*() {
      const { result, times } = yield* drive(() => serverError(503), (sessions) => sessions.getSession(sessionId), {
        transientRetry: Retry.transientSchedule({ maxRetries: 4, backoff: "1 second", maxBackoff: "1 second" })
      })
      expect(Either.isLeft(result)).toBe(true)
      expect(times.length).toBe(5)
      for (let index = 1; index < times.length; index++) {
        const gap = (times[index] ?? 0) - (times[index - 1] ?? 0)
        expect(gap).toBeGreaterThanOrEqual(800)
        expect(gap).toBeLessThanOrEqual(1_200)
      }
    }))

  it.effect("transientSchedule stops before a retry that would start past maxElapsed", () =>
    Effect.gen(function*() {
      const { times } = yield* drive(() => serverError(503), (sessions) => sessions.getSession(sessionId), {
        transientRetry: Retry.transientSchedule({ maxRetries: 50, backoff: "1 second", maxBackoff: "1 second", maxElapsed: "3500 millis" })
      })
      // Retries about 1 s apart (0.8 to 1.2 s): none may start later than 3.5 s after the first failure.
      expect(times.length).toBeGreaterThanOrEqual(3)
      expect(times.length).toBeLessThanOrEqual(5)
      expect(Math.max(...times)).toBeLessThanOrEqual(3_500)
    }))

  it("isTransient: 502, 503, 504 and no answer; not 500, not an oversized body", () => {
    const where = { method: "GET", path: "/api/v1/sessions/{sessionId}" }
    expect(Retry.isTransient(new OktaError.ServerError({ ...where, status: 503 }))).toBe(true)
    expect(Retry.isTransient(new OktaError.ServerError({ ...where, status: 500 }))).toBe(false)
    expect(Retry.isTransient(new OktaError.TransportError({ ...where, reason: "Timeout", detail: "x" }))).toBe(true)
    expect(Retry.isTransient(new OktaError.TransportError({ ...where, reason: "ResponseTooLarge", detail: "x" }))).toBe(false)
    expect(Retry.isTransient(new OktaError.NotFound({ ...where, status: 404 }))).toBe(false)
  })

  it.effect("makeTransientSchedule refuses options that cannot work with InvalidOptions", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Retry.makeTransientSchedule({ maxRetries: 1.5 }))
      expect(error).toMatchObject({ _tag: "InvalidOptions", module: "Retry.transientSchedule", option: "maxRetries" })
      const backoff = yield* Effect.flip(Retry.makeTransientSchedule({ backoff: -5 }))
      expect(backoff).toMatchObject({ _tag: "InvalidOptions", option: "backoff" })
      yield* Retry.makeTransientSchedule({ maxRetries: 4 })
    }))
})
