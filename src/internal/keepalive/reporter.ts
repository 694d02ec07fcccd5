/**
 * The one place that records what the worker does: its counts, the lag histogram, the Effect
 * metrics and the event stream all change together here, so a count and its event cannot disagree.
 */
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import type * as OktaError from "../../OktaError.js"
import type { Session, SessionId } from "../../Session.js"
import type { RefreshSessionError } from "../../Sessions.js"
import { Event, type ExpiredReason, type FailureReason } from "./event.js"
import { lagBoundaries, metrics } from "./metrics.js"

/**
 * One bucket of the lag histogram: refreshes that started at most `le` milliseconds late.
 *
 * @since 0.1.0
 * @category stats
 */
export interface LagBucket {
  readonly le: number
  readonly count: number
}

/**
 * A snapshot of one worker's counters since it started.
 *
 * @since 0.1.0
 * @category stats
 */
export interface Stats {
  /** Sessions tracked now. */
  readonly tracked: number
  /** Tracked sessions waiting in the scheduler (the rest are in a worker's hands). */
  readonly queued: number
  /** Of those, the ones already due, waiting for a worker or the budget. */
  readonly ready: number
  /** Record slots allocated: grows with the most sessions tracked at once, not with time. */
  readonly slots: number
  /** Refreshes in flight now, and the most there ever were at once. */
  readonly inFlight: number
  readonly maxInFlight: number
  /** Refresh requests started (hedges included). */
  readonly requests: number
  readonly refreshed: number
  /** Sessions Okta ended (404 before their known expiry). */
  readonly gone: number
  /** Tracked sessions that expired before the worker could refresh them (`Expired` events). */
  readonly expired: number
  readonly failed: number
  readonly released: number
  /** Transient failures that were retried. */
  readonly retried: number
  /** Second attempts sent beside a slow refresh. */
  readonly hedged: number
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
  /** Refreshes per second the tracked set needs at its current pace (sessions whose expiry is known). */
  readonly neededRate: number
  /** Refreshes per second the budget allows. */
  readonly allowedRate: number
  /** `allowedRate - neededRate`: negative when over capacity. */
  readonly headroom: number
  /** About how many sessions the budget can hold at the set's average pace (`Infinity` while none needs refreshing). */
  readonly holdable: number
}

/** What the reporter needs to know of the tracked set for a snapshot. */
export interface QueueView {
  readonly tracked: number
  readonly queued: number
  readonly ready: number
  readonly slots: number
  readonly neededRate: number
  readonly pausedUntil: number
}

/** The counters that only count. */
const zeroCounts = () => ({
  requests: 0,
  refreshed: 0,
  gone: 0,
  expired: 0,
  failed: 0,
  released: 0,
  retried: 0,
  hedged: 0,
  throttled: 0
})

