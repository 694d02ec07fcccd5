/**
 * The keepalive fleet with real processes and real servers: three worker processes
 * (examples/fleetWorker.ts, bundled once with esbuild) against the emulator of this process on
 * 127.0.0.1, with PostgreSQL at 127.0.0.1:5432 (a schema and cluster tables per run, dropped at the
 * end) and a `redis-server` of the test's own on a free port (stopped at the end). 30,000 sessions
 * in a 15-minute idle window, signed in over its last 90% (so expiries fall from 90 s after the
 * start on, about 60 refreshes a second); 2,000 of them (those with the latest expiries) are added
 * as bare ids, whose prompt refreshes are a burst that only the shared budget (85 a second; 1,000 per
 * 10-second window is the share) holds inside the share. The rates are chosen for 2 shared cores.
 *
 * The tests run in order on one fleet (about 4 minutes in all):
 * 1. PostgreSQL unavailable at start: a typed error naming the setting (no fleet needed).
 * 2. The shared budget: no 10-second window of the emulator sees more than the fleet's share, and at
 *    most one 429.
 * 3. SIGKILL one worker: the others restart its partitions from the store (the moved sessions are
 *    reported), then it comes back and the shards rebalance onto it.
 * 4. Redis killed for 10 s and restarted on its port: no error, no defect, no expiry.
 * 5. At the end: no session expired (by the fleet's count and by the emulator's state) although
 *    thousands of them passed their original `expiresAt` during the run; the budget held in every window.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Context, Duration, Effect, Exit, Layer, Option, Redacted, Scope } from "effect"
import { KeepaliveStore, type Session } from "effect-okta-sessions"
import * as KeepaliveFleet from "effect-okta-sessions/KeepaliveFleet"
import { FakeOkta, InMemorySessions, OktaEmulator } from "effect-okta-sessions/testing"
import * as esbuild from "esbuild"
import { Redis } from "ioredis"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { fleetBudget, freePort, workerEnvironment } from "../examples/fleet.js"
import { dropPgState, dropRedisKeys, runId, startWorker, type WorkerLine, type WorkerProcess } from "../examples/fleetProcesses.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const databaseUrl = "postgres://postgres@127.0.0.1:5432/test"
const sessionCount = 30_000
const bareIds = 2_000
const idleWindow = Duration.minutes(15)
/** The org's limit per 10-second window; the fleet's share of it is the budget per window. */
const limitPer10s = 2_000
const share = 0.5
const budgetPerWindow = limitPer10s * share
const partitions = 16

const id = runId()
const schema = `fleet_test_${id}`
const tablePrefix = `fleet_test_${id}`
const redisPrefix = `fleet-test-${id}:`

/** The fleet under test, built in `beforeAll`. */
interface Fleet {
  readonly scope: Scope.CloseableScope
  readonly okta: FakeOkta.FakeOkta.Service
  readonly emulator: OktaEmulator.OktaEmulator.Service
  readonly client: KeepaliveFleet.FleetService
  readonly workers: Array<WorkerProcess>
  readonly seeded: ReadonlyArray<{ readonly id: Session.SessionId; readonly expiresAt: number }>
  readonly redisPort: number
  redis: ChildProcess
  readonly startOne: (name: string) => Effect.Effect<WorkerProcess, Error>
  /** When the sessions were all added. */
  readonly addedAt: number
}

let fleet: Fleet | undefined
const the = (): Fleet => {
  if (fleet === undefined) throw new Error("the fleet did not start")
  return fleet
}
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

/** Starts `redis-server` on `port` (no persistence) and waits until it answers a PING. */
const startRedis = (port: number) =>
  Effect.promise(async () => {
    const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: "ignore"
    })
    for (let i = 0; i < 100; i++) {
      const answered = await new Promise<boolean>((resolve) => {
        const ping = spawn("redis-cli", ["-p", String(port), "ping"], { stdio: ["ignore", "pipe", "ignore"] })
        let out = ""
        ping.stdout.on("data", (data: Buffer) => (out += data.toString()))
        ping.once("exit", () => resolve(out.includes("PONG")))
      })
      if (answered) return child
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    throw new Error(`redis-server did not answer on ${port}`)
  })

const stopRedis = (child: ChildProcess) =>
  Effect.promise(() =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once("exit", () => resolve())
      child.kill("SIGKILL")
    })
  )

/** The keys under `prefix` in the test's Redis. */
const redisKeys = (port: number, prefix: string) =>
  Effect.acquireUseRelease(
    Effect.sync(() => new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 1 })),
    (redis) => Effect.promise(async () => {
      await redis.connect()
      return redis.keys(`${prefix}*`)
    }),
    (redis) => Effect.sync(() => redis.disconnect())
  )

