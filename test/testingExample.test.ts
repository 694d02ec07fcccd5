import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { emulatorExample, inMemoryExample } from "../examples/testing-with-layers.js"

describe("examples/testing-with-layers.ts", () => {
  it.effect("the in-memory example extends the live session and reports the others gone", () =>
    Effect.gen(function*() {
      const { failed, refreshes, results } = yield* inMemoryExample
      expect(results.map((result) => result.outcome)).toEqual(["extended", "gone", "gone"])
      const [extended] = results
      expect(extended?.outcome === "extended" && extended.expiresAt.epochMillis).toBe(65 * 60_000)
      expect(failed).toEqual({ outcome: "okta-failed", status: 500 })
      expect(refreshes).toBe(5)
    }))

  it.live("the emulator example meets a 503 and a malformed body over real HTTP", () =>
    Effect.gen(function*() {
      const { counters, extended, malformed, proxyFailure, url } = yield* emulatorExample
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(extended.outcome).toBe("extended")
      expect(proxyFailure).toEqual({ outcome: "okta-failed", status: 503 })
      expect(Either.isLeft(malformed) && malformed.left._tag).toBe("DecodeError")
      expect(counters.byStatus).toEqual({ 200: 2, 503: 1 })
    }))
})
