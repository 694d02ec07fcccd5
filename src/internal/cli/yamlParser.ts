/**
 * YAML text to a document, with the `yaml` package. A failure says what and where (code, line,
 * column), never quoting the text: an okta.yaml holds the token. The CLI loads this module only
 * when there is an okta.yaml to read, since `yaml` is the largest part of the bin.
 *
 * @since 0.2.0
 */
import * as Either from "effect/Either"
import { parse, YAMLError } from "yaml"

/**
 * The document, or `<code> at line L, column C`.
 *
 * @since 0.2.0
 * @category parsing
 */
export const parseYaml = (text: string): Either.Either<unknown, string> =>
  Either.try({
    try: (): unknown => parse(text),
    catch: (error) => {
      if (error instanceof YAMLError) {
        const at = error.linePos?.[0]
        return at === undefined ? error.code : `${error.code} at line ${at.line}, column ${at.col}`
      }
      return "the file could not be parsed"
    }
  })
