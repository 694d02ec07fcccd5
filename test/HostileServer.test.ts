/**
 * A hostile server over loopback: node:http (and one raw TCP) servers on 127.0.0.1, started and
 * stopped by each test, answer what a broken proxy or a hostile org could, and every case asserts a
 * specific typed outcome within a bound of simulated time (the `TestClock`) and a count of requests,
 * on `FetchHttpClient`, `NodeHttpClient.layerUndici` and the lean `OktaUndici` layer.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Clock, Effect, Either, Exit, Fiber, Layer, Option, Redacted, TestClock } from "effect"
import * as http from "node:http"
import * as net from "node:net"
import * as zlib from "node:zlib"
import { OktaConfig, OktaError, Session, Sessions } from "effect-okta-sessions"
import { sessionBody, start } from "./RateLimitFixture.js"
import { type ClientStack, clientStacks } from "./clientStacks.js"
import { apiToken } from "./RecordingHttpClient.js"

const sessionId = Session.SessionId.make("l7FbDVqS8zHSy65uJD85")


/** What the hostile server answers: status, headers (an array value is sent as repeated lines), body. */
interface Reply {
  readonly status: number
  readonly headers?: Readonly<Record<string, string | Array<string>>>
  readonly body?: string | Uint8Array
}

/** A node:http server on 127.0.0.1 answering the `index`-th request (from 0) with `reply`; closed with the scope. */
const hostile = (reply: (index: number, request: http.IncomingMessage, response: http.ServerResponse) => Reply | "handled") =>
  Effect.gen(function*() {
    const received: Array<http.IncomingHttpHeaders> = []
    const server = yield* Effect.acquireRelease(
      Effect.async<http.Server>((resume) => {
        const created = http.createServer((request, response) => {
          received.push(request.headers)
          const answer = reply(received.length - 1, request, response)
          if (answer === "handled") return
          // node:http adds a \`Date\` of its own unless told not to: the reply's headers say which.
          response.sendDate = false
          response.writeHead(answer.status, { ...answer.headers })
          response.end(answer.body)
        })
        created.listen(0, "127.0.0.1", () => resume(Effect.succeed(created)))
      }),
      (created) =>
        Effect.async<void>((resume) => {
          created.close(() => resume(Effect.void))
          created.closeAllConnections()
        })
    )
    return { url: urlOf(server), received }
  })

const urlOf = (server: net.Server): string => {
  const address = server.address()
  if (address === null || typeof address === "string") throw new Error("the server has no port")
  return `http://127.0.0.1:${address.port}`
}

/** `Sessions` over a real client to the hostile org; the request timeout off unless asked for. */
const sessionsOver = (
  orgUrl: string,
  stack: ClientStack,
  options: Partial<OktaConfig.OktaConfig.Options> = {}
) => stack(OktaConfig.layer({ orgUrl, token: Redacted.make(apiToken), requestTimeout: 0, ...options }))

/**
 * Runs `effect` in a fiber and moves the `TestClock` on in steps of `stepMillis` (a few real
 * milliseconds apart, for the loopback I/O) until it ends; fails the test when it has not ended once
 * `boundMillis` of simulated time have passed. Returns its exit and the simulated time it took.
 */
const within = <A, E>(effect: Effect.Effect<A, E>, boundMillis: number, stepMillis = 100) =>
  Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    const fiber = yield* Effect.fork(effect)
    for (let passed = 0;; passed += stepMillis) {
      for (let spin = 0; spin < 3; spin++) {
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 2)))
        const polled = yield* Fiber.poll(fiber)
        if (Option.isSome(polled)) return { exit: polled.value, simulatedMillis: (yield* Clock.currentTimeMillis) - started }
      }
      if (passed >= boundMillis) {
        yield* Fiber.interrupt(fiber)
        return yield* Effect.dieMessage(`not done within ${boundMillis} ms of simulated time`)
      }
      yield* TestClock.adjust(stepMillis)
    }
  })

/** Sets the \`TestClock\` to a real-looking instant (node:http's own \`Date\` headers are not looked at) and returns it. */
const setClock = Effect.as(TestClock.setTime(start), start)

const failure = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got a success")
  const error = Exit.causeOption(exit).pipe(Option.flatMap((cause) => Option.fromNullable(cause._tag === "Fail" ? cause.error : undefined)))
  if (Option.isNone(error)) throw new Error(`expected a typed failure, got ${Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""}`)
  return error.value
}

