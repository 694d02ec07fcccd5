/**
 * One keepalive run, shared by `okta-sessions keepalive` and `npm start`: a worker over the
 * `Sessions` in context keeps the given sessions alive, the events are counted (and printed with
 * `--json`), progress is shown, and the run ends on its duration, on Ctrl-C / SIGTERM (the first
 * one: in-flight refreshes finish, none starts), on an interruption, or when nothing is left to
 * keep alive; then the summary is printed and returned. The tracked set lives in the
 * `KeepaliveStore` in context (memory, or the SQLite file of `--store`): sessions stored by an
 * earlier run are resumed, and a store that cannot be used fails the run with `KeepaliveStoreError`.
 *
 * @since 0.2.0
 */
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import { Keepalive, type KeepaliveStore, type Session, type Sessions } from "../../index.js"
import { CliProcess } from "./cliProcess.js"
import { eventJson, eventLine } from "./keepaliveEvents.js"
import { type Progress, progressJson, progressLine } from "./keepaliveProgress.js"
import { formatSummary, type Summary, summaryJson, workerCounts } from "./keepaliveSummary.js"
import { SecretRedactor } from "./secretRedactor.js"
import { StopSignal } from "./stopSignal.js"
import { UsageError } from "./usageError.js"

/**
 * What the run can see of the org besides the `Sessions` API: the emulator's state, or nothing.
 *
 * @since 0.2.0
 * @category keepalive
 */
export interface OrgView {
  readonly mode: "emulator" | "okta"
  /** Whether a tracked session has expired at `now` by the org's own record (or by its known expiry). */
  readonly hasExpired: (
    sessionId: Session.SessionId,
    knownExpiry: Option.Option<DateTime.Utc>,
    now: DateTime.Utc
  ) => Effect.Effect<boolean>
  /** 429s answered by the org so far, when the org can say. */
  readonly tooManyRequests: Option.Option<Effect.Effect<number>>
  /** Sessions revoked behind the worker's back (by the demo), whose 404 is expected. */
  readonly revoked: ReadonlySet<Session.SessionId>
}

/**
 * The settings of a run.
 *
 * @since 0.2.0
 * @category keepalive
 */
export interface RunSettings {
  readonly concurrency: number
  /** The org's budget for refreshes, of which the worker uses `share`. */
  readonly budget: { readonly limit: number; readonly interval: Duration.Duration }
  readonly share: number
  /** How long to run; none: until stopped or nothing is left. */
  readonly duration: Option.Option<Duration.Duration>
  /** How often progress is reported when stdout is not a terminal (or with `json`). */
  readonly progressEvery: Duration.Duration
  readonly json: boolean
  /** How long stopping waits for in-flight refreshes. */
  readonly shutdownTimeout: Duration.Duration
  /** Where the tracked set is kept, as the summary names it: `memory` or the store file. */
  readonly store: string
}

/** What the event listener (and the org check) has counted. */
interface Tally {
  readonly gone: Set<Session.SessionId>
  /** Reported `Expired` by the worker (ours), by reason. */
  readonly expiredByReason: Record<string, number>
  /** Found expired by the org's record while still tracked (the independent check). */
  readonly expiredByOrg: Set<Session.SessionId>
  readonly failed: Record<string, number>
}

/** Counts (and prints, with `json` or for gone / expired / failed) every event until interrupted. */
const listen = (events: Queue.Dequeue<Keepalive.Event>, tally: Tally, print: (line: string) => Effect.Effect<void>, json: boolean) =>
  Queue.take(events).pipe(
    Effect.flatMap((event) => {
      if (event._tag === "Gone") tally.gone.add(event.sessionId)
      if (event._tag === "Expired") tally.expiredByReason[event.reason] = (tally.expiredByReason[event.reason] ?? 0) + 1
      if (event._tag === "Failed") tally.failed[event.reason] = (tally.failed[event.reason] ?? 0) + 1
      const line = json ? JSON.stringify(eventJson(event)) : eventLine(event)
      return line === undefined ? Effect.void : print(line)
    }),
    Effect.forever
  )

/** Waits for the end of the run and says what ended it. */
const waitForEnd = (settings: RunSettings, keepalive: Keepalive.Keepalive.Service) =>
  Effect.flatMap(StopSignal, (stop) =>
    Effect.raceAll([
      Effect.map(stop.stopped, (signal): Summary["endedBy"] => (signal === "SIGTERM" ? "SIGTERM" : "SIGINT")),
      Option.match(settings.duration, {
        onNone: () => Effect.never,
        onSome: (duration) => Effect.as(Effect.sleep(duration), "duration" as const)
      }),
      // nothing left to keep alive: looked at once a second
      keepalive.stats.pipe(
        Effect.repeat({ schedule: Schedule.spaced("1 second"), until: (stats) => stats.tracked === 0 }),
        Effect.as("nothing left" as const)
      )
    ]))

