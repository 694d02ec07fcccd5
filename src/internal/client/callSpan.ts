/**
 * A `Sessions.*` call inside its span: `Effect.useSpan` with two differences that keep a call's
 * objects out of the old generation.
 *
 * - **The span ends with `Exit.void` when the call succeeds.** A tracer is told "success" either way,
 *   but the span does not keep the call's value (a `Session` and what it holds) reachable from its
 *   end status.
 * - **The span is ended by a class instance, not by `Effect.onExit`.** `onExit` passes an object
 *   literal of two closures per call to `matchCauseEffect`.
 *
 * Why either matters: V8 may tenure an object literal's allocation site under load, and a tenured
 * object keeps what it points to alive through young collections (matchFailure.ts says how).
 *
 * Ends the span on failure and interruption as `useSpan` does (the body runs interruptibly inside
 * an uninterruptible region that always ends the span), at the fiber's clock when tracer timing is on.
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import type * as Tracer from "effect/Tracer"

/** The continuation that ends the span, then passes the outcome on unchanged. */
class EndSpan<A, E> {
  constructor(
    readonly span: Tracer.Span,
    readonly clock: Clock.Clock,
    readonly timingEnabled: boolean
  ) {}

  end(exit: Exit.Exit<unknown, unknown>): void {
    if (this.span.status._tag === "Ended") return
    this.span.end(this.timingEnabled ? this.clock.unsafeCurrentTimeNanos() : 0n, exit)
  }

  // Fields, not methods: `matchCauseEffect` calls them as plain functions.
  readonly onFailure = (cause: Cause.Cause<E>): Effect.Effect<A, E> => {
    this.end(Exit.failCause(cause))
    return Effect.failCause(cause)
  }

  readonly onSuccess = (value: A): Effect.Effect<A, E> => {
    this.end(Exit.void)
    return Effect.succeed(value)
  }
}

/**
 * Runs `body` inside a new span `name` (made as `Effect.makeSpan` makes it: parent, annotations,
 * links, a no-op span when tracing is off) and ends the span when `body` ends, however it ends.
 */
export const withCallSpan = <A, E, R>(
  name: string,
  options: Tracer.SpanOptions,
  body: (span: Tracer.Span) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.withFiberRuntime((fiber) => {
    const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
    const timingEnabled = fiber.getFiberRef(FiberRef.currentTracerTimingEnabled)
    return Effect.flatMap(
      Effect.makeSpan(name, options),
      (span) =>
        Effect.uninterruptibleMask((restore) =>
          Effect.matchCauseEffect(restore(body(span)), new EndSpan<A, E>(span, clock, timingEnabled))
        )
    )
  })
