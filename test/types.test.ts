/**
 * Type-level tests, checked by `tsc` in `npm test`: each operation's error channel is exactly the
 * documented union (DESIGN.md's table plus the errors any call can meet), so adding or dropping a
 * tag breaks compilation. The functions below are never run; the compiler checks their bodies.
 */
import { describe, expectTypeOf, it } from "@effect/vitest"
import { Effect, type Redacted } from "effect"
import type { OktaAuth, OktaError, Session, Sessions } from "effect-okta-sessions"

type Service = Sessions.Sessions.Service
type ErrorOf<K extends keyof Service> = Effect.Effect.Error<ReturnType<Service[K]>>

/** Spelled out rather than taken from `OktaError.CommonError`, so a change there is caught too. */
type AnyCall =
  | OktaError.Unauthorized
  | OktaError.ServerError
  | OktaError.UnexpectedStatus
  | OktaError.TransportError
  | OktaError.DecodeError
  | OktaAuth.TokenError

/** What every operation can meet: the common errors and a refused argument (a cast or plain JavaScript). */
type AnyOperation = AnyCall | OktaError.InvalidArgument

describe("error unions", () => {
  it("CommonError is the six errors any call can meet", () => {
    expectTypeOf<OktaError.CommonError>().toEqualTypeOf<AnyCall>()
  })

  it("each operation fails with exactly its documented tags plus the common ones and InvalidArgument", () => {
    expectTypeOf<ErrorOf<"createSession">>().toEqualTypeOf<
      OktaError.BadRequest | OktaError.Forbidden | OktaError.TooManyRequests | AnyOperation
    >()
    expectTypeOf<ErrorOf<"getSession">>().toEqualTypeOf<
      OktaError.BadRequest | OktaError.Forbidden | OktaError.NotFound | OktaError.TooManyRequests | AnyOperation
    >()
    expectTypeOf<ErrorOf<"refreshSession">>().toEqualTypeOf<
      OktaError.Forbidden | OktaError.NotFound | OktaError.TooManyRequests | AnyOperation
    >()
    expectTypeOf<ErrorOf<"revokeSession">>().toEqualTypeOf<
      OktaError.Forbidden | OktaError.NotFound | OktaError.TooManyRequests | AnyOperation
    >()
    expectTypeOf<ErrorOf<"getCurrentSession">>().toEqualTypeOf<OktaError.NotFound | AnyOperation>()
    expectTypeOf<ErrorOf<"refreshCurrentSession">>().toEqualTypeOf<OktaError.NotFound | AnyOperation>()
    expectTypeOf<ErrorOf<"closeCurrentSession">>().toEqualTypeOf<OktaError.NotFound | AnyOperation>()
    expectTypeOf<ErrorOf<"revokeUserSessions">>().toEqualTypeOf<
      OktaError.Forbidden | OktaError.NotFound | OktaError.TooManyRequests | AnyOperation
    >()
  })

  it("the exported error aliases are the operations' error channels", () => {
    expectTypeOf<Sessions.CreateSessionError>().toEqualTypeOf<ErrorOf<"createSession">>()
    expectTypeOf<Sessions.GetSessionError>().toEqualTypeOf<ErrorOf<"getSession">>()
    expectTypeOf<Sessions.RefreshSessionError>().toEqualTypeOf<ErrorOf<"refreshSession">>()
    expectTypeOf<Sessions.RevokeSessionError>().toEqualTypeOf<ErrorOf<"revokeSession">>()
    expectTypeOf<Sessions.CurrentSessionError>().toEqualTypeOf<ErrorOf<"getCurrentSession">>()
    expectTypeOf<Sessions.RevokeUserSessionsError>().toEqualTypeOf<ErrorOf<"revokeUserSessions">>()
  })

  it("OperationError is derived from the endpoint table for every operation", () => {
    expectTypeOf<Sessions.OperationError<"createSession">>().toEqualTypeOf<ErrorOf<"createSession">>()
    expectTypeOf<Sessions.OperationError<"getSession">>().toEqualTypeOf<ErrorOf<"getSession">>()
    expectTypeOf<Sessions.OperationError<"refreshSession">>().toEqualTypeOf<ErrorOf<"refreshSession">>()
    expectTypeOf<Sessions.OperationError<"revokeSession">>().toEqualTypeOf<ErrorOf<"revokeSession">>()
    expectTypeOf<Sessions.OperationError<"getCurrentSession">>().toEqualTypeOf<ErrorOf<"getCurrentSession">>()
    expectTypeOf<Sessions.OperationError<"refreshCurrentSession">>().toEqualTypeOf<ErrorOf<"refreshCurrentSession">>()
    expectTypeOf<Sessions.OperationError<"closeCurrentSession">>().toEqualTypeOf<ErrorOf<"closeCurrentSession">>()
    expectTypeOf<Sessions.OperationError<"revokeUserSessions">>().toEqualTypeOf<ErrorOf<"revokeUserSessions">>()
  })

  it("InvalidArgument names the operation and the argument, and is part of OktaError", () => {
    expectTypeOf<OktaError.InvalidArgument["argument"]>().toEqualTypeOf<string>()
    expectTypeOf<OktaError.InvalidArgument>().toMatchTypeOf<OktaError.OktaError>()
  })

  it("successes are Session or void, and no operation needs a service", () => {
    expectTypeOf<Effect.Effect.Success<ReturnType<Service["getSession"]>>>().toEqualTypeOf<Session.Session>()
    expectTypeOf<Effect.Effect.Success<ReturnType<Service["createSession"]>>>().toEqualTypeOf<Session.Session>()
    expectTypeOf<Effect.Effect.Success<ReturnType<Service["revokeSession"]>>>().toEqualTypeOf<void>()
    expectTypeOf<Effect.Effect.Success<ReturnType<Service["closeCurrentSession"]>>>().toEqualTypeOf<void>()
    expectTypeOf<Effect.Effect.Context<ReturnType<Service["revokeUserSessions"]>>>().toEqualTypeOf<never>()
    expectTypeOf<Effect.Effect.Context<ReturnType<Service["getCurrentSession"]>>>().toEqualTypeOf<never>()
  })

  it("TooManyRequests carries the rate-limit headers; TransportError says why", () => {
    expectTypeOf<OktaError.TooManyRequests["rateLimit"]["resetEpochSeconds"]>().toEqualTypeOf<number | undefined>()
    expectTypeOf<OktaError.TransportError["reason"]>().toEqualTypeOf<"Connection" | "Timeout" | "ResponseTooLarge">()
    expectTypeOf<OktaError.ServerError["status"]>().toEqualTypeOf<number>()
  })
})

