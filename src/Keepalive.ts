/**
 * The keepalive worker: a dynamic set of Okta sessions, each refreshed ahead of its `expiresAt`
 * on a `Schedule`, through a bounded pool of workers and inside a share of the org's rate budget.
 * It reports what happens as a `Stream` of events and as metrics, and on shutdown lets in-flight
 * refreshes finish (within a timeout) while starting no new one.
 *
 * It sits on the `Sessions` service and knows nothing of HTTP. One scheduler fiber walks a binary
 * heap of compact per-session records, so a million tracked sessions cost one record each, not
 * one fiber each.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as DateTime from "effect/DateTime"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Random from "effect/Random"
import * as RateLimiter from "effect/RateLimiter"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleInterval from "effect/ScheduleInterval"
import * as ScheduleIntervals from "effect/ScheduleIntervals"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { RefreshQueue } from "./internal/keepalive/refreshQueue.js"
import type * as OktaError from "./OktaError.js"
import * as RateLimit from "./RateLimit.js"
import type * as Retry from "./Retry.js"
import type { Session, SessionId } from "./Session.js"
import { type RefreshSessionError, Sessions } from "./Sessions.js"

// ---------------------------------------------------------------------------------------------
// Schedules
// ---------------------------------------------------------------------------------------------

/**
 * What the refresh schedule is given for a session: its id, when it expires and how long is left.
 *
 * @since 0.1.0
 */
export interface RefreshWindow {
  readonly sessionId: SessionId
  readonly expiresAt: DateTime.Utc
  /** Time left before `expiresAt` (zero when it has passed). */
  readonly remaining: Duration.Duration
}

/**
 * When to refresh a session: the delay of the schedule's first step, given the session's
 * `RefreshWindow`, is how long to wait before refreshing it. The schedule is stepped afresh from
 * its initial state after every refresh. A schedule that is done releases the session.
 *
 * @since 0.1.0
 */
export type RefreshSchedule = Schedule.Schedule<unknown, RefreshWindow>

/**
 * When to retry a refresh that failed with `ServerError` (any 5xx: unlike the HTTP client, the worker
 * also tries a 500 again later, since the session still needs refreshing) or `TransportError`. It
 * is stepped with each failure; its delay is the wait before the next try, and when it is done the
 * session is reported as `Failed` with reason `RetriesExhausted`. Retries never go past the
 * session's `expiresAt`, whatever the schedule says.
 *
 * @since 0.1.0
 */
export type RetrySchedule = Schedule.Schedule<unknown, Retry.TransientError>

/**
 * The default lead: refresh with a quarter of the window left, and at least 30 seconds before
 * expiry (half the window, for a window shorter than a minute).
 *
 * @since 0.1.0
 */
export const defaultLead = (remaining: Duration.Duration): Duration.Duration =>
  Duration.max(
    Duration.times(remaining, 0.25),
    Duration.min(Duration.times(remaining, 0.5), Duration.seconds(30))
  )

/**
 * Builds a refresh schedule: wait for `remaining - lead(remaining)`, shortened by a random factor
 * in `[jitter.min, jitter.max]` so that sessions created together do not refresh together. Jitter
 * only makes a refresh earlier (factors are kept within `[0, 1]`, `max` at least `min`); the
 * defaults (`defaultLead`, `0.6..1`) refresh somewhere between 45% and 75% of the way through the
 * remaining window.
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import { Keepalive } from "effect-okta-sessions"
 *
 * // Refresh five minutes before expiry, spread over the two minutes before that.
 * const schedule = Keepalive.refreshSchedule({
 *   lead: () => Duration.minutes(5),
 *   jitter: { min: 0.98, max: 1 }
 * })
 * ```
 * @since 0.1.0
 */
