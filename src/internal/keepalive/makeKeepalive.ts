/**
 * `Keepalive.make`: the wiring of one worker over its pieces — the settings, the tracked records
 * and the planner's ledger, the reporter, the store writer, the scheduler fiber and the worker pool —
 * and the service operations that add and remove sessions (durably, through `KeepaliveStore`). Closing the scope stops it: the scheduler and the workers
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
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { InvalidOptions } from "../../InvalidOptions.js"
import { Change, KeepaliveStore, type KeepaliveStoreError, type StoredSession } from "../../KeepaliveStore.js"
import type { Session, SessionId } from "../../Session.js"
import { Sessions } from "../../Sessions.js"
import { makeWorkerBudget } from "./budget/workerBudget.js"
import type { Event } from "./event.js"
import { LoadLeveler } from "./loadLeveler.js"
import { makePlanner } from "./planner.js"
import { RefreshQueue, UNKNOWN_EXPIRY } from "./refreshQueue.js"
import { makeReporter } from "./reporter.js"
import { restore } from "./restore.js"
import { runScheduler } from "./scheduler.js"
import type { KeepaliveService } from "./service.js"
import { decodeSettings, type Options } from "./settings.js"
import { StoreWriter } from "./storeWriter.js"
import { runWorker } from "./workerPool.js"
import { nudge, untrack, type WorkerState } from "./workerState.js"

/** Builds the worker's shared state. */
const makeState = (options: Options, store: KeepaliveStore.Service) =>
  Effect.gen(function*() {
    const settings = yield* decodeSettings(options)
    const pubsub = settings.eventCapacity === undefined
      ? yield* PubSub.unbounded<Event>()
      : yield* PubSub.sliding<Event>(settings.eventCapacity)
    yield* Effect.addFinalizer(() => PubSub.shutdown(pubsub))
    const leveler = new LoadLeveler(yield* Clock.currentTimeMillis, settings.allowedRate)
    const state: WorkerState = {
      settings,
      budget: yield* makeWorkerBudget(settings),
      records: new RefreshQueue<SessionId>(),
      leveler,
      plan: makePlanner(settings, leveler),
      reporter: makeReporter(pubsub, settings),
      writer: new StoreWriter(store, yield* Queue.sliding<void>(1)),
      retryStates: new Map(),
      inFlight: new Map(),
      wake: yield* Queue.sliding<void>(1),
      kicks: yield* Queue.sliding<void>(settings.concurrency),
      restoredStale: new Map(),
      pausedUntil: Number.NEGATIVE_INFINITY,
      sharedPauseSeen: Number.NEGATIVE_INFINITY,
      closing: false,
      claimed: 0,
      sleepingUntil: Number.NEGATIVE_INFINITY,
      nextPassAt: Number.NEGATIVE_INFINITY
    }
    return { state, pubsub }
  })

