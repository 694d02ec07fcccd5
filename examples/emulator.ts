/**
 * `npm run emulator -- --port 8080 --sessions 1000`: a local Okta (the emulator of
 * effect-okta-sessions/testing) on 127.0.0.1, seeded with sessions: the `okta-sessions emulator`
 * command, run from the sources. Prints its URL and API token and runs until Ctrl-C or SIGTERM.
 * `--help` lists every option.
 */
import * as Command from "@effect/cli/Command"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Effect } from "effect"
import * as CliProcess from "../src/internal/cli/cliProcess.js"
import { emulatorCommand } from "../src/internal/cli/emulatorCommand.js"
import { runCli } from "../src/internal/cli/runCli.js"
import * as SecretRedactor from "../src/internal/cli/secretRedactor.js"

const cli = Command.run(emulatorCommand, { name: "effect-okta-sessions emulator", version: "0.1.0" })

runCli(
  cli(process.argv).pipe(
    Effect.as(0),
    Effect.catchAll((error) => Effect.succeed(ValidationError.isValidationError(error) ? 2 : error.exitCode)),
    Effect.provide(SecretRedactor.layer),
    Effect.provide(NodeContext.layer),
    Effect.provide(CliProcess.layerNode)
  )
)