export const refreshSchedule = (options?: {
  readonly lead?: ((remaining: Duration.Duration) => Duration.Duration) | undefined
  readonly jitter?: { readonly min: number; readonly max: number } | undefined
}): RefreshSchedule => {
  const lead = options?.lead ?? defaultLead
  const jitter = options?.jitter ?? { min: 0.6, max: 1 }
  const clamp = (x: number, low: number) => (Number.isFinite(x) ? Math.min(1, Math.max(low, x)) : low)
  const min = clamp(jitter.min, 0)
  const max = clamp(jitter.max, min)
  // one step is one `Random.next`: a million sessions are planned in seconds, not minutes
  return Schedule.makeWithState<void, RefreshWindow, RefreshWindow>(undefined, (now, window) =>
    Effect.map(Random.next, (random) => {
      const wait = Math.max(0, Duration.toMillis(window.remaining) - Duration.toMillis(lead(window.remaining)))
      const factor = min * (1 - random) + max * random
      return [undefined, window, ScheduleDecision.continueWith(ScheduleInterval.after(now + wait * factor))] as const
    }))
}

/**
 * The default retry for transient failures: exponential from one second, jittered, at most a
 * minute apart, for as long as the session has not expired.
 *
 * @since 0.1.0
 */
export const defaultRetrySchedule: RetrySchedule = Schedule.exponential(Duration.seconds(1)).pipe(
  Schedule.jittered,
  Schedule.union(Schedule.spaced(Duration.minutes(1)))
)

// ---------------------------------------------------------------------------------------------
// Options, events, stats
// ---------------------------------------------------------------------------------------------

/**
 * The org's rate budget for the refresh endpoint, of which the worker uses `share`. With
 * `token-bucket`, a budget over more than a second is spread per second (600 a minute at a share
 * of 0.5 is 5 a second, with bursts of 5), so the worker never spends a minute's share at once.
 *
 * @since 0.1.0
 */
export interface Budget {
  /** Requests allowed per `interval`. */
  readonly limit: number
  readonly interval: Duration.DurationInput
  /**
   * `token-bucket` (smooth, the default) or `fixed-window`, as in `effect/RateLimiter`. On the
   * `TestClock`, `fixed-window` is much cheaper: it sleeps once per window, not once per request.
   */
  readonly algorithm?: "token-bucket" | "fixed-window" | undefined
}

/**
 * Options of the worker. Every field has a default.
 *
 * @since 0.1.0
 */
export interface Options {
  /** Refreshes in flight at once. Default 8. */
  readonly concurrency?: number | undefined
  /** The org's budget for refreshes. Default 600 per minute (Okta's common `/api/v1/sessions` limit). */
  readonly budget?: Budget | undefined
  /** The share of `budget` the worker may use, in `(0, 1]`; the rest is left to the application. Default 0.5. */
  readonly share?: number | undefined
  /** When to refresh. Default `refreshSchedule()`. */
  readonly schedule?: RefreshSchedule | undefined
  /** When to retry transient failures. Default `defaultRetrySchedule`. */
  readonly retry?: RetrySchedule | undefined
  /**
   * The scheduler's resolution: it wakes at most once per tick, and a retry is never planned later
   * than one tick before expiry. Default 100 milliseconds.
   */
  readonly tick?: Duration.DurationInput | undefined
  /** How long to pause after a 429 whose `X-Rate-Limit-Reset` is missing or unusable. Default 1 second. */
  readonly throttleFallback?: Duration.DurationInput | undefined
  /** The longest pause a 429 can cause, however far its reset. Default 5 minutes. */
  readonly maxThrottle?: Duration.DurationInput | undefined
  /** How long closing the scope waits for in-flight refreshes. Default 10 seconds. */
  readonly shutdownTimeout?: Duration.DurationInput | undefined
  /**
   * Events kept per slow subscriber before the oldest are dropped. Default: unbounded (no event is
   * lost; a subscriber must keep up).
   */
  readonly eventCapacity?: number | undefined
}

/**
 * Options that cannot work: a concurrency below 1, a share outside `(0, 1]`, a budget below one
 * request per interval, a non-positive tick.
 *
 * @since 0.1.0
 */
export class InvalidOptions extends Schema.TaggedError<InvalidOptions>()("InvalidOptions", {
  option: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `Keepalive option ${this.option}: ${this.detail}`
  }
}

/**
 * Why a session was dropped after failing: `Forbidden` (403), `Rejected` (another error that a
 * retry cannot fix: 401, an unexpected status, an undecodable answer), `RetriesExhausted` (the
 * retry schedule gave up) or `Expired` (it kept failing until its `expiresAt`, or the next try —
 * a retry, or the end of a 429 pause — would come after it).
 *
 * @since 0.1.0
 */
export type FailureReason = "Forbidden" | "Rejected" | "RetriesExhausted" | "Expired"

