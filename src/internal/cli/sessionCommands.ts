/**
 * `get`, `refresh`, `revoke` and `revoke-user`: one call to Okta each, printed as a table or, with
 * `--json`, as one JSON object.
 *
 * @since 0.2.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import { describeCommand } from "./commandHelp.js"
import * as Options from "@effect/cli/Options"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Session, Sessions } from "../../index.js"
import { printResult, reportingFailures } from "./commandResult.js"
import { connectionOptions } from "./connectionConfig.js"
import { jsonOption } from "./jsonOption.js"
import { layerSessions } from "./oktaConnection.js"
import { UsageError } from "./usageError.js"
import { sessionJson, sessionRows } from "./sessionView.js"
import { formatTable } from "./table.js"

const sessionIdArg = Args.text({ name: "sessionId" }).pipe(
  Args.withSchema(Session.SessionId),
  Args.withDescription("The Okta session id (letters, digits, '-', '_').")
)

/**
 * Prints a session.
 *
 * @since 0.2.0
 * @category output
 */
export const printSession = (json: boolean, session: Session.Session) =>
  Effect.flatMap(DateTime.now, (now) =>
    printResult(json, sessionJson(session), () => formatTable(sessionRows(session, now))))

/** A command on one session id that answers a Session. */
const sessionCommand = (
  name: "get" | "refresh",
  description: string,
  call: (sessions: Sessions.Sessions.Service, id: Session.SessionId) => Effect.Effect<Session.Session, Sessions.GetSessionError | Sessions.RefreshSessionError>
) =>
  Command.make(name, { ...connectionOptions, json: jsonOption, sessionId: sessionIdArg }, (input) =>
    Effect.gen(function*() {
      const sessions = yield* Sessions.Sessions
      yield* printSession(input.json, yield* call(sessions, input.sessionId))
    }).pipe(Effect.provide(layerSessions(input)), reportingFailures(name, input.json))).pipe(
    describeCommand(description)
  )

/**
 * `okta-sessions get <sessionId>`.
 *
 * @since 0.2.0
 * @category commands
 */
export const getCommand = sessionCommand(
  "get",
  "Show a session (GET /api/v1/sessions/{sessionId}).",
  (sessions, id) => sessions.getSession(id)
)

/**
 * `okta-sessions refresh <sessionId>`.
 *
 * @since 0.2.0
 * @category commands
 */
export const refreshCommand = sessionCommand(
  "refresh",
  "Refresh a session and show its new expiry (POST /api/v1/sessions/{sessionId}/lifecycle/refresh).",
  (sessions, id) => sessions.refreshSession(id)
)

/**
 * `okta-sessions revoke <sessionId>`.
 *
 * @since 0.2.0
 * @category commands
 */
export const revokeCommand = Command.make(
  "revoke",
  { ...connectionOptions, json: jsonOption, sessionId: sessionIdArg },
  (input) =>
    Effect.gen(function*() {
      const sessions = yield* Sessions.Sessions
      yield* sessions.revokeSession(input.sessionId)
      yield* printResult(input.json, { sessionId: input.sessionId, revoked: true }, () =>
        formatTable([["session", input.sessionId], ["revoked", "yes"]]))
    }).pipe(Effect.provide(layerSessions(input)), reportingFailures("revoke", input.json))
).pipe(describeCommand("Revoke a session (DELETE /api/v1/sessions/{sessionId})."))

/**
 * `okta-sessions revoke-user <userId> [--oauth-tokens] [--forget-devices]`.
 *
 * @since 0.2.0
 * @category commands
 */
export const revokeUserCommand = Command.make(
  "revoke-user",
  {
    ...connectionOptions,
    json: jsonOption,
    oauthTokens: Options.boolean("oauth-tokens").pipe(
      Options.withDescription("Also revoke the OAuth and OpenID Connect tokens issued to the user.")
    ),
    forgetDevices: Options.boolean("forget-devices").pipe(
      Options.withDescription("Send forgetDevices=true: clear the user's remembered factors on every device.")
    ),
    keepDevices: Options.boolean("keep-devices").pipe(
      Options.withDescription("Send forgetDevices=false. With neither, Okta's default applies (it forgets them).")
    ),
    userId: Args.text({ name: "userId" }).pipe(Args.withSchema(Session.UserId), Args.withDescription("The Okta user id."))
  },
  (input) =>
    Effect.gen(function*() {
      const sessions = yield* Sessions.Sessions
      if (input.forgetDevices && input.keepDevices) {
        return yield* new UsageError({ detail: "--forget-devices and --keep-devices cannot both be given" })
      }
      const forgetDevices = input.forgetDevices ? Option.some(true) : input.keepDevices ? Option.some(false) : Option.none()
      yield* sessions.revokeUserSessions(input.userId, {
        ...(input.oauthTokens ? { oauthTokens: true } : {}),
        ...(Option.isSome(forgetDevices) ? { forgetDevices: forgetDevices.value } : {})
      })
      yield* printResult(
        input.json,
        { userId: input.userId, revoked: true, oauthTokens: input.oauthTokens, forgetDevices: Option.getOrNull(forgetDevices) },
        () =>
          formatTable([
            ["user", input.userId],
            ["sessions revoked", "all"],
            ["OAuth tokens revoked", input.oauthTokens ? "yes" : "no"],
            ["devices forgotten", Option.match(forgetDevices, { onNone: () => "Okta's default", onSome: (on) => (on ? "yes" : "no") })]
          ])
      )
    }).pipe(Effect.provide(layerSessions(input)), reportingFailures("revoke-user", input.json))
).pipe(describeCommand("Revoke every session of a user (DELETE /api/v1/users/{userId}/sessions)."))