/** One progress report: in place on a terminal, a line (or `Progress` JSON) otherwise; also checks expiries. */
const makeReport = (run: {
  readonly keepalive: Keepalive.Keepalive.Service
  readonly settings: RunSettings
  readonly every: Duration.Duration
  readonly onTerminal: boolean
  readonly started: number
  readonly tally: Tally
  readonly tooManyRequests: (stats: Keepalive.Stats) => Effect.Effect<number>
  readonly checkExpiry: Effect.Effect<void>
  readonly print: (line: string) => Effect.Effect<void, never, CliProcess>
}) => {
  let lastRequests = 0
  return Effect.gen(function*() {
    const cli = yield* CliProcess
    const stats = yield* run.keepalive.stats
    const allowed = stats.budget.limit * Duration.toMillis(run.every) / Duration.toMillis(stats.budget.interval)
    const progress: Progress = {
      stats,
      expiredByReason: { ...run.tally.expiredByReason },
      tooManyRequests: yield* run.tooManyRequests(stats),
      budgetLeft: Math.min(1, Math.max(0, 1 - (stats.requests - lastRequests) / allowed)),
      elapsed: Duration.millis((yield* Clock.currentTimeMillis) - run.started),
      duration: run.settings.duration
    }
    lastRequests = stats.requests
    yield* run.checkExpiry
    if (run.settings.json) yield* run.print(JSON.stringify(progressJson(progress)))
    else if (run.onTerminal) yield* cli.writeOut(`\r\x1b[2K${progressLine(progress)}`)
    else yield* run.print(progressLine(progress))
  })
}

/**
 * Runs the keepalive on `ids` and returns its summary (also printed).
 *
 * `alongside` runs next to the worker until the run ends (the demo revokes sessions with it).
 *
 * @since 0.2.0
 * @category keepalive
 */
export const runKeepalive = (
  ids: ReadonlyArray<Session.SessionId | Session.Session>,
  org: OrgView,
  settings: RunSettings,
  alongside: (keepalive: Keepalive.Keepalive.Service) => Effect.Effect<void> = () => Effect.void
): Effect.Effect<
  Summary,
  UsageError | KeepaliveStore.KeepaliveStoreError,
  Sessions.Sessions | KeepaliveStore.KeepaliveStore | CliProcess | SecretRedactor | StopSignal
> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(Scope.make(), (workerScope) =>
      startAndRun(ids, org, settings, alongside, restore, workerScope).pipe(
        // a failure before the end (the store): the worker stops, nothing is left running
        Effect.onExit((exit) => Exit.isFailure(exit) ? Scope.close(workerScope, exit) : Effect.void)
      ))
  )

