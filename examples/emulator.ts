/**
 * `npm run emulator -- --port 8080 --sessions 1000`: a local Okta (the emulator of
 * effect-okta-sessions/testing) on 127.0.0.1, seeded with sessions. Prints its URL and API token
 * and runs until Ctrl-C. `--help` lists every option.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Duration, Effect, Option, ParseResult, Redacted, Schema } from "effect"
import { FakeOkta, OktaEmulator } from "effect-okta-sessions/testing"

/** A duration as text: "2 hours", "90 seconds", "500 millis". */
const DurationText = Schema.transformOrFail(Schema.String, Schema.DurationFromSelf, {
  strict: true,
  decode: (text, _, ast) =>
    Option.match(Duration.decodeUnknown(text.trim()), {
      onNone: () => ParseResult.fail(new ParseResult.Type(ast, text, `"${text}" is not a duration such as "2 hours" or "90 seconds"`)),
      onSome: ParseResult.succeed
    }),
  encode: (duration) => ParseResult.succeed(Duration.format(duration))
})

const duration = (name: string) => Options.text(name).pipe(Options.withSchema(DurationText))

const options = {
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
  token: Options.text("token").pipe(
    Options.optional,
    Options.withDescription("The API token to accept (SSWS or Bearer). Default: a random one, printed.")
  ),
  idleWindow: duration("idle-window").pipe(
    Options.withDefault(Duration.hours(2)),
    Options.withDescription("How long a session lives without a refresh.")
  ),
  maxLifetime: duration("max-lifetime").pipe(
    Options.optional,
    Options.withDescription("The longest a session can live, refreshes included. Default: none.")
  ),
  rateLimit: Options.integer("rate-limit").pipe(
    Options.withDefault(600),
    Options.withDescription("Requests per window for each family (/api/v1/sessions*, /api/v1/users*).")
  ),
  rateWindow: duration("rate-window").pipe(
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

const emulator = Command.make("emulator", options, (config) =>
  Effect.gen(function*() {
    const okta = yield* FakeOkta.FakeOkta
    const running = yield* OktaEmulator.OktaEmulator
    const seeded = yield* okta.seedSessionIds(config.sessions)
    if (Option.isSome(config.idsOut)) {
      const path = config.idsOut.value
      const fs = yield* FileSystem.FileSystem
      yield* fs.writeFileString(path, seeded.map((id) => `${id}\n`).join(""))
    }
    const token = Redacted.value(running.apiToken)
    yield* Console.log(`Okta emulator listening on ${running.url} with ${seeded.length} sessions`)
    yield* Console.log(`  OKTA_CLIENT_ORGURL=${running.url}`)
    yield* Console.log(`  OKTA_CLIENT_TOKEN=${token}`)
    if (Option.isSome(config.idsOut)) yield* Console.log(`  session ids written to ${config.idsOut.value}`)
    yield* Console.log(`  try: curl -H 'Authorization: SSWS ${token}' ${running.url}/__admin/counters`)
    yield* Console.log("Ctrl-C stops it.")
    return yield* Effect.never
  }).pipe(
    Effect.provide(OktaEmulator.layerWithFakeOkta(
      {
        port: config.port,
        ...(Option.isSome(config.token) ? { apiToken: Redacted.make(config.token.value) } : {})
      },
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
    )),
    Effect.onInterrupt(() => Console.log("Okta emulator stopped."))
  ))

const cli = Command.run(emulator, { name: "effect-okta-sessions emulator", version: "0.1.0" })

cli(process.argv).pipe(Effect.provide(NodeContext.layer), NodeRuntime.runMain)
