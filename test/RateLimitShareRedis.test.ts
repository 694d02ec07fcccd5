/**
 * RateLimitShare on real Redis: two client layers, each with a `KeepaliveBudgetRedis.layer` of its
 * own (as two processes would have), over one node:http server on 127.0.0.1 that counts requests.
 * Client A meets a 429 with a Reset ahead; client B then fails fast with TooManyRequests without
 * sending, and sends once the window is over. On the shared Redis at 127.0.0.1:6379 (a key prefix
 * per run, its keys deleted at the end), and on a redis-server of the test's own, killed and started
 * again: meanwhile each client keeps its own view, with one warning per layer; then sharing resumes.
 * Real time: each Reset is at most 3 s ahead.
 */
import * as http from "node:http"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Logger, LogLevel, Redacted, Schedule } from "effect"
import { OktaConfig, Session, Sessions } from "effect-okta-sessions"
import * as KeepaliveBudgetRedis from "effect-okta-sessions/KeepaliveBudgetRedis"
import * as OktaUndici from "effect-okta-sessions/OktaUndici"
import { Redis } from "ioredis"
import { sessionBody } from "./RateLimitFixture.js"
import { apiToken } from "./RecordingHttpClient.js"
import { freePort, startRedis, stopRedis } from "./redisServer.js"

const sessionId = Session.SessionId.make("l7FbDVqS8zHSy65uJD85")
const runPrefix = (name: string) => `effect-okta-sessions-test:share:${name}:${process.pid}:${Date.now()}:`

/** Deletes every key under `prefix` on the Redis at `port` when the scope closes. */
const dropKeysAtEnd = (port: number, prefix: string) =>
  Effect.addFinalizer(() =>
    Effect.promise(async () => {
      const redis = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null })
      redis.on("error", () => {})
      try {
        await redis.connect()
        const keys = await redis.keys(`${prefix}*`)
        if (keys.length > 0) await redis.del(...keys)
      } catch {
        // the test's own server may be gone already: nothing left behind there
      } finally {
        redis.disconnect()
      }
    })
  )

const json = (response: http.ServerResponse, status: number, headers: Record<string, string>, body: unknown) => {
  response.sendDate = false
  response.writeHead(status, { "content-type": "application/json", ...headers })
  response.end(JSON.stringify(body))
}

/**
 * A server that answers 200 with room in the window, except after `spendNext()`: the next request
 * gets a 429 spending the window until `reset()` (2 to 3 s ahead). Records the time of each request.
 */
const org = Effect.gen(function*() {
  const received: Array<number> = []
  let resetEpochSeconds = 0
  let refuseNext = false
  const server = yield* Effect.acquireRelease(
    Effect.async<http.Server>((resume) => {
      const created = http.createServer((_request, response) => {
        const now = Date.now()
        received.push(now)
        const date = new Date(now).toUTCString()
        if (refuseNext) {
          refuseNext = false
          resetEpochSeconds = Math.floor(now / 1000) + 3
          json(response, 429, {
            date,
            "x-rate-limit-limit": "600",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": String(resetEpochSeconds)
          }, { errorCode: "E0000047", errorSummary: "API call exceeded rate limit due to too many requests." })
          return
        }
        json(response, 200, {
          date,
          "x-rate-limit-limit": "600",
          "x-rate-limit-remaining": "500",
          // a window of about a second with room: older than any 429's, so a shared 429 window is applied over it
          "x-rate-limit-reset": String(Math.floor(now / 1000) + 1)
        }, sessionBody)
      })
      created.listen(0, "127.0.0.1", () => resume(Effect.succeed(created)))
    }),
    (created) =>
      Effect.async<void>((resume) => {
        created.close(() => resume(Effect.void))
        created.closeAllConnections()
      })
  )
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    spendNext: () => {
      refuseNext = true
    },
    reset: () => resetEpochSeconds
  }
})

/** One "process": `Sessions` on the lean undici layer, with a `KeepaliveBudgetRedis.layer` of its own; built in the test's scope. */
const processClient = (orgUrl: string, redisPort: number, prefix: string) =>
  Effect.map(
    Layer.build(
      Layer.effect(Sessions.Sessions, Sessions.make).pipe(
        Layer.provide(OktaUndici.layerHttpClient()),
        Layer.provide(OktaConfig.layer({ orgUrl, token: Redacted.make(apiToken), requestTimeout: 0, rateLimitRetry: Schedule.recurs(0) })),
        Layer.provide(KeepaliveBudgetRedis.layer({ url: Redacted.make(`redis://127.0.0.1:${redisPort}`), prefix }))
      )
    ),
    (context) => Context.get(context, Sessions.Sessions)
  )

