/**
 * KeepaliveBudgetRedis: the fleet budget on real Redis. Two Keepalives over the emulator on
 * 127.0.0.1 share a budget on the Redis at 127.0.0.1:6379 (a key prefix per run, deleted at the
 * end); a Redis server of the test's own is killed mid-run and started again on the same port;
 * a bad or closed URL at start is a typed error naming the setting, without the password.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { createServer } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Cause, ConfigProvider, Effect, Exit, Layer, Logger, LogLevel, Option, Redacted, Scope } from "effect"
import { FakeOkta, OktaEmulator } from "effect-okta-sessions/testing"
import { KeepaliveBudget } from "effect-okta-sessions"
import * as KeepaliveBudgetRedis from "effect-okta-sessions/KeepaliveBudgetRedis"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { KeepaliveStore } from "effect-okta-sessions"
import { Redis } from "ioredis"
import { measurePauseAcross, measureTwoWorkers, oneInstance, Org, startKeepalive, twoInstances, waitUntil } from "./budgetScenarios.js"

const sharedUrl = Redacted.make("redis://127.0.0.1:6379")
const runPrefix = (name: string) => `effect-okta-sessions-test:${name}:${process.pid}:${Date.now()}:`

/** Deletes every key under `prefix` when the test's scope closes. */
const dropKeysAtEnd = (port: number, prefix: string) =>
  Effect.addFinalizer(() =>
    Effect.promise(async () => {
      const redis = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 1 })
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

const keysUnder = (port: number, prefix: string) =>
  Effect.promise(async () => {
    const redis = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 1 })
    try {
      await redis.connect()
      return await redis.keys(`${prefix}*`)
    } finally {
      redis.disconnect()
    }
  })

/** A port nothing listens on (bound once by the OS, then freed). */
const freePort = Effect.promise(() =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
)

/** Starts `redis-server` on `port` (no persistence) and waits until it answers. */
const startRedis = (port: number) =>
  Effect.gen(function*() {
    const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: "ignore"
    })
    const probe = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    probe.on("error", () => {})
    for (let tries = 0; tries < 100; tries++) {
      const up = yield* Effect.promise(() => probe.connect().then(() => probe.ping()).then(() => true, () => false))
      if (up) break
      yield* Effect.sleep("50 millis")
    }
    probe.disconnect()
    return child
  })

const stopRedis = (child: ChildProcess) =>
  Effect.promise(() =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once("exit", () => resolve())
      child.kill("SIGKILL")
    })
  )

describe("KeepaliveBudgetRedis (Redis at 127.0.0.1:6379)", () => {
  it.scopedLive("two Keepalives at share 0.5 together stay within 0.5 of the budget", () => {
    const prefix = runPrefix("budget")
    return Effect.gen(function*() {
      yield* dropKeysAtEnd(6379, prefix)
      // one layer per Keepalive: what they share is only in Redis, as for two processes
      const budgets = yield* twoInstances(KeepaliveBudgetRedis.layer({ url: sharedUrl, prefix }))
      const { refreshed, samples } = yield* measureTwoWorkers(3000, budgets)
      // 10 a second together, bursts of 10 (each alone would take that)
      for (const [elapsed, count] of samples) expect(count).toBeLessThanOrEqual(10 + Math.ceil(elapsed / 100) + 1)
      const [last] = samples.slice(-1)
      expect(last![1]).toBeGreaterThanOrEqual(25)
      expect(Math.min(...refreshed)).toBeGreaterThan(0)
      expect((yield* keysUnder(6379, prefix)).some((key) => key.startsWith(`${prefix}budget:`))).toBe(true)
    }).pipe(Effect.provide(Org))
  })

  it.scopedLive("a 429 met by one pauses the other until the pause ends", () => {
    const prefix = runPrefix("pause")
    return Effect.gen(function*() {
      yield* dropKeysAtEnd(6379, prefix)
      const budgets = yield* twoInstances(KeepaliveBudgetRedis.layer({ url: sharedUrl, prefix }))
      const { addedAt, firstRefresh, pausedUntil, secondThrottled } = yield* measurePauseAcross(budgets)
      const until = Option.getOrThrow(pausedUntil)
      expect(until - addedAt).toBeGreaterThanOrEqual(500)
      expect(firstRefresh).toBeGreaterThanOrEqual(until)
      expect(firstRefresh).toBeLessThanOrEqual(until + 1000)
      expect(secondThrottled).toBe(false)
    }).pipe(Effect.provide(Org))
  })
})

/** Sessions of 20 s idle, signed in over the last 16 s: each needs a refresh every few seconds. */
const ShortOrg = OktaEmulator.layerClient({ throttle: false, maxRetries: 0, requestTimeout: "3 seconds" }).pipe(
  Layer.provideMerge(OktaEmulator.layerWithFakeOkta({}, {
    idleWindow: "20 seconds",
    rateLimits: { sessions: { limit: 100_000, window: "1 second" } },
    concurrencyLimit: 1000
  })),
  Layer.provide(NodeHttpClient.layerUndici),
  Layer.provideMerge(KeepaliveStore.layerMemory)
)

