/**
 * What the call observation (callObservation.ts: the span attributes and the metrics of one call)
 * costs by itself, measured in one process with no I/O: a loop of calls that each make the
 * observation on a span of Effect's default tracer and record one answered attempt, against the same
 * loop without it. Run: `npx tsx bench/notes/observation-cost.ts`. Prints CPU nanoseconds per call,
 * the best of five runs of 200,000 calls (the machine is shared; the best run is the least disturbed).
 */
import { Context, Effect, Metric, Option } from "effect"
import { CallObservation, serverAttributes } from "../../src/internal/client/callObservation.js"
import * as ClientMetrics from "../../src/internal/client/clientMetrics.js"

const calls = 200_000
const server = serverAttributes("https://example.okta.com")

const measure = (label: string, body: () => void) => {
  let best = Infinity
  for (let round = 0; round < 5; round++) {
    const started = process.cpuUsage()
    body()
    const used = process.cpuUsage(started)
    best = Math.min(best, ((used.user + used.system) * 1000) / calls)
  }
  process.stdout.write(`${label}: ${best.toFixed(0)} ns per call\n`)
  return best
}

const program = Effect.gen(function*() {
  const tracer = yield* Effect.tracer
  const clock = yield* Effect.clock
  const span = () => tracer.span("Sessions.getSession", Option.none(), Context.empty(), [], 0n, "client", {})
  const spanOnly = measure("a span alone (the baseline every call has)", () => {
    for (let index = 0; index < calls; index++) span()
  })
  const observed = measure("a span + CallObservation + one answered attempt (attributes, 2 metric updates)", () => {
    for (let index = 0; index < calls; index++) {
      const call = new CallObservation(span(), true, clock, [], "getSession", "GET", "/api/v1/sessions/{sessionId}", server)
      call.answered(200, "req", call.nowMillis())
    }
  })
  process.stdout.write(`the observation: ${(observed - spanOnly).toFixed(0)} ns per call\n`)
  const state = yield* Metric.value(ClientMetrics.metrics.requests.pipe(Metric.tagged("operation", "getSession"), Metric.tagged("status", "200")))
  process.stdout.write(`(counted ${state.count} requests)\n`)
})

Effect.runSync(program)
