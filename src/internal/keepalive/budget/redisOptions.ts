/**
 * The options of `KeepaliveBudgetRedis.layer` as the user gives them and as the budget uses them,
 * with every default and bound in one place.
 */
import * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { InvalidOptions } from "../../../InvalidOptions.js"
import { decodeOptions } from "../../options/decodeOptions.js"
import { PositiveDuration, PositiveNumber } from "../../options/optionSchemas.js"

/**
 * Options of `KeepaliveBudgetRedis.layer`.
 *
 * @since 0.3.0
 * @category options
 */
export interface RedisBudgetOptions {
  /** `redis://[user[:password]@]host[:port][/db]` or `rediss://` (TLS). A secret: it may hold a password. */
  readonly url: Redacted.Redacted<string>
  /** Prefix of every key (one per org, or per test run). Default `effect-okta-sessions:keepalive:`. */
  readonly prefix?: string | undefined
  /**
   * While Redis is lost, each process takes from a local limiter at `1 / expectedProcesses` of its
   * budget, so a fleet of at most this many processes stays within the share. Default 3.
   */
  readonly expectedProcesses?: number | undefined
  /**
   * How long a refresh that meets a lost Redis waits for it to come back before it takes from the
   * local limiter instead. Default 1 second (at most 1 minute).
   */
  readonly outageWait?: Duration.DurationInput | undefined
  /** How long one Redis command may take before it counts as lost. Default 500 milliseconds (at most 1 minute). */
  readonly commandTimeout?: Duration.DurationInput | undefined
  /** How long the layer waits for Redis's first answer at start. Default 5 seconds (at most 1 minute). */
  readonly connectTimeout?: Duration.DurationInput | undefined
}

const AtMostAMinute = PositiveDuration.pipe(
  Schema.filter((d) => Duration.toMillis(d) <= 60_000 || `expected at most 1 minute, got ${Duration.format(d)}`)
)

const RedactedString = Schema.declare(
  (u): u is Redacted.Redacted<string> => Redacted.isRedacted(u) && typeof Redacted.value(u) === "string",
  { message: () => "expected a Redacted URL (Redacted.make(url) or Config.redacted)" }
)

const OptionsSchema = Schema.Struct({
  url: RedactedString,
  prefix: Schema.optionalWith(Schema.String, { default: () => "effect-okta-sessions:keepalive:" }),
  expectedProcesses: Schema.optionalWith(PositiveNumber, { default: () => 3 }),
  outageWait: Schema.optionalWith(AtMostAMinute, { default: () => Duration.seconds(1) }),
  commandTimeout: Schema.optionalWith(AtMostAMinute, { default: () => Duration.millis(500) }),
  connectTimeout: Schema.optionalWith(AtMostAMinute, { default: () => Duration.seconds(5) })
})

/** The options after defaults. */
export type RedisBudgetSettings = typeof OptionsSchema.Type

/** Decodes the options; `InvalidOptions` (module `KeepaliveBudgetRedis`) names the first that cannot work. */
export const decodeRedisBudgetOptions: (options: RedisBudgetOptions) => Effect.Effect<RedisBudgetSettings, InvalidOptions> =
  decodeOptions("KeepaliveBudgetRedis", OptionsSchema)
