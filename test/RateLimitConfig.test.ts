import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Either, Option, Redacted } from "effect"
import { OktaConfig, RateLimit } from "effect-okta-sessions"

const base = { OKTA_CLIENT_ORGURL: "https://dev-123.okta.com", OKTA_CLIENT_TOKEN: "00abc-token" }

/** The service `layerConfig()` builds from these environment variables, or its error. */
const fromEnv = (env: Record<string, string>) =>
  Effect.either(Effect.provide(OktaConfig.OktaConfig, OktaConfig.layerConfig())).pipe(
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries({ ...base, ...env }))))
  )

describe("rate-limit settings in OktaConfig", () => {
  it.effect("defaults: 2 retries within 2 minutes, the throttle on with 32 requests in flight", () =>
    Effect.gen(function*() {
      const config = Either.getOrThrow(yield* fromEnv({}))
      expect(config.maxRetries).toBe(2)
      expect(Duration.toMillis(config.maxElapsed)).toBe(120_000)
      expect(config.throttle).toEqual(Option.some(RateLimit.defaultThrottle))
    }))

  it.effect("the environment names set them", () =>
    Effect.gen(function*() {
      const config = Either.getOrThrow(yield* fromEnv({
        OKTA_CLIENT_RATELIMIT_MAXRETRIES: "5",
        OKTA_CLIENT_RATELIMIT_MAXELAPSED: "30",
        OKTA_CLIENT_RATELIMIT_MAXCONCURRENCY: "4"
      }))
      expect(config.maxRetries).toBe(5)
      expect(Duration.toMillis(config.maxElapsed)).toBe(30_000)
      expect(Option.map(config.throttle, (throttle) => throttle.maxConcurrency)).toEqual(Option.some(4))
      const duration = Either.getOrThrow(yield* fromEnv({ OKTA_CLIENT_RATELIMIT_MAXELAPSED: "90 seconds" }))
      expect(Duration.toMillis(duration.maxElapsed)).toBe(90_000)
    }))

  it.effect("OKTA_CLIENT_RATELIMIT_THROTTLE=false turns the throttle off", () =>
    Effect.gen(function*() {
      const config = Either.getOrThrow(yield* fromEnv({ OKTA_CLIENT_RATELIMIT_THROTTLE: "false" }))
      expect(Option.isNone(config.throttle)).toBe(true)
    }))

  it.effect("bad values are a ConfigError naming the setting", () =>
    Effect.gen(function*() {
      for (
        const [env, name] of [
          [{ OKTA_CLIENT_RATELIMIT_MAXRETRIES: "-1" }, "OKTA_CLIENT_RATELIMIT_MAXRETRIES"],
          [{ OKTA_CLIENT_RATELIMIT_MAXCONCURRENCY: "0" }, "OKTA_CLIENT_RATELIMIT_MAXCONCURRENCY"],
          [{ OKTA_CLIENT_RATELIMIT_MAXELAPSED: "soon" }, "OKTA_CLIENT_RATELIMIT_MAXELAPSED"],
          [{ OKTA_CLIENT_RATELIMIT_THROTTLE: "maybe" }, "OKTA_CLIENT_RATELIMIT_THROTTLE"]
        ] as const
      ) {
        const result = yield* fromEnv(env)
        expect(Either.isLeft(result), name).toBe(true)
        if (Either.isLeft(result)) expect(String(result.left), name).toContain(name)
      }
    }))

  it.effect("layer(options): throttle settings are checked", () =>
    Effect.gen(function*() {
      const make = (throttle: OktaConfig.OktaConfig.Options["throttle"]) =>
        Effect.either(OktaConfig.make({ orgUrl: "https://dev-123.okta.com", token: Redacted.make("00abc"), throttle }))
      expect(Either.isLeft(yield* make({ maxConcurrency: 1.5 }))).toBe(true)
      expect(Either.isLeft(yield* make({ jitter: Duration.infinity }))).toBe(true)
      const custom = Either.getOrThrow(yield* make({ maxConcurrency: 8, jitter: "10 millis" }))
      expect(Option.map(custom.throttle, (throttle) => [throttle.maxConcurrency, Duration.toMillis(throttle.jitter)]))
        .toEqual(Option.some([8, 10]))
      expect(Option.isNone(Either.getOrThrow(yield* make(false)).throttle)).toBe(true)
    }))
})
