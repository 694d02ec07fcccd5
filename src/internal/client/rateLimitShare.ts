/**
 * The shape of the rate-limit share (the public `RateLimitShare.Service`): how the client throttles
 * of several layers (in one process, or across a fleet) tell each other that an endpoint family's
 * window is spent, and `layerMemory`'s implementation. The throttle publishes only when it learns a
 * spent window it did not know (once per family and window, again if a 429 follows a Remaining 0),
 * so the share sees rare events; nothing here runs per request.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

/**
 * One family's spent window as one throttle learned it and the others apply it.
 *
 * @since 0.3.0
 * @category models
 */
export interface SpentWindow {
  /** The endpoint family (the throttle's budget key: `sessions`, `users`, or a request's path template). */
  readonly family: string
  /** `X-Rate-Limit-Limit` of the window; 0 when the answer did not say. */
  readonly limit: number
  /** `X-Rate-Limit-Reset` of the window, in epoch seconds (Okta's clock). */
  readonly resetEpochSeconds: number
  /** When the window ends, in epoch milliseconds by the publisher's clock (its estimate, corrected by the servers' `Date`). */
  readonly endsAtMillis: number
  /** Whether a 429 spent it (then the others' calls that document 429 fail fast), else a Remaining 0. */
  readonly by429: boolean
}

/**
 * The operations of a share. Neither fails nor waits for a backend.
 *
 * @since 0.3.0
 * @category models
 */
export interface RateLimitShareService {
  /** Tells the other sharers that a window is spent (fire-and-forget). */
  readonly publish: (window: SpentWindow) => Effect.Effect<void>
  /** Calls `onSpent` with every window published from now until the scope closes (this sharer's own included). */
  readonly subscribe: (onSpent: (window: SpentWindow) => Effect.Effect<void>) => Effect.Effect<void, never, Scope.Scope>
}

/** Listeners of one share, added and removed with their subscribers' scopes. */
export const makeListeners = () => {
  const listeners = new Set<(window: SpentWindow) => Effect.Effect<void>>()
  const subscribe = (onSpent: (window: SpentWindow) => Effect.Effect<void>) =>
    Effect.acquireRelease(Effect.sync(() => listeners.add(onSpent)), () => Effect.sync(() => listeners.delete(onSpent)))
      .pipe(Effect.asVoid)
  const tell = (window: SpentWindow) => Effect.forEach(listeners, (onSpent) => onSpent(window), { discard: true })
  return { subscribe, tell }
}

/** `RateLimitShare.layerMemory`'s share: a publish is told to every subscriber at once, in the publisher's fiber. */
export const makeMemoryShare = Effect.sync((): RateLimitShareService => {
  const { subscribe, tell } = makeListeners()
  return {
    publish: (window) => Effect.withSpan(tell(window), "RateLimitShare.publish"),
    subscribe
  }
})
