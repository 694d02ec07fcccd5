/**
 * `okta-sessions emulator` (and `npm run emulator`): the local Okta of
 * `effect-okta-sessions/testing` on 127.0.0.1, seeded with sessions. Prints its URL and API token
 * (as text, or one JSON object with `--json`) and serves until Ctrl-C or SIGTERM, then exits 0.
 *
 * @since 0.2.0
 */
import * as Command from "@effect/cli/Command"
import { describeCommand } from "./commandHelp.js"
import * as Options from "@effect/cli/Options"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as FakeOkta from "../../testing/FakeOkta.js"
import type * as OktaEmulator from "../../testing/OktaEmulator.js"
import { CliProcess } from "./cliProcess.js"
import { reportingFailures } from "./commandResult.js"
import { durationOption } from "./durationOption.js"
import { jsonOption } from "./jsonOption.js"
import { StopSignal } from "./stopSignal.js"
import { UsageError } from "./usageError.js"

const emulatorOptions = {
  json: jsonOption,
  port: Options.integer("port").pipe(
    Options.withDefault(0),
    Options.withDescription("Port on 127.0.0.1; 0 (default) picks a free one.")
  ),
  sessions: Options.integer("sessions").pipe(
    Options.withDefault(0),
    Options.withDescription("Users to create, each with one session.")
  ),
  idsOut: Options.file("ids-out").pipe(
    Options.optional,
    Options.withDescription("Write the seeded session ids to this file, one per line.")
  ),
  tokenFile: Options.file("token-file").pipe(
    Options.optional,
    Options.withDescription("A file holding the API token to accept (SSWS or Bearer). Default: a random one, printed.")
  ),
  idleWindow: durationOption("idle-window").pipe(
    Options.withDefault(Duration.hours(2)),
    Options.withDescription("How long a session lives without a refresh.")
  ),
  maxLifetime: durationOption("max-lifetime").pipe(
    Options.optional,
    Options.withDescription("The longest a session can live, refreshes included. Default: none.")
  ),
  rateLimit: Options.integer("rate-limit").pipe(
    Options.withDefault(600),
    Options.withDescription("Requests per window for each family (/api/v1/sessions*, /api/v1/users*).")
  ),
  rateWindow: durationOption("rate-window").pipe(
    Options.withDefault(Duration.minutes(1)),
    Options.withDescription("The length of a rate-limit window.")
  ),
  concurrency: Options.integer("concurrency").pipe(
    Options.withDefault(75),
    Options.withDescription("Requests in flight before a 429 with Limit = Remaining = 0.")
  ),
  faults: Options.text("faults").pipe(
    Options.withSchema(Schema.parseJson(FakeOkta.FaultSettings)),
    Options.optional,
    Options.withDescription(
      `Fault knobs as JSON, e.g. '{"serverErrorRate":0.05,"latencyMillis":20}'. Change them while running with PATCH /__admin/faults.`
    )
  )
}

/** Serves until the stop signal, printing what a user needs to point a client at it. */
const serve = (config: Command.Command.ParseConfig<typeof emulatorOptions>, running: OktaEmulator.OktaEmulator.Service) =>
  Effect.gen(function*() {
    const cli = yield* CliProcess
    const okta = yield* FakeOkta.FakeOkta
    const seeded = yield* okta.seedSessionIds(config.sessions)
    if (Option.isSome(config.idsOut)) {
      const path = config.idsOut.value
      const fs = yield* FileSystem.FileSystem
      yield* fs.writeFileString(path, seeded.map((id) => `${id}\n`).join("")).pipe(
        Effect.mapError((error) => new UsageError({ detail: `--ids-out ${path}: cannot be written (${error.message})` }))
      )
    }
    const token = Redacted.value(running.apiToken)
    if (config.json) {
      yield* cli.writeOut(`${JSON.stringify({ event: "Listening", url: running.url, token, sessions: seeded.length, idsOut: Option.getOrNull(config.idsOut) })}\n`)
    } else {
      yield* cli.writeOut([
        `Okta emulator listening on ${running.url} with ${seeded.length} sessions`,
        `  OKTA_CLIENT_ORGURL=${running.url}`,
        `  OKTA_CLIENT_TOKEN=${token}`,
        ...(Option.isSome(config.idsOut) ? [`  session ids written to ${config.idsOut.value}`] : []),
        `  try: curl -H 'Authorization: SSWS ${token}' ${running.url}/__admin/counters`,
        "Ctrl-C stops it.",
        ""
      ].join("\n"))
    }
    const signal = yield* Effect.flatMap(StopSignal, (stop) => stop.stopped)
    yield* cli.writeOut(config.json ? `${JSON.stringify({ event: "Stopped", signal })}\n` : `Okta emulator stopped (${signal}).\n`)
  })

/**
 * `okta-sessions emulator [--port N] [--sessions N] ...`.
 *
 * @since 0.2.0
 * @category commands
 */
export const emulatorCommand = Command.make("emulator", emulatorOptions, (config) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const apiToken = yield* Option.match(config.tokenFile, {
      onNone: () => Effect.succeed(undefined),
      onSome: (path) =>
        fs.readFileString(path).pipe(
          Effect.map((text) => Redacted.make(text.trim())),
          Effect.mapError((error) => new UsageError({ detail: `--token-file ${path}: cannot be read (${error.message})` }))
        )
    })
    // loaded here, not at start-up: the HTTP server and router cost every other command time to load
    const emulator = yield* Effect.promise(() => import("../../testing/OktaEmulator.js"))
    yield* Effect.flatMap(emulator.OktaEmulator, (running) => serve(config, running)).pipe(
      Effect.provide(emulator.layerWithFakeOkta(
        { port: config.port, ...(apiToken === undefined ? {} : { apiToken }) },
        {
          idleWindow: config.idleWindow,
          ...(Option.isSome(config.maxLifetime) ? { maxLifetime: config.maxLifetime.value } : {}),
          rateLimits: {
            sessions: { limit: config.rateLimit, window: config.rateWindow },
            users: { limit: config.rateLimit, window: config.rateWindow }
          },
          concurrencyLimit: config.concurrency,
          ...(Option.isSome(config.faults) ? { faults: config.faults.value } : {})
        }
      ))
    )
  }).pipe(
    Effect.catchTags({
      InvalidOptions: (error) => Effect.fail(new UsageError({ detail: error.message })),
      ServeError: (error) => Effect.fail(new UsageError({ detail: `the emulator could not listen: ${error.message}` }))
    }),
    reportingFailures("emulator", config.json)
  )).pipe(
  describeCommand("A local Okta (the emulator of effect-okta-sessions/testing) on 127.0.0.1: prints its URL and API token, serves until Ctrl-C.")
)
