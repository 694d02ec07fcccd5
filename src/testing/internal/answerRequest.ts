/**
 * How the org answers one API request, the path both faces take: count it, apply the
 * concurrent-request limit and the family's window, then the fault knobs, then carry it out.
 *
 * This is the fake's hot path (a keepalive soak sends it hundreds of thousands of requests on the
 * TestClock), so it is written as plain functions over the org's state with as few Effect steps
 * as the knobs allow: with no knob that needs time or chance, `answerAt` answers synchronously and
 * the face wraps the reply in one step; `bench/inMemoryFake.ts` measures it.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import { type Faults, needsEffects, withoutHeaderFaults } from "./faults.js"
import { familyOf } from "./operation.js"
import type { Org } from "./org.js"
import { carryOut, errorBody } from "./orgOperations.js"
import type { RateLimitState, Reply, ReplyBody, Request, WireFault } from "./protocol.js"

const empty: ReplyBody = { _tag: "Empty" }

const tooManyBody = (requestId: string) =>
  errorBody(requestId, "E0000047", "API call exceeded rate limit due to too many requests.")

/** Builds a reply and counts its status. */
const reply = (
  org: Org,
  request: Request,
  requestId: string,
  faults: Faults,
  at: number,
  status: number,
  rateLimit: RateLimitState,
  body: ReplyBody,
  wireFault: WireFault | undefined = undefined,
  unknownEnums = false
): Reply => {
  org.counters.countStatus(status)
  // a dropped request (status 0) still arrived in its window
  org.counters.countWindow(request.operation, org.admission.setting(familyOf[request.operation]), at, status)
  return { operation: request.operation, status, requestId, dateMillis: at, rateLimit, body, wireFault, unknownEnums, faults }
}

/** One request once counted: what the knobs and the windows make of it. */
interface Admitted {
  readonly org: Org
  readonly request: Request
  readonly requestId: string
  readonly faults: Faults
  readonly rateLimit: RateLimitState
}

/** Draws a share with Effect's `Random` (none for a share of 0 or 1), then goes on one way or the other. */
const drawThen = <A>(share: number, onHit: () => Effect.Effect<A>, onMiss: () => Effect.Effect<A>): Effect.Effect<A> =>
  share <= 0 ? onMiss() : share >= 1 ? onHit() : Effect.flatMap(Random.next, (x) => x < share ? onHit() : onMiss())

const draw = (share: number): Effect.Effect<boolean> =>
  share <= 0 ? Effect.succeed(false) : share >= 1 ? Effect.succeed(true) : Effect.map(Random.next, (x) => x < share)

/** A 5xx of one of the knob's statuses: 500 with Okta's E0000009 body, the others empty (as from a proxy). */
const serverError = (admitted: Admitted, at: number): Effect.Effect<Reply> => {
  const { faults, org, rateLimit, request, requestId } = admitted
  const statuses = faults.serverErrorStatuses
  return Effect.map(Random.nextIntBetween(0, statuses.length), (index) => {
    const status = statuses[index] ?? 500
    const body = status === 500 ? errorBody(requestId, "E0000009", "Internal Server Error") : empty
    return reply(org, request, requestId, faults, at, status, rateLimit, body)
  })
}

/** Carries the request out, then damages a Session body on the wire as the knobs say. */
const carriedOut = (admitted: Admitted, at: number): Effect.Effect<Reply> => {
  const { faults, org, rateLimit, request, requestId } = admitted
  const done = carryOut(org, request, requestId, at)
  if (!request.wire || done.body._tag !== "Session") {
    return Effect.succeed(reply(org, request, requestId, faults, at, done.status, rateLimit, done.body))
  }
  return Effect.flatMap(draw(faults.malformedJsonRate), (malformed) =>
    Effect.flatMap(malformed ? Effect.succeed(false) : draw(faults.oversizedBodyRate), (oversized) =>
      Effect.map(draw(faults.unknownEnumRate), (unknownEnums) =>
        reply(org, request, requestId, faults, at, done.status, rateLimit, done.body,
          malformed ? "malformedJson" : oversized ? "oversizedBody" : undefined, unknownEnums))))
}

