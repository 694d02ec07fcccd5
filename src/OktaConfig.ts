/**
 * The client's configuration as a service: the org URL, the credential, timeouts, the retry
 * policies, the throttle and the user agent. `layer(options)` takes values, `layerConfig()` reads the same environment
 * names as Okta's official SDKs (`OKTA_CLIENT_ORGURL`, `OKTA_CLIENT_TOKEN`, ...).
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Schedule from "effect/Schedule"
import { defaultUserAgent } from "./internal/client/userAgent.js"
import {
  decodePrivateKeySettings,
  type PrivateKeyOptions,
  type PrivateKeySettings
} from "./internal/client/oauth/privateKeySettings.js"
import * as RateLimit from "./RateLimit.js"
import * as Retry from "./Retry.js"

/**
 * How the credential is sent: `SSWS <api token>`, `Bearer <access token>`, or `PrivateKey`: OAuth 2.0
 * private-key client credentials, the token fetched and renewed by the client (see `OktaAuth`).
 *
 * @since 0.1.0
 */
export type AuthorizationMode = "SSWS" | "Bearer" | "PrivateKey"

/**
 * The configuration service. Read it with `yield* OktaConfig`; provide it with `layer` or `layerConfig`.
 *
 * @since 0.1.0
 */
export class OktaConfig extends Context.Tag("effect-okta-sessions/OktaConfig")<OktaConfig, OktaConfig.Service>() {}

/** @since 0.1.0 */
export declare namespace OktaConfig {
  /**
   * What a user sets. Only `orgUrl` and `token` are required; with `authorizationMode: "PrivateKey"`,
   * `clientId`, `scopes` and `privateKey` instead of `token` (see `OktaAuth.PrivateKeyOptions`).
   *
   * @since 0.1.0
   */
  export interface Options extends PrivateKeyOptions {
    /** The org's base URL, e.g. `https://dev-123.okta.com`. https, or http for a loopback host. */
    readonly orgUrl: string
    /** The API token (SSWS) or OAuth access token (Bearer); not used with `PrivateKey`. */
    readonly token?: Redacted.Redacted<string> | undefined
    /** `SSWS` (default), `Bearer` or `PrivateKey`. */
    readonly authorizationMode?: AuthorizationMode | undefined
    /** Time allowed for one request, response body included. Default 30 seconds; zero turns it off. */
    readonly requestTimeout?: Duration.DurationInput | undefined
    /**
     * How many times one call is retried after a 429, and, separately, after transient failures
     * (502, 503, 504, no answer; only for calls safe to repeat). Default 2, as in Okta's SDKs; 0
     * means never. Env `OKTA_CLIENT_RATELIMIT_MAXRETRIES`.
     */
    readonly maxRetries?: number | undefined
    /**
     * No retry starts later than this after a call's first failure. Default 2 minutes. Env
     * `OKTA_CLIENT_RATELIMIT_MAXELAPSED` (seconds, or a duration such as `30 seconds`).
     */
    readonly maxElapsed?: Duration.DurationInput | undefined
    /**
     * The 429 retry; replaces the one built from `maxRetries` and `maxElapsed`
     * (`RateLimit.retrySchedule`). Retries still send `X-Okta-Retry-For` and `X-Okta-Retry-Count`.
     */
    readonly rateLimitRetry?: Schedule.Schedule<unknown, RateLimit.RateLimited> | undefined
    /** The transient retry; replaces the one built from `maxRetries` and `maxElapsed` (`Retry.transientSchedule`). */
    readonly transientRetry?: Schedule.Schedule<unknown, Retry.TransientError> | undefined
    /**
     * The throttle that waits for the window's reset instead of collecting a 429, and caps requests
     * in flight: `true` (default) with `RateLimit.defaultThrottle`, settings, or `false` for none.
     * Env `OKTA_CLIENT_RATELIMIT_THROTTLE` (true/false) and `OKTA_CLIENT_RATELIMIT_MAXCONCURRENCY`.
     */
    readonly throttle?: boolean | RateLimit.ThrottleOptions | undefined
    /** Extra text appended to the `User-Agent` header. */
    readonly userAgent?: string | undefined
    /** The largest response body accepted, in bytes. Default 1 MiB. */
    readonly maxResponseBytes?: number | undefined
    /** Send W3C / B3 trace headers to Okta. Default false: trace ids stay inside your system. */
    readonly propagateTraceHeaders?: boolean | undefined
  }

