/**
 * Durations on the command line: `90 seconds`, `2 hours`, `500 millis`, or a bare number of seconds.
 *
 * @since 0.2.0
 */
import * as Options from "@effect/cli/Options"
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/**
 * A duration as text; a bare number is seconds. Negative or infinite durations are refused.
 *
 * @since 0.2.0
 * @category options
 */
export const DurationText = Schema.transformOrFail(Schema.String, Schema.DurationFromSelf, {
  strict: true,
  decode: (text, _, ast) => {
    const trimmed = text.trim()
    const decoded = /^\d+(\.\d+)?$/.test(trimmed) ? Option.some(Duration.seconds(Number(trimmed))) : Duration.decodeUnknown(trimmed)
    return Option.isSome(decoded) && Duration.isFinite(decoded.value)
      ? ParseResult.succeed(decoded.value)
      : ParseResult.fail(new ParseResult.Type(ast, text, `"${text}" is not a duration such as "90 seconds", "2 hours" or 30`))
  },
  encode: (duration) => ParseResult.succeed(Duration.format(duration))
})

/**
 * `--<name> DURATION`.
 *
 * @since 0.2.0
 * @category options
 */
export const durationOption = (name: string) => Options.text(name).pipe(Options.withSchema(DurationText))
