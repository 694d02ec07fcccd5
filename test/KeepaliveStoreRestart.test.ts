/**
 * Restart on the SQLite store, for real: a keepalive worker in a child process
 * (test/KeepaliveStoreWorker.ts, bundled once with esbuild so that it starts in well under a
 * second, see storeWorkerProcess.ts) keeps sessions of the test's emulator (127.0.0.1, a short idle window) alive; the test
 * kills it with SIGKILL at a random point, 20 times, and starts it again on the same file. After
 * every restart the worker must track every session whose `addAll` had returned before the kill;
 * at the end, after more than an idle window, every one of them must still be alive on the
 * emulator, and no worker may have reported one expired or gone.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Option, Redacted } from "effect"
import { Session } from "effect-okta-sessions"
import { FakeOkta, OktaEmulator } from "effect-okta-sessions/testing"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { bundleWorker, isTrouble, randomFrom, startWorker } from "./storeWorkerProcess.js"

const idleWindow = Duration.seconds(8)
const repetitions = 20
const sessionsPerRepetition = 10

describe("KeepaliveStore on SQLite: the worker killed with SIGKILL and restarted", () => {
  it.scopedLive(`keeps every session it had tracked, ${repetitions} kills at random points, none expires`, () =>
    Effect.gen(function*() {
      const directory = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "keepalive-restart-"))),
        (path) => Effect.sync(() => rmSync(path, { recursive: true, force: true }))
      )
      const script = yield* bundleWorker
      const emulator = yield* OktaEmulator.OktaEmulator
      const fake = yield* FakeOkta.FakeOkta
      const token = Redacted.value(emulator.apiToken)
      const seed = Date.now()
      const random = randomFrom(seed)
      const store = join(directory, "sessions.db")
      const expectFile = join(directory, "expect.txt")
      const addFile = join(directory, "add.txt")
      const base = ["--url", emulator.url, "--store", store, "--expect", expectFile]
      const confirmed = new Set<Session.SessionId>()
      const events: Array<string> = []
      const context = (repetition: number) => `seed ${seed}, repetition ${repetition}`

      for (let repetition = 0; repetition < repetitions; repetition++) {
        const fresh = yield* fake.seedSessionIds(sessionsPerRepetition)
        writeFileSync(expectFile, [...confirmed].join("\n"))
        writeFileSync(addFile, fresh.join("\n"))
        yield* Effect.scoped(Effect.gen(function*() {
          const worker = yield* startWorker(script, [...base, "--add", addFile], token)
          const [, missing] = yield* worker.waitFor(/^missing (\d+.*)$/, 20_000)
          expect(missing, `${context(repetition)}: tracked after the restart; events so far: ${events.slice(0, 20).join("; ")}`)
            .toBe("0")
          yield* Effect.sleep(Duration.millis(Math.floor(random() * 1_500)))
          yield* worker.kill
          for (const line of worker.lines) {
            const added = line.match(/^added (.+)$/)
            if (added?.[1] !== undefined) for (const id of added[1].split(",")) confirmed.add(Session.SessionId.make(id))
            if (isTrouble(line)) events.push(`${context(repetition)}: ${line}`)
          }
        }))
      }

      // The last restart: every confirmed session is tracked and, after more than an idle window,
      // still alive on the emulator.
      writeFileSync(expectFile, [...confirmed].join("\n"))
      writeFileSync(addFile, "")
      yield* Effect.scoped(Effect.gen(function*() {
        const worker = yield* startWorker(script, [...base, "--add", addFile], token)
        const [, missing] = yield* worker.waitFor(/^missing (\d+.*)$/, 20_000)
        expect(missing, `${context(repetitions)}: tracked after the last restart`).toBe("0")
        yield* Effect.sleep(Duration.sum(idleWindow, Duration.seconds(1)))
        const [, tracked] = yield* worker.waitFor(/^tracked (\d+) /, 5_000)
        expect(Number(tracked)).toBeGreaterThanOrEqual(confirmed.size)
        for (const line of worker.lines) if (isTrouble(line)) events.push(`${context(repetitions)}: ${line}`)
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
