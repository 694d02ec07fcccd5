/**
 * The keepalive worker: a dynamic set of Okta sessions, each refreshed ahead of its `expiresAt`,
 * placed by a planner that levels the load inside a share of the org's rate budget, through a
 * bounded pool of workers that take the session closest to its expiry first. It reports what
 * happens as a `Stream` of events, as `stats` and as metrics; a session it could not save is
 * reported `Expired` (ours, with a reason), never `Gone` (Okta's). On shutdown it lets in-flight
 * refreshes finish (within a timeout) while starting no new one.
 *
 * It sits on the `Sessions` service and knows nothing of HTTP. One scheduler fiber walks compact
 * per-session records (typed arrays), so a million tracked sessions cost one record each, not one
 * fiber each. The pieces live in `src/internal/keepalive/`.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import type { InvalidOptions } from "./InvalidOptions.js"
import type { KeepaliveStore, KeepaliveStoreError } from "./KeepaliveStore.js"
import { makeKeepalive } from "./internal/keepalive/makeKeepalive.js"
import type { KeepaliveService } from "./internal/keepalive/service.js"
import type { Options } from "./internal/keepalive/settings.js"
import type { Sessions } from "./Sessions.js"

export {
  /**
   * Options that cannot work (a concurrency below 1, a share outside `(0, 1]`, a budget below one
   * request per interval, a non-positive tick): the package's one `InvalidOptions`, with `module`
   * `"Keepalive"`.
   *
   * @since 0.1.0
   * @category errors
   */
  InvalidOptions
} from "./InvalidOptions.js"
export {
  /**
   * @since 0.1.0
   * @category events
   */
  Event,
  /**
   * @since 0.2.0
   * @category events
   */
  type ExpiredReason,
  /**
   * @since 0.1.0
   * @category events
   */
  type FailureReason
} from "./internal/keepalive/event.js"
export {
  /**
   * @since 0.1.0
   * @category metrics
   */
  metrics
} from "./internal/keepalive/metrics.js"
export {
  /**
   * @since 0.1.0
   * @category schedules
   */
  defaultLead,
  /**
   * @since 0.2.0
   * @category schedules
   */
  defaultTransientRetry,
  /**
   * @since 0.1.0
   * @category schedules
   */
  type RefreshSchedule,
  /**
   * @since 0.1.0
   * @category schedules
   */
  refreshSchedule,
  /**
   * @since 0.1.0
   * @category schedules
   */
  type RefreshWindow,
  /**
   * @since 0.1.0
   * @category schedules
   */
  type RetrySchedule
} from "./internal/keepalive/refreshSchedules.js"
export {
  /**
   * @since 0.1.0
   * @category stats
   */
  type LagBucket,
  /**
   * @since 0.1.0
   * @category stats
   */
  type Stats
} from "./internal/keepalive/reporter.js"
export {
  /**
   * @since 0.1.0
   * @category options
   */
  type Options,
  /**
   * @since 0.2.0
   * @category options
   */
  type RefreshBudget
} from "./internal/keepalive/settings.js"

/**
 * The keepalive worker service.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Keepalive, Session } from "effect-okta-sessions"
 *
 * const program = Effect.gen(function*() {
 *   const keepalive = yield* Keepalive.Keepalive
 *   yield* keepalive.add(Session.SessionId.make("102Ke7cvc3uT0iOo4J1Fd4tSA"))
 *   yield* keepalive.events.pipe(
 *     Stream.filter(Keepalive.Event.$is("Expired")),
 *     Stream.runForEach((event) => Effect.log(`expired (${event.reason}): ${event.sessionId}`)),
 *     Effect.fork
 *   )
 * })
 * ```
 * @since 0.1.0
 * @category tags
 */
export class Keepalive extends Context.Tag("effect-okta-sessions/Keepalive")<Keepalive, Keepalive.Service>() {}

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace Keepalive {
  /**
   * The worker's operations: `add`, `addAll`, `remove`, `has`, `tracked`, `events`, `subscribe`, `stats`.
   *
   * @since 0.1.0
   * @category models
   */
  export type Service = KeepaliveService
}

/**
 * Starts a worker in the current scope, resuming every session stored in the `KeepaliveStore`
 * (planned from its stored `expiresAt`; one whose stored `expiresAt` has passed is refreshed at once,
 * since Okta may have extended it, and reported `Expired` with `ExpiredWhileStopped` only when Okta
 * answers 404). Fails with `KeepaliveStoreError` when the store cannot be read. Refresh outcomes are
 * written in one batch per tick, at most one tick after the refresh. Closing the scope stops it: in-flight refreshes finish
 * (within `shutdownTimeout`) and none starts. Building it is the span `Keepalive.make`; the worker's
 * life is the root span `Keepalive.worker`, and each refresh a root span `Keepalive.refresh` linked
 * to it (so a long-running worker is not one endless trace). With a `KeepaliveBudget` in context
 * (`KeepaliveBudget.layerMemory`, `KeepaliveBudgetRedis.layer`) it takes its refreshes from that
 * shared budget and shares its 429 pauses; without one it keeps its own limiter and pause.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = makeKeepalive

/**
 * The worker as a layer over `Sessions` and a `KeepaliveStore` (what it tracks survives a restart
 * with `KeepaliveStoreSqlite.layer`; `KeepaliveStore.layerMemory` for tests and demos); it stops
 * when the layer's scope closes.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Keepalive, Sessions } from "effect-okta-sessions"
 * import * as KeepaliveStoreSqlite from "effect-okta-sessions/KeepaliveStoreSqlite"
 *
 * const KeepaliveLive = Keepalive.layer({ concurrency: 16, share: 0.5 }).pipe(
 *   Layer.provide(Sessions.layer),
 *   Layer.provide(KeepaliveStoreSqlite.layer({ filename: "keepalive.db" }))
 * )
 * ```
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options?: Options
): Layer.Layer<Keepalive, InvalidOptions | KeepaliveStoreError, Sessions | KeepaliveStore> =>
  Layer.scoped(Keepalive, make(options))
