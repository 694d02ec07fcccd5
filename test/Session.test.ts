import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
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
