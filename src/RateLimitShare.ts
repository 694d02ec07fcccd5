/**
 * The client throttle's view of a spent rate-limit window, shared by several client layers: when one
 * throttle learns that an endpoint family's window is spent (a 429, or an answer with Remaining 0),
 * it publishes the window, and every throttle with the same share in context applies it to its own
 * budget of that family: its calls of the family hold until the reset, or fail fast with
 * `TooManyRequests` when a 429 spent it and the call documents 429, as if it had met that answer
 * itself, without sending a request. A window is held at most `RateLimit.maxResetWait` from when a
 * throttle learns it, as with its own answers.
 *
 * Read by `OktaHttpClient.layer` and `OktaUndici.layer` (with `Effect.serviceOption`) when the layer
 * is built; without it, or with `throttle: false`, a throttle learns only from its own answers. The
 * hot path does not change: a call that fits its window never touches the share; a throttle
 * publishes once per family and window, and learns by push.
 *
 * Implementations: `layerMemory` (the client layers of one process) and `KeepaliveBudgetRedis.layer`
 * / `layerConfig`, which provide this service beside `KeepaliveBudget` (Redis pub/sub on the channel
 * `<prefix>spent`).
 *
 * @since 0.3.0
 */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import { makeMemoryShare, type RateLimitShareService } from "./internal/client/rateLimitShare.js"

export {
  /**
   * @since 0.3.0
   * @category models
   */
  type SpentWindow
} from "./internal/client/rateLimitShare.js"

/**
 * The share the client throttles in context publish spent windows to and learn them from.
 *
 * @example
 * ```ts
 * import { Effect, type Layer } from "effect"
 * import { RateLimitShare, Sessions, Session } from "effect-okta-sessions"
 *
 * // two client layers of one org (two credentials, say), each built where the share is in context:
 * // a 429 met through one holds the other's calls of that family until the reset
 * declare const first: Layer.Layer<Sessions.Sessions>
 * declare const second: Layer.Layer<Sessions.Sessions>
 * const get = Effect.flatMap(Sessions.Sessions, (sessions) => sessions.getSession(Session.SessionId.make("102Ke7cvc3uT0iOo4J1Fd4tSA")))
 * const program = Effect.all([Effect.provide(get, first), Effect.provide(get, second)]).pipe(
 *   Effect.provide(RateLimitShare.layerMemory)
 * )
 * ```
 * @since 0.3.0
 * @category tags
 */
export class RateLimitShare extends Context.Tag("effect-okta-sessions/RateLimitShare")<
  RateLimitShare,
  RateLimitShare.Service
>() {}

/**
 * @since 0.3.0
 * @category models
 */
export declare namespace RateLimitShare {
  /**
   * `publish(window)` (fire-and-forget) and `subscribe(onSpent)` (every window published until the
   * scope closes). Neither fails.
   *
   * @since 0.3.0
   * @category models
   */
  export type Service = RateLimitShareService
}

/**
 * One share for the client layers of this process: a publish is applied by every subscribed
 * throttle at once. On the `TestClock` in tests.
 *
 * @since 0.3.0
 * @category layers
 */
export const layerMemory: Layer.Layer<RateLimitShare> = Layer.effect(RateLimitShare, makeMemoryShare)
