/**
 * The one function every `Sessions` operation is: a span named `Sessions.<operation>`, the checks
 * of its arguments (an `InvalidArgument` and no request when one fails), the request built from its
 * endpoint row, the call, and the decode of a `Session` answer. An operation is then one line that
 * says which of its arguments is which (`Sessions.ts`).
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Tracer from "effect/Tracer"
import * as OktaError from "../../OktaError.js"
import type * as OktaHttpClient from "../../OktaHttpClient.js"
import { CreateSessionRequest, type Session, type SessionCookie } from "../../Session.js"
import { type ErrorType, errorTypeOf } from "./callObservation.js"
import { withCallSpan } from "./callSpan.js"
import {
  type DocumentedOf,
  type EmptyOperation,
  type EndpointOf,
  endpoints,
  type EndpointSpec,
  type OperationName,
  type PathParameter,
  type PathParameters,
  type SessionOperation
} from "./endpoints.js"
import { checkCookie, checkQueryBooleans, checkSessionToken, isProblem, pathParameters, type Problem } from "./operationArguments.js"
import { decodeSession } from "./sessionBody.js"

/** A body that is not a Session: the call's span says so (`error.type`, as the client does for its own failures). */
const onDecodeError = (span: Tracer.Span): Effect.Effect<void> =>
  Effect.sync(() => span.attribute("error.type", "decode_error" satisfies ErrorType))

/** The errors of an operation: its row's documented tags, the common ones and `InvalidArgument`. */
export type OperationError<Op extends OperationName> =
  | OktaError.DocumentedErrors[DocumentedOf<Op>]
  | OktaError.CommonError
  | OktaError.InvalidArgument

/**
 * What a caller passed, by the part of the request it fills. Every value is `unknown` here: the
 * types of the public signature are not trusted, each value is checked by its row.
 */
export interface OperationArguments<Op extends OperationName> {
  readonly path?: { readonly [K in PathParameters<EndpointOf<Op>["pathTemplate"]>]: unknown }
  readonly cookie?: unknown
  readonly sessionToken?: unknown
  readonly query?: unknown
}

/** A row as the shared code reads it, whatever the operation. */
interface RowView extends EndpointSpec {
  readonly pathParameters: ReadonlyArray<PathParameter>
  path(values: Readonly<Record<string, string>>): string
}

/**
 * The checked parts of a request, and the span attributes of its checked ids. The per-call objects
 * of this module are class instances, not object literals: V8 may tenure an object literal's
 * allocation site under load (see matchFailure.ts).
 */
class Checked {
  constructor(
    readonly path: string,
    readonly credential: "apiToken" | SessionCookie,
    readonly urlParams: Readonly<Record<string, string>> | undefined,
    readonly body: string | undefined,
    readonly secrets: ReadonlyArray<Redacted.Redacted<string>> | undefined,
    readonly attributes: Readonly<Record<string, string>>
  ) {}
}

/** The request of one call, built inside its span, which it carries. */
class CallRequest<Documented extends OktaError.DocumentedTag> implements OktaHttpClient.OktaRequest<Documented> {
  readonly method: RowView["method"]
  readonly pathTemplate: string
  readonly path: string
  readonly urlParams: Readonly<Record<string, string>> | undefined
  readonly body: string | undefined
  readonly credential: "apiToken" | SessionCookie
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>> | undefined
  readonly documented: ReadonlyArray<Documented>
  readonly rateLimitFamily: string | undefined
  readonly retrySafe: boolean | undefined
  constructor(
    readonly operation: OperationName,
    row: RowView,
    documented: ReadonlyArray<Documented>,
    checked: Checked,
    readonly span: Tracer.Span
  ) {
    this.method = row.method
    this.pathTemplate = row.pathTemplate
    this.path = checked.path
    this.urlParams = checked.urlParams
    this.body = checked.body
    this.credential = checked.credential
    this.secrets = checked.secrets
    this.documented = documented
    this.rateLimitFamily = row.rateLimitFamily
    this.retrySafe = row.retrySafe
  }
}

/**
 * Each operation's span is the client span of its call to Okta (the platform client's own per-request
 * span is turned off by `OktaHttpClient` unless trace headers are sent). It is handed to the call
 * (`OktaRequest.span`) rather than made the current span: `Effect.withSpan` provides it through the
 * fiber's context, a copy of the context and two of the fiber refs per call: 9 of the 37 KiB a call
 * allocated in one process (BENCHMARKS.md, "Hot path steps 7 and 8", step 7). What inside
 * the call may open a span or log (an OAuth token request, a retry, a warning, a user's `HttpClient`)
 * runs with it as the parent span. The span is made and ended by `withCallSpan` (callSpan.ts);
 * a call refused before any request uses `Effect.withSpan` with these options. A class, not an
 * options literal per call (see matchFailure.ts).
 *
 * No captured stack trace, and not `Effect.fn`: `Effect.fn` makes an `Error` (a stack capture) on
 * every call for the span's `code.stacktrace`, about 12 µs of CPU per call at concurrency 64 (3.5 %
 * of the profile, BENCHMARKS.md, "Hot path steps", step 2). A failed call's span still ends with its
 * `Cause`, and `error.type` says what failed.
 */
