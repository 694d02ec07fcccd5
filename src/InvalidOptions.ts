/**
 * The one error every options-taking constructor of this package fails with when its options cannot
 * work: a concurrency below 1, a share outside `(0, 1]`, a negative or infinite duration, ... It
 * names the module, the option (as a path, e.g. `budget.limit`) and what is wrong, and never quotes
 * a secret.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"

/**
 * Options that cannot work.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Keepalive } from "effect-okta-sessions"
 *
 * const program = Keepalive.make({ concurrency: 0 }).pipe(
 *   Effect.catchTag("InvalidOptions", (error) => Effect.logError(error.message))
 * )
 * ```
 * @since 0.2.0
 * @category errors
 */
export class InvalidOptions extends Schema.TaggedError<InvalidOptions>()("InvalidOptions", {
  /** The constructor whose options were refused, e.g. `Keepalive` or `RateLimit.retrySchedule`. */
  module: Schema.String,
  /** The option, as a path: `budget.limit`. Empty when the options as a whole were refused. */
  option: Schema.String,
  /** What is wrong, e.g. `expected a positive integer, got 0`. */
  detail: Schema.String
}) {
  override get message(): string {
    return this.option === ""
      ? `${this.module} options: ${this.detail}`
      : `${this.module} option ${this.option}: ${this.detail}`
  }
}
