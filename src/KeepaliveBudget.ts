/**
 * The keepalive's budget of refreshes and its 429 pause as a service, so that several Keepalives
 * share one: in one process (`layerMemory`) or across a fleet of processes
 * (`KeepaliveBudgetRedis.layer`, its own module so that only programs that import it load ioredis).
 *
 * Without this service in context a Keepalive keeps its own in-process limiter and pause (the
 * default). With it, each Keepalive:
 * - takes one unit of the shared budget per refresh (and per hedge), the budget being its own
 *   after `share`, so that N Keepalives at share 0.5 together stay within 0.5 of the org's window;
 * - publishes the pause of every 429 it meets (until the window's reset, at most `maxThrottle`);
 * - reads the shared pause after each take and holds its workers until it ends (at most its own
 *   `maxThrottle` from now; sessions at risk are still tried, as with its own 429s).
 *
 * @since 0.3.0
 */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import { makeMemoryBudget } from "./internal/keepalive/budget/memoryBudget.js"
import type { KeepaliveBudgetService } from "./internal/keepalive/budget/service.js"

export {
  /**
   * @since 0.3.0
   * @category models
   */
  type Budget
} from "./internal/keepalive/budget/service.js"

/**
 * The shared budget the Keepalives in context take from.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Keepalive, KeepaliveBudget } from "effect-okta-sessions"
 *
 * // two workers over one budget: together within a share of 0.5, and a 429 met by one pauses both
 * const twoWorkers = Effect.gen(function*() {
 *   const first = yield* Keepalive.make({ share: 0.5 })
 *   const second = yield* Keepalive.make({ share: 0.5 })
 *   return [first, second] as const
 * }).pipe(Effect.provide(KeepaliveBudget.layerMemory))
 * ```
 * @since 0.3.0
 * @category tags
 */
export class KeepaliveBudget extends Context.Tag("effect-okta-sessions/KeepaliveBudget")<
  KeepaliveBudget,
  KeepaliveBudget.Service
>() {}

/**
 * @since 0.3.0
 * @category models
 */
export declare namespace KeepaliveBudget {
  /**
   * `take(budget)` (one unit, waiting its turn), `pause(until)` (publish a 429 pause, epoch ms) and
   * `pausedUntil` (the pause in force, if any). None of them fails.
   *
   * @since 0.3.0
   * @category models
   */
  export type Service = KeepaliveBudgetService
}

/**
 * One budget and one pause for the Keepalives of this process: one `effect/RateLimiter` per budget
 * (Keepalives with the same budget after share share it) and the latest pause published. On the
 * `TestClock` in tests.
 *
 * @since 0.3.0
 * @category layers
 */
export const layerMemory: Layer.Layer<KeepaliveBudget> = Layer.scoped(KeepaliveBudget, makeMemoryBudget)
