/**
 * Keepalive memory: tracks N sessions (default 1,000,000) in one worker and prints the process's
 * RSS, heap and bytes per session, then the CPU it burns while nothing is due. The last line is
 * JSON for bench/keepalive.ts.
 *
 *   node --import tsx --expose-gc bench/keepalive-memory.ts --sessions 1000000
 *
 * The sessions are planned two hours ahead, so none is refreshed during the measurement; the
 * `Sessions` behind the worker is the in-memory fake, which is never called.
 */
import { DateTime, Duration, Effect, Layer } from "effect"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { Keepalive, KeepaliveStore, Session } from "../src/index.js"
import { FakeOkta, InMemorySessions } from "../src/testing/index.js"

const argument = (name: string): string | undefined => {
  const at = process.argv.indexOf(name)
  return at === -1 ? undefined : process.argv[at + 1]
}

const count = Number(argument("--sessions") ?? 1_000_000)
if (!Number.isInteger(count) || count < 1) {
  process.stderr.write(`--sessions must be a positive integer, got ${argument("--sessions")}\n`)
  process.exit(2)
}

setFlagsFromString("--expose-gc")
const collect: unknown = runInNewContext("gc")
const settle = () => {
  if (typeof collect === "function") {
    collect()
    collect()
  }
  return process.memoryUsage()
}

/** The sessions, made one at a time so that only the worker keeps anything of them. */
function* sessions(now: number): Generator<Session.Session> {
  const createdAt = DateTime.unsafeMake(now)
  const expiresAt = DateTime.unsafeMake(now + Duration.toMillis("2 hours"))
  for (let i = 0; i < count; i++) {
    const suffix = i.toString(36).padStart(8, "0")
    yield new Session.Session({
      id: Session.SessionId.make(`102benchKeepalive${suffix}`),
      userId: Session.UserId.make(`00ubench${suffix}`),
      login: `user${i}@example.com`,
      status: "ACTIVE",
      createdAt,
      expiresAt,
      amr: ["pwd"]
    }, true)
  }
}

const megabytes = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`

const program = Effect.gen(function*() {
  const keepalive = yield* Keepalive.make({ tick: "1 second" })
  const before = settle()
  const started = Date.now()
  const added = yield* keepalive.addAll(sessions(Date.now()))
  const addMillis = Date.now() - started
  const after = settle()
  const stats = yield* keepalive.stats
  const rssDelta = after.rss - before.rss
  const heapDelta = after.heapUsed - before.heapUsed
  console.log(`tracked ${stats.tracked} sessions (added ${added} in ${addMillis} ms; ${stats.slots} slots)`)
  console.log(`RSS ${megabytes(after.rss)} (+${megabytes(rssDelta)}), heap used ${megabytes(after.heapUsed)} (+${megabytes(heapDelta)})`)
  console.log(`per session: ${(rssDelta / count).toFixed(0)} bytes of RSS, ${(heapDelta / count).toFixed(0)} bytes of heap`)

  // idle: nothing is due for 45 minutes at least, so the worker should be asleep
  const cpuBefore = process.cpuUsage()
  const idleStarted = process.hrtime.bigint()
  yield* Effect.sleep("2 seconds")
  const cpu = process.cpuUsage(cpuBefore)
  const elapsedMicros = Number(process.hrtime.bigint() - idleStarted) / 1000
  const idleCpuShare = (cpu.user + cpu.system) / elapsedMicros
  console.log(`idle CPU: ${(idleCpuShare * 100).toFixed(2)}% of one core`)
  console.log(JSON.stringify({
    sessions: stats.tracked,
    rssBytes: after.rss,
    heapUsedBytes: after.heapUsed,
    bytesPerSession: Math.round(rssDelta / count),
    idleCpuShare
  }))
}).pipe(
  Effect.scoped,
  Effect.provide(InMemorySessions.layer.pipe(Layer.provide(FakeOkta.layer()))),
  Effect.provide(KeepaliveStore.layerMemory)
)

Effect.runPromise(program).catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`)
  process.exit(1)
})
