/**
 * Decoding options with a `Schema` into the one `InvalidOptions` shape: the first issue's path is the
 * option's name, its message the detail. Values are described, never quoted beyond a short number or
 * duration, so that a secret passed in the wrong place does not end up in the error.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { InvalidOptions } from "../../InvalidOptions.js"

/** The first issue of a failed decode as an `InvalidOptions` of `module`. */
const toInvalidOptions = (module: string, error: ParseResult.ParseError): InvalidOptions => {
  const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
  return new InvalidOptions({
    module,
    option: issue === undefined ? "" : issue.path.map(String).join("."),
    detail: issue === undefined ? "are not valid" : issue.message
  })
}

/**
 * A decoder of `module`'s options: succeeds with the decoded settings, or fails with `InvalidOptions`
 * naming the first option that cannot work. Excess properties are ignored, as TypeScript allows them.
 */
export const decodeOptions = <A, I>(module: string, schema: Schema.Schema<A, I>) => {
  const decode = Schema.decodeUnknownEither(schema, { errors: "first", onExcessProperty: "ignore" })
  return (input: unknown): Effect.Effect<A, InvalidOptions> =>
    Either.match(decode(input), {
      onLeft: (error) => Effect.fail(toInvalidOptions(module, error)),
      onRight: Effect.succeed
    })
}

/**
 * The same for constructors that return a value rather than an Effect (a `Schedule`, say): an
 * `Either` the caller turns into a defect-free result, e.g. by failing its first step.
 */
export const decodeOptionsEither = <A, I>(module: string, schema: Schema.Schema<A, I>) => {
  const decode = Schema.decodeUnknownEither(schema, { errors: "first", onExcessProperty: "ignore" })
  return (input: unknown): Either.Either<A, InvalidOptions> =>
    Either.mapLeft(decode(input), (error) => toInvalidOptions(module, error))
}
