/**
 * The fault knobs of the fake org: their schema (shared by `setFaults`, `layer({ faults })` and the
 * emulator's `PATCH /__admin/faults`), the knobs in force, and merging a change into them.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { InvalidOptions } from "../../InvalidOptions.js"
import { decodeOptions } from "../../internal/options/decodeOptions.js"

/** A share between 0 and 1: the probability that a request meets a fault. */
const Share = Schema.Number.pipe(Schema.between(0, 1, { message: () => "a share is a number from 0 to 1" }))

const knob = <A, I>(schema: Schema.Schema<A, I>) => Schema.optionalWith(schema, { exact: true })

/**
 * The knobs, each optional (an unset knob keeps its value). A knob the fake does not have is refused
 * rather than ignored, so that a typo does not leave a test without its fault.
 */
export const FaultSettings = Schema.Struct({
  latencyMillis: knob(Schema.NonNegativeInt),
  serverErrorRate: knob(Share),
  serverErrorStatuses: knob(Schema.NonEmptyArray(Schema.Literal(500, 502, 503, 504))),
  tooManyRequestsRate: knob(Share),
  connectionResetRate: knob(Share),
  hangRate: knob(Share),
  malformedJsonRate: knob(Share),
  omitDate: knob(Schema.Boolean),
  omitRateLimitReset: knob(Schema.Boolean),
  duplicateRateLimitReset: knob(Schema.Boolean),
  unknownEnumRate: knob(Share),
  oversizedBodyRate: knob(Share),
  oversizedBodyBytes: knob(Schema.Int.pipe(Schema.between(1024, 64 * 1024 * 1024)))
}).annotations({ identifier: "FaultSettings", parseOptions: { onExcessProperty: "error" } })

/** Fault settings: some knobs. */
export type FaultSettings = typeof FaultSettings.Type

/** Every knob with its value. */
export type Faults = { readonly [K in keyof FaultSettings]-?: Exclude<FaultSettings[K], undefined> }

/** No fault at all. */
export const noFaults: Faults = {
  latencyMillis: 0,
  serverErrorRate: 0,
  serverErrorStatuses: [500, 502, 503, 504],
  tooManyRequestsRate: 0,
  connectionResetRate: 0,
  hangRate: 0,
  malformedJsonRate: 0,
  omitDate: false,
  omitRateLimitReset: false,
  duplicateRateLimitReset: false,
  unknownEnumRate: 0,
  oversizedBodyRate: 0,
  oversizedBodyBytes: 2 * 1024 * 1024
}

const decodeFaults = decodeOptions("FakeOkta", Schema.Struct({ faults: FaultSettings }))

/** The knobs after `settings` on top of `base`; `InvalidOptions` names the first knob out of range (`faults.hangRate`). */
export const mergeFaults = (base: Faults, settings: FaultSettings): Effect.Effect<Faults, InvalidOptions> =>
  Effect.map(decodeFaults({ faults: settings }), ({ faults }): Faults => ({ ...base, ...faults }))

/** The header faults switched off: what the in-memory face, which has no headers, answers with. */
export const withoutHeaderFaults = (faults: Faults): Faults =>
  faults.omitDate || faults.omitRateLimitReset || faults.duplicateRateLimitReset
    ? { ...faults, omitDate: false, omitRateLimitReset: false, duplicateRateLimitReset: false }
    : faults

/** Whether any knob needs time or chance (a sleep, a random draw) for a request of this face. */
export const needsEffects = (faults: Faults, wire: boolean): boolean =>
  faults.latencyMillis > 0 || faults.tooManyRequestsRate > 0 || faults.serverErrorRate > 0 ||
  (wire && (faults.connectionResetRate > 0 || faults.hangRate > 0 || faults.malformedJsonRate > 0 ||
    faults.oversizedBodyRate > 0 || faults.unknownEnumRate > 0))
