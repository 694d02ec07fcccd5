/**
 * Quickstart: look a session up, refresh it, and handle "gone" as an ordinary outcome.
 *
 *   OKTA_CLIENT_ORGURL=https://dev-123.okta.com OKTA_CLIENT_TOKEN=00abc... \
 *     npx tsx examples/quickstart.ts 102Ke7cvc3uT0iOo4J1Fd4tSA
 *
 * Importing this file runs nothing; only running it as the main script does.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, DateTime, Effect, Layer, Schema } from "effect"
import { OktaConfig, Session, Sessions } from "effect-okta-sessions"
import { pathToFileURL } from "node:url"

/** Reads a session, then extends it. An expired or revoked session is reported, not thrown. */
export const program = (input: string) =>
  Effect.gen(function*() {
    const sessions = yield* Sessions.Sessions
    // A bad id (`../users`, `a b`, ...) fails here with a ParseError; no request is sent.
    const sessionId = yield* Schema.decodeUnknown(Session.SessionId)(input)

    const session = yield* sessions.getSession(sessionId)
    yield* Console.log(`${session.login} (${session.status}) expires at ${DateTime.formatIso(session.expiresAt)}`)

    const refreshed = yield* sessions.refreshSession(sessionId)
    yield* Console.log(`refreshed: now expires at ${DateTime.formatIso(refreshed.expiresAt)}`)
  }).pipe(
    // The compiler knows getSession and refreshSession can answer 404; it would refuse a tag they cannot.
    Effect.catchTag("NotFound", (error) => Console.log(`no such session (expired or revoked): ${error.message}`))
  )

/** Config from the OKTA_CLIENT_* environment, HTTP through undici. */
export const SessionsLive = Sessions.layer.pipe(
  Layer.provide(OktaConfig.layerConfig()),
  Layer.provide(NodeHttpClient.layerUndici)
)

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href
if (isMain) {
  program(process.argv[2] ?? "").pipe(Effect.provide(SessionsLive), NodeRuntime.runMain)
}