/** The body of `runKeepalive` in the worker's scope (closed by `finish`, or on failure by the caller). */
const startAndRun = (
  ids: ReadonlyArray<Session.SessionId | Session.Session>,
  org: OrgView,
  settings: RunSettings,
  alongside: (keepalive: Keepalive.Keepalive.Service) => Effect.Effect<void>,
  restore: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>,
  workerScope: Scope.CloseableScope
) =>
    Effect.gen(function*() {
      const cli = yield* CliProcess
      const redactor = yield* SecretRedactor
      const print = (line: string) => Effect.flatMap(redactor.redact(line), (safe) => cli.writeOut(`${safe}\n`))
      const started = yield* Clock.currentTimeMillis
      const keepalive = yield* Scope.extend(
        Keepalive.make({
          concurrency: settings.concurrency,
          budget: settings.budget,
          share: settings.share,
          shutdownTimeout: settings.shutdownTimeout
        }),
        workerScope
      ).pipe(Effect.catchTag("InvalidOptions", (error) => Effect.fail(new UsageError({ detail: error.message }))))

      const tally: Tally = { gone: new Set(), expiredByReason: {}, expiredByOrg: new Set(), failed: {} }
      const events = yield* Scope.extend(keepalive.subscribe, workerScope)
      // forked interruptible: this region is not, so that an interruption still prints the summary
      const listener = yield* Effect.fork(Effect.interruptible(listen(events, tally, print, settings.json)))
      // what the store had from an earlier run, before the given sessions are added
      const resumed = (yield* keepalive.stats).tracked
      yield* keepalive.addAll(ids)
      const trackedAtStart = (yield* keepalive.stats).tracked

      /** Counts tracked sessions that the org says have expired. */
      const checkExpiry = Effect.gen(function*() {
        const now = yield* DateTime.now
        for (const [id, knownExpiry] of yield* keepalive.tracked) {
          if (org.revoked.has(id) || tally.expiredByOrg.has(id)) continue
          if (yield* org.hasExpired(id, knownExpiry, now)) tally.expiredByOrg.add(id)
        }
      })
      const tooManyRequests = (stats: Keepalive.Stats) =>
        Option.getOrElse(org.tooManyRequests, () => Effect.succeed(stats.throttled))

      const onTerminal = cli.stdoutIsTTY && !settings.json
      const every = onTerminal ? Duration.millis(500) : settings.progressEvery
      const report = makeReport({ keepalive, settings, every, onTerminal, started, tally, tooManyRequests, checkExpiry, print })
      const reporter = yield* report.pipe(
        Effect.repeat(Schedule.spaced(every)),
        Effect.delay(every),
        Effect.interruptible,
        Effect.fork
      )
      const side = yield* Effect.fork(Effect.interruptible(alongside(keepalive)))

      const ended = yield* Effect.exit(restore(waitForEnd(settings, keepalive)))
      const endedBy: Summary["endedBy"] = Exit.isSuccess(ended) ? ended.value : "interrupted"
      yield* Fiber.interrupt(side)
      yield* Fiber.interrupt(reporter)
      yield* report
      if (onTerminal) yield* cli.writeOut("\n")
      if (endedBy !== "duration" && endedBy !== "nothing left" && !settings.json) {
        yield* print(`stopping (${endedBy}): letting in-flight refreshes finish...`)
      }
      return yield* finish({
        ids,
        resumed,
        trackedAtStart,
        org,
        settings,
        keepalive,
        workerScope,
        listener,
        tally,
        checkExpiry,
        tooManyRequests,
        started,
        endedBy,
        print
      })
    })

/** Stops the worker (in-flight refreshes finish), then builds and prints the summary. */
const finish = (run: {
  readonly ids: ReadonlyArray<unknown>
  readonly resumed: number
  readonly trackedAtStart: number
  readonly org: OrgView
  readonly settings: RunSettings
  readonly keepalive: Keepalive.Keepalive.Service
  readonly workerScope: Scope.CloseableScope
  readonly listener: Fiber.RuntimeFiber<never>
  readonly tally: Tally
  readonly checkExpiry: Effect.Effect<void>
  readonly tooManyRequests: (stats: Keepalive.Stats) => Effect.Effect<number>
  readonly started: number
  readonly endedBy: Summary["endedBy"]
  readonly print: (line: string) => Effect.Effect<void, never, CliProcess>
}) =>
  Effect.gen(function*() {
    const { keepalive, org, tally } = run
    yield* run.checkExpiry
    const trackedAtEnd = (yield* keepalive.tracked).length
    yield* Scope.close(run.workerScope, Exit.void)
    yield* Fiber.interrupt(run.listener)
    const stats = yield* keepalive.stats
    const goneUnexpectedly = Array.from(tally.gone).filter((id) => !org.revoked.has(id) && !tally.expiredByOrg.has(id)).length
    const onTime = stats.lag.find((bucket) => bucket.le >= 1000)?.count ?? 0
    const planned = stats.lag.at(-1)?.count ?? 0
    const summary: Summary = {
      mode: org.mode,
      endedBy: run.endedBy,
      interrupted: run.endedBy !== "duration" && run.endedBy !== "nothing left",
      elapsed: Duration.millis((yield* Clock.currentTimeMillis) - run.started),
      store: run.settings.store,
      sessionsAtStart: run.ids.length,
      resumed: run.resumed,
      trackedAtStart: run.trackedAtStart,
      trackedAtEnd,
      counts: workerCounts(stats),
      failed: { ...tally.failed },
      expiredByReason: { ...tally.expiredByReason },
      tooManyRequests: yield* run.tooManyRequests(stats),
      worstLag: stats.worstLag,
      onTimeShare: planned === 0 ? Option.none() : Option.some(onTime / planned),
      revoked: org.revoked.size,
      goneUnexpectedly,
      // on the emulator, a 404 for a session nobody revoked means it expired while tracked
      expiredByOrg: tally.expiredByOrg.size + (org.mode === "emulator" ? goneUnexpectedly : 0)
    }
    const cli = yield* CliProcess
    if (run.settings.json) yield* run.print(JSON.stringify(summaryJson(summary)))
    else yield* cli.writeOut(formatSummary(summary))
    return summary
  })
