/**
 * How a command ends: its result on stdout (one JSON object per result with `--json`, a table
 * otherwise), or its failure reported on stderr and carried up as `Reported` with its exit code.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { CliProcess } from "./cliProcess.js"
import { type CommandFailure, reportFailure } from "./failureReport.js"
import type { SecretRedactor } from "./secretRedactor.js"

/**
 * A failure that has been printed; the program ends with `exitCode`.
 *
 * @since 0.2.0
 * @category errors
 */
export class Reported extends Schema.TaggedError<Reported>()("Reported", { exitCode: Schema.Number }) {}

/**
 * Prints a command's failure (see `failureReport.ts`) and turns it into `Reported`.
 *
 * @since 0.2.0
 * @category running
 */
export const reportingFailures = (command: string, json: boolean) =>
<A, R>(effect: Effect.Effect<A, CommandFailure, R>): Effect.Effect<A, Reported, R | CliProcess | SecretRedactor> =>
  Effect.catchAll(effect, (failure) =>
    Effect.flatMap(reportFailure(command, failure, json), (exitCode) => Effect.fail(new Reported({ exitCode }))))

/**
 * Prints one result: `value` as a JSON line with `json`, else the text `table()` gives.
 *
 * @since 0.2.0
 * @category output
 */
export const printResult = (json: boolean, value: unknown, table: () => string): Effect.Effect<void, never, CliProcess> =>
  Effect.flatMap(CliProcess, (cli) => cli.writeOut(json ? `${JSON.stringify(value)}\n` : table()))

