/**
 * `KeepaliveBudget.layerMemory`: the budget and the pause shared by the Keepalives of one process
 * (two workers over one org, or tests). Time is Effect's `Clock`, so it runs on the `TestClock`.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { makeLocalLimiters } from "./localLimiters.js"
import type { KeepaliveBudgetService } from "./service.js"

/** Builds the in-process budget in the current scope. */
export const makeMemoryBudget = Effect.gen(function*() {
  const take = makeLocalLimiters(yield* Effect.scope, 1)
  let pausedUntil = Number.NEGATIVE_INFINITY
  const service: KeepaliveBudgetService = {
    take: (budget) => Effect.withSpan(take(budget), "KeepaliveBudget.take"),
    pause: (until) =>
      Effect.sync(() => {
        pausedUntil = Math.max(pausedUntil, until)
      }).pipe(Effect.withSpan("KeepaliveBudget.pause")),
    pausedUntil: Effect.map(Clock.currentTimeMillis, (now) => now < pausedUntil ? Option.some(pausedUntil) : Option.none())
      .pipe(Effect.withSpan("KeepaliveBudget.pausedUntil"))
  }
  return service
})
