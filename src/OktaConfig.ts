/**
 * The client's configuration as a service: the org URL, the credential (an API token, a Bearer
 * token, or OAuth 2.0 private-key client credentials, see `OktaAuth`), timeouts, the retry
 * policies, the throttle and the user agent. `layer(options)` takes values, `layerConfig()` reads the same environment
 * names as Okta's official SDKs (`OKTA_CLIENT_ORGURL`, `OKTA_CLIENT_TOKEN`, ...).
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type * as Schedule from "effect/Schedule"
import type { PrivateKeyOptions, PrivateKeySettings } from "./internal/client/oauth/privateKeySettings.js"
import * as Environment from "./internal/client/configEnvironment.js"
import * as Options from "./internal/client/configOptions.js"
import type * as RateLimit from "./RateLimit.js"
import type * as Retry from "./Retry.js"

/**
 * How the credential is sent: `SSWS <api token>`, `Bearer <access token>`, or `PrivateKey`: OAuth
 * 2.0 private-key client credentials, the access token fetched and renewed by the client (`OktaAuth`).
 *
 * @since 0.1.0
 * @category models
 */
export type AuthorizationMode = "SSWS" | "Bearer" | "PrivateKey"

/**
 * The configuration service. Read it with `yield* OktaConfig`; provide it with `layer` or `layerConfig`.
 *
 * @since 0.1.0
 * @category tags
 */
