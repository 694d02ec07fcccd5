/**
 * The fleet budget: one `KeepaliveBudget` on Redis for every process of an org, through
 * `@effect/experimental`'s `RateLimiter` and its Redis store over ioredis (optional peers of this
 * package; a module of its own, so that only programs that import it load them). The 429 pause
 * lives in Redis too (`<prefix>pause`, with a PX expiry), so a 429 seen by one process pauses all.
 *
 * Redis lost mid-run (a restart, the network): the refresh that meets it waits up to `outageWait`
 * (default 1 s) for Redis to come back, then every refresh takes from a local limiter at
 * `1 / expectedProcesses` (default 3) of the Keepalive's budget until Redis answers again, with no
 * wait for Redis in between; one warning per outage, one info line when it is back (within about
 * a second of Redis answering). No Redis command waits longer than `commandTimeout` (default
 * 500 ms) and none is queued while disconnected. The pause is kept locally meanwhile and written
 * to Redis when it is back. At start, Redis must answer within `connectTimeout` (default 5 s).
 *
 * @since 0.3.0
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { InvalidOptions } from "./InvalidOptions.js"
import { makeRedisBudget } from "./internal/keepalive/budget/redisBudget.js"
import type { KeepaliveBudgetRedisError } from "./internal/keepalive/budget/redisError.js"
import { decodeRedisBudgetOptions, type RedisBudgetOptions } from "./internal/keepalive/budget/redisOptions.js"
import { KeepaliveBudget } from "./KeepaliveBudget.js"

export {
  /**
   * @since 0.3.0
   * @category errors
   */
  KeepaliveBudgetRedisError
} from "./internal/keepalive/budget/redisError.js"
export {
  /**
   * @since 0.3.0
   * @category options
   */
  type RedisBudgetOptions
} from "./internal/keepalive/budget/redisOptions.js"

/**
 * The name of the environment setting `layerConfig` reads the Redis URL from.
 *
 * @since 0.3.0
 * @category config
 */
export const urlSetting = "OKTA_KEEPALIVE_REDIS_URL"

const make = (options: RedisBudgetOptions, setting: string) =>
  Effect.flatMap(decodeRedisBudgetOptions(options), (settings) => makeRedisBudget(settings, setting)).pipe(
    Effect.withSpan("KeepaliveBudgetRedis.layer")
  )

/**
 * The fleet budget on the Redis at `url`. Fails with `KeepaliveBudgetRedisError` (setting `url`)
 * when the URL is not a Redis URL or Redis does not answer at start, and with `InvalidOptions` for
 * options that cannot work.
 *
 * @example
 * ```ts
 * import { Effect, Layer, Redacted } from "effect"
 * import { Keepalive } from "effect-okta-sessions"
 * import * as KeepaliveBudgetRedis from "effect-okta-sessions/KeepaliveBudgetRedis"
 *
 * // every replica at share 0.5: together within half the org's window
 * const program = Keepalive.make({ share: 0.5 }).pipe(
 *   Effect.provide(KeepaliveBudgetRedis.layer({ url: Redacted.make("redis://127.0.0.1:6379"), prefix: "org-a:" }))
 * )
 * ```
 * @since 0.3.0
 * @category layers
 */
export const layer = (
  options: RedisBudgetOptions
): Layer.Layer<KeepaliveBudget, KeepaliveBudgetRedisError | InvalidOptions> =>
  Layer.scoped(KeepaliveBudget, make(options, "url"))

/**
 * The fleet budget on the Redis at `OKTA_KEEPALIVE_REDIS_URL` (`Config.redacted`), with the key
 * prefix from `OKTA_KEEPALIVE_REDIS_PREFIX` when set. Its `KeepaliveBudgetRedisError` names
 * `OKTA_KEEPALIVE_REDIS_URL`.
 *
 * @since 0.3.0
 * @category layers
 */
export const layerConfig: Layer.Layer<
  KeepaliveBudget,
  KeepaliveBudgetRedisError | InvalidOptions | ConfigError.ConfigError
> = Layer.scoped(
  KeepaliveBudget,
  Effect.flatMap(
    Config.all({ url: Config.redacted(urlSetting), prefix: Config.option(Config.string("OKTA_KEEPALIVE_REDIS_PREFIX")) }),
    ({ prefix, url }) => make(prefix._tag === "Some" ? { url, prefix: prefix.value } : { url }, urlSetting)
  )
)
