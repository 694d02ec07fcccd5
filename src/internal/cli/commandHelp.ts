/**
 * The help text of the commands: each command's description followed by the exit codes, so that
 * `--help` on any command says how a script can tell the outcomes apart.
 *
 * @since 0.2.0
 */
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import { exitCodeTable } from "./exitCodes.js"

/**
 * The exit codes as one paragraph.
 *
 * @since 0.2.0
 * @category help
 */
export const exitCodesParagraph = `Exit codes: ${exitCodeTable.map(([code, meaning]) => `${code} ${meaning}`).join("; ")}.`

/**
 * Sets a command's description, with the exit codes after it.
 *
 * @since 0.2.0
 * @category help
 */
export const describeCommand = (description: string) =>
  Command.withDescription(HelpDoc.blocks([HelpDoc.p(description), HelpDoc.p(exitCodesParagraph)]))
