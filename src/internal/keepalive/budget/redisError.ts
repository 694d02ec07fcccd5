/**
 * The one error of `KeepaliveBudgetRedis` at start: the Redis URL is not one, or Redis did not
 * answer (refused, unreachable, wrong password) within the connect timeout. It names the setting
 * (`OKTA_KEEPALIVE_REDIS_URL`, or the layer's option `url`) and never quotes the URL: it may hold a password.
 */
import * as Schema from "effect/Schema"

/**
 * Redis cannot serve as the fleet budget at start.
 *
 * @since 0.3.0
 * @category errors
 */
export class KeepaliveBudgetRedisError extends Schema.TaggedError<KeepaliveBudgetRedisError>()("KeepaliveBudgetRedisError", {
  /** The setting that gave the URL: `OKTA_KEEPALIVE_REDIS_URL` or `url` (the layer's option). */
  setting: Schema.String,
  /** `InvalidUrl`: not a `redis://` or `rediss://` URL; `Unreachable`: no usable answer from Redis. */
  reason: Schema.Literal("InvalidUrl", "Unreachable"),
  /** What went wrong, without the URL (host and port at most). */
  detail: Schema.String
}) {
  override get message(): string {
    return this.reason === "InvalidUrl"
      ? `${this.setting}: not a redis:// or rediss:// URL (${this.detail})`
      : `${this.setting}: Redis did not answer (${this.detail})`
  }
}
