import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Redacted, Schema } from "effect"
import { Session } from "effect-okta-sessions"

describe("Session.SessionId", () => {
  it("accepts an id as Okta issues it", () => {
    expect(Schema.decodeUnknownEither(Session.SessionId)("102Ke7cvc3uT0iOo4J1Fd4tSA")).toEqual(
      Either.right("102Ke7cvc3uT0iOo4J1Fd4tSA")
    )
  })

  it.effect("refuses anything that could leave its path segment", () =>
    Effect.gen(function*() {
      for (const bad of ["a/b", "..", "a?b", "a%2Fb", "a b", "", "x".repeat(129)]) {
        const result = yield* Effect.either(Schema.decodeUnknown(Session.SessionId)(bad))
        expect(Either.isLeft(result), bad).toBe(true)
      }
    }))
})

describe("Session.UserId", () => {
  it.effect("accepts Okta user ids and refuses logins, paths and whitespace", () =>
    Effect.gen(function*() {
      expect(Schema.decodeUnknownEither(Session.UserId)("00ub0oNGTSWTBKOLGLNR")).toEqual(Either.right("00ub0oNGTSWTBKOLGLNR"))
      for (const bad of ["user@example.com", "00u/../admin", "00u?x=1", "00u%20", "00u 1", "", "u".repeat(129), 42]) {
        const result = yield* Effect.either(Schema.decodeUnknown(Session.UserId)(bad))
        expect(Either.isLeft(result), String(bad)).toBe(true)
      }
    }))

  it("SessionId and UserId refuse route names such as `me`, in any case, so typed callers learn early", () => {
    for (const name of ["me", "ME", "Me"]) {
      expect(Either.isLeft(Schema.decodeUnknownEither(Session.SessionId)(name)), name).toBe(true)
      expect(Either.isLeft(Schema.decodeUnknownEither(Session.UserId)(name)), name).toBe(true)
    }
    // A longer id that merely starts with the route name is an id.
    expect(Either.isRight(Schema.decodeUnknownEither(Session.SessionId)("me1"))).toBe(true)
    expect(() => Session.SessionId.make("me")).toThrow()
  })

  it("make throws on bad input instead of branding it", () => {
    expect(() => Session.UserId.make("a/b")).toThrow()
    expect(() => Session.SessionId.make("..")).toThrow()
  })
})

describe("Session.SessionCookie", () => {
  it("renders the Cookie header for sid and idx", () => {
    const value = Session.CookieValue.make("102abc-DEF_ghi.jkl=")
    expect(Session.SessionCookie.make({ name: "sid", value }).header).toBe("sid=102abc-DEF_ghi.jkl=")
    expect(Session.SessionCookie.make({ name: "idx", value }).header).toBe("idx=102abc-DEF_ghi.jkl=")
  })

  it("refuses values that could smuggle a cookie or a header, and other cookie names", () => {
    const decode = Schema.decodeUnknownEither(Session.SessionCookie)
    for (const value of ["a\r\nb", "a\nb", "a\rb", "a;b", "a,b", "a b", "a\"b", "a\\b", "", "x".repeat(4097), "é"]) {
      expect(Either.isLeft(decode({ name: "sid", value })), JSON.stringify(value)).toBe(true)
    }
    expect(Either.isLeft(decode({ name: "JSESSIONID", value: "abc" }))).toBe(true)
    expect(Either.isRight(decode({ name: "idx", value: "x".repeat(4096) }))).toBe(true)
  })
})

describe("Session open enums", () => {
  it("known values decode as themselves, unknown ones as strings", () => {
    expect(Schema.decodeUnknownSync(Session.SessionStatus)("MFA_REQUIRED")).toBe("MFA_REQUIRED")
    expect(Schema.decodeUnknownSync(Session.SessionStatus)("LOCKED_OUT_NEW")).toBe("LOCKED_OUT_NEW")
    expect(Schema.decodeUnknownSync(Session.AuthenticationMethod)("pop")).toBe("pop")
    expect(Schema.decodeUnknownSync(Session.IdentityProviderType)("SOCIAL")).toBe("SOCIAL")
    expect(Either.isLeft(Schema.decodeUnknownEither(Session.SessionStatus)(3))).toBe(true)
  })
})

describe("Session.Session", () => {
  const decode = Schema.decodeUnknownEither(Session.Session)
  const body = {
    id: "102Ke7cvc3uT0iOo4J1Fd4tSA",
    userId: "00u0abcdefGHIJKLMNOP",
    login: "user@example.com",
    status: "ACTIVE",
    createdAt: "2026-01-02T03:04:05Z",
    expiresAt: "2026-01-02T05:04:05Z"
  }

  it("decodes null or absent verification times and keeps a top-level `_links.href`", () => {
    const session = Either.getOrThrow(decode({
      ...body,
      lastPasswordVerification: null,
      _links: { self: { hints: { allow: ["DELETE"] } }, href: "https://dev-123.okta.com/api/v1/sessions/102Ke7cvc3uT0iOo4J1Fd4tSA" }
    }))
    expect(session.lastPasswordVerification).toBeUndefined()
    expect(session.lastFactorVerification).toBeUndefined()
    expect(session._links?.href).toBe("https://dev-123.okta.com/api/v1/sessions/102Ke7cvc3uT0iOo4J1Fd4tSA")
    expect(session._links?.self?.href).toBeUndefined()
  })

  it("refuses a session whose id could not be sent back in a path", () => {
    expect(Either.isLeft(decode({ ...body, id: "../x" }))).toBe(true)
    expect(Either.isLeft(decode({ ...body, expiresAt: "later" }))).toBe(true)
  })
})

describe("Session.CreateSessionRequest", () => {
  it("keeps the session token redacted in memory and reveals it only on the wire", () => {
    const request = new Session.CreateSessionRequest({ sessionToken: Redacted.make("20111one-time-token") })
    expect(String(request)).not.toContain("20111one-time-token")
    expect(JSON.stringify(request)).not.toContain("20111one-time-token")
    expect(Schema.encodeSync(Schema.parseJson(Session.CreateSessionRequest))(request)).toBe(
      "{\"sessionToken\":\"20111one-time-token\"}"
    )
  })
})
