/**
 * The schemas options are made of, shared so that every module refuses the same bad values with the
 * same words: counts, shares and durations given as a `Duration.DurationInput` of any form.
 */
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/** The longest delay a JavaScript timer can hold: 2^31 − 1 ms, about 24.8 days. */
export const maxTimerMillis = 2_147_483_647

/** A short description of a refused value: numbers and short strings as they are, anything else by its type. */
const describe = (value: unknown): string =>
  typeof value === "number" || typeof value === "boolean"
    ? String(value)
    : typeof value === "string" && value.length <= 32 && !/\s{2}/.test(value)
    ? JSON.stringify(value)
    : value === null
    ? "null"
    : `a ${typeof value}`

/** An integer of at least 1 (a concurrency, a count of retries' cap). */
export const PositiveInt = Schema.Number.pipe(
  Schema.filter((n) => Number.isSafeInteger(n) && n >= 1 || `expected a positive integer, got ${describe(n)}`)
)

/** An integer of at least 0 (a number of retries; 0 means none). */
export const NonNegativeInt = Schema.Number.pipe(
  Schema.filter((n) => Number.isSafeInteger(n) && n >= 0 || `expected a non-negative integer, got ${describe(n)}`)
)

/** A finite number above 0. */
export const PositiveNumber = Schema.Number.pipe(
  Schema.filter((n) => Number.isFinite(n) && n > 0 || `expected a positive number, got ${describe(n)}`)
)

/** A share of a budget: in `(0, 1]`. */
export const Share = Schema.Number.pipe(
  Schema.filter((n) => Number.isFinite(n) && n > 0 && n <= 1 || `expected a number in (0, 1], got ${describe(n)}`)
)

/** A number, duration text or `[seconds, nanos]` pair that is negative or not a number. */
const isNegativeInput = (input: unknown): boolean =>
  typeof input === "number"
    ? !(input >= 0)
    : typeof input === "bigint"
    ? input < 0n
    : typeof input === "string"
    ? input.trim().startsWith("-")
    : Array.isArray(input) && input.some((part) => typeof part === "number" && !(part >= 0))

/** Any `Duration.DurationInput` (`"5 seconds"`, `1000` as millis, a `Duration`) as a finite `Duration`. */
export const DurationInput: Schema.Schema<Duration.Duration, Duration.DurationInput> = Schema.transformOrFail(
  Schema.declare((u): u is Duration.DurationInput => Option.isSome(Duration.decodeUnknown(u)), {
    message: (issue) => `expected a duration such as "5 seconds", got ${describe(issue.actual)}`
  }),
  Schema.DurationFromSelf,
  {
    strict: true,
    decode: (input, _, ast) => {
      // `Duration.millis` reads a negative or NaN number as zero (and `"-5 seconds"` or `[-1, 0]` too):
      // refuse it instead of switching a wait off.
      if (isNegativeInput(input)) {
        return ParseResult.fail(new ParseResult.Type(ast, input, `expected a non-negative duration, got ${describe(input)}`))
      }
      const decoded = Duration.decodeUnknown(input)
      return Option.isSome(decoded) && Duration.isFinite(decoded.value)
        ? ParseResult.succeed(decoded.value)
        : ParseResult.fail(new ParseResult.Type(ast, input, `expected a finite duration, got ${describe(input)}`))
    },
    encode: ParseResult.succeed
  }
)

/** A duration of at least zero, no longer than a timer can hold. */
export const NonNegativeDuration = DurationInput.pipe(
  Schema.filter((d) => {
    const millis = Duration.toMillis(d)
    return millis < 0
      ? `expected a non-negative duration, got ${Duration.format(d)}`
      : millis > maxTimerMillis
      ? `expected at most 24 days (what a timer can hold), got ${Duration.format(d)}`
      : true
  })
)

/** A duration above zero, no longer than a timer can hold. */
export const PositiveDuration = NonNegativeDuration.pipe(
  Schema.filter((d) => Duration.toMillis(d) > 0 || "expected a positive duration, got 0")
)
