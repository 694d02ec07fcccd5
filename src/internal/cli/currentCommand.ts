/**
 * `okta-sessions current get|refresh|close`: the `/me` operations, with the browser's `sid` or
 * `idx` cookie read from `OKTA_SESSION_COOKIE` or standard input, never from an argument. They
 * send the cookie and no API token, so none needs to be configured.
 *
 * @since 0.2.0
 */
import * as Command from "@effect/cli/Command"
import { describeCommand } from "./commandHelp.js"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { Session, Sessions } from "../../index.js"
import type { CliProcess } from "./cliProcess.js"
import { printResult, reportingFailures } from "./commandResult.js"
import { connectionOptions, type ResolvedSettings } from "./connectionConfig.js"
import { jsonOption } from "./jsonOption.js"
import { layerSessions } from "./oktaConnection.js"
import { readSecret } from "./secretInput.js"
import { printSession } from "./sessionCommands.js"
import { formatTable } from "./table.js"
import { UsageError } from "./usageError.js"

/**
 * The environment variable that can hold the cookie.
 *
 * @since 0.2.0
 * @category input
 */
export const cookieEnvName = "OKTA_SESSION_COOKIE"

const decodeCookie = Schema.decodeUnknownEither(Session.SessionCookie)

/**
 * The cookie from its text: `sid=...`, `idx=...`, a `Cookie` header holding one of them, or a bare
 * value named by `--cookie-name`. A bad value is refused without being quoted.
 *
 * @since 0.2.0
 * @category input
 */
export const parseCookie = (text: string, defaultName: "sid" | "idx"): Either.Either<Session.SessionCookie, UsageError> => {
  const pairs = text.split(";").map((part) => part.trim()).filter((part) => part !== "")
  const named = pairs.map((pair) => /^(sid|idx)=(.*)$/.exec(pair)).find((match) => match !== null)
  const [name, value] = named === undefined ? [defaultName, text.trim()] : [named[1], named[2]]
  return Either.mapLeft(
    decodeCookie({ name, value }),
    () =>
      new UsageError({
        detail: `the session cookie is not a ${name} cookie value (1 to 4096 visible ASCII characters, no ';', ',', quote, backslash or space)`
      })
  )
}

/** The `/me` commands send no API token: a missing one is filled in so that `OktaConfig` accepts the settings. */
const tokenNotNeeded = (settings: ResolvedSettings): ResolvedSettings =>
  settings.values.has("OKTA_CLIENT_TOKEN")
    ? settings
    : { ...settings, values: new Map([...settings.values, ["OKTA_CLIENT_TOKEN", "not-sent-by-me-operations"]]) }

const currentOptions = {
  ...connectionOptions,
  json: jsonOption,
  cookieName: Options.choice("cookie-name", ["sid", "idx"]).pipe(
    Options.withDefault("sid" as const),
    Options.withDescription("The cookie's name when only its value is given: sid (Classic Engine) or idx (Identity Engine).")
  )
}

const readCookie = (defaultName: "sid" | "idx") =>
  Effect.flatMap(
    readSecret({ what: "the session cookie", envName: cookieEnvName }),
    (text) => parseCookie(Redacted.value(text), defaultName)
  )

const currentCommand = <Name extends "get" | "refresh" | "close">(
  name: Name,
  description: string,
  call: (sessions: Sessions.Sessions.Service, cookie: Session.SessionCookie, json: boolean) => Effect.Effect<void, Sessions.CurrentSessionError, CliProcess>
) =>
  Command.make(name, currentOptions, (input) =>
    Effect.gen(function*() {
      const cookie = yield* readCookie(input.cookieName)
      const sessions = yield* Sessions.Sessions
      yield* call(sessions, cookie, input.json)
    }).pipe(Effect.provide(layerSessions(input, tokenNotNeeded)), reportingFailures(`current ${name}`, input.json))).pipe(
    describeCommand(description)
  )

/**
 * `okta-sessions current get|refresh|close`.
 *
 * @since 0.2.0
 * @category commands
 */
export const currentCommands = Command.make("current").pipe(
  describeCommand(
    `The session of a browser, by its sid or idx cookie read from ${cookieEnvName} or standard input (sid=..., idx=..., or the value).`
  ),
  Command.withSubcommands([
    currentCommand("get", "Show the session of the cookie (GET /api/v1/sessions/me).", (sessions, cookie, json) =>
      Effect.flatMap(sessions.getCurrentSession(cookie), (session) => printSession(json, session))),
    currentCommand("refresh", "Refresh the session of the cookie (POST /api/v1/sessions/me/lifecycle/refresh).", (sessions, cookie, json) =>
      Effect.flatMap(sessions.refreshCurrentSession(cookie), (session) => printSession(json, session))),
    currentCommand("close", "Sign the cookie's session out (DELETE /api/v1/sessions/me).", (sessions, cookie, json) =>
      Effect.zipRight(
        sessions.closeCurrentSession(cookie),
        printResult(json, { closed: true }, () => formatTable([["session", "closed"]]))
      ))
  ])
)