/** The add/remove side of the service over the shared state; `add` and `remove` are durable once they return. */
const makeOperations = (state: WorkerState, store: KeepaliveStore.Service) => {
  const { records, reporter } = state

  /** Tracks a new session; returns what to store, or undefined when it was not new (or already expired: reported). */
  const track = (session: SessionId | Session, now: number): Effect.Effect<StoredSession | undefined> => {
    if (state.closing) return Effect.succeed(undefined)
    if (typeof session === "string") {
      if (records.has(session) || records.insert(session, UNKNOWN_EXPIRY, Number.NaN, now) === undefined) {
        return Effect.succeed(undefined)
      }
      return Effect.succeed({ sessionId: session, expiresAt: undefined, nextRefreshAt: now, lastOutcome: "Added" })
    }
    if (records.has(session.id)) return Effect.succeed(undefined)
    const expiresAt = DateTime.toEpochMillis(session.expiresAt)
    if (expiresAt <= now) return Effect.as(reporter.expired(session.id, expiresAt, "ExpiredBeforeAdded"), undefined)
    // a session never refreshed since sign-in has its whole idle window between createdAt and expiresAt
    const window = expiresAt - DateTime.toEpochMillis(session.createdAt)
    return Effect.map(state.plan(session.id, expiresAt, now, window), (plan): StoredSession | undefined => {
      const slot = records.insert(session.id, expiresAt, now, now)
      if (slot === undefined) return undefined
      // without a plan it is due now; the refresh's own plan decides whether it stays
      if (plan !== undefined) {
        records.setNeed(slot, plan.need)
        records.schedule(slot, plan.at, plan.at)
      }
      return { sessionId: session.id, expiresAt, nextRefreshAt: plan?.at ?? now, lastOutcome: "Added" }
    })
  }

  const addAll = Effect.fn("Keepalive.addAll")(function*(batch: Iterable<SessionId | Session>) {
    const now = yield* Clock.currentTimeMillis
    const added: Array<StoredSession> = []
    for (const session of batch) {
      const stored = yield* track(session, now)
      if (stored !== undefined) added.push(stored)
    }
    if (added.length === 0) return 0
    // durable before it returns; a failed write leaves nothing tracked that the store does not have
    yield* store.write(added.map(Change.put)).pipe(
      Effect.tapError(() =>
        Effect.forEach(added, ({ sessionId }) => {
          const slot = records.slotOf(sessionId)
          return slot === undefined ? Effect.void : untrack(state, slot, sessionId, false)
        }, { discard: true })
      )
    )
    yield* Effect.zipRight(reporter.tracked(records.size), nudge(state))
    return added.length
  })

  const add = Effect.fn("Keepalive.add")(function*(session: SessionId | Session) {
    return (yield* addAll([session])) === 1
  })

  const remove = Effect.fn("Keepalive.remove")(function*(sessionId: SessionId) {
    if (!records.has(sessionId)) return false
    yield* store.write([Change.remove(sessionId)])
    const slot = records.slotOf(sessionId)
    if (slot === undefined) return false
    yield* untrack(state, slot, sessionId, false)
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
): Effect.Effect<KeepaliveService, InvalidOptions | KeepaliveStoreError, Sessions | KeepaliveStore | Scope.Scope> =>
  Effect.gen(function*() {
    const store = yield* KeepaliveStore
    const { pubsub, state } = yield* Effect.gen(function*() {
      const built = yield* makeState(options, store)
      yield* restore(built.state, store, yield* Clock.currentTimeMillis)
      yield* built.state.reporter.tracked(built.state.records.size)
      return built
    }).pipe(Effect.withSpan("Keepalive.make"))
    const sessions = yield* Sessions
    const { settings } = state
    const span = yield* Effect.makeSpanScoped("Keepalive.worker", {
      root: true,
      attributes: { "okta.keepalive.concurrency": settings.concurrency, "okta.keepalive.allowed_rate": settings.allowedRate }
    })
    const inFlight = yield* FiberSet.make<void, never>()
    const context = { state, sessions, inFlight, span }
    const scheduler = yield* Effect.forkScoped(Effect.interruptible(runScheduler(state)))
    // refresh outcomes on disk within a tick of each refresh (storeWriter.ts)
    const flusher = yield* Effect.forkScoped(Effect.interruptible(state.writer.runFlusher(settings.tick)))
    const workers = yield* FiberSet.make<never, never>()
    // interruptible even when made inside an uninterruptible region (as npm start does), so shutdown can stop them
    for (let i = 0; i < settings.concurrency; i++) yield* FiberSet.run(workers, Effect.interruptible(runWorker(context)))

    // shutdown: start nothing, let in-flight refreshes finish (bounded), then stop everything
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        state.closing = true
        yield* FiberSet.clear(workers)
        yield* Fiber.interrupt(scheduler)
        yield* FiberSet.awaitEmpty(inFlight).pipe(Effect.interruptible, Effect.timeoutOption(settings.shutdownTimeout))
        yield* FiberSet.clear(inFlight)
        yield* Fiber.interrupt(flusher)
        yield* state.writer.flush
      })
    )

    return { ...makeOperations(state, store), events: Stream.fromPubSub(pubsub), subscribe: PubSub.subscribe(pubsub) }
  })