/** The knobs in their order: dropped connections, forced 429 and 5xx, then the request carried out. */
const decide = (admitted: Admitted, at: number): Effect.Effect<Reply> => {
  const { faults, org, rateLimit, request, requestId } = admitted
  const wire = request.wire
  return drawThen(wire ? faults.connectionResetRate : 0, () => {
    org.counters.connectionResets++
    return Effect.succeed(reply(org, request, requestId, faults, at, 0, rateLimit, empty, "connectionReset"))
  }, () =>
    drawThen(wire ? faults.hangRate : 0, () => {
      org.counters.hangs++
      return Effect.never
    }, () =>
      drawThen(
        faults.tooManyRequestsRate,
        () =>
          Effect.succeed(
            reply(org, request, requestId, faults, at, 429, { ...rateLimit, remaining: 0 }, tooManyBody(requestId))
          ),
        () => drawThen(faults.serverErrorRate, () => serverError(admitted, at), () => carriedOut(admitted, at))
      )))
}

/**
 * The path with knobs: latency first (an `Effect.sleep`, so the TestClock drives it), then `decide`.
 * A request that waits (latency, or a possible hang) holds an in-flight slot while it waits; one that
 * only draws is answered in the same step and holds none.
 */
const answerWithFaults = (admitted: Admitted, at: number): Effect.Effect<Reply> => {
  const { faults, org, request } = admitted
  const waits = faults.latencyMillis > 0 || (request.wire && faults.hangRate > 0)
  if (!waits) {
    org.counters.noteInFlight(org.admission.inFlight + 1)
    return decide(admitted, at)
  }
  const admission = org.admission
  admission.inFlight++
  org.counters.noteInFlight(admission.inFlight)
  const decided = faults.latencyMillis > 0
    ? Effect.zipRight(
      Effect.sleep(Duration.millis(faults.latencyMillis)),
      Effect.clockWith((clock) => decide(admitted, clock.unsafeCurrentTimeMillis()))
    )
    : decide(admitted, at)
  return Effect.ensuring(
    decided,
    Effect.sync(() => {
      admission.inFlight--
    })
  )
}

/**
 * Answers a request at `at`: a `Reply` when no knob needs time or chance (counted, limited and
 * carried out at once), else the effect that answers it.
 */
export const answerAt = (org: Org, request: Request, at: number): Reply | Effect.Effect<Reply> => {
  const faults = request.wire ? org.faults : withoutHeaderFaults(org.faults)
  const requestId = org.ids.nextRequestId()
  const counters = org.counters
  counters.requests++
  counters.byOperation[request.operation]++
  const admission = org.admission
  if (admission.saturated) {
    counters.concurrencyRejections++
    const estimate = { limit: 0, remaining: 0, resetEpochSeconds: Math.ceil(at / 1000) + 1 }
    return reply(org, request, requestId, faults, at, 429, estimate, tooManyBody(requestId))
  }
  const window = admission.admit(request.operation, at)
  if (!window.allowed) return reply(org, request, requestId, faults, at, 429, window.state, tooManyBody(requestId))
  if (needsEffects(faults, request.wire)) {
    return answerWithFaults({ org, request, requestId, faults, rateLimit: window.state }, at)
  }
  counters.noteInFlight(admission.inFlight + 1)
  const done = carryOut(org, request, requestId, at)
  return reply(org, request, requestId, faults, at, done.status, window.state, done.body)
}

/** Answers a request on the org's clock (Effect's `Clock`), as an effect. */
export const answer = (org: Org, request: Request): Effect.Effect<Reply> =>
  Effect.clockWith((clock) => {
    const answered = answerAt(org, request, clock.unsafeCurrentTimeMillis())
    return Effect.isEffect(answered) ? answered : Effect.succeed(answered)
  })
