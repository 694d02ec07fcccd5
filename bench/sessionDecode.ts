/**
 * What a `Session` decode costs: `npx tsx --conditions=source bench/sessionDecode.ts`. Prints µs per
 * decode of one Okta-shaped body (the emulator's `GET /api/v1/sessions/{id}` answer) for the schema
 * path as it was (JSON.parse + `Schema.decodeUnknownEither(Session)`), the hand-checked fast path
 * alone, and the library's whole body decode (bytes to `Session`), in the same run, with the ratio.
 */
import * as Headers from "@effect/platform/Headers"
import { Effect, Either, Schema } from "effect"
import { Session } from "../src/index.js"
import { decodeSession } from "../src/internal/client/sessionBody.js"
import { fastDecodeSession } from "../src/internal/client/sessionFastPath.js"

const time = (name: string, iterations: number, run: (i: number) => unknown): number => {
  for (let i = 0; i < Math.min(iterations, 20_000); i++) run(i)
  const start = performance.now()
  let sink = 0
  for (let i = 0; i < iterations; i++) if (run(i)) sink++
  const micros = ((performance.now() - start) * 1000) / iterations
  console.log(`${name.padEnd(56)} ${micros.toFixed(3).padStart(8)} µs/decode  (${sink} of ${iterations} decoded)`)
  return micros
}

const base = "https://dev-123.okta.com"
const bodies = Array.from({ length: 256 }, (_, i) => {
  const id = `102Ke7cvc3uT0iOo4J1F${i.toString(36).padStart(5, "0")}`
  return JSON.stringify({
    id,
    userId: "00u1abcdEFGH2345ijkl",
    login: "ada@example.com",
    createdAt: "2026-12-01T10:00:00.000Z",
    expiresAt: "2026-12-01T12:00:00.000Z",
    status: "ACTIVE",
    lastPasswordVerification: "2026-12-01T10:00:00.000Z",
    lastFactorVerification: null,
    amr: ["pwd", "mfa"],
    idp: { id: "00o1orgid", type: "OKTA" },
    mfaActive: false,
    _links: {
      self: { href: `${base}/api/v1/sessions/${id}`, hints: { allow: ["GET", "DELETE"] } },
      refresh: { href: `${base}/api/v1/sessions/${id}/lifecycle/refresh`, hints: { allow: ["POST"] } },
      user: { name: "ada@example.com", href: `${base}/api/v1/users/00u1abcdEFGH2345ijkl`, hints: { allow: ["GET"] } }
    }
  })
})
const encoded = bodies.map((body) => new TextEncoder().encode(body))
const decodeWithSchema = Schema.decodeUnknownEither(Session.Session, { onExcessProperty: "ignore" })
const where = { method: "GET", pathTemplate: "/api/v1/sessions/{sessionId}" }

const n = 200_000
const schema = time("schema: JSON.parse + decodeUnknownEither(Session)", n, (i) =>
  Either.isRight(decodeWithSchema(JSON.parse(bodies[i & 255] ?? ""))))
const fast = time("fast path: JSON.parse + fastDecodeSession", n, (i) =>
  fastDecodeSession(JSON.parse(bodies[i & 255] ?? "")) !== undefined)
const parse = time("JSON.parse alone", n, (i) => JSON.parse(bodies[i & 255] ?? "") !== null)
const whole = time("library decodeSession (bytes -> Session, Effect.runSync)", n, (i) =>
  Effect.runSync(decodeSession({ status: 200, headers: Headers.empty, body: encoded[i & 255] ?? new Uint8Array(), requestId: undefined }, where)))
console.log(`ratio schema / fast path: ${(schema / fast).toFixed(1)}x; beyond JSON.parse: ${((schema - parse) / (fast - parse)).toFixed(1)}x`)
console.log(`whole decodeSession incl. TextDecoder + runSync: ${whole.toFixed(2)} µs`)
