import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import { OktaError, RateLimit } from "effect-okta-sessions"

const where = { method: "GET", path: "/api/v1/sessions/{sessionId}" }

const full = {
  ...where,
  errorCode: "E0000007",
  errorSummary: "Not found: Resource not found: l7FbDVqS8zHSy65uJD85 (Session)",
  errorLink: "E0000007",
  errorId: "oaeAbC123",
  errorCauses: [{ errorSummary: "the session expired" }],
  requestId: "0aXyZ-req"
}

type Fields = ConstructorParameters<typeof OktaError.NotFound>[0]

const statusErrors = [
  ["BadRequest", (fields: Fields) => new OktaError.BadRequest(fields)],
  ["Unauthorized", (fields: Fields) => new OktaError.Unauthorized(fields)],
  ["Forbidden", (fields: Fields) => new OktaError.Forbidden(fields)],
  ["NotFound", (fields: Fields) => new OktaError.NotFound(fields)],
  [
    "TooManyRequests",
    (fields: Fields) =>
      new OktaError.TooManyRequests({ ...fields, rateLimit: new RateLimit.RateLimitHeaders({ limit: 600, remaining: 0 }) })
  ],
  ["ServerError", (fields: Fields) => new OktaError.ServerError(fields)],
  ["UnexpectedStatus", (fields: Fields) => new OktaError.UnexpectedStatus(fields)]
] as const

describe("OktaError status errors", () => {
  for (const [tag, make] of statusErrors) {
    it(`${tag}: message is '<tag> <errorCode>: <errorSummary> (request <id>)'`, () => {
      const error = make({ ...full, status: 404 })
      expect(error._tag).toBe(tag)
      expect(error).toBeInstanceOf(Error)
      expect(error.message).toBe(`${tag} E0000007: Not found: Resource not found: l7FbDVqS8zHSy65uJD85 (Session) (request 0aXyZ-req)`)
      expect(String(error)).toContain(error.message)
    })

    it(`${tag}: without Okta's body the message falls back to the status, method and path`, () => {
      const error = make({ ...where, status: 418 })
      expect(error.message).toBe(`${tag} 418: GET /api/v1/sessions/{sessionId}`)
    })
  }

  it("JSON holds the tag and every field, and decodes back to an equal error", () => {
    const error = new OktaError.NotFound({ ...full, status: 404 })
    const json = JSON.parse(JSON.stringify(error))
    expect(json).toEqual({ _tag: "NotFound", status: 404, ...full })
    const roundTrip = Schema.decodeUnknownSync(OktaError.NotFound)(Schema.encodeSync(OktaError.NotFound)(error))
    expect(roundTrip).toBeInstanceOf(OktaError.NotFound)
    expect(roundTrip).toEqual(error)
  })

  it.effect("errors are yieldable and caught by tag", () =>
    Effect.gen(function*() {
      const failed = yield* Effect.either(Effect.gen(function*() {
        return yield* new OktaError.Forbidden({ ...where, status: 403 })
      }))
      expect(Either.isLeft(failed) && failed.left._tag).toBe("Forbidden")
      const recovered = yield* new OktaError.NotFound({ ...where, status: 404 }).pipe(
        Effect.catchTag("NotFound", (error) => Effect.succeed(error.status))
      )
      expect(recovered).toBe(404)
    }))

  it("TooManyRequests keeps its rate-limit headers", () => {
    const error = new OktaError.TooManyRequests({
      ...where,
      status: 429,
      rateLimit: new RateLimit.RateLimitHeaders({ limit: 0, remaining: 0, resetEpochSeconds: 1795341630 })
    })
    expect(error.rateLimit.resetEpochSeconds).toBe(1795341630)
    expect(error.rateLimit.isConcurrencyLimit).toBe(true)
    expect(JSON.parse(JSON.stringify(error)).rateLimit).toEqual({ limit: 0, remaining: 0, resetEpochSeconds: 1795341630 })
  })
})

describe("OktaError.TransportError and DecodeError", () => {
  it("TransportError says why, with the method and path template", () => {
    const error = new OktaError.TransportError({ ...where, reason: "Timeout", detail: "no complete answer within 10s" })
    expect(error.message).toBe("TransportError Timeout: no complete answer within 10s (GET /api/v1/sessions/{sessionId})")
    const decode = Schema.decodeUnknownEither(OktaError.TransportError)
    expect(Either.isRight(decode({ _tag: "TransportError", ...where, reason: "Connection", detail: "ECONNRESET" }))).toBe(true)
    expect(Either.isLeft(decode({ _tag: "TransportError", ...where, reason: "Other", detail: "x" }))).toBe(true)
  })

  it("DecodeError says what was wrong and where, with the request id when there is one", () => {
    const error = new OktaError.DecodeError({ ...where, status: 200, detail: "the body is empty, expected a Session", requestId: "r1" })
    expect(error.message).toBe(
      "DecodeError: the body is empty, expected a Session in the 200 answer to GET /api/v1/sessions/{sessionId} (request r1)"
    )
    expect(new OktaError.DecodeError({ ...where, status: 200, detail: "bad" }).message).not.toContain("request")
  })
})

describe("OktaError.OktaErrorBody", () => {
  it("decodes Okta's error body, every field optional", () => {
    const decode = Schema.decodeUnknownSync(OktaError.OktaErrorBody)
    expect(decode({})).toEqual({})
    expect(decode({ errorCode: "E0000011", errorSummary: "Invalid token provided", errorCauses: [{}] })).toEqual({
      errorCode: "E0000011",
      errorSummary: "Invalid token provided",
      errorCauses: [{}]
    })
    expect(Either.isLeft(Schema.decodeUnknownEither(OktaError.OktaErrorBody)({ errorCode: 7 }))).toBe(true)
  })
})

describe("OktaError.InvalidArgument", () => {
  it("is a tagged error naming the operation, the argument and why, and says nothing was sent", () => {
    const error = new OktaError.InvalidArgument({
      operation: "revokeSession",
      argument: "sessionId",
      detail: "names another endpoint ('me'), not a session id",
      method: "DELETE",
      path: "/api/v1/sessions/{sessionId}"
    })
    expect(error._tag).toBe("InvalidArgument")
    expect(error).toBeInstanceOf(Error)
    expect(error.message).toBe(
      "InvalidArgument: revokeSession sessionId names another endpoint ('me'), not a session id; no request was sent (DELETE /api/v1/sessions/{sessionId})"
    )
    expect(String(error)).toContain(error.message)
  })
})
