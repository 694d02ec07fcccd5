/**
 * `OktaConfig.make`: the options checked one by one with the shared option schemas, defaults
 * resolved, and every refusal a `ConfigError.InvalidData` whose path is the setting's environment
 * name (or its option path when it has none) and whose message says why, never quoting a secret.
 */
import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type { AuthorizationMode, OktaConfig } from "../../OktaConfig.js"
import * as RateLimit from "../../RateLimit.js"
import * as Retry from "../../Retry.js"
import { NonNegativeDuration, NonNegativeInt, PositiveInt } from "../options/optionSchemas.js"
import { checkCredential } from "./configCredential.js"
import { normaliseOrgUrl } from "./orgUrl.js"
import { defaultUserAgent } from "./userAgent.js"

/** Default time allowed for one request. */
export const defaultRequestTimeout: Duration.Duration = Duration.seconds(30)

/** Default retries of a rate-limited call, as in Okta's Node, Python and .NET SDKs. */
export const defaultMaxRetries = 2

/** Default bound on the time one call spends retrying: long enough for one full Okta window. */
export const defaultMaxElapsed: Duration.Duration = Duration.minutes(2)

/** Default cap on a response body: a Session is about 1 KiB. */
export const defaultMaxResponseBytes = 1024 * 1024

/** The environment name of each setting, by option path; a setting without one is named by its path. */
export const environmentNames: Readonly<Record<string, string>> = {
  orgUrl: "OKTA_CLIENT_ORGURL",
  token: "OKTA_CLIENT_TOKEN",
  authorizationMode: "OKTA_CLIENT_AUTHORIZATIONMODE",
  requestTimeout: "OKTA_CLIENT_REQUESTTIMEOUT",
  maxRetries: "OKTA_CLIENT_RATELIMIT_MAXRETRIES",
  maxElapsed: "OKTA_CLIENT_RATELIMIT_MAXELAPSED",
  throttle: "OKTA_CLIENT_RATELIMIT_THROTTLE",
  "throttle.maxConcurrency": "OKTA_CLIENT_RATELIMIT_MAXCONCURRENCY",
  userAgent: "OKTA_CLIENT_USERAGENT",
  clientId: "OKTA_CLIENT_CLIENTID",
  scopes: "OKTA_CLIENT_SCOPES",
  privateKey: "OKTA_CLIENT_PRIVATEKEY",
  keyId: "OKTA_CLIENT_KEYID",
  dpop: "OKTA_CLIENT_DPOP"
}

/** A refused setting: its environment name (or option path) and why. */
const refuse = (setting: string, detail: string): ConfigError.ConfigError =>
  ConfigError.InvalidData([environmentNames[setting] ?? setting], `${setting}: ${detail}`)

/** Decodes one setting with a shared option schema; the first issue's message is the reason. */
const decodeSetting = <A, I>(setting: string, schema: Schema.Schema<A, I>, value: unknown) =>
  Either.mapLeft(Schema.decodeUnknownEither(schema, { errors: "first" })(value), (error) => {
    const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
    return refuse(setting, issue?.message ?? "is not valid")
  })

/**
 * A duration of at least zero that a timer can hold. A negative text (`"-5 seconds"`) or pair is
 * refused here: `Duration` reads it as zero, which would switch a timeout off.
 */
const duration = (setting: string, value: unknown): Either.Either<Duration.Duration, ConfigError.ConfigError> => {
  const negative = (typeof value === "string" && /^\s*-/.test(value)) ||
    (Array.isArray(value) && value.some((part) => typeof part === "number" && part < 0))
  return negative
    ? Either.left(refuse(setting, "expected a non-negative duration, got a negative one"))
    : decodeSetting(setting, NonNegativeDuration, value)
}

const MaxResponseBytes = NonNegativeInt.pipe(
  Schema.filter((n) => n >= 1024 || `expected at least 1024 bytes, got ${n}`)
)

/** `undefined`, or a value `is` accepts; else the setting is refused with `expected`. */
const optional = <A>(setting: string, value: unknown, is: (u: unknown) => u is A, expected: string) =>
  value === undefined || is(value) ? Either.right(value) : Either.left(refuse(setting, expected))

const isBoolean = (u: unknown): u is boolean => typeof u === "boolean"
const isString = (u: unknown): u is string => typeof u === "string"
const isMode = (u: unknown): u is AuthorizationMode => u === "SSWS" || u === "Bearer" || u === "PrivateKey"
const isSchedule = (u: unknown): u is Schedule.Schedule<unknown, never> => Schedule.isSchedule(u)

