/**
 * The fault matrix: every fault knob of the emulator, alone and mixed, on every operation, over real
 * loopback HTTP, over `NodeHttpClient.layerUndici` and over the lean `OktaUndici` layer. Each cell runs against its own emulator; its outcome must be a success or
 * the specific typed error the knob calls for, never a defect, within a bounded time, and the
 * emulator's counters say how many requests the client sent.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Cause, Clock, Context, Duration, Effect, Exit, Layer, Option, type Redacted } from "effect"
import { OktaError, RateLimit, type Session, Sessions } from "effect-okta-sessions"
import { FakeOkta, OktaEmulator } from "effect-okta-sessions/testing"
import { type ClientStack, clientStacks } from "./clientStacks.js"

/** What an operation needs from the fake org. */
interface Inputs {
  readonly sessionId: Session.SessionId
  readonly userId: Session.UserId
  readonly sessionToken: Redacted.Redacted<string>
  readonly cookie: Session.SessionCookie
}

interface Operation {
  readonly name: FakeOkta.Operation
  readonly call: (sessions: Sessions.Sessions.Service, inputs: Inputs) => Effect.Effect<unknown, OktaError.OktaError>
  /** A transient failure is retried (everything but createSession). */
  readonly retrySafe: boolean
  /** Answers a Session body (the others answer 204). */
  readonly returnsSession: boolean
  /** Documents 429, so a 429 is `TooManyRequests` and retried (the `/me` calls get `UnexpectedStatus`). */
  readonly documents429: boolean
  /**
   * Ends the session: when an attempt that timed out did reach the emulator, its retry finds the
   * session gone and answers `NotFound` (documented in the README).
   */
  readonly endsSession?: true
}

const operations: ReadonlyArray<Operation> = [
  { name: "createSession", call: (s, i) => s.createSession(i.sessionToken), retrySafe: false, returnsSession: true, documents429: true },
  { name: "getSession", call: (s, i) => s.getSession(i.sessionId), retrySafe: true, returnsSession: true, documents429: true },
  { name: "refreshSession", call: (s, i) => s.refreshSession(i.sessionId), retrySafe: true, returnsSession: true, documents429: true },
  { name: "revokeSession", call: (s, i) => s.revokeSession(i.sessionId), retrySafe: true, returnsSession: false, documents429: true, endsSession: true },
  { name: "getCurrentSession", call: (s, i) => s.getCurrentSession(i.cookie), retrySafe: true, returnsSession: true, documents429: false },
  { name: "refreshCurrentSession", call: (s, i) => s.refreshCurrentSession(i.cookie), retrySafe: true, returnsSession: true, documents429: false },
  { name: "closeCurrentSession", call: (s, i) => s.closeCurrentSession(i.cookie), retrySafe: true, returnsSession: false, documents429: false, endsSession: true },
  { name: "revokeUserSessions", call: (s, i) => s.revokeUserSessions(i.userId), retrySafe: true, returnsSession: false, documents429: true }
]

/**
 * The client under test: 2 retries, 10 s for retries, bodies up to 64 KiB, and a quicker 429 retry
 * than the default (50 ms pad, 100 ms jitter, 200 ms backoff; the default one is timed on the
 * `TestClock` in RateLimit.test.ts). The request timeout is 1 s where a knob makes the emulator
 * hang, and 5 s elsewhere, so that a loaded machine does not turn a slow answer into a timeout.
 */
const maxRetries = 2
const clientOptions = (knob: Knobs) =>
  ({
    maxRetries,
    maxElapsed: "10 seconds",
    maxResponseBytes: 64 * 1024,
    rateLimitRetry: RateLimit.retrySchedule({ maxRetries, maxElapsed: "10 seconds", pad: "50 millis", jitter: "100 millis", backoff: "200 millis" }),
    requestTimeout: (knob.faults.hangRate ?? 0) > 0 ? "1 second" : "5 seconds"
  }) as const

/** What a cell may end as: `success` or an error tag, and how many requests the emulator may count. */
interface Expected {
  readonly outcomes: ReadonlyArray<string>
  readonly requests: readonly [min: number, max: number]
}

