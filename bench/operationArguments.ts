/**
 * What the operation-boundary checks cost per call: `npx tsx --conditions=source bench/operationArguments.ts`.
 * Prints µs per check, the same check as a `Schema` decode for comparison, and a whole `revokeSession`
 * over an in-process `HttpClient` that answers 204 at once (so the check's share of a call shows).
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Effect, Layer, Redacted, Schema } from "effect"
import { OktaConfig, Session, Sessions } from "../src/index.js"
import { checkCookie, checkQueryBooleans, checkSessionToken, pathParameters } from "../src/internal/client/operationArguments.js"

const time = (name: string, iterations: number, run: (i: number) => unknown): number => {
  for (let i = 0; i < Math.min(iterations, 50_000); i++) run(i)
  const start = performance.now()
  let sink = 0
  for (let i = 0; i < iterations; i++) if (run(i)) sink++
  const micros = ((performance.now() - start) * 1000) / iterations
  console.log(`${name.padEnd(52)} ${micros.toFixed(3).padStart(8)} µs/call  (${sink} of ${iterations} accepted)`)
  return micros
}

const ids = Array.from({ length: 1024 }, (_, i) => `102Ke7cvc3uT0iOo4J1F${i.toString(36).padStart(5, "0")}`)
const cookie = Session.SessionCookie.make({ name: "sid", value: Session.CookieValue.make("102abc-DEF_ghi.jkl=") })
const token = Redacted.make("20111gDQ-one-time-SESSION-token")
const decodeSessionId = Schema.decodeUnknownEither(Session.SessionId)

const n = 1_000_000
const check = time("session id check (typeof + regex + route name)", n, (i) => pathParameters.sessionId.isValid(ids[i & 1023]))
const schema = time("same id as Schema.decodeUnknownEither(SessionId)", n, (i) => decodeSessionId(ids[i & 1023]))
time("cookie check (SessionCookie instance)", n, () => checkCookie(cookie))
time("cookie check (plain object, rebuilt)", n / 4, () => checkCookie({ name: "sid", value: "102abc-DEF_ghi.jkl=" }))
time("session token check", n, () => checkSessionToken(token))
time("revokeUserSessions options check", n, () => checkQueryBooleans({ oauthTokens: true }, ["oauthTokens", "forgetDevices"]))
console.log(`ratio Schema decode / check: ${(schema / check).toFixed(1)}x`)

const client = HttpClient.make((request) => Effect.succeed(HttpClientResponse.fromWeb(request, new Response(null, { status: 204 }))))
const layer = Sessions.layer.pipe(
  Layer.provide(OktaConfig.layer({ orgUrl: "https://dev-123.okta.com", token: Redacted.make("00abc"), throttle: false })),
  Layer.provide(Layer.succeed(HttpClient.HttpClient, client))
)
const calls = 20_000
const program = Effect.gen(function*() {
  const sessions = yield* Sessions.Sessions
  const id = Session.SessionId.make(ids[0] ?? "")
  for (let i = 0; i < 2_000; i++) yield* sessions.revokeSession(id)
  const start = performance.now()
  for (let i = 0; i < calls; i++) yield* sessions.revokeSession(id)
  return ((performance.now() - start) * 1000) / calls
})
const whole = await Effect.runPromise(Effect.provide(program, layer))
console.log(`${"whole revokeSession (in-process 204)".padEnd(52)} ${whole.toFixed(3).padStart(8)} µs/call`)
console.log(`id check share of a call: ${((check / whole) * 100).toFixed(2)} %`)
