/**
 * The cap on requests in flight (`throttle.maxConcurrency`, 32 by default) against a slow org: a
 * node:http server on 127.0.0.1 that answers every request after `latency` ms, called by 64 fibers
 * on the lean layer with caps of 32, 64 and 128, and by 64 raw `undici.request` loops.
 * Run: `npx tsx bench/notes/latency-cap.ts [latencyMillis] [requests]`.
 */
import { Layer, ManagedRuntime, Redacted } from "effect"
import * as http from "node:http"
import * as Undici from "undici"
import * as OktaConfig from "../../src/OktaConfig.js"
import * as OktaUndici from "../../src/OktaUndici.js"
import { SessionId } from "../../src/Session.js"
import * as Sessions from "../../src/Sessions.js"

const latency = Number(process.argv[2] ?? "50")
const requests = Number(process.argv[3] ?? "3000")
const concurrency = 64
const body = JSON.stringify({
  id: "102bench0000000000000",
  userId: "00u0abcdefGHIJKLMNOP",
  login: "user@example.com",
  createdAt: "2026-11-22T10:00:00.000Z",
  expiresAt: "2026-11-22T12:00:00.000Z",
  status: "ACTIVE",
  lastPasswordVerification: "2026-11-22T10:00:00.000Z",
  lastFactorVerification: "2026-11-22T10:00:00.000Z",
  amr: ["pwd"],
  idp: { id: "00o0abcdefGHIJKLMNOP", type: "OKTA" },
  mfaActive: false
})

const server = http.createServer((request, response) => {
  request.resume()
  setTimeout(() => {
    response.writeHead(200, { "content-type": "application/json" })
    response.end(body)
  }, latency)
})
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
const address = server.address()
if (address === null || typeof address === "string") throw new Error("no port")
const orgUrl = `http://127.0.0.1:${address.port}`

const rate = async (label: string, run: () => Promise<void>) => {
  const started = performance.now()
  await run()
  const rps = requests / ((performance.now() - started) / 1000)
  process.stdout.write(`${label}: ${rps.toFixed(0)} rps\n`)
  return rps
}

const workers = async (call: () => Promise<unknown>) => {
  let left = requests
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (left-- > 0) await call()
  }))
}

const raw = await rate("raw undici.request, 64 in flight", () =>
  workers(async () => {
    const response = await Undici.request(`${orgUrl}/api/v1/sessions/102bench0000000000000/lifecycle/refresh`, { method: "POST" })
    JSON.parse(await response.body.text())
  }))

for (const maxConcurrency of [32, 64, 128]) {
  const runtime = ManagedRuntime.make(
    OktaUndici.layerSessions().pipe(
      Layer.provide(OktaConfig.layer({ orgUrl, token: Redacted.make("bench-token"), throttle: { maxConcurrency } }))
    )
  )
  const sessions = await runtime.runPromise(Sessions.Sessions)
  const id = SessionId.make("102bench0000000000000")
  const rps = await rate(`lean layer, 64 callers, maxConcurrency ${maxConcurrency}`, () =>
    workers(() => runtime.runPromise(sessions.refreshSession(id))))
  process.stdout.write(`  = ${(rps / raw).toFixed(2)}× raw\n`)
  await runtime.dispose()
}
server.close()