  /**
   * The checked, normalised configuration.
   *
   * @since 0.1.0
   */
  export interface Service {
    /** The org's base URL with no trailing slash, e.g. `https://dev-123.okta.com`. */
    readonly orgUrl: string
    /** The value of the `Authorization` header, e.g. `SSWS 00abc...`; empty with `PrivateKey`. */
    readonly authorization: Redacted.Redacted<string>
    readonly authorizationMode: AuthorizationMode
    /** The checked OAuth settings with `PrivateKey` (the key kept `Redacted`), else `None`. */
    readonly privateKey: Option.Option<PrivateKeySettings>
    /** `None` when timeouts are off. */
    readonly requestTimeout: Option.Option<Duration.Duration>
    readonly maxRetries: number
    readonly maxElapsed: Duration.Duration
    /** The 429 retry in use. */
    readonly rateLimitRetry: Schedule.Schedule<unknown, RateLimit.RateLimited>
    /** The transient retry in use. */
    readonly transientRetry: Schedule.Schedule<unknown, Retry.TransientError>
    /** `None` when the throttle is off. */
    readonly throttle: Option.Option<RateLimit.ThrottleSettings>
    /** The full `User-Agent` header. */
    readonly userAgent: string
    readonly maxResponseBytes: number
    readonly propagateTraceHeaders: boolean
  }
}

/** Default time allowed for one request. */
export const defaultRequestTimeout: Duration.Duration = Duration.seconds(30)

/** Default retries of a rate-limited call, as in Okta's Node, Python and .NET SDKs. */
export const defaultMaxRetries = 2

/** Default bound on the time one call spends retrying: long enough for one full Okta window. */
export const defaultMaxElapsed: Duration.Duration = Duration.minutes(2)

/** Default cap on a response body: a Session is about 1 KiB. */
export const defaultMaxResponseBytes = 1024 * 1024

/** The environment name that sets each option, so an error names both. */
const environmentNames: Record<keyof OktaConfig.Options, string> = {
  orgUrl: "OKTA_CLIENT_ORGURL",
  token: "OKTA_CLIENT_TOKEN",
  authorizationMode: "OKTA_CLIENT_AUTHORIZATIONMODE",
  requestTimeout: "OKTA_CLIENT_REQUESTTIMEOUT",
  maxRetries: "OKTA_CLIENT_RATELIMIT_MAXRETRIES",
  maxElapsed: "OKTA_CLIENT_RATELIMIT_MAXELAPSED",
  rateLimitRetry: "rateLimitRetry",
  transientRetry: "transientRetry",
  throttle: "OKTA_CLIENT_RATELIMIT_THROTTLE",
  userAgent: "OKTA_CLIENT_USERAGENT",
  maxResponseBytes: "maxResponseBytes",
  propagateTraceHeaders: "propagateTraceHeaders",
  clientId: "OKTA_CLIENT_CLIENTID",
  scopes: "OKTA_CLIENT_SCOPES",
  privateKey: "OKTA_CLIENT_PRIVATEKEY",
  keyId: "OKTA_CLIENT_KEYID",
  dpop: "OKTA_CLIENT_DPOP",
  tokenRenewalLead: "tokenRenewalLead",
  tokenRenewalJitter: "tokenRenewalJitter"
}

const invalidData = (setting: keyof OktaConfig.Options, message: string): ConfigError.ConfigError =>
  ConfigError.InvalidData([environmentNames[setting]], `${setting} ${message}`)