const transportReason = (error: { readonly _tag: string }) =>
  error instanceof OktaError.TransportError ? `TransportError:${error.reason}` : error._tag

const epochSeconds = (millis: number) => Math.floor(millis / 1000)
const json = { "content-type": "application/json" }
const session = JSON.stringify(sessionBody)

/** A 200 (or 429) whose window is spent until `resetSeconds` after `dateMillis`. */
const spentUntil = (status: 200 | 429, dateMillis: number, resetSeconds: number, date: "send" | "omit" = "send"): Reply => ({
  status,
  headers: {
    ...json,
    ...(date === "send" ? { date: new Date(dateMillis).toUTCString() } : {}),
    "x-rate-limit-limit": "600",
    "x-rate-limit-remaining": "0",
    "x-rate-limit-reset": String(epochSeconds(dateMillis) + resetSeconds)
  },
  body: status === 200 ? session : JSON.stringify({ errorCode: "E0000047", errorSummary: "API call exceeded rate limit due to too many requests." })
})

const hour = 3600
const year = 365 * 24 * hour

describe.each(clientStacks)("hostile server over %s", (_name, clientLayer) => {
  for (const [label, seconds] of [["an hour", hour], ["a year", year]] as const) {
    it.scoped(`a 200 with Remaining 0 and Reset ${label} ahead does not hold the next call`, () =>
      Effect.gen(function*() {
        const now = yield* setClock
        const org = yield* hostile(() => spentUntil(200, now, seconds))
        const calls = Effect.flatMap(Sessions.Sessions, (s) => Effect.zipRight(s.getSession(sessionId), s.getSession(sessionId)))
        const { exit, simulatedMillis } = yield* within(Effect.provide(calls, sessionsOver(org.url, clientLayer)), 1_000)
        expect(Exit.isSuccess(exit)).toBe(true)
        expect(org.received).toHaveLength(2)
        expect(simulatedMillis).toBeLessThanOrEqual(1_000)
      }))

    it.scoped(`a 429 with Remaining 0 and Reset ${label} ahead: backoff, then TooManyRequests after maxRetries`, () =>
      Effect.gen(function*() {
        const now = yield* setClock
        const org = yield* hostile(() => spentUntil(429, now, seconds))
        const call = Effect.flatMap(Sessions.Sessions, (s) => s.getSession(sessionId))
        // backoff 1 s and 2 s, each with up to 0.5 s of jitter
        const { exit } = yield* within(Effect.provide(call, sessionsOver(org.url, clientLayer)), 5_000)
        const error = failure(exit)
        expect(error._tag).toBe("TooManyRequests")
        if (error._tag === "TooManyRequests") expect(error.rateLimit.resetEpochSeconds).toBe(epochSeconds(now) + seconds)
        expect(org.received).toHaveLength(3)
      }))
  }

  it.scoped("a window a 429 spent for 4 minutes (past maxElapsed): the next call is TooManyRequests at once, never sent", () =>
    Effect.gen(function*() {
      const now = yield* setClock
      // a 4-minute window: under the ceiling, over maxElapsed
      const org = yield* hostile((index) => index === 0 ? spentUntil(429, now, 240) : { status: 200, headers: json, body: session })
      const calls = Effect.flatMap(Sessions.Sessions, (s) =>
        Effect.zip(Effect.either(s.getSession(sessionId)), Effect.either(s.refreshSession(sessionId))))
      const { exit } = yield* within(
        Effect.provide(calls, sessionsOver(org.url, clientLayer, { maxElapsed: "30 seconds" })),
        1_000
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      if (Exit.isFailure(exit)) return
      const [first, second] = exit.value
      expect(Either.isLeft(first) && first.left._tag).toBe("TooManyRequests")
      expect(Either.isLeft(second) && second.left._tag).toBe("TooManyRequests")
      if (Either.isLeft(second) && second.left._tag === "TooManyRequests") {
        expect(second.left.rateLimit.resetEpochSeconds).toBe(epochSeconds(now) + 240)
        expect(second.left.path).toBe("/api/v1/sessions/{sessionId}/lifecycle/refresh")
      }
      // the second call was never sent
      expect(org.received).toHaveLength(1)
    }))

  for (const [label, skewMillis] of [["a year ahead", year * 1000], ["a day behind", -24 * hour * 1000]] as const) {
    it.scoped(`a Date ${label} of ours: the hold is Reset − Date (2 s), not Reset − our clock`, () =>
      Effect.gen(function*() {
        const now = yield* setClock
        const org = yield* hostile((index) => index === 0 ? spentUntil(200, now + skewMillis, 2) : { status: 200, headers: json, body: session })
        const calls = Effect.flatMap(Sessions.Sessions, (s) => Effect.zipRight(s.getSession(sessionId), s.getSession(sessionId)))
        const { exit, simulatedMillis } = yield* within(Effect.provide(calls, sessionsOver(org.url, clientLayer)), 4_000)
        expect(Exit.isSuccess(exit)).toBe(true)
        expect(org.received).toHaveLength(2)
        // 2 s (less what the Date's whole second hides), plus a 50 ms pad and up to 100 ms of jitter
        expect(simulatedMillis).toBeGreaterThanOrEqual(1_000)
        expect(simulatedMillis).toBeLessThanOrEqual(2_200)
      }))
  }

  it.scoped("no Date and a Reset an hour ahead of our clock: the hold is capped at 60 s", () =>
    Effect.gen(function*() {
      const now = yield* setClock
      const org = yield* hostile((index) => index === 0 ? spentUntil(200, now, hour, "omit") : { status: 200, headers: json, body: session })
      const calls = Effect.flatMap(Sessions.Sessions, (s) => Effect.zipRight(s.getSession(sessionId), s.getSession(sessionId)))
      const { exit, simulatedMillis } = yield* within(Effect.provide(calls, sessionsOver(org.url, clientLayer)), 62_000, 1_000)
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(org.received).toHaveLength(2)
      expect(simulatedMillis).toBeGreaterThanOrEqual(60_000)
    }))

  it.scoped("a stale proxy answer (Date an hour old): the hold is its own Reset − Date", () =>
    Effect.gen(function*() {
      const now = yield* setClock
      const org = yield* hostile((index) => index === 0 ? spentUntil(200, now - hour * 1000, 3) : { status: 200, headers: json, body: session })
      const calls = Effect.flatMap(Sessions.Sessions, (s) => Effect.zipRight(s.getSession(sessionId), s.getSession(sessionId)))
      const { exit, simulatedMillis } = yield* within(Effect.provide(calls, sessionsOver(org.url, clientLayer)), 4_000)
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(simulatedMillis).toBeLessThanOrEqual(3_200)
    }))

  it.scoped("a duplicated Reset (a year ahead and 2 s ahead, two header lines): the smallest counts", () =>
    Effect.gen(function*() {
      const now = yield* setClock
      const org = yield* hostile((index) =>
        index === 0
          ? {
            status: 429,
            headers: {
              ...json,
              date: new Date(now).toUTCString(),
              "x-rate-limit-limit": "600",
              "x-rate-limit-remaining": "0",
              "x-rate-limit-reset": [String(epochSeconds(now) + year), String(epochSeconds(now) + 2)]
            },
            body: "{}"
          }
          : { status: 200, headers: json, body: session }
      )
      const call = Effect.flatMap(Sessions.Sessions, (s) => s.getSession(sessionId))
      const { exit, simulatedMillis } = yield* within(Effect.provide(call, sessionsOver(org.url, clientLayer)), 4_000)
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(org.received).toHaveLength(2)
      // 2 s plus the 429 retry's 200 ms pad and up to 500 ms of jitter
      expect(simulatedMillis).toBeLessThanOrEqual(2_800)
    }))

  it.scoped("a 429 storm (every answer 429, Remaining 0): 200 callers finish about as fast as without the throttle", () =>
    Effect.gen(function*() {
      yield* setClock
      const clock = yield* Effect.clock
      const storm = (index: number): Reply => {
        const now = clock.unsafeCurrentTimeMillis()
        return { ...spentUntil(429, now, 1), headers: { ...spentUntil(429, now, 1).headers, "x-okta-request-id": `storm-${index}` } }
      }
      const run = (throttle: boolean) =>
        Effect.scoped(Effect.gen(function*() {
          const org = yield* hostile(storm)
          const callers = Effect.flatMap(Sessions.Sessions, (s) =>
            Effect.forEach(
              Array.from({ length: 200 }, (_, caller) => Session.SessionId.make(`caller${caller}`)),
              (id) => Effect.either(s.getSession(id)),
              { concurrency: "unbounded" }
            ))
          const realStart = performance.now()
          const { exit, simulatedMillis } = yield* within(
            Effect.provide(callers, sessionsOver(org.url, clientLayer, { throttle })),
            10_000
          )
          const realMillis = Math.round(performance.now() - realStart)
          if (Exit.isFailure(exit)) return yield* Effect.dieMessage(Cause.pretty(exit.cause))
          const outcomes = new Set(exit.value.map((result) => Either.isLeft(result) ? result.left._tag : "success"))
          return { outcomes, requests: org.received.length, simulatedMillis, realMillis }
        }))
      const withThrottle = yield* run(true)
      const without = yield* run(false)
      console.log(
        `429 storm, 200 callers: with the throttle ${withThrottle.simulatedMillis} ms simulated (${withThrottle.realMillis} ms real), ` +
          `${withThrottle.requests} requests; without ${without.simulatedMillis} ms simulated (${without.realMillis} ms real), ${without.requests} requests`
      )
      // every caller ends with its typed 429 after its retries, with the throttle or without
      expect([...withThrottle.outcomes]).toEqual(["TooManyRequests"])
      expect([...without.outcomes]).toEqual(["TooManyRequests"])
      expect(without.requests).toBe(200 * 3)
      // the throttle refuses locally what a 429 already answered: fewer requests, and no caller waits its turn
      // window by window (simulated time, on the TestClock: within a second of the run without it)
      expect(withThrottle.requests).toBeLessThan(without.requests)
      expect(withThrottle.simulatedMillis).toBeLessThanOrEqual(without.simulatedMillis + 1_000)
    }), 60_000)

  const compressors = [
    ["gzip", zlib.gzipSync],
    ["deflate", zlib.deflateSync],
    ["br", zlib.brotliCompressSync]
  ] as const
  for (const [encoding, compress] of compressors) {
    it.scoped(`a ${encoding} body of 2 MiB decoded (a few KiB sent) is TransportError ResponseTooLarge`, () =>
      Effect.gen(function*() {
        const huge = compress(Buffer.from(JSON.stringify({ ...sessionBody, login: "x".repeat(2 * 1024 * 1024) })))
        expect(huge.length).toBeLessThan(64 * 1024)
        const org = yield* hostile(() => ({ status: 200, headers: { ...json, "content-encoding": encoding, "content-length": String(huge.length) }, body: huge }))
        const call = Effect.flatMap(Sessions.Sessions, (s) => s.getSession(sessionId))
        const { exit } = yield* within(Effect.provide(call, sessionsOver(org.url, clientLayer, { maxRetries: 0 })), 1_000)
        expect(transportReason(failure(exit))).toBe("TransportError:ResponseTooLarge")
      }))

    it.scoped(`a small ${encoding} Session body decodes`, () =>
      Effect.gen(function*() {
        const small = compress(Buffer.from(session))
        const org = yield* hostile(() => ({ status: 200, headers: { ...json, "content-encoding": encoding }, body: small }))
        const call = Effect.flatMap(Sessions.Sessions, (s) => s.getSession(sessionId))
        const { exit } = yield* within(Effect.provide(call, sessionsOver(org.url, clientLayer)), 1_000)
        expect(Exit.isSuccess(exit) && exit.value.id).toBe(sessionBody.id)
      }))
  }

  it.scoped("a chunked body without Content-Length: within the cap it decodes, over it is ResponseTooLarge", () =>
    Effect.gen(function*() {
      const org = yield* hostile((index, _request, response) => {
        response.writeHead(200, json)
        if (index === 0) {
          response.write(session.slice(0, 40))
          response.end(session.slice(40))
        } else {
          for (let chunk = 0; chunk < 40; chunk++) response.write("x".repeat(64 * 1024))
          response.end()
        }
        return "handled"
      })
      const calls = Effect.flatMap(Sessions.Sessions, (s) => Effect.zip(s.getSession(sessionId), Effect.either(s.getSession(sessionId))))
      const { exit } = yield* within(Effect.provide(calls, sessionsOver(org.url, clientLayer, { maxRetries: 0 })), 1_000)
      expect(Exit.isSuccess(exit)).toBe(true)
      if (Exit.isFailure(exit)) return
      expect(exit.value[0].id).toBe(sessionBody.id)
      expect(Either.isLeft(exit.value[1]) && transportReason(exit.value[1].left)).toBe("TransportError:ResponseTooLarge")
    }))

  it.scoped("a body that never ends is TransportError Timeout at requestTimeout, retried, then the last Timeout stands", () =>
    Effect.gen(function*() {
      const org = yield* hostile((_index, _request, response) => {
        response.writeHead(200, json)
        response.write("{\"id\":")
        return "handled"
      })
      const call = Effect.flatMap(Sessions.Sessions, (s) => s.getSession(sessionId))
      // 3 attempts of 2 s and two transient backoffs of at most 300 and 600 ms
      const { exit } = yield* within(Effect.provide(call, sessionsOver(org.url, clientLayer, { requestTimeout: "2 seconds" })), 10_000)
      expect(transportReason(failure(exit))).toBe("TransportError:Timeout")
      expect(org.received).toHaveLength(3)
    }))

  it.scoped("a redirect is not followed: UnexpectedStatus, one request", () =>
    Effect.gen(function*() {
      const org = yield* hostile(() => ({ status: 307, headers: { location: "/api/v1/sessions/elsewhere" } }))
      const call = Effect.flatMap(Sessions.Sessions, (s) => s.getSession(sessionId))
      const { exit } = yield* within(Effect.provide(call, sessionsOver(org.url, clientLayer)), 1_000)
      expect(failure(exit)).toMatchObject({ _tag: "UnexpectedStatus", status: 307 })
      expect(org.received).toHaveLength(1)
    }))

  it.scoped("an echoed Authorization header in an error body never reaches the error", () =>
    Effect.gen(function*() {
      const org = yield* hostile((_index, request) => ({
        status: 401,
        headers: { ...json, "x-okta-request-id": `echo ${request.headers.authorization}` },
        body: JSON.stringify({ errorCode: "E0000011", errorSummary: `Invalid token: ${request.headers.authorization}` })
      }))
      const call = Effect.flatMap(Sessions.Sessions, (s) => s.getSession(sessionId))
      const { exit } = yield* within(Effect.provide(call, sessionsOver(org.url, clientLayer)), 1_000)
      const error = failure(exit)
      expect(error._tag).toBe("Unauthorized")
      expect(error.message).toContain("<redacted>")
      for (const text of [error.message, String(error), JSON.stringify(error)]) expect(text).not.toContain(apiToken)
    }))

  it.scoped("a garbage status line is TransportError Connection, never a defect", () =>
    Effect.gen(function*() {
      const server = yield* Effect.acquireRelease(
        Effect.async<net.Server>((resume) => {
          const created = net.createServer((socket) => {
            socket.once("data", () => socket.end("HTTP/1.1 abc nonsense\r\nx: y\r\n\r\n"))
          })
          created.listen(0, "127.0.0.1", () => resume(Effect.succeed(created)))
        }),
        (created) =>
          Effect.async<void>((resume) => {
            created.close(() => resume(Effect.void))
          })
      )
      const call = Effect.flatMap(Sessions.Sessions, (s) => s.getSession(sessionId))
      const { exit } = yield* within(Effect.provide(call, sessionsOver(urlOf(server), clientLayer, { maxRetries: 0 })), 1_000)
      expect(transportReason(failure(exit))).toBe("TransportError:Connection")
    }))

  it.scoped("a call interrupted while it waits for its answer aborts the request: the server sees the connection close", () =>
    Effect.gen(function*() {
      let closed = false
      // Never answers; notes when the client drops the request.
      const org = yield* hostile((_, request) => {
        request.socket.once("close", () => {
          closed = true
        })
        return "handled"
      })
      const realPause = Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
      // The layer outlives the call (its pool is not closed with it): only the abort can close the connection.
      const context = yield* Layer.build(sessionsOver(org.url, clientLayer))
      const fiber = yield* Effect.fork(Effect.provide(Effect.flatMap(Sessions.Sessions, (s) => s.getSession(sessionId)), context))
      for (let spin = 0; spin < 400 && org.received.length === 0; spin++) yield* realPause
      expect(org.received).toHaveLength(1)
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
      for (let spin = 0; spin < 400 && !closed; spin++) yield* realPause
      expect(closed).toBe(true)
    }))
})
