import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import * as FileSystem from "@effect/platform/FileSystem"
import { ConfigProvider, Console, Duration, Effect, Exit, Layer, Option, Redacted } from "effect"
import { FakeOkta, OktaEmulator } from "effect-okta-sessions/testing"
import { main, type Output, parseIds, run } from "../examples/keepalive.js"

/** An `Output` that keeps what the program writes. */
const recording = () => {
  const written: Array<string> = []
  const output: Output = { isTTY: false, write: (text) => Effect.sync(() => void written.push(text)) }
  return { output, text: () => written.join("") }
}

describe("npm start (examples/keepalive.ts)", () => {
  it.live("keeps a few emulator sessions alive for a few seconds and ends with a clean summary", () =>
    Effect.gen(function*() {
      const { output, text } = recording()
      const summary = yield* run(Option.none(), {
        duration: Duration.seconds(4),
        sessions: 20,
        idleWindow: Duration.seconds(6),
        rateLimit: 6000,
        share: 0.5,
        concurrency: 4,
        revoke: 3,
        faultRate: 0,
        progressEvery: Duration.seconds(1),
        output
      })
      expect(summary.mode).toBe("emulator")
      expect(summary.interrupted).toBe(false)
      expect(summary.sessionsAtStart).toBe(20)
      // the seeded sessions signed in up to 3 s ago with a 6-second window: every one that was not
      // revoked expires within the run unless it is refreshed at least once
      expect(summary.refreshed).toBeGreaterThanOrEqual(20 - 3)
      expect(summary.revoked).toBe(3)
      expect(summary.gone).toBe(3)
      expect(summary.goneUnexpectedly).toBe(0)
      expect(summary.trackedAtEnd).toBe(17)
      expect(summary.expiredWhileTracked).toBe(0)
      const printed = text()
      expect(printed).toMatch(/emulator at http:\/\/127\.0\.0\.1:\d+: 20 sessions/)
      expect(printed).toMatch(/\[\ds\/4s\] tracked \d+ {2}refreshed \d+ {2}gone \d+ {2}429s \d+ {2}budget left \d+% {2}worst lag/)
      expect(printed).toMatch(/\| expired while tracked +\| +0 \|/)
    }).pipe(Effect.provide(NodeContext.layer)), 30_000)

  it.live("with --ids and OKTA_CLIENT_* set, keeps those sessions alive on that org (here an emulator)", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const emulator = yield* OktaEmulator.OktaEmulator
      const seeded = yield* okta.seedSessions(8)
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const idsFile = `${dir}/ids.txt`
      yield* fs.writeFileString(idsFile, `# ids\n${seeded.map((session) => session.id).join("\n")}\n`)
      const { output, text } = recording()
      const summary = yield* run(Option.some(idsFile), {
        duration: Duration.seconds(4),
        sessions: 1000,
        idleWindow: Duration.seconds(120),
        rateLimit: 6000,
        share: 0.5,
        concurrency: 4,
        revoke: 0,
        faultRate: 0,
        progressEvery: Duration.seconds(1),
        output
      }).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(
          new Map([["OKTA_CLIENT_ORGURL", emulator.url], ["OKTA_CLIENT_TOKEN", Redacted.value(emulator.apiToken)]])
        ))
      )
      expect(summary.mode).toBe("okta")
      expect(summary.sessionsAtStart).toBe(8)
      // 6-second window: each id refreshed at once to learn its expiry, then again within 4.5 s
      expect(summary.refreshed).toBeGreaterThanOrEqual(16)
      expect(summary.trackedAtEnd).toBe(8)
      expect(summary.expiredWhileTracked).toBe(0)
      expect((yield* okta.counters).byOperation.refreshSession).toBe(summary.requests)
      for (const session of seeded) expect(Option.isSome(yield* okta.lookupSession(session.id))).toBe(true)
      expect(text()).toContain(`Okta org ${emulator.url}: 8 sessions from ${idsFile}`)
    }).pipe(
      Effect.provide(Layer.merge(
        OktaEmulator.layerWithFakeOkta({}, { idleWindow: "6 seconds" }),
        NodeContext.layer
      )),
      Effect.scoped
    ), 30_000)

  it.live("fails with a clear typed error on bad options", () =>
    Effect.gen(function*() {
      const { output } = recording()
      const base = {
        duration: Duration.seconds(1),
        sessions: 10,
        idleWindow: Duration.seconds(120),
        rateLimit: 600,
        share: 0.5,
        concurrency: 4,
        revoke: 0,
        faultRate: 0,
        progressEvery: Duration.seconds(1),
        output
      }
      for (
        const [options, message] of [
          [{ ...base, sessions: 0 }, "--sessions must be a whole number from 1"],
          [{ ...base, revoke: 11 }, "--revoke must be a whole number from 0 to --sessions"],
          [{ ...base, concurrency: 0 }, "--concurrency must be a whole number from 1"],
          [{ ...base, share: 2 }, "Keepalive option share: expected at most 1"],
          [{ ...base, faultRate: 1.5 }, "--fault-rate must be from 0 to 1"]
        ] as const
      ) {
        const exit = yield* Effect.exit(run(Option.none(), options))
        expect(Exit.isFailure(exit)).toBe(true)
        if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
          expect(exit.cause.error._tag).toBe("KeepaliveDemoError")
          expect(exit.cause.error.message).toContain(message)
        }
      }
    }).pipe(Effect.provide(NodeContext.layer)), 30_000)

  it.effect("reads an ids file: one per line, blanks and comments skipped, a bad line named", () =>
    Effect.gen(function*() {
      expect(yield* parseIds("# sessions\n102abc\n\n  102def  \r\n")).toEqual(["102abc", "102def"])
      const bad = yield* Effect.flip(parseIds("102abc\n../users\n"))
      expect(bad.message).toContain("line 2")
      const empty = yield* Effect.flip(parseIds("# nothing\n"))
      expect(empty.message).toContain("no session id")
    }))

  it.live("--help lists the options", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const current = yield* Console.consoleWith(Effect.succeed)
      const capture: Console.Console = {
        ...current,
        log: (...args: ReadonlyArray<unknown>) => Effect.sync(() => void lines.push(args.map(String).join(" ")))
      }
      yield* main(["node", "keepalive", "--help"]).pipe(Effect.withConsole(capture))
      const help = lines.join("\n")
      for (const option of ["--duration", "--ids", "--sessions", "--idle-window", "--rate-limit", "--share", "--concurrency", "--revoke", "--fault-rate"]) {
        expect(help).toContain(option)
      }
    }), 30_000)
})