class CallSpanOptions implements Tracer.SpanOptions {
  readonly kind = "client"
  readonly captureStackTrace = false
  constructor(readonly attributes: Readonly<Record<string, string>>) {}
}

const encodeCreateRequest = Schema.encodeSync(Schema.parseJson(CreateSessionRequest))


/** Checks the arguments by the operation's row and builds its request, or refuses with `InvalidArgument`. */
const prepare = <Op extends OperationName>(
  operation: Op,
  args: OperationArguments<Op>
): Either.Either<Checked, OktaError.InvalidArgument> => {
  const row: RowView = endpoints[operation]
  const refuse = ([argument, detail]: Problem) =>
    Either.left(new OktaError.InvalidArgument({ operation, argument, detail, method: row.method, path: row.pathTemplate }))
  const given: Readonly<Record<string, unknown>> = args.path ?? {}
  const values: Record<string, string> = {}
  const attributes: Record<string, string> = {}
  attributes["okta.operation"] = operation
  for (const name of row.pathParameters) {
    const parameter = pathParameters[name]
    const value = given[name]
    if (!parameter.isValid(value)) return refuse([name, parameter.problem(value)])
    values[name] = value
    attributes[parameter.attribute] = value
  }
  let credential: "apiToken" | SessionCookie = "apiToken"
  if (row.credential === "sessionCookie") {
    const cookie = checkCookie(args.cookie)
    if (isProblem(cookie)) return refuse(cookie)
    credential = cookie
  }
  let secrets: ReadonlyArray<Redacted.Redacted<string>> | undefined
  let body: string | undefined
  if (row.body === "sessionToken") {
    const sessionToken = checkSessionToken(args.sessionToken)
    if (isProblem(sessionToken)) return refuse(sessionToken)
    body = encodeCreateRequest(new CreateSessionRequest({ sessionToken }))
    secrets = [sessionToken]
  }
  const urlParams = row.query === undefined ? undefined : checkQueryBooleans(args.query, row.query)
  if (isProblem(urlParams)) return refuse(urlParams)
  return Either.right(new Checked(row.path(values), credential, urlParams, body, secrets, attributes))
}

/**
 * The two kinds of operation over one `OktaHttpClient`: `session` decodes a `Session` answer,
 * `empty` reads nothing (204). Which kind an operation is comes from its row's `answer`; using the
 * other does not compile.
 */
export const makeOperations = (http: OktaHttpClient.OktaHttpClient.Service) => {
  /**
   * Checks the arguments, then sends and reads the answer with `then`, all inside the operation's
   * span; the span starts with the attributes of the checked ids (so a sampler sees them), or fails
   * with `InvalidArgument` and its `error.type` when a check refuses.
   */
  const call = <Op extends OperationName, A, E>(
    name: string,
    operation: Op,
    args: OperationArguments<Op>,
    then: (response: OktaHttpClient.OktaResponse, span: Tracer.Span) => Effect.Effect<A, E>
  ): Effect.Effect<A, E | OktaHttpClient.ExecuteError<DocumentedOf<Op>> | OktaError.InvalidArgument> => {
    const prepared = prepare(operation, args)
    if (Either.isLeft(prepared)) {
      return Effect.withSpan(
        Effect.fail(prepared.left),
        name,
        new CallSpanOptions({ "okta.operation": operation, "error.type": errorTypeOf(prepared.left) })
      )
    }
    const checked = prepared.right
    const row = endpoints[operation]
    const documented: ReadonlyArray<DocumentedOf<Op>> = row.documented
    return withCallSpan(
      name,
      new CallSpanOptions(checked.attributes),
      (span) =>
        Effect.flatMap(
          http.execute(new CallRequest(operation, row, documented, checked, span)),
          (response) => then(response, span)
        )
    )
  }

  const session = <Op extends SessionOperation, Args extends Array<unknown>>(
    operation: Op,
    toArguments: (...args: Args) => OperationArguments<Op>
  ): (...args: Args) => Effect.Effect<Session, OperationError<Op>> => {
    const name = `Sessions.${operation}`
    const decode = (response: OktaHttpClient.OktaResponse, span: Tracer.Span) =>
      decodeSession(response, endpoints[operation], onDecodeError(span))
    return (...args) => call(name, operation, toArguments(...args), decode)
  }

  const empty = <Op extends EmptyOperation, Args extends Array<unknown>>(
    operation: Op,
    toArguments: (...args: Args) => OperationArguments<Op>
  ): (...args: Args) => Effect.Effect<void, OperationError<Op>> => {
    const name = `Sessions.${operation}`
    return (...args) => call(name, operation, toArguments(...args), () => Effect.void)
  }

  return { session, empty }
}
