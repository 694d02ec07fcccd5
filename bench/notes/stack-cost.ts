/**
 * What the client's own stack costs per call with no network: `Sessions.getSession` over the real
 * `OktaHttpClient` service (throttle, request timeout, span, observation, Session decode) on a
 * transport that answers a fixed Okta-shaped Session from memory, on the next microtask or, with
 * `DELAY=ms`, after a real timer (calls then stay in flight as they would on a network).
 *
 *   npx tsx bench/notes/stack-cost.ts [full|notrace] [--no-throttle]
 *   C=64 MAXC=32 DELAY=3 N=60000 npx tsx bench/notes/stack-cost.ts
 *
 * `C` callers (fibers, default 64), the throttle's `maxConcurrency` `MAXC` (default: the client's 32),
 * `N` calls per round (default 200,000) after a warm-up of 50,000; `notrace` runs with the tracer
 * off. Prints CPU µs, KiB allocated and GC pause µs per call for three rounds (bench/allocation.ts).
 * Bundle it with esbuild for figures without tsx's per-function `__name` calls (BENCHMARKS.md,
 * "Hot path steps", steps 7 and 8).
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { OktaConfig, Session, Sessions } from "../../src/index.js"
import { authorizerFor } from "../../src/internal/client/authorizerForConfig.js"
import { makeService } from "../../src/internal/client/clientService.js"
import type { Transport, WireAnswer } from "../../src/internal/client/transport.js"
import { OktaHttpClient } from "../../src/OktaHttpClient.js"
import { AllocationMeter } from "../allocation.js"

const body = new TextEncoder().encode(JSON.stringify({
  id: "102bench0000000000000000",
  userId: "00ubench000000000000",
  login: "bench@example.com",
  createdAt: "2026-12-01T10:00:00.000Z",
  expiresAt: "2026-12-01T12:00:00.000Z",
  status: "ACTIVE",
  lastPasswordVerification: "2026-12-01T10:00:00.000Z",
  lastFactorVerification: "2026-12-01T10:00:00.000Z",
  amr: ["pwd", "mfa"],
  idp: { id: "00obench", type: "OKTA" },
  mfaActive: true,
  _links: {
    self: { href: "https://example.okta.com/api/v1/sessions/102bench", hints: { allow: ["GET", "DELETE"] } },
    refresh: { href: "https://example.okta.com/api/v1/sessions/102bench/lifecycle/refresh", hints: { allow: ["POST"] } },
    user: { name: "Bench", href: "https://example.okta.com/api/v1/users/00ubench", hints: { allow: ["GET"] } }
  }
}))
const headers = Headers.unsafeFromRecord({
  "content-type": "application/json",
  "x-okta-request-id": "XbenchRequestId",
  date: new Date().toUTCString(),
  "x-rate-limit-limit": "1000000",
  "x-rate-limit-remaining": "999999",
  "x-rate-limit-reset": String(Math.floor(Date.now() / 1000) + 3600)
})
const answer: WireAnswer = { status: 200, headers, body }
const delayMillis = Number(process.env["DELAY"] ?? -1)
const transport: Transport = () =>
  Effect.async((resume) => {
    if (delayMillis < 0) queueMicrotask(() => resume(Effect.succeed(answer)))
    else setTimeout(() => resume(Effect.succeed(answer)), delayMillis)
  })

const variant = process.argv[2] === "notrace" ? "notrace" : "full"
const throttle = !process.argv.includes("--no-throttle")
const maxConcurrency = process.env["MAXC"] === undefined ? undefined : Number(process.env["MAXC"])
const callers = Number(process.env["C"] ?? 64)
const callsPerRound = Number(process.env["N"] ?? 200_000)

const config = OktaConfig.layer({
  orgUrl: "https://example.okta.com",
  token: Redacted.make("00benchTokenThatIsNotASecret0000000000000"),
  throttle: throttle ? (maxConcurrency === undefined ? true : { maxConcurrency }) : false
})
const http = Layer.scoped(
  OktaHttpClient,
  Effect.gen(function*() {
    const settings = yield* OktaConfig.OktaConfig
    // An API token never calls the token endpoint: fetch is only there to satisfy the signature.
    const authorizer = yield* authorizerFor(settings, yield* Effect.provide(HttpClient.HttpClient, FetchHttpClient.layer))
    return yield* makeService(settings, () => transport, authorizer)
  })
)
const runtime = ManagedRuntime.make(Layer.effect(Sessions.Sessions, Sessions.make).pipe(Layer.provide(http), Layer.provide(config)))

const main = async () => {
  const sessions = await runtime.runPromise(Sessions.Sessions)
  const id = Session.SessionId.make("102bench0000000000000000")
  const run = (calls: number) => {
    let next = 0
    const worker = Effect.gen(function*() {
      while (next++ < calls) yield* Effect.exit(sessions.getSession(id))
    })
    const all = Effect.all(Array.from({ length: callers }, () => worker), { concurrency: "unbounded", discard: true })
    return runtime.runPromise(variant === "notrace" ? Effect.withTracerEnabled(all, false) : all)
  }
  await run(50_000)
  for (let round = 0; round < 3; round++) {
    const meter = new AllocationMeter()
    const cpuBefore = process.cpuUsage()
    await run(callsPerRound)
    const cpu = process.cpuUsage(cpuBefore)
    const allocation = meter.finish()
    process.stdout.write(
      `${variant} throttle=${throttle} C=${callers} MAXC=${maxConcurrency ?? "default"} DELAY=${delayMillis}: ` +
        `${((cpu.user + cpu.system) / callsPerRound).toFixed(1)} µs CPU/call, ` +
        `${(allocation.allocatedBytes / callsPerRound / 1024).toFixed(1)} KiB/call, GC ${(allocation.gcMicros / callsPerRound).toFixed(1)} µs/call\n`
    )
  }
  await runtime.dispose()
}
main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`)
  process.exit(1)
})