/** The throttle's settings with defaults, or `None` when it is off. */
const throttleSettings = (input: unknown) =>
  Effect.gen(function*() {
    if (input === false) return Option.none<RateLimit.ThrottleSettings>()
    if (input !== undefined && input !== true && (typeof input !== "object" || input === null)) {
      return yield* Either.left(refuse("throttle", "expected true, false or throttle settings"))
    }
    const options: Readonly<Record<string, unknown>> = input === true || input === undefined ? {} : { ...input }
    const defaults = RateLimit.defaultThrottle
    return Option.some<RateLimit.ThrottleSettings>({
      maxConcurrency: yield* decodeSetting(
        "throttle.maxConcurrency",
        PositiveInt,
        options.maxConcurrency ?? defaults.maxConcurrency
      ),
      pad: yield* duration("throttle.pad", options.pad ?? defaults.pad),
      jitter: yield* duration("throttle.jitter", options.jitter ?? defaults.jitter),
      maxWaitWithoutDate: yield* duration("throttle.maxWaitWithoutDate", options.maxWaitWithoutDate ?? defaults.maxWaitWithoutDate)
    })
  })

/**
 * Checks options and resolves defaults; fails with a `ConfigError` naming the setting and the reason.
 * Every value is checked as `unknown`, so plain JavaScript meets the same refusals as typed code.
 */
export const make = (options: OktaConfig.Options): Effect.Effect<OktaConfig.Service, ConfigError.ConfigError> =>
  Effect.gen(function*() {
    if (typeof options !== "object" || options === null) {
      return yield* Either.left(ConfigError.InvalidData([], "OktaConfig options must be an object"))
    }
    const given: OktaConfig.Options = options
    const orgUrl = yield* Either.mapLeft(normaliseOrgUrl(given.orgUrl), (detail) => refuse("orgUrl", detail))
    const authorizationMode =
      (yield* optional("authorizationMode", given.authorizationMode, isMode, "expected SSWS, Bearer or PrivateKey")) ?? "SSWS"
    const credential = yield* Either.mapLeft(
      checkCredential(given, authorizationMode, orgUrl),
      ({ detail, missing, setting }) =>
        missing === true
          ? ConfigError.MissingData([environmentNames[setting] ?? setting], `${setting}: ${detail}`)
          : refuse(setting, detail)
    )
    const timeout = yield* duration("requestTimeout", given.requestTimeout ?? defaultRequestTimeout)
    const maxRetries = yield* decodeSetting("maxRetries", NonNegativeInt, given.maxRetries ?? defaultMaxRetries)
    const maxElapsed = yield* duration("maxElapsed", given.maxElapsed ?? defaultMaxElapsed)
    const throttle = yield* throttleSettings(given.throttle)
    const maxResponseBytes = yield* decodeSetting(
      "maxResponseBytes",
      MaxResponseBytes,
      given.maxResponseBytes ?? defaultMaxResponseBytes
    )
    const extra = ((yield* optional("userAgent", given.userAgent, isString, "expected a string")) ?? "").trim()
    if (!/^[\x20-\x7e]*$/.test(extra)) {
      return yield* Either.left(refuse("userAgent", "may hold only printable ASCII, no control character"))
    }
    const propagateTraceHeaders = yield* optional("propagateTraceHeaders", given.propagateTraceHeaders, isBoolean, "expected true or false")
    yield* optional("rateLimitRetry", given.rateLimitRetry, isSchedule, "expected a Schedule")
    yield* optional("transientRetry", given.transientRetry, isSchedule, "expected a Schedule")
    return {
      orgUrl,
      credential,
      authorizationMode,
      requestTimeout: Duration.isZero(timeout) ? Option.none() : Option.some(timeout),
      maxRetries,
      maxElapsed,
      rateLimitRetry: given.rateLimitRetry ?? RateLimit.retrySchedule({ maxRetries, maxElapsed }),
      transientRetry: given.transientRetry ?? Retry.transientSchedule({ maxRetries, maxElapsed }),
      throttle,
      userAgent: extra === "" ? defaultUserAgent : `${defaultUserAgent} ${extra}`,
      maxResponseBytes,
      propagateTraceHeaders: propagateTraceHeaders ?? false
    }
  })
