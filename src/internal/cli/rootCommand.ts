/**
 * `okta-sessions`: the operator's CLI on the Okta Sessions API, and the program the bin runs:
 * the commands, `--help`, `--version` and `@effect/cli`'s shell completions (`--completions bash`),
 * with every outcome turned into the exit code of `exitCodes.ts`.
 *
 * @since 0.2.0
 */
import * as Command from "@effect/cli/Command"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Effect from "effect/Effect"
import { libraryVersion } from "../client/userAgent.js"
import * as CliProcess from "./cliProcess.js"
import { describeCommand } from "./commandHelp.js"
import { createCommand } from "./createCommand.js"
import { currentCommands } from "./currentCommand.js"
import { emulatorCommand } from "./emulatorCommand.js"
import { ExitCode } from "./exitCodes.js"
import { keepaliveCommand } from "./keepaliveCommand.js"
import * as SecretRedactor from "./secretRedactor.js"
import { getCommand, refreshCommand, revokeCommand, revokeUserCommand } from "./sessionCommands.js"
import type { StopSignal } from "./stopSignal.js"

/**
 * The command tree.
 *
 * @since 0.2.0
 * @category commands
 */
export const rootCommand = Command.make("okta-sessions").pipe(
  describeCommand(
    "Okta sessions from the command line: get, refresh, revoke, revoke-user, create, current, keepalive, emulator. " +
      "Settings: flags, then OKTA_CLIENT_* environment, then ./okta.yaml, then ~/.okta/okta.yaml (okta.client.orgUrl, token, ...). " +
      "The token comes from OKTA_CLIENT_TOKEN, an okta.yaml or --token-file, never a flag."
  ),
  Command.withSubcommands([
    getCommand,
    refreshCommand,
    revokeCommand,
    revokeUserCommand,
    createCommand,
    currentCommands,
    keepaliveCommand,
    emulatorCommand
  ])
)

const cli = Command.run(rootCommand, { name: "okta-sessions", version: libraryVersion })

/**
 * The program for `argv` (as `process.argv`: node and the script first), to its exit code.
 *
 * @since 0.2.0
 * @category running
 */
export const main = (argv: ReadonlyArray<string>): Effect.Effect<number, never, StopSignal | CliProcess.CliProcess> =>
  cli(argv).pipe(
    Effect.as(ExitCode.Ok),
    Effect.catchAll((error) =>
      // a usage error has been printed by @effect/cli, a command's failure by the command
      Effect.succeed(ValidationError.isValidationError(error) ? ExitCode.Usage : error.exitCode)
    ),
    Effect.provide(SecretRedactor.layer),
    Effect.provide(NodeContext.layer)
  )