/**
 * What the worker did:
 * - `Refreshed`: a refresh succeeded; `lag` is how late it started against its plan.
 * - `Gone`: Okta answered 404 (revoked or expired); the session is no longer tracked.
 * - `Failed`: the session is no longer tracked because of `error`, for `reason`.
 * - `Throttled`: a refresh met a 429; the worker pauses for `wait` and tries again.
 * - `Released`: the refresh schedule was done with the session (or planning it died, which is
 *   logged); it is no longer tracked.
 *
 * @since 0.1.0
 */
export type Event = Data.TaggedEnum<{
  /** `lag` is zero for a bare id's first refresh, which had no plan. */
  Refreshed: { readonly sessionId: SessionId; readonly session: Session; readonly lag: Duration.Duration }
  Gone: { readonly sessionId: SessionId; readonly error: OktaError.NotFound }
  Failed: { readonly sessionId: SessionId; readonly reason: FailureReason; readonly error: RefreshSessionError }
  Throttled: { readonly sessionId: SessionId; readonly error: OktaError.TooManyRequests; readonly wait: Duration.Duration }
  Released: { readonly sessionId: SessionId }
}>

/**
 * Constructors and matchers of `Event`: `Event.Refreshed({...})`, `Event.$is("Gone")`, `Event.$match`.
 *
 * @since 0.1.0
 */
export const Event = Data.taggedEnum<Event>()

/**
 * One bucket of the lag histogram: refreshes that started at most `le` milliseconds late.
 *
 * @since 0.1.0
 */
export interface LagBucket {
  readonly le: number
  readonly count: number
}

/**
 * A snapshot of one worker's counters since it started.
 *
 * @since 0.1.0
 */
export interface Stats {
  /** Sessions tracked now. */
  readonly tracked: number
  /** Tracked sessions waiting in the scheduler (the rest are in a worker's hands). */
  readonly queued: number
  /** Record slots allocated: grows with the most sessions tracked at once, not with time. */
  readonly capacity: number
  /** Refreshes in flight now, and the most there ever were at once. */
  readonly inFlight: number
  readonly maxInFlight: number
  /** Refresh requests started. */
  readonly requests: number
  readonly refreshed: number
  readonly gone: number
  readonly failed: number
  readonly released: number
  /** Transient failures that were retried. */
  readonly retried: number
  /** 429s met. */
  readonly throttled: number
  /** When the current 429 pause ends, if one is on. */
  readonly pausedUntil: Option.Option<DateTime.Utc>
  /** The worst lag of a refresh behind its plan. */
  readonly worstLag: Duration.Duration
  /** Cumulative lag histogram (the last bucket's `le` is `Infinity`). */
  readonly lag: ReadonlyArray<LagBucket>
  /** The worker's own budget: requests per interval after applying the share. */
  readonly budget: { readonly limit: number; readonly interval: Duration.Duration }
}

/**
 * The worker's metrics, shared by every worker in the process: read them with `Metric.value` or
 * export them with a metrics layer.
 *
 * @since 0.1.0
 */
export const metrics = {
  /** Sessions tracked now. */
  tracked: Metric.gauge("okta_keepalive_tracked", { description: "sessions tracked by the keepalive" }),
  refreshed: Metric.counter("okta_keepalive_refreshed_total", { description: "successful refreshes" }),
  gone: Metric.counter("okta_keepalive_gone_total", { description: "sessions Okta no longer knows (404)" }),
  failed: Metric.counter("okta_keepalive_failed_total", { description: "sessions dropped after failing" }),
  retried: Metric.counter("okta_keepalive_retried_total", { description: "transient failures retried" }),
  throttled: Metric.counter("okta_keepalive_throttled_total", { description: "429 answers met" }),
  /** The worst lag so far, in milliseconds. */
  worstLag: Metric.gauge("okta_keepalive_worst_lag_ms", { description: "worst refresh lag behind plan" }),
  /** Lag of each refresh behind its plan, in milliseconds. */
  lag: Metric.histogram(
    "okta_keepalive_lag_ms",
    MetricBoundaries.fromIterable([10, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000]),
    "refresh lag behind plan"
  )
}

const lagBoundaries = [10, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000, Infinity]

