/**
 * The fleet could not do what was asked: `Unavailable` (the cluster's storage or a partition's
 * owner could not be reached within the call's limit) or `Timeout` (no answer within the limit).
 * `setting` names what the user can fix; no credential is ever part of an error.
 */
import * as Schema from "effect/Schema"

/**
 * A fleet operation failed: `Unavailable` (the cluster could not be used) or `Timeout` (a partition
 * did not answer within the call's limit, e.g. while its shard moves); the caller may try again.
 *
 * @since 0.3.0
 * @category errors
 */
export class KeepaliveFleetError extends Schema.TaggedError<KeepaliveFleetError>()("KeepaliveFleetError", {
  reason: Schema.Literal("Unavailable", "Timeout"),
  setting: Schema.optional(Schema.String),
  detail: Schema.String
}) {
  override get message(): string {
    return `Keepalive fleet ${this.reason}${this.setting === undefined ? "" : ` (${this.setting})`}: ${this.detail}`
  }
}
