/**
 * Restart on the PostgreSQL store, for real: two keepalive workers in child processes
 * (test/KeepaliveStoreWorker.ts with `--store postgres`, configured by `KeepaliveStorePg.layerConfig`
 * from the environment), each on its partition of one schema (0/2 and 1/2), keep sessions of the
 * test's emulator alive; the test kills both with SIGKILL at random points and starts them again,
 * several times. After every restart each worker tracks every session of its partition whose
 * `addAll` had returned before the kill, and none of the other's. At the end one worker takes the
 * whole table (partition 0/1: the fleet shrank to one) and must track every confirmed session; after
 * more than an idle window every one of them is still alive on the emulator, and no worker reported
 * one expired or gone. The schema is dropped at the end.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Option, Redacted } from "effect"
import { Session } from "effect-okta-sessions"
import * as KeepaliveStorePg from "effect-okta-sessions/KeepaliveStorePg"
import { FakeOkta, OktaEmulator } from "effect-okta-sessions/testing"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { bundleWorker, isTrouble, randomFrom, startWorker, type Worker } from "./storeWorkerProcess.js"

const url = "postgres://postgres@127.0.0.1:5432/test"
// Longer than the SQLite test's 8 s: a worker here takes 1.2-3.4 s from spawn to `ready` (measured
// on the shared 2-core machine: the bundle loads pg, then connects and migrates), and with 8 s a
// session whose refresh fell in the gap between a kill and the next start expired (seen once).
const idleWindow = Duration.seconds(20)
const repetitions = 5
const sessionsPerRepetition = 20
const partitions = 2

/** A schema of this run, dropped when the scope closes. */
const runSchema = Effect.acquireRelease(
  Effect.sync(() => `okta_ks_restart_${Date.now().toString(36)}_${process.pid}`),
  (schema) =>
    Effect.scoped(Effect.gen(function*() {
      const sql = yield* PgClient.make({ url: Redacted.make(url) }).pipe(Effect.provide(Reactivity.layer))
      yield* sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    })).pipe(Effect.orDie)
)

describe("KeepaliveStore on PostgreSQL: partition workers killed with SIGKILL and restarted", () => {
  it.scopedLive(`each keeps its partition's sessions over ${repetitions} kills; one worker then takes the whole table; none expires`, () =>
    Effect.gen(function*() {
      const directory = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "keepalive-pg-restart-"))),
        (path) => Effect.sync(() => rmSync(path, { recursive: true, force: true }))
      )
      const schema = yield* runSchema
      const script = yield* bundleWorker
      const emulator = yield* OktaEmulator.OktaEmulator
      const fake = yield* FakeOkta.FakeOkta
      const token = Redacted.value(emulator.apiToken)
      const env = { OKTA_KEEPALIVE_DATABASE_URL: url, OKTA_KEEPALIVE_DATABASE_SCHEMA: schema }
      const seed = Date.now()
      const random = randomFrom(seed)
      const confirmed = new Set<Session.SessionId>()
      const given = new Set<Session.SessionId>()
      const events: Array<string> = []
      const context = (repetition: number) => `seed ${seed}, repetition ${repetition}`
      const partitionOf = (sessionId: string) => KeepaliveStorePg.partitionOf(sessionId, partitions)

      /** Starts the worker of partition `index` of `count`, expecting `expected` and adding `fresh`. */
      const start = (index: number, count: number, expected: Iterable<string>, fresh: ReadonlyArray<string>) => {
        const expectFile = join(directory, `expect-${index}-${count}.txt`)
        const addFile = join(directory, `add-${index}-${count}.txt`)
        writeFileSync(expectFile, [...expected].join("\n"))
        writeFileSync(addFile, fresh.join("\n"))
        return startWorker(script, [
          "--url",
          emulator.url,
          "--store",
          "postgres",
          "--partition",
          `${index}/${count}`,
          "--expect",
          expectFile,
          "--add",
          addFile
        ], token, env)
      }

      const collect = (worker: Worker, repetition: number) => {
        for (const line of worker.lines) {
          const added = line.match(/^added (.+)$/)
          if (added?.[1] !== undefined) for (const id of added[1].split(",")) confirmed.add(Session.SessionId.make(id))
          if (isTrouble(line)) events.push(`${context(repetition)}: ${line}`)
        }
      }

      for (let repetition = 0; repetition < repetitions; repetition++) {
        const fresh = yield* fake.seedSessionIds(sessionsPerRepetition)
        for (const id of fresh) given.add(id)
        yield* Effect.scoped(Effect.gen(function*() {
          const workers = yield* Effect.forEach(Array.from({ length: partitions }, (_, index) => index), (index) =>
            start(
              index,
              partitions,
              [...confirmed].filter((id) => partitionOf(id) === index),
              fresh.filter((id) => partitionOf(id) === index)
            ), { concurrency: "unbounded" })
          yield* Effect.forEach(workers, (worker, index) =>
            Effect.gen(function*() {
              const [, ready] = yield* worker.waitFor(/^ready (\d+)$/, 20_000)
              // it loaded its own partition only: at most what was ever given to it
              const mine = [...given].filter((id) => partitionOf(id) === index).length
              expect(Number(ready), `${context(repetition)}: worker ${index} tracked at start`).toBeLessThanOrEqual(mine)
              const [, missing] = yield* worker.waitFor(/^missing (\d+.*)$/, 20_000)
              expect(missing, `${context(repetition)}: worker ${index} after the restart; events: ${events.slice(0, 10).join("; ")}`)
                .toBe("0")
            }), { concurrency: "unbounded", discard: true })
          yield* Effect.sleep(Duration.millis(Math.floor(random() * 1_500)))
          yield* Effect.forEach(workers, (worker) => worker.kill, { concurrency: "unbounded", discard: true })
          for (const worker of workers) collect(worker, repetition)
        }))
      }

      // One worker takes the whole table: every confirmed session of both partitions is tracked
      // and, after more than an idle window, still alive on the emulator.
      yield* Effect.scoped(Effect.gen(function*() {
        const worker = yield* start(0, 1, confirmed, [])
        const [, missing] = yield* worker.waitFor(/^missing (\d+.*)$/, 20_000)
        expect(missing, `${context(repetitions)}: the whole table after the fleet shrank`).toBe("0")
        yield* Effect.sleep(Duration.sum(idleWindow, Duration.seconds(1)))
        const [, tracked] = yield* worker.waitFor(/^tracked (\d+) /, 5_000)
        expect(Number(tracked)).toBeGreaterThanOrEqual(confirmed.size)
        collect(worker, repetitions)
      }))
      expect(confirmed.size, `seed ${seed}: sessions confirmed added`).toBeGreaterThanOrEqual(sessionsPerRepetition)
      const dead: Array<string> = []
      for (const id of confirmed) {
        const found = yield* fake.lookupSession(id)
        if (Option.isNone(found)) dead.push(id)
      }
      expect(events, `seed ${seed}: events other than refreshes`).toStrictEqual([])
      expect(dead, `seed ${seed}: sessions the emulator let expire`).toStrictEqual([])
    }).pipe(
      Effect.provide(OktaEmulator.layerWithFakeOkta({}, {
        idleWindow,
        rateLimits: { sessions: { limit: 100_000, window: "1 minute" } }
      }))
    ), 120_000)
})
