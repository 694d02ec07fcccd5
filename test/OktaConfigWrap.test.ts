import { describe, expect, it } from "@effect/vitest"
import { Config, ConfigError, ConfigProvider, Duration, Effect, Either, Option, Redacted } from "effect"
import { OktaConfig } from "effect-okta-sessions"

const token = "00SECRET-wrap-token-9z8y7x"

/** The `Authorization` value of an SSWS or Bearer configuration (empty for any other credential, so assertions on it fail). */
const authorizationOf = (config: OktaConfig.OktaConfig.Service): Redacted.Redacted<string> =>
  config.credential._tag === "ApiToken" ? config.credential.authorization : Redacted.make("")

/** `layerConfig(config)` built under a config provider holding `env`: the checked service, or its error. */
const fromWrap = (config: Config.Config.Wrap<OktaConfig.OktaConfig.Options>, env: Record<string, string>) =>
  Effect.either(Effect.provide(OktaConfig.OktaConfig, OktaConfig.layerConfig(config))).pipe(
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
  )

const appNames = { orgUrl: Config.string("APP_OKTA_URL"), token: Config.redacted("APP_OKTA_TOKEN") }

describe("OktaConfig.layerConfig with a Config.Wrap", () => {
  it.effect("reads each setting from its own Config; settings left out take layer's defaults", () =>
    Effect.gen(function*() {
      const config = Either.getOrThrow(
        yield* fromWrap(
          { ...appNames, maxRetries: Config.integer("APP_OKTA_RETRIES"), authorizationMode: Config.succeed("Bearer" as const) },
          { APP_OKTA_URL: "https://dev-9.okta.com/", APP_OKTA_TOKEN: token, APP_OKTA_RETRIES: "5", OKTA_CLIENT_ORGURL: "https://other.okta.com" }
        )
      )
      expect(config.orgUrl).toBe("https://dev-9.okta.com")
      expect(Redacted.value(authorizationOf(config))).toBe(`Bearer ${token}`)
      expect(config.maxRetries).toBe(5)
      expect(config.requestTimeout).toEqual(Option.some(OktaConfig.defaultRequestTimeout))
      expect(config.maxElapsed).toEqual(OktaConfig.defaultMaxElapsed)
      expect(Option.isSome(config.throttle)).toBe(true)
    }))

  it.effect("a missing variable fails the layer with a ConfigError naming it", () =>
    Effect.gen(function*() {
      const result = yield* fromWrap(appNames, { APP_OKTA_URL: "https://dev-9.okta.com", OKTA_CLIENT_TOKEN: token })
      if (Either.isRight(result)) throw new Error("expected a ConfigError")
      expect(ConfigError.isConfigError(result.left)).toBe(true)
      expect(String(result.left)).toContain("APP_OKTA_TOKEN")
    }))

  it.effect("the wrapped values are checked as layer checks them", () =>
    Effect.gen(function*() {
      const result = yield* fromWrap(
        { ...appNames, requestTimeout: Config.succeed(Duration.millis(-1)) },
        { APP_OKTA_URL: "http://dev-9.okta.com", APP_OKTA_TOKEN: token }
      )
      if (Either.isRight(result)) throw new Error("expected a ConfigError")
      expect(String(result.left)).toContain("https")
      expect(String(result.left)).not.toContain(token)
    }))

  it.effect("a whole Config still works, and no argument still reads Okta's environment names", () =>
    Effect.gen(function*() {
      const whole = Either.getOrThrow(
        yield* fromWrap(Config.all(appNames), { APP_OKTA_URL: "https://dev-9.okta.com", APP_OKTA_TOKEN: token })
      )
      expect(whole.orgUrl).toBe("https://dev-9.okta.com")
      const defaults = Either.getOrThrow(
        yield* Effect.either(Effect.provide(OktaConfig.OktaConfig, OktaConfig.layerConfig())).pipe(
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["OKTA_CLIENT_ORGURL", "https://dev-1.okta.com"], ["OKTA_CLIENT_TOKEN", token]])))
        )
      )
      expect(defaults.orgUrl).toBe("https://dev-1.okta.com")
    }))
})
