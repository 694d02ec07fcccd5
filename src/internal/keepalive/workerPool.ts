/**
 * The workers: a fixed pool of fibers that each take the ready session closest to its expiry once
 * the budget allows, refresh it (hedged when slow) and settle the answer. Each refresh is a root
 * span `Keepalive.refresh` linked to the worker's span, and runs in a `FiberSet` so that shutdown can
 * let in-flight refreshes finish while the workers themselves stop.
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as FiberSet from "effect/FiberSet"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type * as Tracer from "effect/Tracer"
import * as OktaError from "../../OktaError.js"
import type { RefreshSessionError, Sessions } from "../../Sessions.js"
import { endpoints } from "../client/endpoints.js"
import { maxTimerMillis } from "../options/optionSchemas.js"
import type { RefreshResult } from "./hedge.js"
import { type Attempt, settle } from "./refreshOutcome.js"
import { nudgeFor, pauseEndsFor, startable, untrack, type WorkerState } from "./workerState.js"

/** What a worker needs besides the shared state. */
export interface WorkerContext {
  readonly state: WorkerState
  readonly sessions: Sessions.Service
  /** Refreshes in flight, awaited on shutdown. */
  readonly inFlight: FiberSet.FiberSet<void, never>
  /** The worker's span, linked from every refresh span. */
  readonly span: Tracer.Span
}

/** A dispatched session, stamped with its slot's generation so a removed-then-reused slot is not settled. */
interface Job extends Attempt {
  readonly generation: number
}

/** Takes the most urgent startable session, if any. */
const take = (state: WorkerState, now: number): Job | undefined => {
  if (state.closing || startable(state, now) <= 0) return undefined
  const slot = state.records.takeReady()
  if (slot === undefined) return undefined
  const sessionId = state.records.idOf(slot)
  if (sessionId === undefined) return undefined
  const planned = state.records.plannedAt(slot)
  // a bare id's first refresh has no plan, hence no lag
  const lag = Number.isNaN(planned) ? undefined : Math.max(0, now - planned)
  return { slot, sessionId, lag, generation: state.records.generationOf(slot) }
}

const timedOut = (millis: number): RefreshSessionError =>
  new OktaError.TransportError({
    method: endpoints.refreshSession.method,
    path: endpoints.refreshSession.pathTemplate,
    reason: "Timeout",
    detail: `no answer within ${Math.round(millis)} ms (keepalive request timeout, hedged)`
  })

/**
 * One refresh within the time the session has left: a second attempt starts beside the first when
 * it has not answered after `min(requestTimeout, a third of the time left)`; the first answer of
 * either counts; with no answer after `min(2 × requestTimeout, the time left)` it is a timeout. The
 * scheduler's pass fires both (see hedge.ts), so their precision is one tick.
 */
const hedgedRefresh = (context: WorkerContext, job: Job) =>
  Effect.gen(function*() {
    const { inFlight, reporter, records, settings } = context.state
    const now = yield* Clock.currentTimeMillis
    const expiresAt = records.expiresAt(job.slot)
    const remaining = Number.isNaN(expiresAt) ? Number.POSITIVE_INFINITY : expiresAt - now
    const hedgeAfter = Math.max(1, Math.min(settings.requestTimeout, remaining / 3))
    const giveUpAfter = Math.min(maxTimerMillis, Math.max(hedgeAfter + 1, Math.min(2 * settings.requestTimeout, remaining)))
    const done = yield* Deferred.make<RefreshResult>()
    const hedgeNow = yield* Deferred.make<void>()
    const attempt = Effect.either(context.sessions.refreshSession(job.sessionId)).pipe(
      Effect.flatMap((result) => Deferred.succeed(done, result))
    )
    const first = yield* Effect.fork(attempt)
    const second = yield* Effect.fork(
      Deferred.await(hedgeNow).pipe(Effect.zipRight(reporter.hedged), Effect.zipRight(context.state.budget.take), Effect.zipRight(attempt))
    )
    inFlight.set(job.slot, {
      hedgeAt: now + hedgeAfter,
      giveUpAt: now + giveUpAfter,
      hedgeNow,
      done,
      timedOut: () => Either.left(timedOut(giveUpAfter)),
      hedged: false
    })
    yield* nudgeFor(context.state, now + hedgeAfter)
    return yield* Deferred.await(done).pipe(
      Effect.ensuring(Effect.zipRight(Effect.sync(() => inFlight.delete(job.slot)), Fiber.interruptAll([first, second])))
    )
  })

/** Refreshes one session and settles the answer; a defect (e.g. in a user's schedule) releases it, logged. */
const refresh = (context: WorkerContext, job: Job) => {
  const { state } = context
  return Effect.gen(function*() {
    yield* state.reporter.started(job.lag)
    const result = yield* hedgedRefresh(context, job).pipe(Effect.ensuring(state.reporter.finished))
    // a session removed while its refresh was in flight is not reported
    if (!state.records.isDispatched(job.slot, job.generation)) return
    yield* settle(state, job, result)
  }).pipe(
    Effect.catchAllDefect((defect) =>
      Effect.gen(function*() {
        yield* Effect.logError("Keepalive: a refresh job died; its session is released", defect)
        if (state.records.generationOf(job.slot) !== job.generation || !state.records.has(job.sessionId)) return
        yield* untrack(state, job.slot, job.sessionId)
        yield* state.reporter.released(job.sessionId)
      })
    ),
    Effect.withSpan("Keepalive.refresh", {
      root: true,
      kind: "internal",
      links: [{ _tag: "SpanLink", span: context.span, attributes: {} }],
      attributes: { "okta.session_id": job.sessionId }
    })
  )
}

/**
 * Takes on a pause another sharer of the budget published (bounded by this worker's `maxThrottle`
 * from when it is first seen), and wakes the scheduler so that it looks again when the pause ends
 * for the most urgent session. Read after the take, so a unit waited for during someone's 429 is
 * not spent on a refresh.
 */
const honourSharedPause = (state: WorkerState, pausedUntil: Effect.Effect<Option.Option<number>>) =>
  Effect.flatMap(pausedUntil, (shared) => {
    if (Option.isNone(shared) || shared.value <= state.sharedPauseSeen) return Effect.void
    state.sharedPauseSeen = shared.value
    return Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const until = Math.min(shared.value, now + state.settings.maxThrottle)
      if (until <= state.pausedUntil) return Effect.void
      state.pausedUntil = until
      return nudgeFor(state, pauseEndsFor(state))
    })
  })

/** One worker's loop (runs until interrupted): wait for a startable session, then for the budget, then refresh. */
export const runWorker = (context: WorkerContext): Effect.Effect<never> => {
  const { state } = context
  return Effect.forever(
    Effect.gen(function*() {
      while (startable(state, yield* Clock.currentTimeMillis) <= 0) yield* Queue.take(state.kicks)
      state.claimed++
      yield* state.budget.take.pipe(Effect.ensuring(Effect.sync(() => state.claimed--)))
      if (state.budget.shared !== undefined) yield* honourSharedPause(state, state.budget.shared.pausedUntil)
      const now = yield* Clock.currentTimeMillis
      const job = take(state, now)
      if (job === undefined) return
      // more is ready: hand the baton to an idle worker
      if (startable(state, now) > 0) yield* Queue.offer(state.kicks, undefined)
      yield* Fiber.await(yield* FiberSet.run(context.inFlight, Effect.interruptible(refresh(context, job))))
    })
  )
}
