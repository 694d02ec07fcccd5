/**
 * One client and one scenario in this process, against the fake Okta in its own: for profiling.
 * Run through `npm run bench -- --profile effect-undici get 64 10000`, which bundles it, runs it
 * under `node --cpu-prof` and summarises the profile. Prints the measured figures; the profile
 * covers warm-up and measurement alike.
 */
import { Schema } from "effect"
import { makeDriver, Recorder } from "./drivers.js"
import { Channel, forkScript } from "./processes.js"
import { ClientName, decodeServerMessage, type ServerCommand, type ServerMessage } from "./protocol.js"

const [clientArgument = "effect-undici", operationArgument = "get", concurrencyArgument = "64", requestsArgument = "10000"] =
  process.argv.slice(2).filter((argument) => !argument.startsWith("--"))
const client = Schema.decodeUnknownSync(ClientName)(clientArgument)
const operation = Schema.decodeUnknownSync(Schema.Literal("get", "refresh"))(operationArgument)
const concurrency = Number(concurrencyArgument)
const requests = Number(requestsArgument)

const server = new Channel<ServerMessage, ServerCommand>(forkScript("fakeOkta", 600, process.argv.includes("--chunked") ? ["--chunked"] : []), decodeServerMessage, "fake Okta")
try {
  const listening = await server.next(30_000)
  if (listening._tag !== "Listening") throw new Error("the fake Okta did not start")
  const driver = await makeDriver(client, `http://127.0.0.1:${listening.port}`)
  const scenario = { name: "profile", operation, concurrency, requests, warmup: 0, maxMillis: 120_000 }
  await driver.run(new Recorder(client, scenario, Math.ceil(requests / 5), { measureAllocation: false }), operation, concurrency)
  const recorder = new Recorder(client, scenario, requests)
  await driver.run(recorder, operation, concurrency)
  const result = recorder.finish()
  process.stdout.write(
    `${client} ${operation} c=${concurrency}: ${(result.succeeded / result.wallMillis * 1000).toFixed(0)} rps, p50 ${
      result.p50Millis.toFixed(2)
    } ms, p99 ${result.p99Millis.toFixed(2)} ms, ${(result.cpuMicros / requests).toFixed(0)} µs CPU/req, ${result.failed} failed ${
      result.firstFailure ?? ""
    }\n`
  )
} finally {
  await server.stop()
}
process.exit(0)
