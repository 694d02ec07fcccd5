/**
 * `okta-sessions create`: exchanges a one-time session token, read from standard input (never an
 * argument), for a session, and prints it.
 *
 * @since 0.2.0
 */
import * as Command from "@effect/cli/Command"
import { describeCommand } from "./commandHelp.js"
import * as Effect from "effect/Effect"
import { Sessions } from "../../index.js"
import { reportingFailures } from "./commandResult.js"
import { connectionOptions } from "./connectionConfig.js"
import { jsonOption } from "./jsonOption.js"
import { layerSessions } from "./oktaConnection.js"
import { readSecret } from "./secretInput.js"
import { printSession } from "./sessionCommands.js"

/**
 * `okta-sessions create < token.txt`.
 *
 * @since 0.2.0
 * @category commands
 */
export const createCommand = Command.make("create", { ...connectionOptions, json: jsonOption }, (input) =>
  Effect.gen(function*() {
    const sessionToken = yield* readSecret({ what: "the session token" })
    const sessions = yield* Sessions.Sessions
    yield* printSession(input.json, yield* sessions.createSession(sessionToken))
  }).pipe(Effect.provide(layerSessions(input)), reportingFailures("create", input.json))).pipe(
    describeCommand(
      "Create a session from a one-time session token read from standard input (POST /api/v1/sessions). Never retried."
    )
  )