/** Builds a reporter publishing to `pubsub`. */
export const makeReporter = (
  pubsub: PubSub.PubSub<Event>,
  budget: { readonly limit: number; readonly interval: Duration.Duration; readonly allowedRate: number }
) => {
  const counts = zeroCounts()
  const lagCounts = new Float64Array(lagBoundaries.length)
  let worstLag = 0
  let inFlight = 0
  let maxInFlight = 0
  let overCapacity = false

  const publish = (event: Event) => PubSub.publish(pubsub, event)

  const recordLag = (lag: number): Effect.Effect<void> => {
    let bucket = 0
    while ((lagBoundaries[bucket] ?? Infinity) < lag) bucket++
    lagCounts[bucket] = (lagCounts[bucket] ?? 0) + 1
    const worse = lag > worstLag
    if (worse) worstLag = lag
    return Effect.zipRight(Metric.update(metrics.lag, lag), worse ? Metric.set(metrics.worstLag, lag) : Effect.void)
  }

  const holdable = (tracked: number, neededRate: number) =>
    neededRate > 0 ? Math.floor(tracked * budget.allowedRate / neededRate) : Number.POSITIVE_INFINITY

  return {
    get inFlight() {
      return inFlight
    },
    /** A refresh request starts; `lag` is behind its plan (undefined when it had none). */
    started: (lag: number | undefined): Effect.Effect<void> =>
      Effect.suspend(() => {
        inFlight++
        counts.requests++
        if (inFlight > maxInFlight) maxInFlight = inFlight
        return lag === undefined ? Effect.void : recordLag(lag)
      }),
    /** A hedge (second attempt) starts beside a slow refresh. */
    hedged: Effect.suspend(() => {
      counts.requests++
      counts.hedged++
      return Metric.increment(metrics.hedged)
    }),
    finished: Effect.sync(() => {
      inFlight--
    }),
    tracked: (size: number) => Metric.set(metrics.tracked, size),
    refreshed: (sessionId: SessionId, session: Session, lag: number | undefined) =>
      Effect.suspend(() => {
        counts.refreshed++
        return Effect.zipRight(
          Metric.increment(metrics.refreshed),
          publish(Event.Refreshed({ sessionId, session, lag: Duration.millis(lag ?? 0) }))
        )
      }),
    gone: (sessionId: SessionId, error: OktaError.NotFound) =>
      Effect.suspend(() => {
        counts.gone++
        return Effect.zipRight(Metric.increment(metrics.gone), publish(Event.Gone({ sessionId, error })))
      }),
    expired: (sessionId: SessionId, expiresAt: number, reason: ExpiredReason) =>
      Effect.suspend(() => {
        counts.expired++
        return Effect.zipRight(
          Metric.increment(metrics.expired),
          publish(Event.Expired({ sessionId, expiresAt: DateTime.unsafeMake(expiresAt), reason }))
        )
      }),
    failed: (sessionId: SessionId, reason: FailureReason, error: RefreshSessionError) =>
      Effect.suspend(() => {
        counts.failed++
        return Effect.zipRight(Metric.increment(metrics.failed), publish(Event.Failed({ sessionId, reason, error })))
      }),
    released: (sessionId: SessionId) =>
      Effect.suspend(() => {
        counts.released++
        return publish(Event.Released({ sessionId }))
      }),
    retried: Effect.suspend(() => {
      counts.retried++
      return Metric.increment(metrics.retried)
    }),
    throttled: (sessionId: SessionId, error: OktaError.TooManyRequests, wait: number) =>
      Effect.suspend(() => {
        counts.throttled++
        return Effect.zipRight(
          Metric.increment(metrics.throttled),
          publish(Event.Throttled({ sessionId, error, wait: Duration.millis(wait) }))
        )
      }),
    /** Checks the need against the budget; reports `OverCapacity` when the need crosses it. */
    capacity: (tracked: number, neededRate: number): Effect.Effect<void> =>
      Effect.suspend(() => {
        const over = neededRate > budget.allowedRate
        const crossed = over && !overCapacity
        overCapacity = over
        return Effect.all([
          Metric.set(metrics.neededRate, neededRate),
          Metric.set(metrics.allowedRate, budget.allowedRate),
          crossed
            ? publish(Event.OverCapacity({
              neededRate,
              allowedRate: budget.allowedRate,
              excess: neededRate - budget.allowedRate,
              holdable: holdable(tracked, neededRate)
            }))
            : Effect.void
        ], { discard: true })
      }),
    snapshot: (view: QueueView, now: number): Stats => {
      let cumulative = 0
      const lag = lagBoundaries.map((le, i) => {
        cumulative += lagCounts[i] ?? 0
        return { le, count: cumulative }
      })
      return {
        tracked: view.tracked,
        queued: view.queued,
        ready: view.ready,
        slots: view.slots,
        inFlight,
        maxInFlight,
        ...counts,
        pausedUntil: view.pausedUntil > now ? Option.some(DateTime.unsafeMake(view.pausedUntil)) : Option.none(),
        worstLag: Duration.millis(worstLag),
        lag,
        budget: { limit: budget.limit, interval: budget.interval },
        neededRate: view.neededRate,
        allowedRate: budget.allowedRate,
        headroom: budget.allowedRate - view.neededRate,
        holdable: holdable(view.tracked, view.neededRate)
      }
    }
  }
}

/** The reporter of one worker. */
export type Reporter = ReturnType<typeof makeReporter>
