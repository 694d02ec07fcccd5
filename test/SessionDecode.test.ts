/**
 * The library decodes a `Session` answer on a hand-checked fast path for the common shape and falls
 * back to the `Session` schema on anything else. Through `Sessions.getSession` over a fake
 * HttpClient: on every valid body the result is the schema's own decode, and on every invalid body
 * the `DecodeError` detail is the schema's (the same text as before the fast path existed).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import { Session } from "effect-okta-sessions"
import * as RecordingHttpClient from "./RecordingHttpClient.js"

const sessionId = Session.SessionId.make("l7FbDVqS8zHSy65uJD85")
const decodeWithSchema = Schema.decodeUnknownEither(Session.Session, { onExcessProperty: "ignore" })

const required = {
  id: "l7FbDVqS8zHSy65uJD85",
  userId: "00ub0oNGTSWTBKOLGLNR",
  login: "ada@example.com",
  status: "ACTIVE",
  createdAt: "2026-12-01T10:00:00.000Z",
  expiresAt: "2026-12-01T12:00:00.000Z"
}
const self = "https://dev-123.okta.com/api/v1/sessions/l7FbDVqS8zHSy65uJD85"
const full = {
  ...required,
  lastPasswordVerification: "2026-12-01T10:00:00.000Z",
  lastFactorVerification: "2026-12-01T10:01:00.000Z",
  amr: ["pwd", "mfa", "otp"],
  idp: { id: "00o1orgid", type: "OKTA" },
  mfaActive: true,
  _links: {
    self: { href: self, hints: { allow: ["GET", "DELETE"] } },
    refresh: { href: `${self}/lifecycle/refresh`, hints: { allow: ["POST"] } },
    user: { name: "ada@example.com", href: "https://dev-123.okta.com/api/v1/users/00ub0oNGTSWTBKOLGLNR", type: "application/json", templated: false }
  }
}

const valid: ReadonlyArray<readonly [string, unknown]> = [
  ["every field", full],
  ["only the required fields (amr defaults to [])", required],
  ["null verification timestamps", { ...required, lastPasswordVerification: null, lastFactorVerification: null }],
  ["absent verification timestamps beside the rest", { ...full, lastPasswordVerification: undefined, lastFactorVerification: undefined }],
  ["unknown enum values in status, amr and idp.type", { ...full, status: "PASSWORD_EXPIRED", amr: ["pwd", "xyz"], idp: { id: "0oa1", type: "QUANTUM" } }],
  ["`_links.href` beside `self`", { ...required, _links: { self: {}, href: self } }],
  ["extra fields everywhere", {
    ...full,
    extra: { nested: [1, 2] },
    idp: { id: "0oa1", type: "SOCIAL", name: "x" },
    _links: { self: { href: self, other: 1, hints: { allow: ["GET"], deny: ["PUT"] } }, factors: { href: "x" } }
  }],
  ["an empty idp, empty hints and an empty amr", { ...required, amr: [], idp: {}, _links: { self: { hints: {} } } }],
  ["timestamps with an offset and without a zone", { ...required, createdAt: "2026-12-01T12:00:00+02:00", expiresAt: "2026-12-01T12:00:00" }],
  ["mfaActive false", { ...required, mfaActive: false }]
]

const invalid: ReadonlyArray<readonly [string, unknown, string]> = [
  ["no id", { ...full, id: undefined }, "id: is missing"],
  ["a route name as id", { ...full, id: "me" }, "id: a session id may not be a route name such as 'me'"],
  ["an id that leaves its segment", { ...full, id: "a/b" }, "id: a session id has 1 to 128 letters, digits, '-' or '_'"],
  ["a number as userId", { ...full, userId: 42 }, "userId: Expected string"],
  ["null login", { ...full, login: null }, "login: Expected string"],
  ["a number as status", { ...full, status: 5 }, "status: is not an allowed value"],
  ["a bad createdAt", { ...full, createdAt: "tomorrow" }, "createdAt: Unable to decode a value into a DateTime.Utc"],
  ["null expiresAt", { ...full, expiresAt: null }, "expiresAt: Expected string"],
  ["a bad lastPasswordVerification", { ...full, lastPasswordVerification: "x" }, "lastPasswordVerification: is not an allowed value"],
  ["a number as lastFactorVerification", { ...full, lastFactorVerification: 7 }, "lastFactorVerification: is not an allowed value"],
  ["null amr", { ...full, amr: null }, "amr: is not an allowed value"],
  ["a number in amr", { ...full, amr: ["pwd", 7] }, "amr.1: is not an allowed value"],
  ["a string as amr", { ...full, amr: "pwd" }, "amr: is not an allowed value"],
  ["a string as idp", { ...full, idp: "OKTA" }, "idp: is not an allowed value"],
  ["a number as idp.type", { ...full, idp: { type: 3 } }, "idp.type: is not an allowed value"],
  ["a number as idp.id", { ...full, idp: { id: 1 } }, "idp.id: is not an allowed value"],
  ["a string as mfaActive", { ...full, mfaActive: "yes" }, "mfaActive: is not an allowed value"],
  ["a number as a link's href", { ...full, _links: { self: { href: 1 } } }, "_links.self.href: is not an allowed value"],
  ["a string as templated", { ...full, _links: { self: { templated: "no" } } }, "_links.self.templated: is not an allowed value"],
  ["a number in hints.allow", { ...full, _links: { self: { hints: { allow: ["GET", 1] } } } }, "_links.self.hints.allow.1: Expected string"],
  ["a number as _links.href", { ...full, _links: { href: 5 } }, "_links.href: is not an allowed value"],
  ["an array as _links", { ...full, _links: [] }, "_links: is not an allowed value"],
  ["a JSON array", [full], "the body is not a Session object"]
]

const getSession = (body: unknown) =>
  Effect.map(
    RecordingHttpClient.withSessions(() => RecordingHttpClient.json(200, body), (sessions) => sessions.getSession(sessionId)),
    ({ result }) => result
  )

describe("Session decode: the fast path and the Schema agree", () => {
  for (const [what, body] of valid) {
    it.effect(`valid: ${what}`, () =>
      Effect.gen(function*() {
        const expected = decodeWithSchema(JSON.parse(JSON.stringify(body)))
        if (Either.isLeft(expected)) return yield* Effect.die(new Error(`the schema refuses the valid case ${what}`))
        const result = yield* getSession(body)
        if (Either.isLeft(result)) return yield* Effect.die(new Error(`${what}: ${result.left.message}`))
        expect(result.right).toBeInstanceOf(Session.Session)
        expect(result.right).toStrictEqual(expected.right)
      }))
  }

  for (const [what, body, detail] of invalid) {
    it.effect(`invalid: ${what}`, () =>
      Effect.gen(function*() {
        expect(Either.isLeft(decodeWithSchema(JSON.parse(JSON.stringify(body))))).toBe(true)
        const result = yield* getSession(body)
        if (Either.isRight(result)) return yield* Effect.die(new Error(`${what}: decoded as a Session`))
        expect(result.left._tag).toBe("DecodeError")
        expect(result.left._tag === "DecodeError" ? result.left.detail : result.left.message).toBe(detail)
      }))
  }
})
