/**
 * The CLI's own failure: a bad argument, a missing or bad setting, an unreadable input. It ends
 * the program with exit code 2 and its message as the one line on stderr.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"

/**
 * A usage or configuration error; `detail` names the setting or input and says what is wrong.
 *
 * @since 0.2.0
 * @category errors
 */
export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", {
  detail: Schema.String
}) {
  override get message(): string {
    return this.detail
  }
}