/** A's 429 reaches B over Redis: B fails fast without a request, then sends once the window is over by its clock. */
const sharedThrough = (server: Effect.Effect.Success<typeof org>, a: Sessions.Sessions.Service, b: Sessions.Sessions.Service) =>
  Effect.gen(function*() {
    const before = server.received.length
    server.spendNext()
    const first = yield* Effect.flip(a.getSession(sessionId))
    expect(first._tag).toBe("TooManyRequests")
    expect(server.received).toHaveLength(before + 1)
    // the window goes over Redis pub/sub: a loopback round trip or two
    yield* Effect.sleep("300 millis")

    const refused = yield* Effect.flip(b.getSession(sessionId))
    expect(refused._tag).toBe("TooManyRequests")
    if (refused._tag === "TooManyRequests") {
      expect(refused.rateLimit.remaining).toBe(0)
      expect(refused.rateLimit.resetEpochSeconds).toBe(server.reset())
    }
    expect(server.received).toHaveLength(before + 1)

    // A placed the window's end by a Date of whole seconds: up to 1 s after the Reset
    yield* Effect.sleep(Math.max(0, server.reset() * 1000 + 1_100 - Date.now()))
    const session = yield* b.getSession(sessionId)
    expect(session.id).toBe(sessionId)
    expect(server.received).toHaveLength(before + 2)
    expect(server.received[before + 1] ?? 0).toBeGreaterThanOrEqual(server.reset() * 1000)
  })

describe("RateLimitShare over KeepaliveBudgetRedis.layer", () => {
  it.scopedLive("a 429 met by process A: process B fails fast with TooManyRequests without a request, and sends after the reset", () =>
    Effect.gen(function*() {
      const prefix = runPrefix("shared")
      yield* dropKeysAtEnd(6379, prefix)
      const server = yield* org
      const b = yield* processClient(server.url, 6379, prefix)
      const a = yield* processClient(server.url, 6379, prefix)
      yield* sharedThrough(server, a, b)
    }), 20_000)

  it.scopedLive("Redis lost: each process keeps its own view (one warning per layer, no defect); once it is back, windows are shared again", () => {
    const logs: Array<readonly [LogLevel.LogLevel, string]> = []
    const capture = Logger.make(({ logLevel, message }) => {
      logs.push([logLevel, Array.isArray(message) ? message.map(String).join(" ") : String(message)])
    })
    return Effect.gen(function*() {
      const port = yield* freePort
      const prefix = runPrefix("outage")
      let redis = yield* startRedis(port)
      yield* Effect.addFinalizer(() => stopRedis(redis))
      yield* dropKeysAtEnd(port, prefix)
      const server = yield* org
      const b = yield* processClient(server.url, port, prefix)
      const a = yield* processClient(server.url, port, prefix)

      yield* stopRedis(redis)
      yield* Effect.sleep("300 millis")
      // A's 429 is not shared: B sends, and learns the window from its own answer
      server.spendNext()
      expect((yield* Effect.flip(a.getSession(sessionId)))._tag).toBe("TooManyRequests")
      yield* Effect.sleep("300 millis")
      expect((yield* b.getSession(sessionId)).id).toBe(sessionId)
      expect(server.received).toHaveLength(2)
      const warnings = logs.filter(([level]) => level === LogLevel.Warning)
      expect(warnings).toHaveLength(2)
      for (const [, warning] of warnings) expect(warning).toContain(`127.0.0.1:${port} lost`)

      redis = yield* startRedis(port)
      for (let tries = 0; tries < 100; tries++) {
        if (logs.filter(([, message]) => message.includes("spent windows are shared again")).length >= 2) break
        yield* Effect.sleep("50 millis")
      }
      expect(logs.filter(([, message]) => message.includes("spent windows are shared again"))).toHaveLength(2)
      // A's own window from the outage must be over before A can meet the next 429
      yield* Effect.sleep(Math.max(0, server.reset() * 1000 + 1_100 - Date.now()))
      yield* sharedThrough(server, a, b)
      expect(logs.filter(([level]) => level === LogLevel.Warning)).toHaveLength(2)
      expect(logs.filter(([level]) => LogLevel.greaterThanEqual(level, LogLevel.Error))).toEqual([])
    }).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, capture)))
  }, 30_000)
})
