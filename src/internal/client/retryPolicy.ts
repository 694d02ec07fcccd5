/**
 * The one retry schedule of a call, for `Effect.retry`: it dispatches on the failure — a 429
 * (`TooManyRequests`) steps the 429 retry (`RateLimit.retrySchedule` or the user's), a transient
 * failure of a call that is safe to repeat steps the transient retry (`Retry.transientSchedule` or
 * the user's), anything else stops — and it stops before any retry that would start after the call's
 * deadline (its start plus `maxElapsed`, throttle holds included). No delay is longer than a timer can
 * hold. Each retry is logged once (Debug) with its delay and told to `onRetry` (the call's
 * `okta.retry` span event and retry metric, callObservation.ts).
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleInterval from "effect/ScheduleInterval"
import * as ScheduleIntervals from "effect/ScheduleIntervals"
import * as OktaError from "../../OktaError.js"
import type { RateLimited } from "../../RateLimit.js"
import * as Retry from "../../Retry.js"
import { maxTimerMillis } from "../options/optionSchemas.js"

/** What the policy of one call is made of. */
export interface RetryPolicyInput {
  readonly method: string
  readonly pathTemplate: string
  readonly rateLimitRetry: Schedule.Schedule<unknown, RateLimited>
  readonly transientRetry: Schedule.Schedule<unknown, Retry.TransientError>
  /** Whether a transient failure may be retried. */
  readonly retrySafe: boolean
  /** No retry starts later than this (local clock, milliseconds). */
  readonly deadlineMillis: number
  /** Told the request id of each 429 retried, so that retries can carry `X-Okta-Retry-For`. */
  readonly onRateLimited: (requestId: string | undefined) => void
  /** Told each retry the policy allows: its number (from 1), its delay and the failure it follows. */
  readonly onRetry: (count: number, delayMillis: number, error: { readonly _tag: string }) => void
}

/** One step of the policy: the retry it allows (count from 1) and its delay; count 0 when it stops. */
export interface RetryStep {
  readonly count: number
  readonly delayMillis: number
}

interface PolicyState {
  readonly rateLimit: unknown
  readonly transient: unknown
  readonly count: number
}

const stop = (state: PolicyState) =>
  Effect.succeed([state, { count: 0, delayMillis: 0 }, ScheduleDecision.done] as const)

/** The policy of one call over its failures `E`. */
export const retryPolicy = <E extends { readonly _tag: string }>(
  input: RetryPolicyInput
): Schedule.Schedule<RetryStep, E> =>
  Schedule.makeWithState<PolicyState, E, RetryStep>(
    { rateLimit: input.rateLimitRetry.initial, transient: input.transientRetry.initial, count: 0 },
    (now, error, state) => {
      if (error instanceof OktaError.TooManyRequests) {
        input.onRateLimited(error.requestId)
        return Effect.flatMap(input.rateLimitRetry.step(now, error, state.rateLimit), ([next, , decision]) =>
          decide(input, now, error, { ...state, rateLimit: next }, decision))
      }
      if (input.retrySafe && Retry.isTransient(error)) {
        return Effect.flatMap(input.transientRetry.step(now, error, state.transient), ([next, , decision]) =>
          decide(input, now, error, { ...state, transient: next }, decision))
      }
      return stop(state)
    }
  )

/** The inner schedule's decision, bounded by the deadline and the timer limit, logged and recorded. */
const decide = (
  input: RetryPolicyInput,
  now: number,
  error: { readonly _tag: string },
  state: PolicyState,
  decision: ScheduleDecision.ScheduleDecision
) => {
  if (ScheduleDecision.isDone(decision)) return stop(state)
  const start = Math.max(now, ScheduleIntervals.start(decision.intervals))
  if (start > input.deadlineMillis) return stop(state)
  const delayMillis = Math.min(start - now, maxTimerMillis)
  const count = state.count + 1
  const step: RetryStep = { count, delayMillis }
  const delay = Duration.format(Duration.millis(Math.round(delayMillis)))
  return Effect.as(
    Effect.zipRight(
      Effect.sync(() => input.onRetry(count, delayMillis, error)),
      Effect.logDebug(`Okta: retry ${count} of ${input.method} ${input.pathTemplate} in ${delay} after ${error._tag}`)
    ),
    [
      { ...state, count },
      step,
      // The inner schedule's own intervals when they fit a timer (recomputing them would add rounding).
      start - now > maxTimerMillis ? ScheduleDecision.continueWith(ScheduleInterval.after(now + maxTimerMillis)) : decision
    ] as const
  )
}
