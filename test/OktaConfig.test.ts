import { describe, expect, it } from "@effect/vitest"
import { ConfigError, ConfigProvider, Duration, Effect, Either, Layer, Option, Redacted } from "effect"
import { OktaConfig, Session } from "effect-okta-sessions"
import * as RecordingHttpClient from "./RecordingHttpClient.js"

const token = "00SECRET-config-token-1a2b3c"
/** The `Authorization` value of an SSWS or Bearer configuration (empty for any other credential, so assertions on it fail). */
const authorizationOf = (config: OktaConfig.OktaConfig.Service): Redacted.Redacted<string> =>
  config.credential._tag === "ApiToken" ? config.credential.authorization : Redacted.make("")

const cookie = Session.SessionCookie.make({ name: "sid", value: Session.CookieValue.make("abc") })

/** The checked service from a layer, or the layer's `ConfigError`. */
const build = <E>(layer: Layer.Layer<OktaConfig.OktaConfig, E>) =>
  Effect.either(Effect.provide(OktaConfig.OktaConfig, layer))

const fromOptions = (options: Partial<OktaConfig.OktaConfig.Options>) =>
  build(OktaConfig.layer({ orgUrl: "https://dev-123.okta.com", token: Redacted.make(token), ...options }))

const fromEnv = (env: Record<string, string>) =>
  build(OktaConfig.layerConfig()).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))

const minimalEnv = { OKTA_CLIENT_ORGURL: "https://dev-123.okta.com", OKTA_CLIENT_TOKEN: token }

/** The layer's ConfigError: which setting (its env name is the path) and why. */
const configError = <A>(result: Either.Either<A, ConfigError.ConfigError>) => {
  if (Either.isRight(result)) throw new Error("expected the layer to fail with a ConfigError")
  expect(ConfigError.isConfigError(result.left)).toBe(true)
  return { error: result.left, text: String(result.left) }
}

