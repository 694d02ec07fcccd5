/**
 * A sleep of any finite length. Effect's live clock hands a delay to `setTimeout`, which holds at
 * most 2^31 − 1 ms (about 24.8 days) and treats anything longer as "never": a longer sleep is taken
 * in pieces that each fit.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { maxTimerMillis } from "../options/optionSchemas.js"

/** Sleeps `millis` milliseconds (0 or less: not at all), in timer-sized pieces. */
export const sleepMillis = (millis: number): Effect.Effect<void> =>
  millis <= 0
    ? Effect.void
    : millis <= maxTimerMillis
    ? Effect.sleep(Duration.millis(millis))
    : Effect.zipRight(Effect.sleep(Duration.millis(maxTimerMillis)), Effect.suspend(() => sleepMillis(millis - maxTimerMillis)))
