/**
 * One benchmark client in its own process (`fork` from bench/run.ts). The parent sends `Setup`
 * (which client, which org URL), then `Run` per scenario; this process answers `Ready` and one
 * `Result` per scenario, and exits when the parent goes away or after `--max-seconds`.
 */
import { describe, type Driver, makeDriver, Recorder } from "./drivers.js"
import { type ClientMessage, type ClientName, decodeParentMessage, type Scenario } from "./protocol.js"

const maxSeconds = Number(process.argv[process.argv.indexOf("--max-seconds") + 1] ?? "900")
const lifetime = setTimeout(() => process.exit(3), (Number.isFinite(maxSeconds) ? maxSeconds : 900) * 1000)
lifetime.unref()

const send = (message: ClientMessage): void => {
  process.send?.(message)
}

let driver: { readonly client: ClientName; readonly driver: Driver } | undefined

const runScenario = async (scenario: Scenario): Promise<void> => {
  if (driver === undefined) throw new Error("Run before Setup")
  const { client } = driver
  if (scenario.warmup > 0) {
    const warmup = new Recorder(client, scenario, scenario.warmup, { measureAllocation: false })
    await driver.driver.run(warmup, scenario.operation, scenario.concurrency)
  }
  const recorder = new Recorder(client, scenario, scenario.requests)
  const every = scenario.heapSampleEvery
  if (every === undefined) {
    await driver.driver.run(recorder, scenario.operation, scenario.concurrency)
  } else {
    // The heap run: batches of `every` calls, a heap sample before the first and after each.
    const collect = globalThis.gc
    if (collect === undefined) throw new Error("the heap run needs the client process to run with --expose-gc")
    recorder.sampleHeap(collect)
    while (!recorder.exhausted) {
      recorder.allowUpTo(recorder.taken + every)
      await driver.driver.run(recorder, scenario.operation, scenario.concurrency)
      recorder.sampleHeap(collect)
    }
  }
  send({ _tag: "Result", result: recorder.finish() })
}

process.on("message", (raw) => {
  const message = decodeParentMessage(raw)
  const work = message._tag === "Setup"
    ? makeDriver(message.client, message.orgUrl).then((made) => {
      driver = { client: message.client, driver: made }
      send({ _tag: "Ready" })
    })
    : runScenario(message.scenario)
  work.catch((error: unknown) => {
    process.stderr.write(`bench client failed: ${describe(error)}\n`)
    process.exit(1)
  })
})

process.on("disconnect", () => process.exit(0))
