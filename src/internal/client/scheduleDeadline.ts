import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleIntervals from "effect/ScheduleIntervals"

/**
 * `self`, made to stop instead of recurring when its next recurrence would start more than
 * `maxElapsed` after its first step: a retry that could only land past the deadline is not waited for.
 */
export const withinElapsed = <Out, In, R>(
  self: Schedule.Schedule<Out, In, R>,
  maxElapsedMillis: number
): Schedule.Schedule<Out, In, R> =>
  Schedule.makeWithState<readonly [number | undefined, unknown], In, Out, R>(
    [undefined, self.initial],
    (now, input, [start, state]) => {
      const startedAt = start ?? now
      return Effect.map(self.step(now, input, state), ([next, out, decision]) => {
        const nextState = [startedAt, next] as const
        const late = ScheduleDecision.isContinue(decision) &&
          ScheduleIntervals.start(decision.intervals) - startedAt > maxElapsedMillis
        return [nextState, out, late ? ScheduleDecision.done : decision] as const
      })
    }
  )
