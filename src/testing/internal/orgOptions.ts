/**
 * The fake org's options and settings, decoded with `Schema` into the package's one `InvalidOptions`
 * shape (module `FakeOkta`, the option as a path such as `rateLimits.users.limit`): at start
 * (`FakeOkta.layer(options)`) and by each setter while running.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { InvalidOptions } from "../../InvalidOptions.js"
import { decodeOptions } from "../../internal/options/decodeOptions.js"
import { DurationInput, NonNegativeInt, PositiveInt } from "../../internal/options/optionSchemas.js"
import { type Faults, FaultSettings, mergeFaults, noFaults } from "./faults.js"
import { families, type Family } from "./operation.js"

/** A fixed window of one family: at most `limit` requests per `window`, aligned to the epoch. */
export interface RateLimitWindow {
  readonly limit: number
  readonly window: Duration.DurationInput
}

/** Options of `FakeOkta.layer` and `FakeOkta.make`. Every one has a default. */
export interface FakeOktaOptions {
  /** How long a session lives without a refresh (Okta's `maxSessionIdleMinutes`). Default 2 hours. */
  readonly idleWindow?: Duration.DurationInput | undefined
  /** The longest a session can live, refreshes included (`maxSessionLifetimeMinutes`). Default none. */
  readonly maxLifetime?: Duration.DurationInput | undefined
  /** How long a session token can be exchanged. Default 5 minutes. */
  readonly sessionTokenLifetime?: Duration.DurationInput | undefined
  /** Per family. Default 600 requests per minute for each. */
  readonly rateLimits?: Partial<Record<Family, RateLimitWindow>> | undefined
  /** Requests in flight at once before a 429 with Limit = Remaining = 0. Default 75. */
  readonly concurrencyLimit?: number | undefined
  /** Fault knobs at start. Default none. */
  readonly faults?: FaultSettings | undefined
  /** The org URL the in-memory face puts in `_links` (the emulator uses its own URL). Default `https://fake-okta.example`. */
  readonly orgUrl?: string | undefined
}

/** A window as the org counts it. */
export interface WindowSetting {
  readonly limit: number
  readonly windowMillis: number
}

/** The options once decoded, times in milliseconds. */
export interface OrgSettings {
  readonly idleMillis: number
  readonly lifetimeMillis: number | undefined
  readonly tokenLifetimeMillis: number
  readonly concurrencyLimit: number
  readonly windows: ReadonlyMap<Family, WindowSetting>
  readonly faults: Faults
  readonly orgUrl: string
}

/**
 * A duration of the org: finite and at least 1 ms. Not capped at a timer's 24.8 days as the
 * package's waits are: the org never sets a timer for one (a 90-day lifetime is a plain number).
 */
const OrgDuration = DurationInput.pipe(
  Schema.filter((d) => Duration.toMillis(d) >= 1 || `expected a duration of at least 1 millisecond, got ${Duration.format(d)}`)
)

const Window = Schema.Struct({ limit: PositiveInt, window: OrgDuration })

/** Windows by family name; a family the org does not know is refused. */
const Windows = Schema.Record({ key: Schema.Literal(...families), value: Window })

const Options = Schema.Struct({
  idleWindow: Schema.optionalWith(OrgDuration, { default: () => Duration.hours(2) }),
  maxLifetime: Schema.optional(OrgDuration),
  sessionTokenLifetime: Schema.optionalWith(OrgDuration, { default: () => Duration.minutes(5) }),
  rateLimits: Schema.optional(Schema.partial(Windows)),
  concurrencyLimit: Schema.optionalWith(PositiveInt, { default: () => 75 }),
  faults: Schema.optional(FaultSettings),
  orgUrl: Schema.optional(Schema.String)
})

const module = "FakeOkta"
const decodeStart = decodeOptions(module, Options)
const defaultWindow: WindowSetting = { limit: 600, windowMillis: 60_000 }

const windowSetting = (window: typeof Window.Type): WindowSetting => ({
  limit: window.limit,
  windowMillis: Duration.toMillis(window.window)
})

/** Decodes `FakeOkta.layer`'s options. */
export const decodeOrgOptions = (options: FakeOktaOptions): Effect.Effect<OrgSettings, InvalidOptions> =>
  Effect.gen(function*() {
    const decoded = yield* decodeStart(options)
    const windows = new Map<Family, WindowSetting>()
    for (const family of families) {
      const given = decoded.rateLimits?.[family]
      windows.set(family, given === undefined ? defaultWindow : windowSetting(given))
    }
    return {
      idleMillis: Duration.toMillis(decoded.idleWindow),
      lifetimeMillis: decoded.maxLifetime === undefined ? undefined : Duration.toMillis(decoded.maxLifetime),
      tokenLifetimeMillis: Duration.toMillis(decoded.sessionTokenLifetime),
      concurrencyLimit: decoded.concurrencyLimit,
      windows,
      faults: yield* mergeFaults(noFaults, decoded.faults ?? {}),
      orgUrl: (decoded.orgUrl ?? "https://fake-okta.example").replace(/\/+$/, "")
    }
  })

/**
 * A decoder of one setting given on its own (a setter's argument): the error names it as `option`
 * (`idleWindow`, `rateLimits.users.limit`), as if it had been given in the options.
 */
const setting = <A, I>(schema: Schema.Schema<A, I>) => {
  const decode = decodeOptions(module, Schema.Struct({ value: schema }))
  return (option: string, input: unknown): Effect.Effect<A, InvalidOptions> =>
    decode({ value: input }).pipe(
      Effect.map((decoded) => decoded.value),
      Effect.mapError((error) =>
        new InvalidOptions({ module, option: option + error.option.slice("value".length), detail: error.detail })
      )
    )
}

const orgDuration = setting(OrgDuration)
/** A duration setting (`idleWindow`, `maxLifetime`, `maxAge`, `lifetime`) in milliseconds. */
export const decodeDurationSetting = (option: string, input: Duration.DurationInput): Effect.Effect<number, InvalidOptions> =>
  Effect.map(orgDuration(option, input), Duration.toMillis)

const count = setting(NonNegativeInt)
/** The count of `seedSessions` and `seedSessionIds`: a whole number >= 0. */
export const decodeCount = (input: number): Effect.Effect<number, InvalidOptions> => count("count", input)

const positive = setting(PositiveInt)
/** `setConcurrencyLimit`'s argument: a whole number >= 1. */
export const decodeConcurrencyLimit = (input: number): Effect.Effect<number, InvalidOptions> =>
  positive("concurrencyLimit", input)

const window = setting(Window)
/** `setRateLimit`'s window of `family` (named `rateLimits.<family>` in the error). */
export const decodeWindow = (family: Family, input: RateLimitWindow): Effect.Effect<WindowSetting, InvalidOptions> =>
  Effect.map(window(`rateLimits.${family}`, input), windowSetting)