describe("KeepaliveBudgetRedis when Redis restarts", () => {
  it.scopedLive("keeps every session alive across a 10 s outage, on a local limiter, then on Redis again", () => {
    const logs: Array<readonly [LogLevel.LogLevel, string]> = []
    const capture = Logger.make(({ logLevel, message }) => {
      logs.push([logLevel, Array.isArray(message) ? message.map(String).join(" ") : String(message)])
    })
    return Effect.gen(function*() {
      const port = yield* freePort
      const prefix = runPrefix("restart")
      let server = yield* startRedis(port)
      yield* Effect.addFinalizer(() => stopRedis(server))

      const okta = yield* FakeOkta.FakeOkta
      const budgetScope = yield* Scope.make()
      const budgets = yield* twoInstances(KeepaliveBudgetRedis.layer({ url: Redacted.make(`redis://127.0.0.1:${port}`), prefix })).pipe(
        Scope.extend(budgetScope)
      )
      const options = {
        budget: { limit: 30, interval: "1 second" },
        share: 0.5,
        concurrency: 4,
        requestTimeout: "3 seconds",
        safetyMargin: "3 seconds"
      } as const
      const workers = yield* Effect.all([startKeepalive(options, budgets[0]), startKeepalive(options, budgets[1])])
      const seeded = yield* okta.seedSessions(60, { maxAge: "16 seconds" })
      yield* workers[0].keepalive.addAll(seeded.slice(0, 30))
      yield* workers[1].keepalive.addAll(seeded.slice(30))

      const refreshes = Effect.map(okta.counters, (counters) => counters.byOperation.refreshSession)
      yield* Effect.sleep("3 seconds")
      const beforeOutage = yield* refreshes
      expect(beforeOutage).toBeGreaterThan(0)
      expect((yield* keysUnder(port, prefix)).some((key) => key.startsWith(`${prefix}budget:`))).toBe(true)
      yield* stopRedis(server)
      yield* Effect.sleep("10 seconds")
      const duringOutage = (yield* refreshes) - beforeOutage
      server = yield* startRedis(port)
      yield* waitUntil(() => logs.filter(([, message]) => message.includes("is back after")).length >= 2, 5000)
      yield* Effect.sleep("2 seconds")
      const afterRecovery = yield* keysUnder(port, prefix)

      for (const { scope } of workers) expect(Exit.isSuccess(yield* Effect.exit(Scope.close(scope, Exit.void)))).toBe(true)
      expect(Exit.isSuccess(yield* Effect.exit(Scope.close(budgetScope, Exit.void)))).toBe(true)

      const ended = workers.flatMap(({ events }) =>
        events.filter(([, event]) => event._tag === "Expired" || event._tag === "Failed" || event._tag === "Released")
      )
      expect(ended).toEqual([])
      for (const session of seeded) expect(Option.isSome(yield* okta.lookupSession(session.id))).toBe(true)
      // refreshed on the local limiter meanwhile, within 1/3 of the budget per process (bursts of 15 over 3 s)
      expect(duringOutage).toBeGreaterThan(10)
      expect(duringOutage).toBeLessThanOrEqual(2 * (15 + 5 * 11))
      // one warning for the outage, one line for the recovery, nothing worse; the new server holds the budget
      const warnings = logs.filter(([level]) => level === LogLevel.Warning)
      // one of each per budget instance (per "process")
      expect(warnings.length).toBe(2)
      for (const [, warning] of warnings) expect(warning).toContain(`127.0.0.1:${port} lost`)
      expect(logs.filter(([, message]) => message.includes("is back after")).length).toBe(2)
      expect(logs.filter(([level]) => LogLevel.greaterThanEqual(level, LogLevel.Error))).toEqual([])
      expect(afterRecovery.some((key) => key.startsWith(`${prefix}budget:`))).toBe(true)
    }).pipe(Effect.provide(ShortOrg), Effect.provide(Logger.replace(Logger.defaultLogger, capture)))
  }, 60_000)
})