const invalid = (setting: keyof OktaConfig.Options, message: string) => Effect.fail(invalidData(setting, message))

const isLoopbackHost = (hostname: string): boolean =>
  hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname)

/**
 * Checks an org URL and normalises it: https (http only for a loopback host), no credentials, query
 * or fragment, no trailing slash.
 */
const normaliseOrgUrl = (input: string): Either.Either<string, ConfigError.ConfigError> => {
  let url: URL
  try {
    url = new URL(input.trim())
  } catch {
    return Either.left(invalidData("orgUrl", `"${input}" is not a URL; expected e.g. https://dev-123.okta.com`))
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
    return Either.left(
      invalidData("orgUrl", `must use https (http is allowed only for localhost and 127.0.0.1), got ${url.protocol}//${url.host}`)
    )
  }
  if (url.username !== "" || url.password !== "") {
    return Either.left(invalidData("orgUrl", "must not carry a user name or password; use token"))
  }
  if (url.search !== "" || url.hash !== "") {
    return Either.left(invalidData("orgUrl", "must not have a query or fragment"))
  }
  if (url.hostname.includes("{")) {
    return Either.left(invalidData("orgUrl", "still holds a {placeholder}"))
  }
  return Either.right(url.origin + url.pathname.replace(/\/+$/, ""))
}

const hasControlCharacter = (text: string): boolean => /[\x00-\x1f\x7f]/.test(text)

/** A finite duration >= 0, or a `ConfigError` naming the setting. */
const finiteDuration = (
  setting: keyof OktaConfig.Options,
  name: string,
  input: Duration.DurationInput
): Effect.Effect<Duration.Duration, ConfigError.ConfigError> => {
  const decoded = Duration.decodeUnknown(input)
  return Option.isSome(decoded) && Duration.isFinite(decoded.value)
    ? Effect.succeed(decoded.value)
    : invalid(setting, `${name} must be a finite duration >= 0`)
}

/** The throttle's settings with defaults, or `None` when it is off. */
const throttleSettings = (
  input: boolean | RateLimit.ThrottleOptions | undefined
): Effect.Effect<Option.Option<RateLimit.ThrottleSettings>, ConfigError.ConfigError> =>
  Effect.gen(function*() {
    if (input === false) return Option.none()
    const options = input === true || input === undefined ? {} : input
    const defaults = RateLimit.defaultThrottle
    const maxConcurrency = options.maxConcurrency ?? defaults.maxConcurrency
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
      return yield* invalid("throttle", `maxConcurrency must be a whole number >= 1, got ${maxConcurrency}`)
    }
    return Option.some({
      maxConcurrency,
      pad: yield* finiteDuration("throttle", "pad", options.pad ?? defaults.pad),
      jitter: yield* finiteDuration("throttle", "jitter", options.jitter ?? defaults.jitter),
      maxWaitWithoutDate: yield* finiteDuration(
        "throttle",
        "maxWaitWithoutDate",
        options.maxWaitWithoutDate ?? defaults.maxWaitWithoutDate
      )
    })
  })

/**
 * Checks options and resolves defaults; fails with a `ConfigError` naming the setting and the reason.
 *
 * @since 0.1.0
 */