const exactly = (outcome: string, requests: number): Expected => ({ outcomes: [outcome], requests: [requests, requests] })
const retried = (op: Operation) => op.retrySafe ? 1 + maxRetries : 1
const tooManyOutcome = (op: Operation) => op.documents429 ? exactly("TooManyRequests", 1 + maxRetries) : exactly("UnexpectedStatus", 1)

interface Knobs {
  readonly name: string
  readonly faults: FakeOkta.FaultSettings
  readonly expected: (op: Operation, counters: FakeOkta.Counters) => Expected
}

const statusCount = (counters: FakeOkta.Counters, status: number): number => counters.byStatus[status] ?? 0
const answered2xx = (counters: FakeOkta.Counters): number => statusCount(counters, 200) + statusCount(counters, 204)

/**
 * The transport errors a call in a cell with hangs may end with: a reset only when one was served; a
 * timeout always (the 1 s timeout also ends an attempt whose answer a loaded machine reads too late,
 * even one the emulator counted as a 2xx).
 */
const transportOutcomes = (counters: FakeOkta.Counters): ReadonlyArray<string> => [
  ...(counters.connectionResets > 0 ? ["TransportError:Connection"] : []),
  "TransportError:Timeout"
]

const knobs: ReadonlyArray<Knobs> = [
  // ---- each knob alone, at a rate of 1 so that the outcome is certain ----
  { name: "latencyMillis 30", faults: { latencyMillis: 30 }, expected: () => exactly("success", 1) },
  {
    name: "serverErrorRate 1 (503)",
    faults: { serverErrorRate: 1, serverErrorStatuses: [503] },
    expected: (op) => exactly("ServerError", retried(op))
  },
  {
    name: "serverErrorRate 1 (502, 504)",
    faults: { serverErrorRate: 1, serverErrorStatuses: [502, 504] },
    expected: (op) => exactly("ServerError", retried(op))
  },
  { name: "serverErrorRate 1 (500)", faults: { serverErrorRate: 1, serverErrorStatuses: [500] }, expected: () => exactly("ServerError", 1) },
  { name: "tooManyRequestsRate 1", faults: { tooManyRequestsRate: 1 }, expected: tooManyOutcome },
  { name: "connectionResetRate 1", faults: { connectionResetRate: 1 }, expected: (op) => exactly("TransportError:Connection", retried(op)) },
  {
    name: "hangRate 1",
    faults: { hangRate: 1 },
    // On a loaded machine an attempt can time out before it reaches the emulator, which then does not count it.
    expected: (op) => ({ outcomes: ["TransportError:Timeout"], requests: [1, retried(op)] })
  },
  {
    name: "malformedJsonRate 1",
    faults: { malformedJsonRate: 1 },
    expected: (op) => op.returnsSession ? exactly("DecodeError", 1) : exactly("success", 1)
  },
  { name: "omitDate", faults: { omitDate: true }, expected: () => exactly("success", 1) },
  { name: "omitRateLimitReset", faults: { omitRateLimitReset: true }, expected: () => exactly("success", 1) },
  { name: "duplicateRateLimitReset", faults: { duplicateRateLimitReset: true }, expected: () => exactly("success", 1) },
  { name: "unknownEnumRate 1", faults: { unknownEnumRate: 1 }, expected: () => exactly("success", 1) },
  {
    name: "oversizedBodyRate 1",
    faults: { oversizedBodyRate: 1, oversizedBodyBytes: 128 * 1024 },
    expected: (op) => op.returnsSession ? exactly("TransportError:ResponseTooLarge", 1) : exactly("success", 1)
  },
  // ---- mixed ----
  { name: "tooManyRequestsRate 1 + omitDate", faults: { tooManyRequestsRate: 1, omitDate: true }, expected: tooManyOutcome },
  { name: "tooManyRequestsRate 1 + omitRateLimitReset", faults: { tooManyRequestsRate: 1, omitRateLimitReset: true }, expected: tooManyOutcome },
  {
    name: "tooManyRequestsRate 1 + duplicateRateLimitReset",
    faults: { tooManyRequestsRate: 1, duplicateRateLimitReset: true },
    expected: tooManyOutcome
  },
  // The mixed cells draw their faults at random: the outcome each must produce is read from what the
  // emulator did (its counters), so that every tag is asserted against the fault that causes it.
  {
    name: "serverErrorRate 0.5 (502, 503, 504) + latency 10 + unknownEnumRate 0.5",
    faults: { serverErrorRate: 0.5, serverErrorStatuses: [502, 503, 504], latencyMillis: 10, unknownEnumRate: 0.5 },
    // a 2xx ends the call with success; otherwise every attempt was a transient 5xx, all retried
    expected: (op, counters) =>
      answered2xx(counters) > 0 ? { outcomes: ["success"], requests: [1, retried(op)] } : exactly("ServerError", retried(op))
  },
  {
    name: "connectionResetRate 0.3 + hangRate 0.3 + malformedJsonRate 0.3",
    faults: { connectionResetRate: 0.3, hangRate: 0.3, malformedJsonRate: 0.3 },
    expected: (op, counters) => {
      // a retry after a timed-out attempt that did end the session
      if (statusCount(counters, 404) > 0) return { outcomes: ["NotFound", ...transportOutcomes(counters)], requests: [2, retried(op)] }
      // an answer ends the call: a Session, or a cut-off one
      const answered = answered2xx(counters) > 0 ? (op.returnsSession ? ["success", "DecodeError"] : ["success"]) : []
      return { outcomes: [...answered, ...transportOutcomes(counters)], requests: [1, retried(op)] }
    }
  },
  {
    name: "every knob at 0.2, no Date, duplicated Reset",
    faults: {
      latencyMillis: 5,
      serverErrorRate: 0.2,
      tooManyRequestsRate: 0.2,
      connectionResetRate: 0.2,
      hangRate: 0.2,
      malformedJsonRate: 0.2,
      unknownEnumRate: 0.2,
      oversizedBodyRate: 0.2,
      oversizedBodyBytes: 128 * 1024,
      omitDate: true,
      duplicateRateLimitReset: true
    },
    expected: (op, counters) => ({
      // only the tags of faults the emulator did serve
      outcomes: [
        ...(statusCount(counters, 404) > 0 ? ["NotFound"] : []),
        ...(answered2xx(counters) > 0
          ? ["success", ...(op.returnsSession ? ["DecodeError", "TransportError:ResponseTooLarge"] : [])]
          : []),
        ...([500, 502, 503, 504].some((status) => statusCount(counters, status) > 0) ? ["ServerError"] : []),
        ...(counters.tooManyRequests > 0 ? [op.documents429 ? "TooManyRequests" : "UnexpectedStatus"] : []),
        ...transportOutcomes(counters)
      ],
      // each kind of failure has its own bound: up to maxRetries after 429s and maxRetries after transient ones
      requests: [1, op.retrySafe ? 1 + 2 * maxRetries : 1 + maxRetries]
    })
  }
]