describe("KeepaliveBudgetRedis when Redis hangs", () => {
  it.scopedLive("a stopped Redis (SIGSTOP) that keeps its connections: commands time out, the local limiter serves", () => {
    const logs: Array<readonly [LogLevel.LogLevel, string]> = []
    const capture = Logger.make(({ logLevel, message }) => {
      logs.push([logLevel, Array.isArray(message) ? message.map(String).join(" ") : String(message)])
    })
    return Effect.gen(function*() {
      const port = yield* freePort
      const prefix = runPrefix("hang")
      const server = yield* startRedis(port)
      yield* Effect.addFinalizer(() => Effect.zipRight(Effect.sync(() => server.kill("SIGCONT")), stopRedis(server)))
      const okta = yield* FakeOkta.FakeOkta
      const budgetScope = yield* Scope.make()
      const [budget] = yield* oneInstance(KeepaliveBudgetRedis.layer({ url: Redacted.make(`redis://127.0.0.1:${port}`), prefix })).pipe(
        Scope.extend(budgetScope)
      )
      const worker = yield* startKeepalive({ budget: { limit: 30, interval: "1 second" }, share: 0.5, concurrency: 4 }, budget)
      const ids = yield* okta.seedSessionIds(200)
      yield* worker.keepalive.addAll(ids)
      yield* Effect.sleep("1 second")
      server.kill("SIGSTOP")
      const before = (yield* okta.counters).byOperation.refreshSession
      yield* Effect.sleep("4 seconds")
      const duringHang = (yield* okta.counters).byOperation.refreshSession - before
      server.kill("SIGCONT")
      yield* waitUntil(() => logs.some(([, message]) => message.includes("is back after")), 5000)
      expect(Exit.isSuccess(yield* Effect.exit(Scope.close(worker.scope, Exit.void)))).toBe(true)
      expect(Exit.isSuccess(yield* Effect.exit(Scope.close(budgetScope, Exit.void)))).toBe(true)
      // after at most a command timeout (500 ms) and the outage wait (1 s): 5 a second locally, bursts of 15
      expect(duringHang).toBeGreaterThanOrEqual(8)
      expect(duringHang).toBeLessThanOrEqual(15 + 5 * 5)
      expect(logs.filter(([level]) => level === LogLevel.Warning).length).toBe(1)
      expect(logs.filter(([, message]) => message.includes("is back after")).length).toBe(1)
      expect(logs.filter(([level]) => LogLevel.greaterThanEqual(level, LogLevel.Error))).toEqual([])
    }).pipe(Effect.provide(ShortOrg), Effect.provide(Logger.replace(Logger.defaultLogger, capture)))
  }, 60_000)
})

describe("KeepaliveBudgetRedis at start", () => {
  const password = "hunter2-not-to-be-seen"

  const failureOf = <E>(layer: Layer.Layer<KeepaliveBudget.KeepaliveBudget, E>) =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Effect.scoped(Layer.build(layer)))
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isSuccess(exit)) return undefined
      const text = Cause.pretty(exit.cause)
      expect(text).not.toContain(password)
      return Option.getOrUndefined(Cause.failureOption(exit.cause))
    })

  it.live("a closed port: KeepaliveBudgetRedisError naming the option url, without the password", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const error = yield* failureOf(
        KeepaliveBudgetRedis.layer({ url: Redacted.make(`redis://keepalive:${password}@127.0.0.1:${port}/0`), connectTimeout: "2 seconds" })
      )
      expect(error).toBeInstanceOf(KeepaliveBudgetRedis.KeepaliveBudgetRedisError)
      if (!(error instanceof KeepaliveBudgetRedis.KeepaliveBudgetRedisError)) return
      expect(error.setting).toBe("url")
      expect(error.reason).toBe("Unreachable")
      expect(error.message).toContain(`127.0.0.1:${port}`)
      expect(`${error.message} ${JSON.stringify(error)} ${String(error)}`).not.toContain(password)
    }))

  it.live("from OKTA_KEEPALIVE_REDIS_URL: the error names it; a URL that is not Redis's is InvalidUrl", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const fromEnv = (url: string) =>
        Layer.provide(KeepaliveBudgetRedis.layerConfig, Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["OKTA_KEEPALIVE_REDIS_URL", url]]))))
      const closed = yield* failureOf(fromEnv(`redis://keepalive:${password}@127.0.0.1:${port}`))
      expect(closed).toBeInstanceOf(KeepaliveBudgetRedis.KeepaliveBudgetRedisError)
      if (!(closed instanceof KeepaliveBudgetRedis.KeepaliveBudgetRedisError)) return
      expect(closed.setting).toBe("OKTA_KEEPALIVE_REDIS_URL")
      expect(closed.message).toMatch(/^OKTA_KEEPALIVE_REDIS_URL: Redis did not answer/)
      const wrong = yield* failureOf(fromEnv(`https://keepalive:${password}@127.0.0.1:${port}`))
      expect(wrong).toBeInstanceOf(KeepaliveBudgetRedis.KeepaliveBudgetRedisError)
      if (!(wrong instanceof KeepaliveBudgetRedis.KeepaliveBudgetRedisError)) return
      expect(wrong.reason).toBe("InvalidUrl")
      expect(wrong.setting).toBe("OKTA_KEEPALIVE_REDIS_URL")
      expect(`${wrong.message} ${JSON.stringify(wrong)}`).not.toContain(password)
    }))
})