export const make = (options: OktaConfig.Options): Effect.Effect<OktaConfig.Service, ConfigError.ConfigError> =>
  Effect.gen(function*() {
    const orgUrl = yield* normaliseOrgUrl(options.orgUrl)
    const authorizationMode = options.authorizationMode ?? "SSWS"
    if (authorizationMode !== "SSWS" && authorizationMode !== "Bearer" && authorizationMode !== "PrivateKey") {
      return yield* invalid("authorizationMode", `must be SSWS, Bearer or PrivateKey, got ${String(authorizationMode)}`)
    }
    let privateKey: Option.Option<PrivateKeySettings> = Option.none()
    let token = ""
    if (authorizationMode === "PrivateKey") {
      const decoded = decodePrivateKeySettings(options, orgUrl)
      if (Either.isLeft(decoded)) return yield* invalid(decoded.left.setting, decoded.left.message)
      privateKey = Option.some(decoded.right)
    } else {
      token = options.token === undefined ? "" : Redacted.value(options.token).trim()
      if (token === "") return yield* invalid("token", "is empty")
      if (hasControlCharacter(token) || token.includes(" ")) {
        return yield* invalid("token", "contains whitespace or a control character")
      }
      if (token.includes("{")) return yield* invalid("token", "still holds a {placeholder}")
    }
    const timeout = Duration.decodeUnknown(options.requestTimeout ?? defaultRequestTimeout)
    if (Option.isNone(timeout) || !Duration.isFinite(timeout.value)) {
      return yield* invalid("requestTimeout", "must be a finite duration (zero turns the timeout off)")
    }
    const maxRetries = options.maxRetries ?? defaultMaxRetries
    if (!Number.isInteger(maxRetries) || maxRetries < 0) {
      return yield* invalid("maxRetries", `must be a whole number >= 0, got ${maxRetries}`)
    }
    const maxElapsed = yield* finiteDuration("maxElapsed", "maxElapsed", options.maxElapsed ?? defaultMaxElapsed)
    const throttle = yield* throttleSettings(options.throttle)
    const maxResponseBytes = options.maxResponseBytes ?? defaultMaxResponseBytes
    if (!Number.isInteger(maxResponseBytes) || maxResponseBytes < 1024) {
      return yield* invalid("maxResponseBytes", `must be a whole number >= 1024, got ${maxResponseBytes}`)
    }
    const extra = options.userAgent?.trim() ?? ""
    if (hasControlCharacter(extra)) return yield* invalid("userAgent", "contains a control character")
    return {
      orgUrl,
      authorization: Redacted.make(authorizationMode === "PrivateKey" ? "" : `${authorizationMode} ${token}`),
      authorizationMode,
      privateKey,
      requestTimeout: Duration.isZero(timeout.value) ? Option.none() : Option.some(timeout.value),
      maxRetries,
      maxElapsed,
      rateLimitRetry: options.rateLimitRetry ?? RateLimit.retrySchedule({ maxRetries, maxElapsed }),
      transientRetry: options.transientRetry ?? Retry.transientSchedule({ maxRetries, maxElapsed }),
      throttle,
      userAgent: extra === "" ? defaultUserAgent : `${defaultUserAgent} ${extra}`,
      maxResponseBytes,
      propagateTraceHeaders: options.propagateTraceHeaders ?? false
    }
  })

/**
 * A layer from values.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { OktaConfig } from "effect-okta-sessions"
 *
 * const ConfigLive = OktaConfig.layer({
 *   orgUrl: "https://dev-123.okta.com",
 *   token: Redacted.make(process.env.OKTA_TOKEN ?? "")
 * })
 * ```
 * @since 0.1.0
 */
export const layer = (options: OktaConfig.Options): Layer.Layer<OktaConfig, ConfigError.ConfigError> =>
  Layer.effect(OktaConfig, make(options))

/** Seconds as Okta's SDKs count `OKTA_CLIENT_REQUESTTIMEOUT`; a duration text such as `500 millis` also works. */
const secondsOrDuration = (name: string): Config.Config<Duration.Duration> =>
  Config.integer(name).pipe(
    Config.map(Duration.seconds),
    Config.orElse(() => Config.duration(name))
  )