/** The longest a cell may take: retries, timeouts and waits for 1-second windows included. */
const cellBound = Duration.seconds(12)

interface CellResult {
  readonly outcome: string
  readonly counters: FakeOkta.Counters
  readonly requests: number
  readonly elapsedMillis: number
}

/** Runs one operation against a fresh emulator with `faults` set, and reports what happened. */
const runCell = (knob: Knobs, op: Operation, stack: ClientStack): Effect.Effect<CellResult, unknown> =>
  Effect.scoped(
    Effect.gen(function*() {
      const context = yield* Layer.build(
        stack(OktaEmulator.layerConfig(clientOptions(knob))).pipe(
          Layer.provideMerge(OktaEmulator.layerWithFakeOkta(undefined, {
            // short windows, so that a 429's reset comes within a second
            rateLimits: { sessions: { limit: 10_000, window: "1 second" }, users: { limit: 10_000, window: "1 second" } }
          }))
        )
      )
      const fake = Context.get(context, FakeOkta.FakeOkta)
      const sessions = Context.get(context, Sessions.Sessions)
      const [seeded] = yield* fake.seedSessions(1)
      if (seeded === undefined) return yield* Effect.dieMessage("no session seeded")
      const inputs: Inputs = {
        sessionId: seeded.id,
        userId: seeded.userId,
        sessionToken: yield* fake.issueSessionToken(seeded.userId),
        cookie: FakeOkta.cookieFor(seeded.id)
      }
      yield* fake.setFaults(knob.faults)
      yield* fake.resetCounters
      const started = yield* Clock.currentTimeMillis
      const exit = yield* Effect.exit(op.call(sessions, inputs).pipe(Effect.timeout(cellBound)))
      const elapsedMillis = (yield* Clock.currentTimeMillis) - started
      const counters = yield* fake.counters
      return { outcome: outcomeOf(exit), counters, requests: counters.requests, elapsedMillis }
    })
  )

