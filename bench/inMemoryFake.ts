/**
 * The in-memory fake under a keepalive's load: N sessions (default 10,000) on Okta's default 2-hour
 * idle window, each refreshed through `InMemorySessions` every 90 simulated minutes for 24 simulated
 * hours on the TestClock, with a share of 5xx (default 5%) drawn by the fake. Prints the calls per
 * second the fake answers, with and without the fault knob, and the last line as JSON.
 *
 *   npx tsx bench/inMemoryFake.ts [--sessions 10000] [--hours 24] [--fault-rate 0.05]
 *   node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/inMemoryFake.ts   # a CPU profile
 *
 * Only the fake is measured: the calls are made one after another from one fiber, so the figure is
 * what the fake costs per call (the `Sessions.*` span included), not what a worker pool adds.
 */
import { Duration, Effect, Layer, TestClock, TestContext } from "effect"
import { Sessions } from "../src/index.js"
import { FakeOkta, InMemorySessions } from "../src/testing/index.js"

const argument = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name)
  const value = at === -1 ? fallback : Number(process.argv[at + 1])
  if (!Number.isFinite(value) || value < 0) {
    process.stderr.write(`${name} must be a number >= 0, got ${process.argv[at + 1]}\n`)
    process.exit(2)
  }
  return value
}

const sessionCount = argument("--sessions", 10_000)
const hours = argument("--hours", 24)
const faultRate = argument("--fault-rate", 0.05)
const everyMinutes = 90

interface Run {
  readonly calls: number
  readonly failures: number
  readonly seconds: number
  readonly callsPerSecond: number
  /** CPU (user + system) per call: steadier than the wall clock on a shared machine. */
  readonly cpuMicrosPerCall: number
}

/** One simulated day: refresh every session every 90 minutes; answers what it cost in real time. */
const day = (serverErrorRate: number) =>
  Effect.gen(function*() {
    const okta = yield* FakeOkta.FakeOkta
    const sessions = yield* Sessions.Sessions
    const seeded = yield* okta.seedSessionIds(sessionCount)
    yield* okta.setFaults({ serverErrorRate })
    let calls = 0
    let failures = 0
    const started = process.hrtime.bigint()
    const cpuBefore = process.cpuUsage()
    for (let minute = everyMinutes; minute <= hours * 60; minute += everyMinutes) {
      yield* TestClock.adjust(Duration.minutes(everyMinutes))
      for (const id of seeded) {
        // a failed refresh is retried at once, as a worker would (the session has 30 minutes left)
        for (let attempt = 0; attempt < 10; attempt++) {
          calls++
          const result = yield* Effect.either(sessions.refreshSession(id))
          if (result._tag === "Right") break
          failures++
        }
      }
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    const cpu = process.cpuUsage(cpuBefore)
    const alive = yield* okta.activeSessionCount
    if (alive !== sessionCount) {
      return yield* Effect.dieMessage(`${sessionCount - alive} sessions expired: the bench did not refresh them in time`)
    }
    return {
      calls,
      failures,
      seconds,
      callsPerSecond: Math.round(calls / seconds),
      cpuMicrosPerCall: Math.round(((cpu.user + cpu.system) / calls) * 10) / 10
    } satisfies Run
  }).pipe(
    Effect.provide(InMemorySessions.layer.pipe(Layer.provideMerge(FakeOkta.layer({
      rateLimits: { sessions: { limit: 10_000_000, window: "1 minute" } }
    })))),
    Effect.provide(TestContext.TestContext)
  )

const print = (label: string, run: Run) =>
  process.stdout.write(
    `${label.padEnd(22)} ${run.calls.toLocaleString("en")} calls (${run.failures.toLocaleString("en")} 5xx) in ` +
      `${run.seconds.toFixed(2)} s: ${run.callsPerSecond.toLocaleString("en")} calls/s, ${run.cpuMicrosPerCall} µs CPU per call\n`
  )

const program = Effect.gen(function*() {
  process.stdout.write(
    `${sessionCount} sessions, 2-hour idle window, refreshed every ${everyMinutes} min for ${hours} simulated hours\n`
  )
  yield* day(0) // warm-up: the JIT, and the first run's one-off costs
  const plain = yield* day(0)
  print("no faults", plain)
  const faulty = yield* day(faultRate)
  print(`serverErrorRate ${faultRate}`, faulty)
  process.stdout.write(
    `${
      JSON.stringify({
        sessions: sessionCount,
        hours,
        plainCallsPerSecond: plain.callsPerSecond,
        plainCpuMicrosPerCall: plain.cpuMicrosPerCall,
        faultyCallsPerSecond: faulty.callsPerSecond,
        faultyCpuMicrosPerCall: faulty.cpuMicrosPerCall
      })
    }\n`
  )
})

Effect.runPromise(program).catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`)
  process.exit(1)
})