/** The worker program bundled into a temporary directory (a worker then starts in about a second). */
const bundleWorker = Effect.promise(async () => {
  const outdir = mkdtempSync(join(tmpdir(), "fleet-test-"))
  const outfile = join(outdir, "worker.mjs")
  await esbuild.build({
    entryPoints: [join(root, "examples", "fleetWorker.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    tsconfig: join(root, "tsconfig.json"),
    external: ["better-sqlite3", "msgpackr-extract", "pg-native"],
    banner: { js: "import { createRequire as __fleetRequire } from 'node:module'; const require = __fleetRequire(import.meta.url);" },
    logLevel: "silent"
  })
  return { outdir, outfile }
})

const numberOf = (line: WorkerLine, key: string): number => {
  const value = line[key]
  return typeof value === "number" ? value : Number.NaN
}
const partitionsIn = (line: WorkerLine | undefined): ReadonlyArray<number> => {
  const value = line?.["partitions"]
  return Array.isArray(value) ? value.filter((p): p is number => typeof p === "number") : []
}
const lastLocal = (worker: WorkerProcess) => [...worker.lines].reverse().find((line) => line.event === "Local")
const sleepUntil = (at: number) => Effect.sleep(Duration.millis(Math.max(0, at - Date.now())))

/** Lines that say something went wrong in a worker: an error, an expiry, a failure. */
const troubleIn = (workers: ReadonlyArray<WorkerProcess>) =>
  workers.flatMap((worker) =>
    worker.lines.filter((line) => line.event === "Error" || line.event === "Expired" || line.event === "Failed").map((line) => `${worker.name}: ${JSON.stringify(line)}`)
  )

/** The emulator's windows of the sessions family since `since`, with those over the budget or with more than one 429. */
const windowsSince = (since: number) =>
  Effect.map(the().okta.windowCounts, (windows) => {
    const mine = windows.filter((w) => w.family === "sessions" && w.start + w.windowMillis > since)
    return {
      windows: mine,
      overBudget: mine.filter((w) => w.requests > budgetPerWindow),
      tooMany: mine.filter((w) => w.tooManyRequests > 1),
      most: mine.reduce((max, w) => Math.max(max, w.requests), 0)
    }
  })

beforeAll(async () => {
  const scope = await run(Scope.make())
  const built = await run(Effect.gen(function*() {
    const bundle = yield* bundleWorker
    yield* Scope.addFinalizer(scope, Effect.sync(() => rmSync(bundle.outdir, { recursive: true, force: true })))
    const context = yield* Layer.buildWithScope(
      OktaEmulator.layerWithFakeOkta({}, {
        idleWindow,
        rateLimits: { sessions: { limit: limitPer10s, window: "10 seconds" } },
        concurrencyLimit: 200
      }),
      scope
    )
    const okta = Context.get(context, FakeOkta.FakeOkta)
    const emulator = Context.get(context, OktaEmulator.OktaEmulator)
    const redisPort = yield* freePort
    const redis = yield* startRedis(redisPort)
    const keepalive = JSON.stringify({ concurrency: 4, share, budget: fleetBudget(limitPer10s) })
    const startOne = (name: string) =>
      Effect.gen(function*() {
        const port = yield* freePort
        const worker = yield* startWorker(name, [process.execPath, bundle.outfile, "--keepalive", keepalive], root, workerEnvironment({
          orgUrl: emulator.url,
          token: emulator.apiToken,
          databaseUrl,
          schema,
          tablePrefix,
          partitions,
          port,
          redisUrl: Option.some(`redis://127.0.0.1:${redisPort}`),
          redisPrefix
        })).pipe(Scope.extend(scope))
        const ready = yield* worker.waitFor((line) => line.event === "Ready" || line.event === "Error", "60 seconds")
        if (ready.event === "Error") return yield* Effect.fail(new Error(`${name}: ${JSON.stringify(ready)}`))
        return worker
      })
    const workers = yield* Effect.forEach(["worker-1", "worker-2", "worker-3"], startOne, { concurrency: "unbounded" })
    const client = Context.get(
      yield* Layer.buildWithScope(
        KeepaliveFleet.layerClient({ databaseUrl: Redacted.make(databaseUrl), schema, tablePrefix, partitions }),
        scope
      ),
      KeepaliveFleet.KeepaliveFleet
    )
    // signed in over the last 90% of the window: expiries from 90 s to 15 minutes ahead
    const seeded = [...(yield* okta.seedSessions(sessionCount, { maxAge: Duration.times(idleWindow, 0.9) }))].sort(
      (a, b) => a.expiresAt.epochMillis - b.expiresAt.epochMillis
    )
    // all but the `bareIds` latest as sessions (planned from their expiresAt); those as bare ids, refreshed promptly
    const planned = yield* client.add(seeded.slice(0, sessionCount - bareIds))
    const bare = yield* client.add(seeded.slice(sessionCount - bareIds).map((session) => session.id))
    if (planned + bare !== sessionCount) return yield* Effect.fail(new Error(`added ${planned} + ${bare} of ${sessionCount}`))
    return {
      scope,
      okta,
      emulator,
      client,
      workers,
      seeded: seeded.map((session) => ({ id: session.id, expiresAt: session.expiresAt.epochMillis })),
      redisPort,
      redis,
      startOne,
      addedAt: Date.now()
    }
  }))
  fleet = built
}, 180_000)

afterAll(async () => {
  const current = fleet
  if (current !== undefined) {
    await run(Effect.forEach(current.workers, (worker) => worker.stop("SIGTERM"), { concurrency: "unbounded", discard: true }))
    await run(Effect.ignore(dropRedisKeys(`redis://127.0.0.1:${current.redisPort}`, redisPrefix)))
    await run(stopRedis(current.redis))
    await run(Scope.close(current.scope, Exit.void))
  }
  await run(Effect.ignore(dropPgState(databaseUrl, schema, tablePrefix)))
}, 90_000)

describe.sequential("KeepaliveFleet", () => {
  it.live("PostgreSQL unavailable at start: a KeepaliveStoreError naming the setting", () =>
    Effect.gen(function*() {
      const closed = yield* freePort
      const unreachable = `postgres://postgres:s3cret-pw@127.0.0.1:${closed}/test`
      // the worker never gets as far as Okta: any Sessions will do
      const sessions = InMemorySessions.layer.pipe(Layer.provide(FakeOkta.layer()))
      const fromEnv = yield* Layer.launch(KeepaliveFleet.layerConfig()).pipe(
        Effect.provide(sessions),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([
          ["OKTA_KEEPALIVE_DATABASE_URL", unreachable],
          ["OKTA_KEEPALIVE_RUNNER_PORT", String(closed)]
        ]))),
        Effect.flip
      )
      // plain fields: printing an Effect error in a failed match overflows the stack
      const described = (error: { readonly _tag: string }) =>
        error instanceof KeepaliveStore.KeepaliveStoreError
          ? { _tag: error._tag, reason: error.reason, setting: error.setting }
          : { _tag: error._tag }
      expect(described(fromEnv)).toEqual({
        _tag: "KeepaliveStoreError",
        reason: "Unavailable",
        setting: "OKTA_KEEPALIVE_DATABASE_URL"
      })
      expect(fromEnv.message).not.toContain("s3cret-pw")
      const fromOptions = yield* Layer.launch(
        KeepaliveFleet.layer({ databaseUrl: Redacted.make(unreachable), runner: { port: closed } })
      ).pipe(Effect.provide(sessions), Effect.flip)
      expect(described(fromOptions)).toEqual({
        _tag: "KeepaliveStoreError",
        reason: "Unavailable",
        setting: "databaseUrl"
      })
    }), 30_000)

  it.live("three workers hold 30,000 sessions within one shared budget: no window over the share, at most one 429 each", () =>
    Effect.gen(function*() {
      const { addedAt, client } = the()
      // the burst of the bare ids, and the first planned refreshes
      yield* sleepUntil(addedAt + 50_000)
      const stats = yield* client.stats
      expect(stats.tracked).toBe(sessionCount)
      expect(stats.runners).toHaveLength(3)
      const { most, overBudget, tooMany, windows } = yield* windowsSince(addedAt - 30_000)
      expect(overBudget).toEqual([])
      expect(tooMany).toEqual([])
      // the burst met the budget: the shared bucket, not the demand, set the pace
      expect(most).toBeGreaterThan(budgetPerWindow * 0.5)
      expect(windows.length).toBeGreaterThan(3)
      // one bucket in Redis for every partition of every process (16 x 3 sharers): the budget is the fleet's
      const buckets = (yield* redisKeys(the().redisPort, `${redisPrefix}budget:`)).filter((key) => !key.endsWith(":refill"))
      expect(buckets).toHaveLength(1)
      expect(troubleIn(the().workers)).toEqual([])
    }), 120_000)

  it.live("SIGKILL a worker: the others restart its partitions from the store; it comes back and shards rebalance", () =>
    Effect.gen(function*() {
      const current = the()
      const victim = current.workers[1]
      if (victim === undefined) return yield* Effect.die("no second worker")
      const owned = partitionsIn(lastLocal(victim))
      expect(owned.length).toBeGreaterThan(0)
      yield* victim.stop("SIGKILL")
      const killedAt = Date.now()
      const survivors = current.workers.filter((worker) => worker !== victim)
      // every partition of the victim starts on a survivor, restoring its sessions from the store
      const starts = new Map<number, { at: number; restored: number }>()
      while (Date.now() - killedAt < 90_000 && !owned.every((p) => starts.has(p))) {
        yield* Effect.sleep("250 millis")
        for (const worker of survivors) {
          for (const line of worker.lines) {
            if (line.event === "PartitionStarted" && line.receivedAt >= killedAt) {
              starts.set(numberOf(line, "partition"), { at: line.receivedAt, restored: numberOf(line, "restored") })
            }
          }
        }
      }
      expect(owned.filter((p) => !starts.has(p))).toEqual([])
      const moved = owned.reduce((sum, p) => sum + (starts.get(p)?.restored ?? 0), 0)
      const failover = Math.max(...owned.map((p) => starts.get(p)?.at ?? Number.POSITIVE_INFINITY)) - killedAt
      console.log(`failover: ${owned.length} partitions, ${moved} sessions moved in ${failover} ms`)
      expect(moved).toBeGreaterThan(sessionCount / partitions)
      expect(failover).toBeLessThan(60_000)
      // the survivors report what moved in
      yield* Effect.sleep("1500 millis")
      const movedIn = survivors.reduce((sum, worker) => sum + numberOf(lastLocal(worker) ?? { event: "" }, "sessionsMovedIn"), 0)
      expect(movedIn).toBeGreaterThanOrEqual(moved)
      expect((yield* current.client.stats).tracked).toBe(sessionCount)

      // it comes back (a new process on a new port): shards move back onto it
      const back = yield* current.startOne("worker-2b")
      current.workers[1] = back
      const backAt = Date.now()
      const rebalanced = yield* back.waitFor((line) => line.event === "Local" && partitionsIn(line).length >= 3, "90 seconds")
      console.log(`rebalance: ${partitionsIn(rebalanced).length} partitions on the new worker after ${Date.now() - backAt} ms`)
      const stopped = survivors.flatMap((worker) => worker.lines.filter((line) => line.event === "PartitionStopped" && line.receivedAt >= backAt))
      expect(stopped.length).toBeGreaterThanOrEqual(3)
      yield* back.waitFor((line) => line.event === "PartitionStarted" && numberOf(line, "restored") > 0, "30 seconds")
      const stats = yield* current.client.stats
      expect(stats.tracked).toBe(sessionCount)
      expect(stats.runners).toHaveLength(3)
      expect(stats.expired).toBe(0)
      expect(troubleIn(current.workers)).toEqual([])
    }), 240_000)

  it.live("Redis killed for 10 s and restarted: refreshes go on inside the budget, no error, no expiry", () =>
    Effect.gen(function*() {
      const current = the()
      const before = (yield* current.client.stats).refreshed
      yield* stopRedis(current.redis)
      const lostAt = Date.now()
      yield* Effect.sleep("10 seconds")
      const during = (yield* current.client.stats).refreshed
      current.redis = yield* startRedis(current.redisPort)
      yield* Effect.sleep("8 seconds")
      const after = yield* current.client.stats
      console.log(`Redis lost for 10 s: ${during - before} refreshes meanwhile, ${after.refreshed - during} in the 8 s after`)
      // the workers fell back to their local part of the budget: refreshing went on (more than the
      // 64 that can be in flight at once: 16 partitions x concurrency 4)
      expect(during - before).toBeGreaterThan(150)
      expect(after.refreshed).toBeGreaterThan(during)
      expect(after.expired).toBe(0)
      expect(after.failed).toBe(0)
      const { overBudget, tooMany } = yield* windowsSince(lostAt - 10_000)
      expect(overBudget).toEqual([])
      expect(tooMany).toEqual([])
      expect(troubleIn(current.workers)).toEqual([])
    }), 120_000)

  it.live("at the end: no session expired, though thousands passed their first expiresAt; the budget held in every window", () =>
    Effect.gen(function*() {
      const current = the()
      yield* sleepUntil(current.addedAt + 200_000)
      const now = Date.now()
      const passed = current.seeded.filter((session) => session.expiresAt < now).length
      expect(passed).toBeGreaterThan(2_500)
      let expiredByOrg = 0
      for (const session of current.seeded) {
        const alive = yield* current.okta.lookupSession(session.id)
        if (Option.isNone(alive) || alive.value.expiresAt.epochMillis <= now) expiredByOrg++
      }
      expect(expiredByOrg).toBe(0)
      const stats = yield* current.client.stats
      expect(stats.tracked).toBe(sessionCount)
      expect(stats.expired).toBe(0)
      const { most, overBudget, tooMany, windows } = yield* windowsSince(current.addedAt - 30_000)
      console.log(`budget per window: at most ${most} of ${budgetPerWindow} requests in ${windows.length} windows; refreshed ${stats.refreshed}`)
      expect(overBudget).toEqual([])
      expect(tooMany).toEqual([])
      expect(troubleIn(current.workers)).toEqual([])
    }), 240_000)
})

