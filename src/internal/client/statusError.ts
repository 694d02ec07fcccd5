/**
 * The tagged error of a non-2xx answer: 401 and 5xx for any operation, 400/403/404/429 only when the
 * operation documents them, `UnexpectedStatus` otherwise; Okta's error body read into its fields
 * with every known secret scrubbed out, whatever the server echoed.
 */
import type * as Headers from "@effect/platform/Headers"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as OktaError from "../../OktaError.js"
import * as RateLimit from "../../RateLimit.js"
import type { RateLimitHeaders } from "../../RateLimit.js"
import type { Scrub } from "./secretScrubber.js"

const decodeErrorBody = Schema.decodeUnknownOption(Schema.parseJson(OktaError.OktaErrorBody))
const textDecoder = new TextDecoder()

/** Okta's error body, or nothing when it is empty, not JSON or not an error body. */
const readErrorBody = (body: Uint8Array | undefined): OktaError.OktaErrorBody =>
  body === undefined || body.length === 0 ? {} : Option.getOrElse(decodeErrorBody(textDecoder.decode(body)), () => ({}))

/** The error body's text fields with the secrets scrubbed out. */
const scrubErrorBody = (body: OktaError.OktaErrorBody, scrub: Scrub): OktaError.OktaErrorBody => ({
  ...(body.errorCode === undefined ? {} : { errorCode: scrub(body.errorCode) }),
  ...(body.errorSummary === undefined ? {} : { errorSummary: scrub(body.errorSummary) }),
  ...(body.errorLink === undefined ? {} : { errorLink: scrub(body.errorLink) }),
  ...(body.errorId === undefined ? {} : { errorId: scrub(body.errorId) }),
  ...(body.errorCauses === undefined ? {} : {
    errorCauses: body.errorCauses.map((cause) =>
      cause.errorSummary === undefined ? {} : { errorSummary: scrub(cause.errorSummary) }
    )
  })
})

const noScrub: Scrub = (text) => text

/** The documented tag of each error status. */
const documentedTagOf: Readonly<Record<number, OktaError.DocumentedTag>> = {
  400: "BadRequest",
  403: "Forbidden",
  404: "NotFound",
  429: "TooManyRequests"
}

/** What a status error is made of. */
export interface StatusErrorInput<Documented extends OktaError.DocumentedTag> {
  readonly method: string
  readonly path: string
  readonly status: number
  readonly headers: Headers.Headers
  readonly body: Uint8Array | undefined
  readonly documented: ReadonlyArray<Documented>
  /** The answer's rate-limit headers, for a 429, when already read. Default: read from `headers`. */
  readonly rateLimit?: RateLimitHeaders | undefined
  /** Removes the request's secrets from what the server sent. Default: nothing removed (the in-memory fake). */
  readonly scrub?: Scrub | undefined
  /** The summary when the body has none (an error the client made itself). */
  readonly summaryFallback?: string | undefined
}

/** A status error's tagged union for an operation that documents `Documented`. */
export type StatusError<Documented extends OktaError.DocumentedTag> =
  | OktaError.DocumentedErrors[Documented]
  | OktaError.Unauthorized
  | OktaError.ServerError
  | OktaError.UnexpectedStatus

/** The tagged error for a non-2xx status. */
export const statusError = <Documented extends OktaError.DocumentedTag>(
  input: StatusErrorInput<Documented>
): StatusError<Documented> => {
  const scrub = input.scrub ?? noScrub
  const requestId = input.headers["x-okta-request-id"]
  const body = scrubErrorBody(readErrorBody(input.body), scrub)
  const fields = {
    method: input.method,
    path: input.path,
    status: input.status,
    ...(requestId === undefined ? {} : { requestId: scrub(requestId) }),
    ...(body.errorSummary === undefined && input.summaryFallback !== undefined ? { errorSummary: input.summaryFallback } : {}),
    ...body
  }
  if (input.status === 401) return new OktaError.Unauthorized(fields)
  if (input.status >= 500 && input.status < 600) return new OktaError.ServerError(fields)
  const tag = documentedTagOf[input.status]
  if (tag === undefined || !isDocumented(input.documented, tag)) return new OktaError.UnexpectedStatus(fields)
  return makeDocumented(tag, fields, input.rateLimit ?? RateLimit.fromHeaders(input.headers))
}

const isDocumented = <Documented extends OktaError.DocumentedTag>(
  documented: ReadonlyArray<Documented>,
  tag: OktaError.DocumentedTag
): tag is Documented => documented.some((candidate) => candidate === tag)

type StatusFields = ConstructorParameters<typeof OktaError.NotFound>[0]

const makeDocumented = <Tag extends OktaError.DocumentedTag>(
  tag: Tag,
  fields: StatusFields,
  rateLimit: RateLimitHeaders
): OktaError.DocumentedErrors[Tag] => {
  const constructors: { readonly [K in OktaError.DocumentedTag]: () => OktaError.DocumentedErrors[K] } = {
    BadRequest: () => new OktaError.BadRequest(fields),
    Forbidden: () => new OktaError.Forbidden(fields),
    NotFound: () => new OktaError.NotFound(fields),
    TooManyRequests: () => new OktaError.TooManyRequests({ ...fields, rateLimit })
  }
  return constructors[tag]()
}
