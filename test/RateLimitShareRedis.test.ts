/**
 * RateLimitShare on real Redis (127.0.0.1:6379, a key prefix per run, its keys deleted at the end):
 * two client layers, each with a `KeepaliveBudgetRedis.layer` of its own (as two processes would
 * have), over one node:http server on 127.0.0.1 that counts requests. Client A meets a 429 with a
 * Reset ahead; client B then fails fast with TooManyRequests without sending, and sends once the
 * window is over. Real time: the Reset is at most 3 s ahead.
 */
import * as http from "node:http"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Redacted, Schedule } from "effect"
import { OktaConfig, Session, Sessions } from "effect-okta-sessions"
import * as KeepaliveBudgetRedis from "effect-okta-sessions/KeepaliveBudgetRedis"
import * as OktaUndici from "effect-okta-sessions/OktaUndici"
import { Redis } from "ioredis"
import { sessionBody } from "./RateLimitFixture.js"
import { apiToken } from "./RecordingHttpClient.js"

const sessionId = Session.SessionId.make("l7FbDVqS8zHSy65uJD85")
const prefix = `effect-okta-sessions-test:share:${process.pid}:${Date.now()}:`

/** Deletes every key under the run's prefix when the scope closes. */
const dropKeysAtEnd = Effect.addFinalizer(() =>
  Effect.promise(async () => {
    const redis = new Redis({ host: "127.0.0.1", port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 })
    try {
      await redis.connect()
      const keys = await redis.keys(`${prefix}*`)
      if (keys.length > 0) await redis.del(...keys)
    } finally {
      redis.disconnect()
    }
  })
)

/** A server whose first answer is a 429 spending the window until `resetEpochSeconds`; then 200s. Records the time of each request. */
const org = Effect.gen(function*() {
  const received: Array<number> = []
  let resetEpochSeconds = 0
  const server = yield* Effect.acquireRelease(
    Effect.async<http.Server>((resume) => {
      const created = http.createServer((_request, response) => {
        const now = Date.now()
        received.push(now)
        response.sendDate = false
        if (received.length === 1) {
          resetEpochSeconds = Math.floor(now / 1000) + 3
          response.writeHead(429, {
            "content-type": "application/json",
            date: new Date(now).toUTCString(),
            "x-rate-limit-limit": "600",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": String(resetEpochSeconds)
          })
          response.end(JSON.stringify({ errorCode: "E0000047", errorSummary: "API call exceeded rate limit due to too many requests." }))
          return
        }
        response.writeHead(200, {
          "content-type": "application/json",
          date: new Date(now).toUTCString(),
          "x-rate-limit-limit": "600",
          "x-rate-limit-remaining": "500",
          "x-rate-limit-reset": String(Math.floor(now / 1000) + 60)
        })
        response.end(JSON.stringify(sessionBody))
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
  return { url: `http://127.0.0.1:${port}`, received, resetEpochSeconds: () => resetEpochSeconds }
})

/** One "process": `Sessions` on the lean undici layer, with a `KeepaliveBudgetRedis.layer` of its own; built in the test's scope. */
const processClient = (orgUrl: string) =>
  Effect.map(
    Layer.build(
      Layer.effect(Sessions.Sessions, Sessions.make).pipe(
        Layer.provide(OktaUndici.layerHttpClient()),
        Layer.provide(OktaConfig.layer({ orgUrl, token: Redacted.make(apiToken), requestTimeout: 0, rateLimitRetry: Schedule.recurs(0) })),
        Layer.provide(KeepaliveBudgetRedis.layer({ url: Redacted.make("redis://127.0.0.1:6379"), prefix }))
      )
    ),
    (context) => Context.get(context, Sessions.Sessions)
  )

describe("RateLimitShare over KeepaliveBudgetRedis.layer", () => {
  it.scopedLive("a 429 met by process A: process B fails fast with TooManyRequests without a request, and sends after the reset", () =>
    Effect.gen(function*() {
      yield* dropKeysAtEnd
      const server = yield* org
      const b = yield* processClient(server.url)
      const a = yield* processClient(server.url)

      const first = yield* Effect.flip(a.getSession(sessionId))
      expect(first._tag).toBe("TooManyRequests")
      expect(server.received).toHaveLength(1)
      // the window goes over Redis pub/sub: a loopback round trip or two
      yield* Effect.sleep("300 millis")

      const refused = yield* Effect.flip(b.getSession(sessionId))
      expect(refused._tag).toBe("TooManyRequests")
      if (refused._tag === "TooManyRequests") {
        expect(refused.rateLimit.remaining).toBe(0)
        expect(refused.rateLimit.resetEpochSeconds).toBe(server.resetEpochSeconds())
      }
      expect(server.received).toHaveLength(1)

      // once the window is over by B's clock, B sends again: A placed its end by a Date of whole seconds, so up to 1 s after the Reset
      yield* Effect.sleep(Math.max(0, server.resetEpochSeconds() * 1000 + 1_100 - Date.now()))
      const session = yield* b.getSession(sessionId)
      expect(session.id).toBe(sessionId)
      expect(server.received).toHaveLength(2)
      expect(server.received[1] ?? 0).toBeGreaterThanOrEqual(server.resetEpochSeconds() * 1000)
    }), 20_000)
})