/** Catching every tag of an operation leaves nothing in its error channel. */
export const catchesEverything = (sessions: Service, id: Session.SessionId) => {
  const handled = sessions.getSession(id).pipe(
    Effect.map((session) => session.expiresAt),
    Effect.catchTags({
      BadRequest: (error) => Effect.succeed(error.errorCode),
      Forbidden: (error) => Effect.succeed(error.errorCode),
      NotFound: (error) => Effect.succeed(error.errorCode),
      TooManyRequests: (error) => Effect.succeed(error.rateLimit.resetEpochSeconds),
      Unauthorized: (error) => Effect.succeed(error.status),
      ServerError: (error) => Effect.succeed(error.status),
      UnexpectedStatus: (error) => Effect.succeed(error.status),
      TransportError: (error) => Effect.succeed(error.reason),
      DecodeError: (error) => Effect.succeed(error.detail),
      InvalidArgument: (error) => Effect.succeed(error.argument),
      TokenError: (error) => Effect.succeed(error.error)
    })
  )
  expectTypeOf<Effect.Effect.Error<typeof handled>>().toEqualTypeOf<never>()
  return handled
}

/** A tag the operation does not document cannot be caught: the compiler refuses it. */
export const undocumentedTagsDoNotCompile = (
  sessions: Service,
  id: Session.SessionId,
  userId: Session.UserId,
  cookie: Session.SessionCookie,
  token: Redacted.Redacted<string>
) => [
  sessions.getSession(id).pipe(Effect.catchTag("NotFound", () => Effect.void)),
  sessions.createSession(token).pipe(Effect.catchTag("InvalidArgument", () => Effect.void)),
  sessions.closeCurrentSession(cookie).pipe(Effect.catchTag("InvalidArgument", () => Effect.void)),
  // @ts-expect-error createSession cannot fail with NotFound
  sessions.createSession(token).pipe(Effect.catchTag("NotFound", () => Effect.void)),
  // @ts-expect-error refreshSession cannot fail with BadRequest
  sessions.refreshSession(id).pipe(Effect.catchTag("BadRequest", () => Effect.void)),
  // @ts-expect-error revokeSession cannot fail with BadRequest
  sessions.revokeSession(id).pipe(Effect.catchTag("BadRequest", () => Effect.void)),
  // @ts-expect-error getCurrentSession cannot fail with Forbidden
  sessions.getCurrentSession(cookie).pipe(Effect.catchTag("Forbidden", () => Effect.void)),
  // @ts-expect-error refreshCurrentSession cannot fail with TooManyRequests
  sessions.refreshCurrentSession(cookie).pipe(Effect.catchTag("TooManyRequests", () => Effect.void)),
  // @ts-expect-error closeCurrentSession cannot fail with BadRequest
  sessions.closeCurrentSession(cookie).pipe(Effect.catchTag("BadRequest", () => Effect.void)),
  // @ts-expect-error revokeUserSessions cannot fail with BadRequest
  sessions.revokeUserSessions(userId).pipe(Effect.catchTag("BadRequest", () => Effect.void)),
  // @ts-expect-error no operation fails with a tag this library does not have
  sessions.getSession(id).pipe(Effect.catchTag("Conflict", () => Effect.void))
]

/** Ids, cookies and the session token must be the checked types, never raw strings. */
export const rawInputDoesNotCompile = (sessions: Service, userId: Session.UserId) => [
  // @ts-expect-error a plain string is not a SessionId
  sessions.getSession("102Ke7cvc3uT0iOo4J1Fd4tSA"),
  // @ts-expect-error a plain string is not a UserId
  sessions.revokeUserSessions("00u0abcdefGHIJKLMNOP"),
  // @ts-expect-error a cookie header string is not a SessionCookie
  sessions.getCurrentSession("sid=abcde-123"),
  // @ts-expect-error the session token must be Redacted
  sessions.createSession("20111gDQ-one-time-token"),
  // @ts-expect-error the options are booleans
  sessions.revokeUserSessions(userId, { oauthTokens: "yes" })
]