// ---------------------------------------------------------------------------------------------
// Service
// ---------------------------------------------------------------------------------------------

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
 *     Stream.filter(Keepalive.Event.$is("Gone")),
 *     Stream.runForEach((event) => Effect.log(`gone: ${event.sessionId}`)),
 *     Effect.fork
 *   )
 * })
 * ```
 * @since 0.1.0
 */
export class Keepalive extends Context.Tag("effect-okta-sessions/Keepalive")<Keepalive, Keepalive.Service>() {}

/** @since 0.1.0 */
export declare namespace Keepalive {
  /** @since 0.1.0 */
  export interface Service {
    /**
     * Starts keeping a session alive. A `Session` is planned from its `expiresAt`; a bare id is
     * refreshed promptly to learn it. Returns `false` when it was already tracked (left unchanged).
     */
    readonly add: (session: SessionId | Session) => Effect.Effect<boolean>
    /** Adds many sessions at once; returns how many were not tracked yet. */
    readonly addAll: (sessions: Iterable<SessionId | Session>) => Effect.Effect<number>
    /** Stops keeping a session alive; an in-flight refresh of it finishes unreported. Returns whether it was tracked. */
    readonly remove: (sessionId: SessionId) => Effect.Effect<boolean>
    /** Whether a session is tracked. */
    readonly has: (sessionId: SessionId) => Effect.Effect<boolean>
    /** Every tracked session with its last known `expiresAt` (none yet for a bare id not refreshed). */
    readonly tracked: Effect.Effect<ReadonlyArray<readonly [SessionId, Option.Option<DateTime.Utc>]>>
    /** Events from the moment the stream starts running. */
    readonly events: Stream.Stream<Event>
    /** A subscription that receives every event from now on, for as long as the scope is open. */
    readonly subscribe: Effect.Effect<Queue.Dequeue<Event>, never, Scope.Scope>
    /** A snapshot of the counters. */
    readonly stats: Effect.Effect<Stats>
  }
}

/** One dispatched slot, stamped with its generation so a removed-then-reused slot is not refreshed. */
interface Job {
  readonly slot: number
  readonly generation: number
}

const positive = (option: string, value: number, integer: boolean): Effect.Effect<number, InvalidOptions> =>
  Number.isFinite(value) && value > 0 && (!integer || Number.isInteger(value))
    ? Effect.succeed(value)
    : Effect.fail(
      new InvalidOptions({
        option,
        detail: `expected a positive ${integer ? "integer" : "number"}, got ${String(value)}`
      })
    )

const durationOption = (
  option: string,
  value: Duration.DurationInput | undefined,
  fallback: Duration.Duration,
  allowZero: boolean
): Effect.Effect<Duration.Duration, InvalidOptions> => {
  if (value === undefined) return Effect.succeed(fallback)
  const decoded = Duration.decodeUnknown(value)
  if (Option.isNone(decoded) || !Duration.isFinite(decoded.value)) {
    return Effect.fail(new InvalidOptions({ option, detail: `expected a finite duration, got ${String(value)}` }))
  }
  const millis = Duration.toMillis(decoded.value)
  return millis > 0 || (allowZero && millis === 0)
    ? Effect.succeed(decoded.value)
    : Effect.fail(new InvalidOptions({ option, detail: `expected a ${allowZero ? "non-negative" : "positive"} duration` }))
}

/** The settings after validation and defaults. */
const settingsOf = Effect.fnUntraced(function*(options: Options) {
  const concurrency = yield* positive("concurrency", options.concurrency ?? 8, true)
  const share = yield* positive("share", options.share ?? 0.5, false)
  if (share > 1) return yield* new InvalidOptions({ option: "share", detail: `expected at most 1, got ${share}` })
  const budget = options.budget ?? { limit: 600, interval: Duration.minutes(1) }
  yield* positive("budget.limit", budget.limit, false)
  const interval = yield* durationOption("budget.interval", budget.interval, Duration.minutes(1), false)
  const algorithm = budget.algorithm ?? "token-bucket"
  const intervalMillis = Duration.toMillis(interval)
  // token-bucket: per second when the budget's interval is longer, so no interval's share goes in one burst
  const perSecond = algorithm === "token-bucket" && intervalMillis > 1000
  const limit = perSecond
    ? Math.floor(budget.limit * share * 1000 / intervalMillis)
    : Math.floor(budget.limit * share)
  if (limit < 1) {
    return yield* new InvalidOptions({
      option: "share",
      detail: `${share} of ${budget.limit} per ${Duration.format(interval)} leaves less than one request per ${
        perSecond ? "second" : "interval"
      }`
    })
  }
  const eventCapacity = options.eventCapacity === undefined
    ? undefined
    : yield* positive("eventCapacity", options.eventCapacity, true)
  return {
    concurrency,
    limit,
    interval: perSecond ? Duration.seconds(1) : interval,
    algorithm,
    schedule: options.schedule ?? refreshSchedule(),
    retry: options.retry ?? defaultRetrySchedule,
    tick: Duration.toMillis(yield* durationOption("tick", options.tick, Duration.millis(100), false)),
    throttleFallback: Duration.toMillis(
      yield* durationOption("throttleFallback", options.throttleFallback, Duration.seconds(1), true)
    ),
    maxThrottle: Duration.toMillis(yield* durationOption("maxThrottle", options.maxThrottle, Duration.minutes(5), true)),
    shutdownTimeout: yield* durationOption("shutdownTimeout", options.shutdownTimeout, Duration.seconds(10), true),
    eventCapacity
  }
})

/**
 * How long a 429 pauses the workers: until its window's reset (`RateLimit.waitForReset`, by the
 * server's `Date`) plus a second, as Okta's SDKs wait; the fallback when the reset is missing or
 * past, or for the concurrent-request limit (whose reset is only an estimate); at most `max`.
 */
const throttleWait = (error: OktaError.TooManyRequests, now: number, fallback: number, max: number): number => {
  const untilReset = error.rateLimit.isConcurrencyLimit ? Option.none() : RateLimit.waitForReset(error.rateLimit, now)
  return Math.min(
    Option.match(untilReset, { onNone: () => fallback, onSome: (wait) => Duration.toMillis(wait) + 1000 }),
    max
  )
}

/**
 * Starts a worker in the current scope. Closing the scope stops it: in-flight refreshes finish
 * (within `shutdownTimeout`) and none starts.
 *
 * @since 0.1.0
 */
export const make = Effect.fn("Keepalive.make")(function*(options: Options = {}) {
  const settings = yield* settingsOf(options)
  const sessions = yield* Sessions
  const records = new RefreshQueue<SessionId>()
  const pubsub = settings.eventCapacity === undefined
    ? yield* PubSub.unbounded<Event>()
    : yield* PubSub.sliding<Event>(settings.eventCapacity)
  yield* Effect.addFinalizer(() => PubSub.shutdown(pubsub))
  const limiter = yield* RateLimiter.make({
    limit: settings.limit,
    interval: settings.interval,
    algorithm: settings.algorithm
  })
  const jobs = yield* Queue.bounded<Job>(settings.concurrency)
  const wake = yield* Queue.sliding<void>(1)
  const drained = yield* Deferred.make<void>()

  /** Per-session state of the retry schedule, only for sessions that are retrying. */
  const retryStates = new Map<number, unknown>()
  const counts = { requests: 0, refreshed: 0, gone: 0, failed: 0, released: 0, retried: 0, throttled: 0 }
  const lagCounts = new Float64Array(lagBoundaries.length)
  let worstLag = 0
  let inFlight = 0
  let maxInFlight = 0
  let closing = false
  let pausedUntil = 0
  /** When the scheduler will wake next; something due before that wakes it early. */
  let sleepingUntil = Number.NEGATIVE_INFINITY
  /** The scheduler hands out due sessions at most once per tick: not before this. */
  let nextPassAt = Number.NEGATIVE_INFINITY

  const publish = (event: Event) => PubSub.publish(pubsub, event)
  const setTracked = Effect.suspend(() => Metric.set(metrics.tracked, records.size))

  /** Steps the refresh schedule for a session: when to refresh it next, or `undefined` to release it. */
  const plan = (sessionId: SessionId, expiresAt: number, now: number) =>
    Effect.map(
      settings.schedule.step(now, {
        sessionId,
        expiresAt: DateTime.unsafeMake(expiresAt),
        remaining: Duration.millis(Math.max(0, expiresAt - now))
      }, settings.schedule.initial),
      ([, , decision]) =>
        ScheduleDecision.isDone(decision)
          ? undefined
          : Math.max(now, ScheduleIntervals.start(decision.intervals))
    )

  /** Queues a new session; returns whether it was new. */
  const enqueue = (session: SessionId | Session, now: number): Effect.Effect<boolean> => {
    if (closing) return Effect.succeed(false)
    if (typeof session === "string") {
      if (records.has(session)) return Effect.succeed(false)
      records.insert(session, Number.NaN, Number.NaN, now)
      return Effect.succeed(true)
    }
    if (records.has(session.id)) return Effect.succeed(false)
    const expiresAt = DateTime.toEpochMillis(session.expiresAt)
    return Effect.map(plan(session.id, expiresAt, now), (due) => {
      const at = due ?? now
      return records.insert(session.id, expiresAt, at, at) !== undefined
    })
  }

  /** Wakes the scheduler when something became due before it planned to look (and a tick has passed). */
  const nudge = Effect.suspend(() => {
    const next = records.nextDue()
    return next !== undefined && Math.max(next, nextPassAt) < sleepingUntil
      ? Queue.offer(wake, undefined)
      : Effect.void
  })

  const add = Effect.fn("Keepalive.add")(function*(session: SessionId | Session) {
    const now = yield* Clock.currentTimeMillis
    const added = yield* enqueue(session, now)
    if (added) yield* Effect.zipRight(setTracked, nudge)
    return added
  })

  const addAll = Effect.fn("Keepalive.addAll")(function*(batch: Iterable<SessionId | Session>) {
    const now = yield* Clock.currentTimeMillis
    let added = 0
    for (const session of batch) {
      if (yield* enqueue(session, now)) added++
    }
    if (added > 0) yield* Effect.zipRight(setTracked, nudge)
    return added
  })

  const forget = (sessionId: SessionId) =>
    Effect.suspend(() => {
      const slot = records.slotOf(sessionId)
      if (slot !== undefined) retryStates.delete(slot)
      return records.delete(sessionId) ? Effect.as(setTracked, true) : Effect.succeed(false)
    })

  const remove = Effect.fn("Keepalive.remove")(function*(sessionId: SessionId) {
    return yield* forget(sessionId)
  })

  const has = Effect.fn("Keepalive.has")(function*(sessionId: SessionId) {
    return records.has(sessionId)
  })

  const tracked = Effect.sync(() =>
    Array.from(records.entries(), ([id, expiresAt]) =>
      [id, Number.isNaN(expiresAt) ? Option.none() : Option.some(DateTime.unsafeMake(expiresAt))] as const
    )
  )

  const stats = Effect.map(Clock.currentTimeMillis, (now): Stats => {
    let cumulative = 0
    const lag = lagBoundaries.map((le, i) => {
      cumulative += lagCounts[i] ?? 0
      return { le, count: cumulative }
    })
    return {
      tracked: records.size,
      queued: records.queued,
      capacity: records.capacity,
      inFlight,
      maxInFlight,
      ...counts,
      pausedUntil: pausedUntil > now ? Option.some(DateTime.unsafeMake(pausedUntil)) : Option.none(),
      worstLag: Duration.millis(worstLag),
      lag,
      budget: { limit: settings.limit, interval: settings.interval }
    }
  })

  // -- the scheduler: one fiber that hands due sessions to the workers ------------------------

  const sleepOrWake = (millis: number) =>
    millis === Number.POSITIVE_INFINITY
      ? Queue.take(wake)
      : Effect.raceFirst(Effect.sleep(Duration.millis(Math.max(0, millis))), Queue.take(wake))

  const scheduler = Effect.gen(function*() {
    for (;;) {
      const now = yield* Clock.currentTimeMillis
      if (pausedUntil > now) {
        sleepingUntil = pausedUntil
        yield* sleepOrWake(pausedUntil - now)
        continue
      }
      if (now >= nextPassAt) {
        sleepingUntil = Number.NEGATIVE_INFINITY
        nextPassAt = now + settings.tick
        for (let slot = records.popDue(now); slot !== undefined; slot = records.popDue(now)) {
          yield* Queue.offer(jobs, { slot, generation: records.generationOf(slot) })
        }
      }
      const next = records.nextDue()
      const wakeAt = next === undefined ? Number.POSITIVE_INFINITY : Math.max(next, nextPassAt)
      sleepingUntil = wakeAt
      yield* Queue.takeAll(wake)
      yield* sleepOrWake(wakeAt - (yield* Clock.currentTimeMillis))
    }
  })

  // -- the workers -----------------------------------------------------------------------------

  const drop = (slot: number, sessionId: SessionId) => {
    retryStates.delete(slot)
    records.delete(sessionId)
    return setTracked
  }

  const fail = (slot: number, sessionId: SessionId, reason: FailureReason, error: RefreshSessionError) =>
    Effect.suspend(() => {
      counts.failed++
      return Effect.all([
        drop(slot, sessionId),
        Metric.increment(metrics.failed),
        publish(Event.Failed({ sessionId, reason, error }))
      ], { discard: true })
    })

  /** The latest a retry may be planned: one tick before expiry (no limit while the expiry is unknown). */
  const retryDeadline = (slot: number) => {
    const expiresAt = records.expiresAt(slot)
    return Number.isNaN(expiresAt) ? Number.POSITIVE_INFINITY : expiresAt - settings.tick
  }

  const onSuccess = (slot: number, sessionId: SessionId, session: Session, lag: number | undefined) =>
    Effect.gen(function*() {
      counts.refreshed++
      yield* Metric.increment(metrics.refreshed)
      const now = yield* Clock.currentTimeMillis
      const expiresAt = DateTime.toEpochMillis(session.expiresAt)
      records.setExpiresAt(slot, expiresAt)
      retryStates.delete(slot)
      const due = yield* plan(sessionId, expiresAt, now)
      yield* publish(Event.Refreshed({ sessionId, session, lag: Duration.millis(lag ?? 0) }))
      if (due === undefined) {
        counts.released++
        yield* drop(slot, sessionId)
        yield* publish(Event.Released({ sessionId }))
      } else {
        records.reschedule(slot, due, due)
        yield* nudge
      }
    })

  const onThrottled = (slot: number, sessionId: SessionId, error: OktaError.TooManyRequests) =>
    Effect.gen(function*() {
      counts.throttled++
      yield* Metric.increment(metrics.throttled)
      const now = yield* Clock.currentTimeMillis
      const wait = throttleWait(error, now, settings.throttleFallback, settings.maxThrottle)
      pausedUntil = Math.max(pausedUntil, now + wait)
      yield* publish(Event.Throttled({ sessionId, error, wait: Duration.millis(wait) }))
      if (pausedUntil > retryDeadline(slot)) return yield* fail(slot, sessionId, "Expired", error)
      records.reschedule(slot, pausedUntil, pausedUntil)
    })

  const onTransient = (
    slot: number,
    sessionId: SessionId,
    error: OktaError.ServerError | OktaError.TransportError
  ) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const [state, , decision] = yield* settings.retry.step(
        now,
        error,
        retryStates.has(slot) ? retryStates.get(slot) : settings.retry.initial
      )
      if (ScheduleDecision.isDone(decision)) return yield* fail(slot, sessionId, "RetriesExhausted", error)
      const deadline = retryDeadline(slot)
      const at = Math.min(Math.max(now, ScheduleIntervals.start(decision.intervals)), deadline)
      if (at <= now && deadline <= now) return yield* fail(slot, sessionId, "Expired", error)
      retryStates.set(slot, state)
      counts.retried++
      yield* Metric.increment(metrics.retried)
      records.reschedule(slot, at, at)
      yield* nudge
    })

  const settle = (
    slot: number,
    sessionId: SessionId,
    result: Either.Either<Session, RefreshSessionError>,
    lag: number | undefined
  ) => {
    if (Either.isRight(result)) return onSuccess(slot, sessionId, result.right, lag)
    const error = result.left
    switch (error._tag) {
      case "NotFound":
        return Effect.suspend(() => {
          counts.gone++
          return Effect.all([
            drop(slot, sessionId),
            Metric.increment(metrics.gone),
            publish(Event.Gone({ sessionId, error }))
          ], { discard: true })
        })
      case "TooManyRequests":
        return onThrottled(slot, sessionId, error)
      case "ServerError":
      case "TransportError":
        return onTransient(slot, sessionId, error)
      case "Forbidden":
        return fail(slot, sessionId, "Forbidden", error)
      default:
        return fail(slot, sessionId, "Rejected", error)
    }
  }

  /** Starts a refresh unless the worker is closing, the job went stale or a 429 pause is on. */
  const begin = (job: Job) =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      if (closing || !records.isDispatched(job.slot, job.generation)) return undefined
      const sessionId = records.idOf(job.slot)
      if (sessionId === undefined) return undefined
      if (pausedUntil > now) {
        records.reschedule(job.slot, pausedUntil, pausedUntil)
        return undefined
      }
      inFlight++
      counts.requests++
      if (inFlight > maxInFlight) maxInFlight = inFlight
      // a bare id's first refresh has no plan, hence no lag
      const planned = records.plannedAt(job.slot)
      return { sessionId, lag: Number.isNaN(planned) ? undefined : Math.max(0, now - planned) }
    })

  const finish = Effect.suspend(() => {
    inFlight--
    return closing && inFlight === 0 ? Deferred.succeed(drained, undefined) : Effect.void
  })

  const recordLag = (lag: number) =>
    Effect.suspend(() => {
      let bucket = 0
      while ((lagBoundaries[bucket] ?? Infinity) < lag) bucket++
      lagCounts[bucket] = (lagCounts[bucket] ?? 0) + 1
      const worse = lag > worstLag
      if (worse) worstLag = lag
      return Effect.zipRight(
        Metric.update(metrics.lag, lag),
        worse ? Metric.set(metrics.worstLag, lag) : Effect.void
      )
    })

  const runJob = (job: Job) =>
    Effect.gen(function*() {
      if (closing || !records.isDispatched(job.slot, job.generation)) return
      yield* limiter(Effect.void)
      const started = yield* begin(job)
      if (started === undefined) return
      if (started.lag !== undefined) yield* recordLag(started.lag)
      const result = yield* Effect.either(sessions.refreshSession(started.sessionId)).pipe(
        Effect.onExit(() => finish)
      )
      // a session removed while its refresh was in flight is not reported
      if (!records.isDispatched(job.slot, job.generation)) return
      yield* settle(job.slot, started.sessionId, result, started.lag)
    })

  /** A job that dies (a defect, e.g. in a user's schedule) is logged and its session released, not lost. */
  const guarded = (job: Job) =>
    runJob(job).pipe(
      Effect.catchAllDefect((defect) =>
        Effect.gen(function*() {
          yield* Effect.logError("Keepalive: a refresh job died; its session is released", defect)
          const sessionId = records.idOf(job.slot)
          if (sessionId === undefined || records.generationOf(job.slot) !== job.generation) return
          counts.released++
          yield* drop(job.slot, sessionId)
          yield* publish(Event.Released({ sessionId }))
        })
      )
    )

  const worker = Effect.forever(Effect.flatMap(Queue.take(jobs), guarded))

  const fibers = yield* Effect.forEach(
    [scheduler, ...Array.from({ length: settings.concurrency }, () => worker)],
    (fiber) => Effect.forkScoped(Effect.interruptible(fiber))
  )

  yield* Effect.addFinalizer(() =>
    Effect.gen(function*() {
      closing = true
      const [schedulerFiber, ...workerFibers] = fibers
      if (schedulerFiber !== undefined) yield* Fiber.interrupt(schedulerFiber)
      if (inFlight > 0) {
        yield* Effect.timeoutOption(Effect.interruptible(Deferred.await(drained)), settings.shutdownTimeout)
      }
      yield* Fiber.interruptAll(workerFibers)
      yield* Queue.shutdown(jobs)
    })
  )

  return Keepalive.of({
    add,
    addAll,
    remove,
    has,
    tracked,
    events: Stream.fromPubSub(pubsub),
    subscribe: PubSub.subscribe(pubsub),
    stats
  })
})

/**
 * The worker as a layer over `Sessions`; it stops when the layer's scope closes.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Keepalive, Sessions } from "effect-okta-sessions"
 *
 * const KeepaliveLive = Keepalive.layer({ concurrency: 16, share: 0.5 }).pipe(Layer.provide(Sessions.layer))
 * ```
 * @since 0.1.0
 */
export const layer = (options?: Options): Layer.Layer<Keepalive, InvalidOptions, Sessions> =>
  Layer.scoped(Keepalive, make(options))
