/**
 * The API credential as configured: a `Redacted` string that can go in an `Authorization` header
 * as it is. Surrounding whitespace (a newline from a file) is trimmed; anything else that is not
 * visible ASCII is refused, since a header cannot carry it and a copy-paste slip (a non-breaking
 * space, a zero-width character) would otherwise fail every call as `Unauthorized`.
 */
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"

/**
 * The token's value, trimmed, or why it cannot be used. The message never quotes any part of it.
 */
export const checkApiToken = (input: unknown): Either.Either<string, string> => {
  if (!Redacted.isRedacted(input)) return Either.left("must be a Redacted string (Redacted.make), not a plain value")
  const raw: unknown = Redacted.value(input)
  if (typeof raw !== "string") return Either.left("must be a Redacted string")
  const token = raw.trim()
  if (token === "") return Either.left("is empty")
  if (token.includes("{")) return Either.left("still holds a {placeholder}")
  if (!/^[\x21-\x7e]+$/.test(token)) return Either.left("contains whitespace, a control character or a non-ASCII character")
  return Either.right(token)
}
