/**
 * The budget one Keepalive takes from: the shared `KeepaliveBudget` when it is in context, else
 * its own `effect/RateLimiter` (the single-process default, as cheap as before the service existed).
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as RateLimiter from "effect/RateLimiter"
import type * as Scope from "effect/Scope"
import { KeepaliveBudget } from "../../../KeepaliveBudget.js"
import type { Settings } from "../settings.js"
import type { KeepaliveBudgetService } from "./service.js"

/** What the workers, the hedges and the 429 handling use. */
export interface WorkerBudget {
  /** One unit for one refresh (the first attempt or its hedge). */
  readonly take: Effect.Effect<void>
  /** The shared pause: read after each take, published on a 429. Absent for the default. */
  readonly shared: Pick<KeepaliveBudgetService, "pause" | "pausedUntil"> | undefined
}

/** Picks the shared budget from the context, or makes the worker's own limiter in the current scope. */
export const makeWorkerBudget = (settings: Settings): Effect.Effect<WorkerBudget, never, Scope.Scope> =>
  Effect.flatMap(Effect.serviceOption(KeepaliveBudget), (service): Effect.Effect<WorkerBudget, never, Scope.Scope> => {
    const { algorithm, interval, limit } = settings
    if (Option.isSome(service)) {
      return Effect.succeed({ take: service.value.take({ limit, interval, algorithm }), shared: service.value })
    }
    return Effect.map(RateLimiter.make({ limit, interval, algorithm }), (limiter) => ({
      take: limiter(Effect.void),
      shared: undefined
    }))
  })
