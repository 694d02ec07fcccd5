import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import * as FileSystem from "@effect/platform/FileSystem"
import { Console, Duration, Effect, Layer, Option, Redacted, Schedule } from "effect"
import { FakeOkta, OktaEmulator } from "effect-okta-sessions/testing"
import { type DemoOptions, main, run } from "../examples/keepalive.js"
import { main as cliMain } from "../src/internal/cli/rootCommand.js"
import { CliProcess } from "../src/internal/cli/cliProcess.js"
import { countOf } from "../src/internal/cli/keepaliveSummary.js"
import * as SecretRedactor from "../src/internal/cli/secretRedactor.js"
import { StopSignal } from "../src/internal/cli/stopSignal.js"
import { UsageError } from "../src/internal/cli/usageError.js"

/**
 * A process whose output is kept, with the given environment; it gets SIGTERM once its output
 * matches `sigtermWhen` (looked at every 50 ms), else no signal ever.
 */
const recording = (env: Record<string, string> = {}, sigtermWhen?: (output: string) => boolean) => {
  const written: Array<string> = []
  const errors: Array<string> = []
  const stopped = sigtermWhen === undefined
    ? Effect.never
    : Effect.sync(() => sigtermWhen(written.join(""))).pipe(
      Effect.repeat({ schedule: Schedule.spaced("50 millis"), until: (matched) => matched }),
      Effect.as("SIGTERM")
    )
  const layer = Layer.mergeAll(
    Layer.succeed(CliProcess, {
      env,
      cwd: process.cwd(),
      homeDir: "/nonexistent-home-for-tests",
      stdoutIsTTY: false,
      stdinIsTTY: false,
      writeOut: (text) => Effect.sync(() => void written.push(text)),
      writeErr: (text) => Effect.sync(() => void (written.push(text), errors.push(text))),
      readStdin: () => Effect.fail(new UsageError({ detail: "no standard input in this test" }))
    }),
    Layer.succeed(StopSignal, { stopped }),
    SecretRedactor.layer,
    NodeContext.layer
  )
  return { layer, text: () => written.join(""), errors: () => errors.join("") }
}

const base: DemoOptions = {
  duration: Duration.seconds(1),
  sessions: 10,
  idleWindow: Duration.seconds(120),
  rateLimit: 600,
  share: 0.5,
  concurrency: 4,
  revoke: 0,
  faultRate: 0,
  progressEvery: Duration.seconds(1),
  json: false,
  store: Option.none()
}

