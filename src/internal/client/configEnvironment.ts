/**
 * The options read from the environment names of Okta's official SDKs (and this client's own
 * `OKTA_CLIENT_RATELIMIT_*`). Values are read as given and checked by `make` afterwards, so a
 * setting read here meets exactly the refusals of one passed to `OktaConfig.layer`.
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { OktaConfig } from "../../OktaConfig.js"
import * as RateLimit from "../../RateLimit.js"
import type * as Throttle from "../../RateLimit.js"
import { defaultMaxElapsed, defaultMaxRetries, defaultRequestTimeout } from "./configOptions.js"

/**
 * Seconds as Okta's SDKs count `OKTA_CLIENT_REQUESTTIMEOUT`; a duration text such as `500 millis`
 * also works. A negative value is refused here: `Duration` would read it as zero, which switches
 * the timeout off.
 */
const secondsOrDuration = (name: string): Config.Config<Duration.Duration> =>
  Config.mapOrFail(Config.string(name), (text) => {
    const trimmed = text.trim()
    if (trimmed.startsWith("-")) return Either.left(ConfigError.InvalidData([], "expected a non-negative duration, got a negative one"))
    const parsed = /^\d+$/.test(trimmed) ? Option.some(Duration.seconds(Number(trimmed))) : Duration.decodeUnknown(trimmed)
    return Option.match(parsed, {
      onNone: () => Either.left(ConfigError.InvalidData([], "expected seconds or a duration such as 1500 millis")),
      onSome: Either.right
    })
  })

/** A setting that may be absent: `undefined` then, so that `make` decides whether it was needed. */
const optional = <A>(config: Config.Config<A>): Config.Config<A | undefined> =>
  Config.map(Config.option(config), Option.getOrUndefined)

/** The environment's options, by Okta's names. */
export const fromEnv: Config.Config<OktaConfig.Options> = Config.all({
  orgUrl: Config.string("OKTA_CLIENT_ORGURL"),
  token: optional(Config.redacted("OKTA_CLIENT_TOKEN")),
  authorizationMode: Config.literal("SSWS", "Bearer", "PrivateKey")("OKTA_CLIENT_AUTHORIZATIONMODE").pipe(
    Config.withDefault("SSWS" as const)
  ),
  clientId: optional(Config.string("OKTA_CLIENT_CLIENTID")),
  // A list (Config.array splits a text on commas; a ConfigProvider may hold a real list); `make` splits on spaces too.
  scopes: optional(Config.array(Config.string(), "OKTA_CLIENT_SCOPES")),
  privateKey: optional(Config.redacted("OKTA_CLIENT_PRIVATEKEY")),
  keyId: optional(Config.string("OKTA_CLIENT_KEYID")),
  dpop: Config.boolean("OKTA_CLIENT_DPOP").pipe(Config.withDefault(false)),
  requestTimeout: secondsOrDuration("OKTA_CLIENT_REQUESTTIMEOUT").pipe(Config.withDefault(defaultRequestTimeout)),
  maxRetries: Config.integer("OKTA_CLIENT_RATELIMIT_MAXRETRIES").pipe(Config.withDefault(defaultMaxRetries)),
  maxElapsed: secondsOrDuration("OKTA_CLIENT_RATELIMIT_MAXELAPSED").pipe(Config.withDefault(defaultMaxElapsed)),
  throttle: Config.all({
    enabled: Config.boolean("OKTA_CLIENT_RATELIMIT_THROTTLE").pipe(Config.withDefault(true)),
    maxConcurrency: Config.integer("OKTA_CLIENT_RATELIMIT_MAXCONCURRENCY").pipe(
      Config.withDefault(RateLimit.defaultThrottle.maxConcurrency)
    )
  }).pipe(Config.map(({ enabled, maxConcurrency }): false | Throttle.ThrottleOptions => enabled && { maxConcurrency })),
  userAgent: Config.string("OKTA_CLIENT_USERAGENT").pipe(Config.withDefault(""))
})