export class OktaConfig extends Context.Tag("effect-okta-sessions/OktaConfig")<OktaConfig, OktaConfig.Service>() {}

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace OktaConfig {
  /**
   * What a user sets. Only `orgUrl` and `token` are required; with `authorizationMode: "PrivateKey"`,
   * `clientId`, `scopes` and `privateKey` instead of `token` (`OktaAuth.PrivateKeyOptions`).
   *
   * @since 0.1.0
   * @category models
   */
  export interface Options extends PrivateKeyOptions {
    /**
     * The org's base URL, e.g. `https://dev-123.okta.com`: https (http only for a loopback host),
     * and no path (requests add `/api/v1/...` themselves).
     */
    readonly orgUrl: string
    /** The API token (SSWS) or OAuth access token (Bearer); not read with `PrivateKey`. */
    readonly token?: Redacted.Redacted<string> | undefined
    /** `SSWS` (default), `Bearer` or `PrivateKey`. */
    readonly authorizationMode?: AuthorizationMode | undefined
    /**
     * Time allowed for one request, response body included. Default 30 seconds; zero turns it off;
     * a negative one, or one longer than a timer can hold (about 24.8 days), is refused.
     */
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
   * The credential of API-token calls: a fixed `Authorization` value (`SSWS <token>` or
   * `Bearer <token>`), or the checked OAuth private-key settings (the key kept `Redacted`), from
   * which the client gets, caches and renews its access token.
   *
   * @since 0.2.0
   * @category models
   */
  export type Credential =
    | { readonly _tag: "ApiToken"; readonly authorization: Redacted.Redacted<string> }
    | { readonly _tag: "PrivateKey"; readonly settings: PrivateKeySettings }

  /**
   * The checked, normalised configuration.
   *
   * @since 0.1.0
   * @category models
   */
  export interface Service {
    /** The org's origin, e.g. `https://dev-123.okta.com`. */
    readonly orgUrl: string
    /** The credential: `ApiToken` (SSWS, Bearer) or `PrivateKey` (since 0.2.0; replaces `authorization`). */
    readonly credential: Credential
    readonly authorizationMode: AuthorizationMode
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

/**
 * Default time allowed for one request: 30 seconds.
 *
 * @since 0.1.0
 * @category defaults
 */
export const defaultRequestTimeout: Duration.Duration = Options.defaultRequestTimeout

/**
 * Default retries of a rate-limited call, as in Okta's Node, Python and .NET SDKs: 2.
 *
 * @since 0.1.0
 * @category defaults
 */
export const defaultMaxRetries: number = Options.defaultMaxRetries

/**
 * Default bound on the time one call spends retrying: 2 minutes, one full Okta window.
 *
 * @since 0.1.0
 * @category defaults
 */
export const defaultMaxElapsed: Duration.Duration = Options.defaultMaxElapsed

/**
 * Default cap on a response body: 1 MiB (a Session is about 1 KiB).
 *
 * @since 0.1.0
 * @category defaults
 */
export const defaultMaxResponseBytes: number = Options.defaultMaxResponseBytes

/**
 * Checks options and resolves defaults; fails with a `ConfigError` naming the setting (by its
 * environment name) and the reason. Values are checked as plain JavaScript could pass them: a
 * negative, NaN or infinite duration or count, an org URL with a path, a token with inner
 * whitespace, a non-boolean flag are all refused rather than read as something else.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options: OktaConfig.Options) => Effect.Effect<OktaConfig.Service, ConfigError.ConfigError> =
  Options.make

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
 * @category layers
 */
export const layer = (options: OktaConfig.Options): Layer.Layer<OktaConfig, ConfigError.ConfigError> =>
  Layer.effect(OktaConfig, make(options))

/**
 * The environment names of Okta's official SDKs: `OKTA_CLIENT_ORGURL`, `OKTA_CLIENT_TOKEN`,
 * `OKTA_CLIENT_AUTHORIZATIONMODE` (SSWS, Bearer or PrivateKey), `OKTA_CLIENT_REQUESTTIMEOUT` (seconds),
 * `OKTA_CLIENT_RATELIMIT_MAXRETRIES` and `OKTA_CLIENT_USERAGENT`; and this client's own
 * `OKTA_CLIENT_RATELIMIT_MAXELAPSED` (seconds or a duration, default 2 minutes),
 * `OKTA_CLIENT_RATELIMIT_THROTTLE` (true/false, default true) and
 * `OKTA_CLIENT_RATELIMIT_MAXCONCURRENCY` (default 32). With `OKTA_CLIENT_AUTHORIZATIONMODE=PrivateKey`:
 * `OKTA_CLIENT_CLIENTID`, `OKTA_CLIENT_SCOPES` (separated by spaces or commas), `OKTA_CLIENT_PRIVATEKEY`
 * (PEM or JWK JSON), `OKTA_CLIENT_KEYID` (optional) and `OKTA_CLIENT_DPOP` (true/false, default false)
 * instead of `OKTA_CLIENT_TOKEN`. All are read through `Config`, so any `ConfigProvider` feeds them
 * (an okta.yaml one gives `okta.client.scopes` as `OKTA_CLIENT_SCOPES`, its list joined with commas).
 *
 * @since 0.1.0
 * @category utils
 */
export const fromEnv: Config.Config<OktaConfig.Options> = Environment.fromEnv

/**
 * A layer that reads its options from a `Config` (by default `fromEnv`), then checks them as `layer` does.
 * As with `PgClient.layerConfig`, the argument may also be a `Config.Wrap<Options>`: a record with a
 * `Config` per setting; a setting left out takes `layer`'s default.
 *
 * @example
 * ```ts
 * import { Config } from "effect"
 * import { OktaConfig } from "effect-okta-sessions"
 *
 * // OKTA_CLIENT_ORGURL=https://dev-123.okta.com OKTA_CLIENT_TOKEN=00abc... node app.js
 * const ConfigLive = OktaConfig.layerConfig()
 *
 * // your own names
 * const AppConfigLive = OktaConfig.layerConfig({ orgUrl: Config.string("APP_OKTA_URL"), token: Config.redacted("APP_OKTA_TOKEN") })
 * ```
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config.Wrap<OktaConfig.Options> = fromEnv
): Layer.Layer<OktaConfig, ConfigError.ConfigError> => Layer.effect(OktaConfig, Effect.flatMap(Config.unwrap(config), make))
