/**
 * The shape of the keepalive budget service (the public `KeepaliveBudget.Service`): one budget of
 * refreshes and one 429 pause, shared by every Keepalive that has the service in context, in this
 * process (`KeepaliveBudget.layerMemory`) or across a fleet (`KeepaliveBudgetRedis.layer`).
 */
import * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"

/**
 * One Keepalive's budget after its share: `limit` refreshes per `interval`, by `algorithm` (what
 * `Keepalive.Stats.budget` reports). Keepalives that pass the same budget share one bucket.
 *
 * @since 0.3.0
 * @category models
 */
export interface Budget {
  readonly limit: number
  readonly interval: Duration.Duration
  readonly algorithm: "token-bucket" | "fixed-window"
}

/**
 * The operations of a shared budget. None fails: an implementation that loses its backend says
 * (in its docs) what it does instead, within a bounded wait.
 *
 * @since 0.3.0
 * @category models
 */
export interface KeepaliveBudgetService {
  /**
   * Takes one unit of `budget` for one refresh, waiting until the sharers' units leave room. The
   * wait is bounded by the number of units the sharers hold at once (each Keepalive at most
   * `concurrency` plus its hedges) over the budget's rate.
   */
  readonly take: (budget: Budget) => Effect.Effect<void>
  /** Publishes a 429 pause until `until` (epoch milliseconds); the later of two pauses wins. */
  readonly pause: (until: number) => Effect.Effect<void>
  /** The shared pause in force (epoch milliseconds), if one was published and has not ended by the caller's clock. */
  readonly pausedUntil: Effect.Effect<Option.Option<number>>
}

/** The key of a budget: Keepalives with equal budgets share one bucket. */
export const budgetKey = (budget: Budget): string =>
  `${budget.algorithm}:${budget.limit}:${Math.round(Duration.toMillis(budget.interval))}`
