import type * as Headers from "@effect/platform/Headers"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as OktaError from "../../OktaError.js"
import * as RateLimit from "../../RateLimit.js"

const decodeErrorBody = Schema.decodeUnknownOption(Schema.parseJson(OktaError.OktaErrorBody))
const textDecoder = new TextDecoder()

/** Okta's error body, or nothing when it is empty, not JSON or not an error body. */
const readErrorBody = (body: Uint8Array | undefined): OktaError.OktaErrorBody =>
  body === undefined || body.length === 0 ? {} : Option.getOrElse(decodeErrorBody(textDecoder.decode(body)), () => ({}))

/** The documented tag of each error status. */
const documentedTagOf: Readonly<Record<number, OktaError.DocumentedTag>> = {
  400: "BadRequest",
  403: "Forbidden",
  404: "NotFound",
  429: "TooManyRequests"
}

interface StatusErrorInput<Documented extends OktaError.DocumentedTag> {
  readonly method: string
  readonly path: string
  readonly status: number
  readonly headers: Headers.Headers
  readonly body: Uint8Array | undefined
  readonly documented: ReadonlyArray<Documented>
}

/**
 * The tagged error for a non-2xx status: 401 and 5xx for any operation, 400/403/404/429 only when
 * the operation documents them, `UnexpectedStatus` otherwise.
 */
export const statusError = <Documented extends OktaError.DocumentedTag>(
  input: StatusErrorInput<Documented>
):
  | OktaError.DocumentedErrors[Documented]
  | OktaError.Unauthorized
  | OktaError.ServerError
  | OktaError.UnexpectedStatus =>
{
  const requestId = input.headers["x-okta-request-id"]
  const fields = {
    method: input.method,
    path: input.path,
    status: input.status,
    ...(requestId === undefined ? {} : { requestId }),
    ...readErrorBody(input.body)
  }
  if (input.status === 401) return new OktaError.Unauthorized(fields)
  if (input.status >= 500 && input.status < 600) return new OktaError.ServerError(fields)
  const tag = documentedTagOf[input.status]
  if (tag === undefined || !isDocumented(input.documented, tag)) return new OktaError.UnexpectedStatus(fields)
  return makeDocumented(tag, fields, input.headers)
}

const isDocumented = <Documented extends OktaError.DocumentedTag>(
  documented: ReadonlyArray<Documented>,
  tag: OktaError.DocumentedTag
): tag is Documented => documented.some((candidate) => candidate === tag)

type StatusFields = ConstructorParameters<typeof OktaError.NotFound>[0]

const makeDocumented = <Tag extends OktaError.DocumentedTag>(
  tag: Tag,
  fields: StatusFields,
  headers: Headers.Headers
): OktaError.DocumentedErrors[Tag] => {
  const constructors: { readonly [K in OktaError.DocumentedTag]: () => OktaError.DocumentedErrors[K] } = {
    BadRequest: () => new OktaError.BadRequest(fields),
    Forbidden: () => new OktaError.Forbidden(fields),
    NotFound: () => new OktaError.NotFound(fields),
    TooManyRequests: () => new OktaError.TooManyRequests({ ...fields, rateLimit: RateLimit.fromHeaders(headers) })
  }
  return constructors[tag]()
}