/**
 * The environment names of Okta's official SDKs: `OKTA_CLIENT_ORGURL`, `OKTA_CLIENT_TOKEN`,
 * `OKTA_CLIENT_AUTHORIZATIONMODE` (SSWS or Bearer), `OKTA_CLIENT_REQUESTTIMEOUT` (seconds),
 * `OKTA_CLIENT_RATELIMIT_MAXRETRIES` and `OKTA_CLIENT_USERAGENT`; and this client's own
 * `OKTA_CLIENT_RATELIMIT_MAXELAPSED` (seconds or a duration, default 2 minutes),
 * `OKTA_CLIENT_RATELIMIT_THROTTLE` (true/false, default true) and
 * `OKTA_CLIENT_RATELIMIT_MAXCONCURRENCY` (default 32). With `OKTA_CLIENT_AUTHORIZATIONMODE=PrivateKey`:
 * `OKTA_CLIENT_CLIENTID`, `OKTA_CLIENT_SCOPES` (space or comma separated), `OKTA_CLIENT_PRIVATEKEY`
 * (PEM or JWK JSON), `OKTA_CLIENT_KEYID` (optional) and `OKTA_CLIENT_DPOP` (true/false, default false)
 * instead of `OKTA_CLIENT_TOKEN`. They are read through `Config`, so any `ConfigProvider` (an
 * okta.yaml one) feeds them.
 *
 * @since 0.1.0
 */
export const fromEnv: Config.Config<OktaConfig.Options> = Config.all({
  orgUrl: Config.string("OKTA_CLIENT_ORGURL"),
  token: Config.option(Config.redacted("OKTA_CLIENT_TOKEN")).pipe(Config.map(Option.getOrUndefined)),
  authorizationMode: Config.literal("SSWS", "Bearer", "PrivateKey")("OKTA_CLIENT_AUTHORIZATIONMODE").pipe(
    Config.withDefault("SSWS" as const)
  ),
  clientId: Config.option(Config.string("OKTA_CLIENT_CLIENTID")).pipe(Config.map(Option.getOrUndefined)),
  scopes: Config.option(Config.string("OKTA_CLIENT_SCOPES")).pipe(Config.map(Option.getOrUndefined)),
  privateKey: Config.option(Config.redacted("OKTA_CLIENT_PRIVATEKEY")).pipe(Config.map(Option.getOrUndefined)),
  keyId: Config.option(Config.string("OKTA_CLIENT_KEYID")).pipe(Config.map(Option.getOrUndefined)),
  dpop: Config.boolean("OKTA_CLIENT_DPOP").pipe(Config.withDefault(false)),
  requestTimeout: secondsOrDuration("OKTA_CLIENT_REQUESTTIMEOUT").pipe(Config.withDefault(defaultRequestTimeout)),
  maxRetries: Config.integer("OKTA_CLIENT_RATELIMIT_MAXRETRIES").pipe(Config.withDefault(defaultMaxRetries)),
  maxElapsed: secondsOrDuration("OKTA_CLIENT_RATELIMIT_MAXELAPSED").pipe(Config.withDefault(defaultMaxElapsed)),
  throttle: Config.all({
    enabled: Config.boolean("OKTA_CLIENT_RATELIMIT_THROTTLE").pipe(Config.withDefault(true)),
    maxConcurrency: Config.integer("OKTA_CLIENT_RATELIMIT_MAXCONCURRENCY").pipe(
      Config.withDefault(RateLimit.defaultThrottle.maxConcurrency)
    )
  }).pipe(Config.map(({ enabled, maxConcurrency }): false | RateLimit.ThrottleOptions => enabled && { maxConcurrency })),
  userAgent: Config.string("OKTA_CLIENT_USERAGENT").pipe(Config.withDefault(""))
})

/**
 * A layer that reads its options from a `Config` (by default `fromEnv`), then checks them as `layer` does.
 *
 * @example
 * ```ts
 * import { OktaConfig } from "effect-okta-sessions"
 *
 * // OKTA_CLIENT_ORGURL=https://dev-123.okta.com OKTA_CLIENT_TOKEN=00abc... node app.js
 * const ConfigLive = OktaConfig.layerConfig()
 * ```
 * @since 0.1.0
 */
export const layerConfig = (
  config: Config.Config<OktaConfig.Options> = fromEnv
): Layer.Layer<OktaConfig, ConfigError.ConfigError> => Layer.effect(OktaConfig, Effect.flatMap(config, make))