describe("OktaConfig.layer", () => {
  it.effect("SSWS is the default; Bearer sends the token as a bearer token", () =>
    Effect.gen(function*() {
      const ssws = Either.getOrThrow(yield* fromOptions({}))
      expect(ssws.authorizationMode).toBe("SSWS")
      expect(Redacted.value(authorizationOf(ssws))).toBe(`SSWS ${token}`)
      const bearer = Either.getOrThrow(yield* fromOptions({ authorizationMode: "Bearer" }))
      expect(Redacted.value(authorizationOf(bearer))).toBe(`Bearer ${token}`)
    }))

  it.effect("defaults: 30 s timeout, 2 retries, 1 MiB body cap, no trace headers, the library's user agent", () =>
    Effect.gen(function*() {
      const config = Either.getOrThrow(yield* fromOptions({}))
      expect(config.requestTimeout).toEqual(Option.some(Duration.seconds(30)))
      expect(config.maxRetries).toBe(2)
      expect(config.maxResponseBytes).toBe(1024 * 1024)
      expect(config.propagateTraceHeaders).toBe(false)
      expect(config.userAgent).toMatch(/^effect-okta-sessions\/\S+ node\/\S+ \S+\/\S+$/)
    }))

  it.effect("the credential is Redacted: printing the service does not show it", () =>
    Effect.gen(function*() {
      const config = Either.getOrThrow(yield* fromOptions({}))
      expect(String(authorizationOf(config))).not.toContain(token)
      expect(JSON.stringify(config)).not.toContain(token)
    }))

  it.effect("trailing slashes are removed; ports and international domain names are kept", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [string, string]> = [
        ["https://dev-123.okta.com/", "https://dev-123.okta.com"],
        ["https://dev-123.okta.com///", "https://dev-123.okta.com"],
        ["  https://DEV-123.okta.com  ", "https://dev-123.okta.com"],
        ["https://dev-123.okta.com:8443/", "https://dev-123.okta.com:8443"],
        ["https://login.bücher.example/", "https://login.xn--bcher-kva.example"]
      ]
      for (const [input, normalised] of cases) {
        expect(Either.getOrThrow(yield* fromOptions({ orgUrl: input })).orgUrl, input).toBe(normalised)
      }
    }))

  it.effect("a trailing slash never gives `//api` on the wire", () =>
    Effect.gen(function*() {
      const { requests } = yield* RecordingHttpClient.withSessions(
        () => new Response(null, { status: 204 }),
        (sessions) => sessions.closeCurrentSession(cookie),
        { orgUrl: "https://dev-123.okta.com/" }
      )
      expect(requests[0]?.url.href).toBe("https://dev-123.okta.com/api/v1/sessions/me")
    }))

  it.effect("http is allowed only for loopback hosts", () =>
    Effect.gen(function*() {
      for (const orgUrl of ["http://localhost:8080", "http://127.0.0.1:9000/", "http://127.1.2.3", "http://[::1]:8080"]) {
        expect(Either.isRight(yield* fromOptions({ orgUrl })), orgUrl).toBe(true)
      }
      for (const orgUrl of ["http://dev-123.okta.com", "http://10.0.0.1", "http://localhost.example.com", "ftp://dev-123.okta.com", "file:///etc/passwd"]) {
        const { error, text } = configError(yield* fromOptions({ orgUrl }))
        expect(error._op, orgUrl).toBe("InvalidData")
        expect(text, orgUrl).toContain("OKTA_CLIENT_ORGURL")
        expect(text, orgUrl).toMatch(/orgUrl: must use https/)
      }
    }))

  it.effect("a URL that is not one, a placeholder, credentials, a query or fragment fail naming orgUrl", () =>
    Effect.gen(function*() {
      const bad = [
        "",
        "dev-123.okta.com",
        "not a url",
        "https://{yourOktaDomain}",
        "https://admin:pw@dev-123.okta.com",
        "https://dev-123.okta.com/?x=1",
        "https://dev-123.okta.com/#top"
      ]
      for (const orgUrl of bad) {
        const { text } = configError(yield* fromOptions({ orgUrl }))
        expect(text, orgUrl).toContain("OKTA_CLIENT_ORGURL")
        expect(text, orgUrl).toContain("orgUrl")
      }
    }))

  it.effect("an empty or malformed token fails naming the token, and never shows it", () =>
    Effect.gen(function*() {
      for (const bad of ["", "   ", "00abc def", "00abc\r\nX-Injected: 1", "{apiToken}"]) {
        const { text } = configError(yield* fromOptions({ token: Redacted.make(bad) }))
        expect(text, JSON.stringify(bad)).toContain("OKTA_CLIENT_TOKEN")
        expect(text, JSON.stringify(bad)).toMatch(/token: (is empty|contains|still holds)/)
        if (bad.trim() !== "") expect(text).not.toContain(bad.trim())
      }
    }))

  it.effect("maxRetries must be a whole number >= 0; 0 is kept", () =>
    Effect.gen(function*() {
      expect(Either.getOrThrow(yield* fromOptions({ maxRetries: 0 })).maxRetries).toBe(0)
      for (const maxRetries of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        const { text } = configError(yield* fromOptions({ maxRetries }))
        expect(text, String(maxRetries)).toContain("OKTA_CLIENT_RATELIMIT_MAXRETRIES")
        expect(text, String(maxRetries)).toContain("maxRetries: expected a non-negative integer")
      }
    }))

  it.effect("requestTimeout: zero turns it off, an infinite one fails", () =>
    Effect.gen(function*() {
      expect(Either.getOrThrow(yield* fromOptions({ requestTimeout: 0 })).requestTimeout).toEqual(Option.none())
      expect(Either.getOrThrow(yield* fromOptions({ requestTimeout: "5 seconds" })).requestTimeout).toEqual(
        Option.some(Duration.seconds(5))
      )
      const { text } = configError(yield* fromOptions({ requestTimeout: Duration.infinity }))
      expect(text).toContain("OKTA_CLIENT_REQUESTTIMEOUT")
    }))

  it.effect("maxResponseBytes below 1 KiB and a user agent with a control character fail", () =>
    Effect.gen(function*() {
      expect(configError(yield* fromOptions({ maxResponseBytes: 10 })).text).toContain("maxResponseBytes")
      expect(configError(yield* fromOptions({ userAgent: "app\r\nX-Evil: 1" })).text).toContain("OKTA_CLIENT_USERAGENT")
      const config = Either.getOrThrow(yield* fromOptions({ userAgent: "  my-app/2.0 (ops)  ", propagateTraceHeaders: true }))
      expect(config.userAgent).toMatch(/^effect-okta-sessions\/\S+ node\/\S+ \S+\/\S+ my-app\/2\.0 \(ops\)$/)
      expect(config.propagateTraceHeaders).toBe(true)
    }))
})