/** `success`, the tag of the typed error, or a description of a defect, an interruption or a hang. */
const outcomeOf = (exit: Exit.Exit<unknown, unknown>): string => {
  if (Exit.isSuccess(exit)) return "success"
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure)) {
    const error = failure.value
    if (error instanceof Cause.TimeoutException) return "hang"
    if (error instanceof OktaError.TransportError) return `TransportError:${error.reason}`
    return typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string"
      ? error._tag
      : `untyped failure: ${String(error)}`
  }
  return `defect: ${Cause.pretty(exit.cause)}`
}

/** Knobs whose cells neither retry nor wait. */
const quick = (knob: Knobs): boolean =>
  knob.faults.tooManyRequestsRate === undefined && knob.faults.hangRate === undefined &&
  knob.faults.connectionResetRate === undefined && knob.faults.serverErrorRate === undefined

/** The undici-based stacks: the platform client over undici, and the lean layer. */
const stacks = clientStacks.filter(([name]) => name !== "FetchHttpClient")
const cells = stacks.flatMap(([stackName, stack]) =>
  knobs.flatMap((knob) => operations.map((op) => ({ knob, op, stack, key: `${stackName}: ${knob.name} / ${op.name}` })))
)
const results = new Map<string, CellResult>()
let matrixMillis = 0

describe("fault matrix over loopback HTTP", () => {
  beforeAll(async () => {
    const begun = Date.now()
    const run = (cell: (typeof cells)[number]) =>
      Effect.map(runCell(cell.knob, cell.op, cell.stack), (result) => {
        results.set(cell.key, result)
      })
    // One cell alone first, so that loading and compiling do not count against the others' timeouts;
    // then the rest, the ones that wait for retries first.
    const [first, ...rest] = cells
    const waitsFirst = [...rest].sort((a, b) => Number(quick(a.knob)) - Number(quick(b.knob)))
    await Effect.runPromise(
      Effect.zipRight(first === undefined ? Effect.void : run(first), Effect.forEach(waitsFirst, run, { concurrency: 32 }))
    )
    matrixMillis = Date.now() - begun
  }, 120_000)

  afterAll(() => {
    const elapsed = [...results.values()].map((result) => result.elapsedMillis)
    console.log(`fault matrix: ${cells.length} cells in ${matrixMillis} ms; the slowest cell took ${Math.max(...elapsed)} ms, all cells together ${elapsed.reduce((a, b) => a + b, 0)} ms`)
  })

  it.each(cells)("$key", ({ key, knob, op }) => {
    const result = results.get(key)
    expect(result, key).toBeDefined()
    if (result === undefined) return
    const expected = knob.expected(op, result.counters)
    expect(expected.outcomes, `${key}: outcome`).toContain(result.outcome)
    expect(result.requests, `${key}: requests counted by the emulator`).toBeGreaterThanOrEqual(expected.requests[0])
    expect(result.requests, `${key}: requests counted by the emulator`).toBeLessThanOrEqual(expected.requests[1])
  })
})
