/**
 * In-process limiters per budget (`effect/RateLimiter`, as the Keepalive uses alone), made on first
 * use in a scope that outlives the callers: the memory budget shares one per budget among the
 * Keepalives of a process, and the Redis budget falls back on them (slowed down) while Redis is lost.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as RateLimiter from "effect/RateLimiter"
import * as Scope from "effect/Scope"
import { type Budget, budgetKey } from "./service.js"

/** Takes one unit of a budget from a limiter of this process. */
export type LocalTake = (budget: Budget) => Effect.Effect<void>

/**
 * Limiters made in `scope`, one per budget; `slowdown` stretches each budget's interval (1: the
 * budget as given; 3: a third of its rate).
 */
export const makeLocalLimiters = (scope: Scope.Scope, slowdown: number): LocalTake => {
  const takes = new Map<string, Effect.Effect<void>>()
  return (budget) =>
    Effect.suspend(() => {
      const key = budgetKey(budget)
      const known = takes.get(key)
      if (known !== undefined) return known
      return RateLimiter.make({
        limit: budget.limit,
        interval: Duration.times(budget.interval, slowdown),
        algorithm: budget.algorithm
      }).pipe(
        Scope.extend(scope),
        Effect.flatMap((limiter) => {
          // two first callers may both make one: keep the first, the other's idles in the scope
          const take = takes.get(key) ?? limiter(Effect.void)
          takes.set(key, take)
          return take
        })
      )
    })
}