describe("OktaConfig.layerConfig", () => {
  it.effect("reads OKTA_CLIENT_ORGURL and OKTA_CLIENT_TOKEN, with the same defaults as layer", () =>
    Effect.gen(function*() {
      const config = Either.getOrThrow(yield* fromEnv({ ...minimalEnv, OKTA_CLIENT_ORGURL: "https://dev-123.okta.com/" }))
      expect(config.orgUrl).toBe("https://dev-123.okta.com")
      expect(Redacted.value(authorizationOf(config))).toBe(`SSWS ${token}`)
      expect(config.requestTimeout).toEqual(Option.some(Duration.seconds(30)))
      expect(config.maxRetries).toBe(2)
    }))

  it.effect("reads every Okta SDK setting by its environment name", () =>
    Effect.gen(function*() {
      const config = Either.getOrThrow(
        yield* fromEnv({
          ...minimalEnv,
          OKTA_CLIENT_AUTHORIZATIONMODE: "Bearer",
          OKTA_CLIENT_REQUESTTIMEOUT: "10",
          OKTA_CLIENT_RATELIMIT_MAXRETRIES: "5",
          OKTA_CLIENT_USERAGENT: "my-app/1.0"
        })
      )
      expect(Redacted.value(authorizationOf(config))).toBe(`Bearer ${token}`)
      expect(config.requestTimeout).toEqual(Option.some(Duration.seconds(10)))
      expect(config.maxRetries).toBe(5)
      expect(config.userAgent.endsWith(" my-app/1.0")).toBe(true)
    }))

  it.effect("OKTA_CLIENT_REQUESTTIMEOUT takes seconds (0 = off) or a duration text", () =>
    Effect.gen(function*() {
      expect(Either.getOrThrow(yield* fromEnv({ ...minimalEnv, OKTA_CLIENT_REQUESTTIMEOUT: "0" })).requestTimeout).toEqual(
        Option.none()
      )
      expect(
        Either.getOrThrow(yield* fromEnv({ ...minimalEnv, OKTA_CLIENT_REQUESTTIMEOUT: "1500 millis" })).requestTimeout
      ).toEqual(Option.some(Duration.millis(1500)))
      expect(configError(yield* fromEnv({ ...minimalEnv, OKTA_CLIENT_REQUESTTIMEOUT: "soon" })).text).toContain(
        "OKTA_CLIENT_REQUESTTIMEOUT"
      )
    }))

  it.effect("a missing org URL or token fails naming the environment variable", () =>
    Effect.gen(function*() {
      const noUrl = configError(yield* fromEnv({ OKTA_CLIENT_TOKEN: token }))
      expect(noUrl.text).toContain("OKTA_CLIENT_ORGURL")
      const noToken = configError(yield* fromEnv({ OKTA_CLIENT_ORGURL: "https://dev-123.okta.com" }))
      expect(noToken.text).toContain("OKTA_CLIENT_TOKEN")
    }))

  it.effect("bad values fail naming their environment variable", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [string, string]> = [
        ["OKTA_CLIENT_ORGURL", "http://dev-123.okta.com"],
        ["OKTA_CLIENT_TOKEN", ""],
        ["OKTA_CLIENT_AUTHORIZATIONMODE", "Basic"],
        ["OKTA_CLIENT_RATELIMIT_MAXRETRIES", "many"],
        ["OKTA_CLIENT_RATELIMIT_MAXRETRIES", "-1"]
      ]
      for (const [name, value] of cases) {
        const { text } = configError(yield* fromEnv({ ...minimalEnv, [name]: value }))
        expect(text, `${name}=${value}`).toContain(name)
      }
    }))

  it.effect("the token read from the environment is Redacted", () =>
    Effect.gen(function*() {
      const config = Either.getOrThrow(yield* fromEnv(minimalEnv))
      expect(`${String(authorizationOf(config))} ${JSON.stringify(config)}`).not.toContain(token)
    }))
})

