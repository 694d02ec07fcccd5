/**
 * `Effect.matchEffect` and `Effect.catchAll` for the per-call path, without the object literal of
 * two closures that each of them passes to `matchCauseEffect` on every call.
 *
 * Why: V8 tracks each object literal by its allocation site and, under load, may decide to make all
 * of a site's objects in the old generation (a full collection while calls are in flight finds them
 * live). Those literals point at closures over the call's state (its request, span, observation), so
 * once their site is tenured that state survives every young collection until the next full one.
 * Measured with `bench/profile.ts`: BENCHMARKS.md, "The young generation". A class instance has no
 * allocation site.
 *
 * A single typed failure (the common case) goes straight to `onFail`; any other cause (a defect,
 * an interruption, failures combined) is handed to `Effect.matchEffect` itself, so the semantics are
 * exactly Effect's.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"

/** The continuation `matchCauseEffect` is given. */
class MatchFailure<A, E, A2, E2, R2, A3, E3, R3> {
  constructor(
    readonly onFail: (error: E) => Effect.Effect<A2, E2, R2>,
    readonly onSucceed: (value: A) => Effect.Effect<A3, E3, R3>
  ) {}

  // Fields, not methods: `matchCauseEffect` calls them as plain functions.
  readonly onFailure = (cause: Cause.Cause<E>): Effect.Effect<A2 | A3, E2 | E3, R2 | R3> =>
    Cause.isFailType(cause)
      ? this.onFail(cause.error)
      : Effect.matchEffect(Effect.failCause(cause), { onFailure: this.onFail, onSuccess: this.onSucceed })

  readonly onSuccess = (value: A): Effect.Effect<A2 | A3, E2 | E3, R2 | R3> => this.onSucceed(value)
}

/** `Effect.matchEffect(self, { onFailure: onFail, onSuccess: onSucceed })`. */
export const matchFailure = <A, E, R, A2, E2, R2, A3, E3, R3>(
  self: Effect.Effect<A, E, R>,
  onFail: (error: E) => Effect.Effect<A2, E2, R2>,
  onSucceed: (value: A) => Effect.Effect<A3, E3, R3>
): Effect.Effect<A2 | A3, E2 | E3, R | R2 | R3> => Effect.matchCauseEffect(self, new MatchFailure(onFail, onSucceed))

/** `Effect.catchAll(self, onFail)`. */
export const catchFailure = <A, E, R, A2, E2, R2>(
  self: Effect.Effect<A, E, R>,
  onFail: (error: E) => Effect.Effect<A2, E2, R2>
): Effect.Effect<A | A2, E2, R | R2> => matchFailure(self, onFail, Effect.succeed<A>)
