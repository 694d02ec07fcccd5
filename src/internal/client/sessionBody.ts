/**
 * A 2xx body read as a `Session`, or a `DecodeError` saying what is wrong with it, field by field,
 * without quoting the body: a body may echo anything (a proxy can answer with the request's own
 * headers), so no part of it is kept.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as OktaError from "../../OktaError.js"
import type { OktaResponse } from "../../OktaHttpClient.js"
import { Session } from "../../Session.js"
import { fastDecodeSession } from "./sessionFastPath.js"

const decodeSessionValue = Schema.decodeUnknownEither(Session, { onExcessProperty: "ignore" })
const textDecoder = new TextDecoder()

/** One decode issue as `<field>: <what is wrong>`, without the value found there. */
const describeIssue = (issue: ParseResult.ArrayFormatterIssue): string => {
  const where = issue.path.length === 0 ? "the body" : issue.path.map(String).join(".")
  if (issue._tag === "Missing") return `${where}: is missing`
  if (issue.path.length === 0 && issue._tag === "Type") return "the body is not a Session object"
  const what = issue.message.replace(/, actual [\s\S]*$/, "").replace(/"(?:[^"\\]|\\.)*"/g, "a value")
  return `${where}: ${what}`
}

/**
 * The issues of a failed decode, one line per field: a union's members all fail at one path, so a
 * path with several issues says only that its value is not allowed, and a parent whose child
 * already failed is left out.
 */
const describeIssues = (error: ParseResult.ParseError): string => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const key = (issue: ParseResult.ArrayFormatterIssue) => issue.path.map(String).join(".")
  const byPath = new Map<string, Array<ParseResult.ArrayFormatterIssue>>()
  for (const issue of issues) byPath.set(key(issue), [...(byPath.get(key(issue)) ?? []), issue])
  const lines: Array<string> = []
  for (const [path, atPath] of byPath) {
    const isParent = [...byPath.keys()].some((other) => other !== path && (path === "" || other.startsWith(`${path}.`)))
    if (isParent) continue
    const [first] = atPath
    if (first === undefined) continue
    lines.push(atPath.length === 1 ? describeIssue(first) : `${path}: is not an allowed value`)
  }
  return lines.join("; ").slice(0, 1000)
}

/**
 * A 2xx body as a Session, or what is wrong with it: the hand-checked path for the common shape
 * (sessionFastPath.ts), the schema for anything else, so a failure's detail is always the schema's.
 */
const decodeSessionBody = (body: string): Either.Either<Session, string> => {
  if (body.length === 0) return Either.left("the body is empty, expected a Session")
  const json = Either.try((): unknown => JSON.parse(body))
  if (Either.isLeft(json)) return Either.left("the body is not JSON, expected a Session")
  const fast = fastDecodeSession(json.right)
  if (fast !== undefined) return Either.right(fast)
  return Either.mapLeft(decodeSessionValue(json.right), describeIssues)
}

/**
 * Decodes a 2xx body as a Session, or fails with `DecodeError` saying what is wrong (never quoting
 * the body), after running `onFailure` (the span's `error.type`) when given.
 */
export const decodeSession = (
  response: OktaResponse,
  request: { readonly method: string; readonly pathTemplate: string },
  onFailure: Effect.Effect<void> = Effect.void
): Effect.Effect<Session, OktaError.DecodeError> => {
  // An `if`, not `Either.match`: its options object literal per call is an allocation site V8 may
  // tenure under load (see matchFailure.ts).
  const decoded = decodeSessionBody(textDecoder.decode(response.body))
  if (Either.isRight(decoded)) return Effect.succeed(decoded.right)
  return Effect.zipRight(
    onFailure,
    Effect.fail(
      new OktaError.DecodeError({
        method: request.method,
        path: request.pathTemplate,
        status: response.status,
        ...(response.requestId === undefined ? {} : { requestId: response.requestId }),
        detail: decoded.left
      })
    )
  )
}