/** Options as plain JavaScript could pass them: the types are not there to refuse anything. */
const untyped = (options: Record<string, unknown>): OktaConfig.OktaConfig.Options =>
  // A cast is the point: this is what a JavaScript caller or a cast in the caller's code does.
  ({ orgUrl: "https://dev-123.okta.com", token: Redacted.make(token), ...options }) as OktaConfig.OktaConfig.Options

const fromUntyped = (options: Record<string, unknown>) => build(OktaConfig.layer(untyped(options)))

describe("OktaConfig: values that cannot work, or would switch a safety off, are refused", () => {
  it.effect("an org URL with a path is refused: requests would go to /api/v1/api/v1/...", () =>
    Effect.gen(function*() {
      for (const orgUrl of ["https://x.okta.com/api/v1", "https://dev-123.okta.com/api/v1/", "https://gateway.example.com/okta"]) {
        const { text } = configError(yield* fromOptions({ orgUrl }))
        expect(text, orgUrl).toContain("OKTA_CLIENT_ORGURL")
        expect(text, orgUrl).toContain("no path")
      }
      const env = configError(yield* fromEnv({ ...minimalEnv, OKTA_CLIENT_ORGURL: "https://x.okta.com/api/v1" }))
      expect(env.text).toContain("OKTA_CLIENT_ORGURL")
      expect(env.text).toContain("no path")
    }))

  it.effect("Okta's bare domain and an admin console domain are not an org", () =>
    Effect.gen(function*() {
      for (const orgUrl of ["https://okta.com", "https://oktapreview.com/", "https://okta-emea.com"]) {
        expect(configError(yield* fromOptions({ orgUrl })).text, orgUrl).toContain("names Okta's own domain")
      }
      expect(configError(yield* fromOptions({ orgUrl: "https://dev-123-admin.okta.com" })).text).toContain("admin console")
    }))

  it.effect("a token with inner non-ASCII whitespace, a zero-width or non-ASCII character is refused, never quoted", () =>
    Effect.gen(function*() {
      for (const bad of ["00abc\u00a0def", "00abc\u200bdef", "00abc\u2028def", "00abc\tdef", "00abcdéf", "00abc\u0000"]) {
        const { text } = configError(yield* fromOptions({ token: Redacted.make(bad) }))
        expect(text, JSON.stringify(bad)).toContain("OKTA_CLIENT_TOKEN")
        expect(text, JSON.stringify(bad)).toContain("token: contains")
        expect(text).not.toContain("00abc")
      }
      // Surrounding whitespace (a newline from a file) is only trimmed.
      const trimmed = Either.getOrThrow(yield* fromOptions({ token: Redacted.make(` ${token}\n`) }))
      expect(Redacted.value(authorizationOf(trimmed))).toBe(`SSWS ${token}`)
    }))

  it.effect("a token that is not Redacted is a ConfigError, not a defect, and is not quoted", () =>
    Effect.gen(function*() {
      for (const raw of [token, 42, undefined]) {
        const { text } = configError(yield* fromUntyped({ token: raw }))
        expect(text, String(raw)).toContain("OKTA_CLIENT_TOKEN")
        expect(text).toContain("Redacted")
        expect(text).not.toContain(token)
      }
    }))

  it.effect("negative, NaN, infinite or over-long durations are refused in layer(options), naming the setting", () =>
    Effect.gen(function*() {
      const settings: ReadonlyArray<readonly [string, string]> = [
        ["requestTimeout", "OKTA_CLIENT_REQUESTTIMEOUT"],
        ["maxElapsed", "OKTA_CLIENT_RATELIMIT_MAXELAPSED"]
      ]
      const bad: ReadonlyArray<unknown> = [-1, Number.NaN, Number.POSITIVE_INFINITY, "-5 seconds", [-1, 0], "30 days", "soon", true]
      for (const [setting, name] of settings) {
        for (const value of bad) {
          const { text } = configError(yield* fromUntyped({ [setting]: value }))
          expect(text, `${setting}=${String(value)}`).toContain(name)
          expect(text, `${setting}=${String(value)}`).toContain(`${setting}: expected`)
        }
      }
    }))

  it.effect("throttle settings are refused under their own names; MAXCONCURRENCY is not reported as THROTTLE", () =>
    Effect.gen(function*() {
      const concurrency = configError(yield* fromEnv({ ...minimalEnv, OKTA_CLIENT_RATELIMIT_MAXCONCURRENCY: "0" }))
      expect(concurrency.error._op).toBe("InvalidData")
      if (concurrency.error._op === "InvalidData") expect(concurrency.error.path).toEqual(["OKTA_CLIENT_RATELIMIT_MAXCONCURRENCY"])
      for (const [throttle, setting] of [
        [{ maxConcurrency: 0 }, "throttle.maxConcurrency"],
        [{ maxConcurrency: Number.NaN }, "throttle.maxConcurrency"],
        [{ pad: -1 }, "throttle.pad"],
        [{ jitter: "-1 seconds" }, "throttle.jitter"],
        [{ maxWaitWithoutDate: Number.POSITIVE_INFINITY }, "throttle.maxWaitWithoutDate"],
        ["yes", "throttle"]
      ] as const) {
        const { text } = configError(yield* fromUntyped({ throttle }))
        expect(text, setting).toContain(`${setting}: `)
      }
    }))

  it.effect("from the environment, a negative timeout or elapsed bound is refused, not read as zero (off)", () =>
    Effect.gen(function*() {
      for (const value of ["-5", "-5 seconds", " -1"]) {
        for (const name of ["OKTA_CLIENT_REQUESTTIMEOUT", "OKTA_CLIENT_RATELIMIT_MAXELAPSED"]) {
          const { text } = configError(yield* fromEnv({ ...minimalEnv, [name]: value }))
          expect(text, `${name}=${value}`).toContain(name)
          expect(text, `${name}=${value}`).toContain("non-negative")
        }
      }
    }))

  it.effect("maxResponseBytes, flags, the mode, the user agent and the schedules must have their types", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
        [{ maxResponseBytes: Number.NaN }, "maxResponseBytes: "],
        [{ maxResponseBytes: Number.POSITIVE_INFINITY }, "maxResponseBytes: "],
        [{ maxResponseBytes: 2048.5 }, "maxResponseBytes: "],
        [{ propagateTraceHeaders: "yes" }, "propagateTraceHeaders: expected true or false"],
        [{ authorizationMode: "Basic" }, "OKTA_CLIENT_AUTHORIZATIONMODE"],
        [{ userAgent: 42 }, "OKTA_CLIENT_USERAGENT"],
        [{ userAgent: "app\u0085x" }, "OKTA_CLIENT_USERAGENT"],
        [{ rateLimitRetry: "twice" }, "rateLimitRetry: expected a Schedule"],
        [{ orgUrl: 42 }, "OKTA_CLIENT_ORGURL"]
      ]
      for (const [options, expected] of cases) {
        expect(configError(yield* fromUntyped(options)).text, JSON.stringify(options)).toContain(expected)
      }
    }))
})