describe("npm start (examples/keepalive.ts)", () => {
  it.live("keeps a few emulator sessions alive for a few seconds and ends with a clean summary", () => {
    const { layer, text } = recording()
    return Effect.gen(function*() {
      const summary = yield* run(Option.none(), {
        ...base,
        duration: Duration.seconds(4),
        sessions: 20,
        idleWindow: Duration.seconds(6),
        rateLimit: 6000,
        revoke: 3
      })
      expect(summary.mode).toBe("emulator")
      expect(summary.interrupted).toBe(false)
      expect(summary.endedBy).toBe("duration")
      expect(summary.sessionsAtStart).toBe(20)
      // the seeded sessions signed in up to 3 s ago with a 6-second window: every one that was not
      // revoked expires within the run unless it is refreshed at least once
      expect(countOf(summary, "refreshed")).toBeGreaterThanOrEqual(20 - 3)
      expect(summary.revoked).toBe(3)
      expect(countOf(summary, "gone")).toBe(3)
      expect(summary.goneUnexpectedly).toBe(0)
      expect(summary.trackedAtEnd).toBe(17)
      expect(summary.expiredByOrg).toBe(0)
      const printed = text()
      expect(printed).toMatch(/emulator at http:\/\/127\.0\.0\.1:\d+: 20 sessions/)
      expect(printed).toMatch(/\[\ds\/4s\] tracked \d+ {2}refreshed \d+ {2}gone \d+ {2}expired 0 {2}429s \d+ {2}budget left \d+% {2}worst lag/)
      expect(countOf(summary, "expired")).toBe(0)
      expect(printed).toMatch(/\| expired while tracked \(ours\) +\| +0 \|/)
      expect(printed).toMatch(/\| expired by the emulator's state +\| +0 \|/)
      expect(printed).toMatch(/\| store +\| +sqlite .*okta-keepalive-.*keepalive\.db \(temporary\) \|/)
    }).pipe(Effect.provide(layer))
  }, 30_000)

  it.live("with --ids and OKTA_CLIENT_* set, keeps those sessions alive on that org (here an emulator)", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const emulator = yield* OktaEmulator.OktaEmulator
      const seeded = yield* okta.seedSessions(8)
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const idsFile = `${dir}/ids.txt`
      yield* fs.writeFileString(idsFile, `# ids\n${seeded.map((session) => session.id).join("\n")}\n`)
      const { layer, text } = recording({
        OKTA_CLIENT_ORGURL: emulator.url,
        OKTA_CLIENT_TOKEN: Redacted.value(emulator.apiToken)
      })
      const summary = yield* run(Option.some(idsFile), { ...base, duration: Duration.seconds(4), rateLimit: 6000 }).pipe(
        Effect.provide(layer)
      )
      expect(summary.mode).toBe("okta")
      expect(summary.sessionsAtStart).toBe(8)
      // 6-second window: each id refreshed at once to learn its expiry, then again within 4.5 s
      expect(countOf(summary, "refreshed")).toBeGreaterThanOrEqual(16)
      expect(summary.trackedAtEnd).toBe(8)
      expect(summary.expiredByOrg).toBe(0)
      expect((yield* okta.counters).byOperation.refreshSession).toBe(countOf(summary, "requests"))
      for (const session of seeded) expect(Option.isSome(yield* okta.lookupSession(session.id))).toBe(true)
      expect(text()).toContain(`Okta org: 8 sessions from ${idsFile}`)
    }).pipe(
      Effect.provide(Layer.merge(OktaEmulator.layerWithFakeOkta({}, { idleWindow: "6 seconds" }), NodeContext.layer)),
      Effect.scoped
    ), 30_000)

  it.live("fails with a clear typed error on bad options", () => {
    const { layer } = recording()
    return Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [DemoOptions, string]> = [
        [{ ...base, sessions: 0 }, "--sessions must be a whole number from 1"],
        [{ ...base, revoke: 11 }, "--revoke must be a whole number from 0 to 10"],
        [{ ...base, concurrency: 0 }, "--concurrency must be a whole number from 1"],
        [{ ...base, share: 2 }, "Keepalive option share: expected a number in (0, 1], got 2"],
        [{ ...base, faultRate: 1.5 }, "--fault-rate must be from 0 to 1"]
      ]
      for (const [options, message] of cases) {
        // a failure, not a defect: Effect.flip would die (and fail the test) on a defect or a success
        const error = yield* Effect.flip(run(Option.none(), options))
        expect(error).toBeInstanceOf(UsageError)
        expect(error.message).toContain(message)
      }
    }).pipe(Effect.provide(layer))
  }, 30_000)

  it.live("--help lists the options", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const current = yield* Console.consoleWith(Effect.succeed)
      const capture: Console.Console = {
        ...current,
        log: (...args: ReadonlyArray<unknown>) => Effect.sync(() => void lines.push(args.map(String).join(" ")))
      }
      const code = yield* main(["node", "keepalive", "--help"]).pipe(Effect.withConsole(capture), Effect.provide(recording().layer))
      expect(code).toBe(0)
      const help = lines.join("\n")
      for (const option of ["--duration", "--ids", "--sessions", "--idle-window", "--rate-limit", "--share", "--concurrency", "--revoke", "--fault-rate", "--json"]) {
        expect(help).toContain(option)
      }
    }), 30_000)

  it.live("okta-sessions keepalive --store FILE: after SIGTERM, a run on the same file resumes its sessions; a corrupt file is one line, exit 2", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const emulator = yield* OktaEmulator.OktaEmulator
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const env = { OKTA_CLIENT_ORGURL: emulator.url, OKTA_CLIENT_TOKEN: Redacted.value(emulator.apiToken) }
      const store = `${dir}/keepalive.db`
      const keepalive = (ids: ReadonlyArray<string>, storeFile: string, sigtermWhen: (output: string) => boolean) =>
        Effect.gen(function*() {
          const idsFile = `${dir}/ids-${ids.length}-${ids[0]}.txt`
          yield* fs.writeFileString(idsFile, `${ids.join("\n")}\n`)
          const { errors, layer, text } = recording(env, sigtermWhen)
          const code = yield* cliMain(["node", "okta-sessions", "keepalive", "--ids", idsFile, "--store", storeFile, "--json", "--progress-every", "200 millis"]).pipe(
            Effect.provide(layer)
          )
          const lines = text().split("\n").filter((line) => line.startsWith("{")).map((line): Record<string, unknown> => JSON.parse(line))
          return { code, lines, errors: errors() }
        })
      const refreshedCount = (output: string) => output.split(`"event":"Refreshed"`).length - 1

      const first = yield* okta.seedSessions(5)
      const one = yield* keepalive(first.map((session) => session.id), store, (output) => refreshedCount(output) >= 5)
      expect(one.errors).toBe("")
      expect(one.code).toBe(0)
      expect(one.lines.at(-1)).toMatchObject({
        event: "Summary", endedBy: "SIGTERM", store: `sqlite ${store}`, sessionsAtStart: 5, resumed: 0, trackedAtStart: 5, trackedAtEnd: 5, expired: 0
      })

      // the second run is given one new session: the five of the first run come from the store
      const [added] = yield* okta.seedSessions(1)
      if (added === undefined) throw new Error("no session was seeded")
      const two = yield* keepalive([added.id], store, (output) => refreshedCount(output) >= 1 && output.includes(`"event":"Progress"`))
      expect(two.errors).toBe("")
      expect(two.code).toBe(0)
      expect(two.lines.at(-1)).toMatchObject({
        event: "Summary", endedBy: "SIGTERM", sessionsAtStart: 1, resumed: 5, trackedAtStart: 6, trackedAtEnd: 6, expired: 0
      })

      const corrupt = `${dir}/corrupt.db`
      yield* fs.writeFileString(corrupt, "this is not a SQLite file\n".repeat(200))
      const bad = yield* keepalive([added.id], corrupt, () => false)
      expect(bad.code).toBe(2)
      expect(bad.lines.filter((line) => line["event"] === "Summary")).toEqual([])
      const errorLines = bad.errors.trim().split("\n")
      expect(errorLines).toHaveLength(1)
      expect(JSON.parse(errorLines[0] ?? "")).toMatchObject({ command: "keepalive", error: "KeepaliveStoreError", exitCode: 2 })
      expect(errorLines[0]).toContain("Keepalive store Corrupt")
    }).pipe(
      Effect.provide(Layer.merge(OktaEmulator.layerWithFakeOkta({}, { idleWindow: "1 minute" }), NodeContext.layer)),
      Effect.scoped
    ), 60_000)

  it.live("npm start --store FILE keeps the store; a corrupt one is one line and exit 2", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const store = `${dir}/kept.db`
      const kept = recording()
      const summary = yield* run(Option.none(), { ...base, store: Option.some(store) }).pipe(Effect.provide(kept.layer))
      expect(summary.store).toBe(`sqlite ${store}`)
      expect(yield* fs.exists(store)).toBe(true)
      const corrupt = `${dir}/corrupt.db`
      yield* fs.writeFileString(corrupt, "this is not a SQLite file\n".repeat(200))
      const bad = recording()
      const code = yield* main(["node", "keepalive", "--duration", "1", "--sessions", "3", "--store", corrupt]).pipe(Effect.provide(bad.layer))
      expect(code).toBe(2)
      expect(bad.errors().trim().split("\n")).toEqual([expect.stringMatching(/^npm start: Keepalive store Corrupt \(.*\): /)])
    }).pipe(Effect.provide(NodeContext.layer), Effect.scoped), 30_000)
})
