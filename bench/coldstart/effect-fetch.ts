/**
 * Cold start of this client over `FetchHttpClient.layer`: build the layers, get one Session,
 * then report the time since the process started (`performance.now()`) on stdout and exit.
 * Modules are imported by path, as the README advises for start-up time.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { OktaConfig, Session, Sessions } from "../../src/index.js"

const orgUrl = process.env["BENCH_ORG_URL"] ?? "http://127.0.0.1:9"
const SessionsLive = Sessions.layer.pipe(
  Layer.provide(OktaConfig.layer({ orgUrl, token: Redacted.make("00benchTokenThatIsNotASecret0000000000000") })),
  Layer.provide(FetchHttpClient.layer)
)
const exit = await Effect.runPromiseExit(
  Effect.flatMap(Sessions.Sessions, (sessions) =>
    sessions.getSession(Session.SessionId.make("102benchColdStart000000001"))).pipe(Effect.provide(SessionsLive))
)
const ok = Exit.isSuccess(exit)
process.stdout.write(`${JSON.stringify({ ok, firstResponseMillis: performance.now() })}\n`)
process.exit(ok ? 0 : 1)
