/**
 * `Keepalive.make`: the wiring of one worker over its pieces — the settings, the tracked records
 * and the planner's ledger, the reporter, the scheduler fiber and the worker pool — and the service
 * operations that add and remove sessions. Closing the scope stops it: the scheduler and the workers
 * stop, in-flight refreshes (a `FiberSet`) may finish within `shutdownTimeout`.
 */
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberSet from "effect/FiberSet"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as RateLimiter from "effect/RateLimiter"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { InvalidOptions } from "../../InvalidOptions.js"
import type { Session, SessionId } from "../../Session.js"
import { Sessions } from "../../Sessions.js"
import type { Event } from "./event.js"
import { LoadLeveler } from "./loadLeveler.js"
import { makePlanner } from "./planner.js"
import { RefreshQueue, UNKNOWN_EXPIRY } from "./refreshQueue.js"
import { makeReporter } from "./reporter.js"
import { runScheduler } from "./scheduler.js"
import type { KeepaliveService } from "./service.js"
import { decodeSettings, type Options } from "./settings.js"
import { runWorker } from "./workerPool.js"
import { nudge, schedulePlanned, untrack, type WorkerState } from "./workerState.js"

/** Builds the worker's shared state. */
const makeState = (options: Options) =>
  Effect.gen(function*() {
    const settings = yield* decodeSettings(options)
    const pubsub = settings.eventCapacity === undefined
      ? yield* PubSub.unbounded<Event>()
      : yield* PubSub.sliding<Event>(settings.eventCapacity)
    yield* Effect.addFinalizer(() => PubSub.shutdown(pubsub))
    const leveler = new LoadLeveler(yield* Clock.currentTimeMillis, settings.allowedRate)
    const state: WorkerState = {
      settings,
      records: new RefreshQueue<SessionId>(),
      leveler,
      plan: makePlanner(settings, leveler),
      reporter: makeReporter(pubsub, settings),
      retryStates: new Map(),
      inFlight: new Map(),
      wake: yield* Queue.sliding<void>(1),
      kicks: yield* Queue.sliding<void>(settings.concurrency),
      pausedUntil: Number.NEGATIVE_INFINITY,
      closing: false,
      claimed: 0,
      sleepingUntil: Number.NEGATIVE_INFINITY,
      nextPassAt: Number.NEGATIVE_INFINITY
    }
    return { state, pubsub }
  })

/** The add/remove side of the service over the shared state. */
const makeOperations = (state: WorkerState) => {
  const { records, reporter } = state

  /** Tracks a new session; returns whether it was new (an already expired `Session` is reported instead). */
  const track = (session: SessionId | Session, now: number): Effect.Effect<boolean> => {
    if (state.closing) return Effect.succeed(false)
    if (typeof session === "string") {
      return Effect.succeed(!records.has(session) && records.insert(session, UNKNOWN_EXPIRY, Number.NaN, now) !== undefined)
    }
    if (records.has(session.id)) return Effect.succeed(false)
    const expiresAt = DateTime.toEpochMillis(session.expiresAt)
    if (expiresAt <= now) return Effect.as(reporter.expired(session.id, expiresAt, "ExpiredBeforeAdded"), false)
    return Effect.map(state.plan(session.id, expiresAt, now), (plan) => {
      const slot = records.insert(session.id, expiresAt, now, now)
      if (slot === undefined) return false
      if (plan === undefined) return true // due now; the refresh's own plan decides whether it stays
      schedulePlanned(state, slot, plan)
      return true
    })
  }

  const addAll = Effect.fn("Keepalive.addAll")(function*(batch: Iterable<SessionId | Session>) {
    const now = yield* Clock.currentTimeMillis
    let added = 0
    for (const session of batch) {
      if (yield* track(session, now)) added++
    }
    if (added > 0) yield* Effect.zipRight(reporter.tracked(records.size), nudge(state))
    return added
  })

  const add = Effect.fn("Keepalive.add")(function*(session: SessionId | Session) {
    return (yield* addAll([session])) === 1
  })

  const remove = Effect.fn("Keepalive.remove")(function*(sessionId: SessionId) {
    const slot = records.slotOf(sessionId)
    if (slot === undefined) return false
    yield* untrack(state, slot, sessionId)
    return true
  })

  const has = Effect.fn("Keepalive.has")(function*(sessionId: SessionId) {
    return records.has(sessionId)
  })

  const tracked = Effect.sync(() =>
    Array.from(records.entries(), ([id, expiresAt]) =>
      [id, Number.isNaN(expiresAt) ? Option.none() : Option.some(DateTime.unsafeMake(expiresAt))] as const
    )
  )

  const stats = Effect.map(Clock.currentTimeMillis, (now) =>
    reporter.snapshot({
      tracked: records.size,
      queued: records.waitingCount + records.readyCount,
      ready: records.readyCount,
      slots: records.slots,
      neededRate: records.neededRate,
      pausedUntil: state.pausedUntil
    }, now))

  return { add, addAll, remove, has, tracked, stats }
}

/** Starts a worker in the current scope. */
export const makeKeepalive = (
  options: Options = {}
): Effect.Effect<KeepaliveService, InvalidOptions, Sessions | Scope.Scope> =>
  Effect.gen(function*() {
    const { pubsub, state } = yield* makeState(options).pipe(Effect.withSpan("Keepalive.make"))
    const sessions = yield* Sessions
    const { settings } = state
    const limiter = yield* RateLimiter.make({ limit: settings.limit, interval: settings.interval, algorithm: settings.algorithm })
    const span = yield* Effect.makeSpanScoped("Keepalive.worker", {
      root: true,
      attributes: { "okta.keepalive.concurrency": settings.concurrency, "okta.keepalive.allowed_rate": settings.allowedRate }
    })
    const inFlight = yield* FiberSet.make<void, never>()
    const context = { state, sessions, limiter, inFlight, span }
    const scheduler = yield* Effect.forkScoped(Effect.interruptible(runScheduler(state)))
    const workers = yield* FiberSet.make<never, never>()
    for (let i = 0; i < settings.concurrency; i++) yield* FiberSet.run(workers, runWorker(context))

    // shutdown: start nothing, let in-flight refreshes finish (bounded), then stop everything
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        state.closing = true
        yield* FiberSet.clear(workers)
        yield* Fiber.interrupt(scheduler)
        yield* FiberSet.awaitEmpty(inFlight).pipe(Effect.interruptible, Effect.timeoutOption(settings.shutdownTimeout))
        yield* FiberSet.clear(inFlight)
      })
    )

    return { ...makeOperations(state), events: Stream.fromPubSub(pubsub), subscribe: PubSub.subscribe(pubsub) }
  })
