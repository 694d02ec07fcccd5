/**
 * The `--json` flag.
 *
 * @since 0.2.0
 */
import * as Options from "@effect/cli/Options"

/**
 * `--json`: one JSON object per result on stdout (and errors as JSON on stderr) instead of tables.
 *
 * @since 0.2.0
 * @category options
 */
export const jsonOption = Options.boolean("json").pipe(
  Options.withDescription("One JSON object per result on stdout (errors as one JSON line on stderr).")
)
