/**
 * The main job (`npm start`): keeps Okta sessions alive with the keepalive worker, shows one live
 * progress line and ends with a summary table.
 *
 * With no `--ids`, it starts the Okta emulator in this process with 1,000 sessions, a 2-minute idle
 * window, a rate limit and a few injected 429s and 5xx, revokes a few sessions behind the worker's
 * back along the way, and checks against the emulator's own state that no tracked session expired.
 *
 *   npm start                                  # 60 s on the emulator
 *   npm start -- --duration 300 --sessions 5000
 *   OKTA_CLIENT_ORGURL=https://dev-123.okta.com OKTA_CLIENT_TOKEN=00abc... npm start -- --ids ids.txt
 *   npm start -- --help
 *
 * Ctrl-C ends early: in-flight refreshes finish, none starts, and the summary is printed.
 * Importing this file runs nothing; only running it as the main script does.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import {
  Array as Arr,
  Clock,
  DateTime,
  Duration,
  Effect,
  Exit,
  Fiber,
  Layer,
  Option,
  Queue,
  Schedule,
  Schema,
  Scope
} from "effect"
import { Keepalive, KeepaliveStore, OktaConfig, Session, Sessions } from "effect-okta-sessions"
import { FakeOkta, OktaEmulator } from "effect-okta-sessions/testing"
import { pathToFileURL } from "node:url"

/** Where progress and the summary go: a terminal (progress updated in place) or a log. */
export interface Output {
  readonly isTTY: boolean
  readonly write: (text: string) => Effect.Effect<void>
}

/** The process's standard output. */
export const stdout: Output = {
  isTTY: process.stdout.isTTY === true,
  write: (text) => Effect.sync(() => void process.stdout.write(text))
}

/** A run that cannot start or did not keep its promise, with a message for the user. */
export class KeepaliveDemoError extends Schema.TaggedError<KeepaliveDemoError>()("KeepaliveDemoError", {
  detail: Schema.String
}) {
  override get message(): string {
    return this.detail
  }
}

/** The settings of a run, as the command line gives them. */
export interface RunOptions {
  /** How long to keep the sessions alive. */
  readonly duration: Duration.Duration
  /** Emulator: how many sessions to start with. */
  readonly sessions: number
  /** Emulator: the org's idle window. */
  readonly idleWindow: Duration.Duration
  /** The org's budget for `/api/v1/sessions`, in requests per minute (the emulator enforces it per 10 s). */
  readonly rateLimit: number
  /** The share of the budget the worker may use. */
  readonly share: number
  readonly concurrency: number
  /** Emulator: sessions revoked behind the worker's back along the way. */
  readonly revoke: number
  /** Emulator: the share of requests answered with an injected 429 or 5xx (half each). */
  readonly faultRate: number
  /** How often the progress line is updated (on a TTY) or printed (otherwise). */
  readonly progressEvery: Duration.Duration
  readonly output: Output
}

/** What a run did. */
export interface Summary {
  readonly mode: "emulator" | "okta"
  readonly interrupted: boolean
  readonly elapsed: Duration.Duration
  readonly sessionsAtStart: number
  readonly trackedAtEnd: number
  readonly requests: number
  readonly refreshed: number
  readonly gone: number
  /** Emulator: how many sessions the run revoked behind the worker's back. */
  readonly revoked: number
  /** Sessions reported gone that the run had not revoked. */
  readonly goneUnexpectedly: number
  readonly failed: Readonly<Record<Keepalive.FailureReason, number>>
  /** 429 answers: from the emulator's counters, or as seen by the worker on Okta. */
  readonly tooManyRequests: number
  readonly retried: number
  readonly worstLag: Duration.Duration
  /** Share of planned refreshes that started at most 1 s behind plan (none when none was planned yet). */
  readonly onTimeShare: Option.Option<number>
  /** Tracked sessions whose `expiresAt` passed (and sessions the worker reported `Expired`). */
  readonly expiredWhileTracked: number
}

/** What the run can see of the org besides the `Sessions` API: the emulator's state, or nothing. */
interface OrgView {
  readonly mode: "emulator" | "okta"
  /** Whether a tracked session has expired at `now` by the org's own record. */
  readonly hasExpired: (sessionId: Session.SessionId, knownExpiry: Option.Option<DateTime.Utc>, now: DateTime.Utc) => Effect.Effect<boolean>
  /** Revokes a session behind the worker's back; true when it was alive. */
  readonly revoke: Option.Option<(sessionId: Session.SessionId) => Effect.Effect<boolean>>
  /** 429s answered by the org so far, when the org can say. */
  readonly tooManyRequests: Option.Option<Effect.Effect<number>>
}

const count = (n: number) => n.toLocaleString("en-US")
const millis = (duration: Duration.Duration) => `${count(Math.round(Duration.toMillis(duration)))} ms`

/** The live line: tracked, refreshed, gone, 429s, budget left over the last period, worst lag. */
const progressLine = (
  stats: Keepalive.Stats,
  tooManyRequests: number,
  budgetLeft: number,
  elapsed: Duration.Duration,
  duration: Duration.Duration
) =>
  `[${Math.floor(Duration.toSeconds(elapsed))}s/${Math.round(Duration.toSeconds(duration))}s] ` +
  `tracked ${count(stats.tracked)}  refreshed ${count(stats.refreshed)}  gone ${count(stats.gone)}  ` +
  `429s ${count(tooManyRequests)}  budget left ${Math.round(budgetLeft * 100)}%  worst lag ${millis(stats.worstLag)}`

/** The summary as a two-column table. */
export const formatSummary = (summary: Summary): string => {
  const failed = Object.entries(summary.failed).filter(([, n]) => n > 0).map(([reason, n]) => `${reason} ${n}`)
  const rows: ReadonlyArray<readonly [string, string]> = [
    ["mode", summary.mode === "emulator" ? "in-process emulator" : "Okta"],
    ["ran for", `${Duration.format(Duration.millis(Math.round(Duration.toMillis(summary.elapsed))))}${summary.interrupted ? " (ended early)" : ""}`],
    ["sessions at start", count(summary.sessionsAtStart)],
    ["still tracked", count(summary.trackedAtEnd)],
    ["refresh requests", count(summary.requests)],
    ["refreshed", count(summary.refreshed)],
    ["gone (404)", count(summary.gone)],
    ...(summary.mode === "emulator"
      ? [["revoked behind its back", count(summary.revoked)] as const, ["gone but not revoked", count(summary.goneUnexpectedly)] as const]
      : []),
    ["failed", failed.length === 0 ? "0" : failed.join(", ")],
    ["429s", count(summary.tooManyRequests)],
    ["retries", count(summary.retried)],
    ["worst lag", millis(summary.worstLag)],
    ["started within 1 s of plan", Option.match(summary.onTimeShare, {
      onNone: () => "-",
      onSome: (share) => `${(share * 100).toFixed(1)}%`
    })],
    ["expired while tracked", count(summary.expiredWhileTracked)]
  ]
  const width = Math.max(...rows.map(([label]) => label.length))
  const valueWidth = Math.max(...rows.map(([, value]) => value.length))
  const rule = `+${"-".repeat(width + 2)}+${"-".repeat(valueWidth + 2)}+`
  return [rule, ...rows.map(([label, value]) => `| ${label.padEnd(width)} | ${value.padStart(valueWidth)} |`), rule, ""]
    .join("\n")
}

/**
 * Keeps `ids` alive for `options.duration` (or until interrupted) with a worker over the `Sessions`
 * in context, then stops it gracefully and returns the summary.
 */
const keepAlive = (ids: ReadonlyArray<Session.SessionId | Session.Session>, org: OrgView, options: RunOptions) =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      const { output } = options
      const started = yield* Clock.currentTimeMillis
      const workerScope = yield* Scope.make()
      const keepalive = yield* Scope.extend(
        Keepalive.make({
          concurrency: options.concurrency,
          budget: { limit: options.rateLimit, interval: Duration.minutes(1) },
          share: options.share,
          tick: "100 millis",
          shutdownTimeout: "5 seconds"
        }),
        workerScope
      ).pipe(
        Effect.provide(KeepaliveStore.layerMemory),
        Effect.mapError((error) => new KeepaliveDemoError({ detail: error.message }))
      )

      // the events, counted as they come
      const revoked = new Set<Session.SessionId>()
      const goneIds = new Set<Session.SessionId>()
      const expired = new Set<Session.SessionId>()
      const failed: Record<Keepalive.FailureReason, number> = { Forbidden: 0, Rejected: 0, RetriesExhausted: 0 }
      const events = yield* Scope.extend(keepalive.subscribe, workerScope)
      // (forked interruptible: this region is not, so that Ctrl-C still lets the summary print)
      const listener = yield* Queue.take(events).pipe(
        Effect.map((event) => {
          if (event._tag === "Gone") goneIds.add(event.sessionId)
          if (event._tag === "Failed") failed[event.reason]++
          if (event._tag === "Expired") expired.add(event.sessionId)
        }),
        Effect.forever,
        Effect.interruptible,
        Effect.fork
      )

      yield* keepalive.addAll(ids)

      /** Counts tracked sessions that the org says have expired. */
      const checkExpiry = Effect.gen(function*() {
        const now = yield* DateTime.now
        for (const [id, knownExpiry] of yield* keepalive.tracked) {
          if (revoked.has(id) || expired.has(id)) continue
          if (yield* org.hasExpired(id, knownExpiry, now)) expired.add(id)
        }
      })

      // revoke a few sessions behind the worker's back: ones it has not refreshed yet (or the next
      // due), at a sixth, a third and half of the run
      const revokeSome = (revoke: (sessionId: Session.SessionId) => Effect.Effect<boolean>, howMany: number) =>
        Effect.gen(function*() {
          const tracked = yield* keepalive.tracked
          const byExpiry = Arr.sort(
            tracked.filter(([id]) => !revoked.has(id)),
            (a: readonly [Session.SessionId, Option.Option<DateTime.Utc>], b) =>
              Option.isNone(a[1]) ? -1 : Option.isNone(b[1]) ? 1 : DateTime.Order(a[1].value, b[1].value)
          )
          for (const [id] of byExpiry.slice(0, howMany)) {
            if (yield* revoke(id)) revoked.add(id)
          }
        })
      const revoker = yield* Option.match(org.revoke, {
        onNone: () => Effect.void,
        onSome: (revoke) =>
          Effect.forEach([1 / 6, 1 / 3, 1 / 2], (at, i) =>
            Effect.gen(function*() {
              const due = started + Duration.toMillis(options.duration) * at
              yield* Effect.sleep(Duration.millis(Math.max(0, due - (yield* Clock.currentTimeMillis))))
              yield* revokeSome(revoke, Math.floor(options.revoke / 3) + (i < options.revoke % 3 ? 1 : 0))
            }), { discard: true })
      }).pipe(Effect.interruptible, Effect.fork)

      // the progress line: in place on a terminal, a line per period otherwise
      let lastRequests = 0
      const showProgress = Effect.gen(function*() {
        const stats = yield* keepalive.stats
        const elapsed = Duration.millis((yield* Clock.currentTimeMillis) - started)
        const allowed = stats.budget.limit * Duration.toMillis(options.progressEvery) / Duration.toMillis(stats.budget.interval)
        const budgetLeft = Math.min(1, Math.max(0, 1 - (stats.requests - lastRequests) / allowed))
        lastRequests = stats.requests
        const tooMany = yield* Option.getOrElse(org.tooManyRequests, () => Effect.succeed(stats.throttled))
        yield* checkExpiry
        const line = progressLine(stats, tooMany, budgetLeft, elapsed, options.duration)
        yield* output.write(output.isTTY ? `\r\x1b[2K${line}` : `${line}\n`)
      })
      const progress = yield* showProgress.pipe(
        Effect.repeat(Schedule.spaced(options.progressEvery)),
        Effect.delay(options.progressEvery),
        Effect.interruptible,
        Effect.fork
      )

      // the run: until the duration is up or Ctrl-C
      const run = yield* Effect.exit(restore(Effect.sleep(options.duration)))
      yield* Fiber.interrupt(revoker)
      yield* Fiber.interrupt(progress)
      yield* showProgress
      if (output.isTTY) yield* output.write("\n")
      yield* output.write(Exit.isInterrupted(run) ? "stopping (interrupted): letting in-flight refreshes finish...\n" : "")

      // stop the worker: in-flight refreshes finish, none starts
      yield* checkExpiry
      const trackedAtEnd = yield* keepalive.tracked
      yield* Scope.close(workerScope, Exit.void)
      yield* Fiber.interrupt(listener)
      const stats = yield* keepalive.stats
      const goneUnexpectedly = Array.from(goneIds).filter((id) => !revoked.has(id) && !expired.has(id)).length
      const onTime = stats.lag.find((bucket) => bucket.le >= 1000)?.count ?? 0
      const planned = stats.lag.at(-1)?.count ?? 0
      const summary: Summary = {
        mode: org.mode,
        interrupted: Exit.isInterrupted(run),
        elapsed: Duration.millis((yield* Clock.currentTimeMillis) - started),
        sessionsAtStart: ids.length,
        trackedAtEnd: trackedAtEnd.length,
        requests: stats.requests,
        refreshed: stats.refreshed,
        gone: stats.gone,
        revoked: revoked.size,
        goneUnexpectedly,
        failed,
        tooManyRequests: yield* Option.getOrElse(org.tooManyRequests, () => Effect.succeed(stats.throttled)),
        retried: stats.retried,
        worstLag: stats.worstLag,
        onTimeShare: planned === 0 ? Option.none() : Option.some(onTime / planned),
        // on the emulator, a 404 for a session nobody revoked means it expired while tracked
        expiredWhileTracked: expired.size + (org.mode === "emulator" ? goneUnexpectedly : 0)
      }
      yield* output.write(formatSummary(summary))
      return summary
    })
  )

const positiveInteger = (name: string, value: number, max = Number.MAX_SAFE_INTEGER) =>
  Number.isInteger(value) && value >= 1 && value <= max
    ? Effect.void
    : Effect.fail(new KeepaliveDemoError({ detail: `--${name} must be a whole number from 1 to ${count(max)}, got ${value}` }))

/**
 * The emulator run: starts the emulator in this process with `options.sessions` sessions, keeps
 * them alive over real HTTP (undici) and checks the emulator's state for expired sessions.
 */
export const runOnEmulator = (options: RunOptions) =>
  Effect.gen(function*() {
    yield* positiveInteger("sessions", options.sessions, 1_000_000)
    if (!Number.isInteger(options.revoke) || options.revoke < 0 || options.revoke > options.sessions) {
      return yield* new KeepaliveDemoError({ detail: `--revoke must be a whole number from 0 to --sessions, got ${options.revoke}` })
    }
    if (!(options.faultRate >= 0 && options.faultRate <= 1)) {
      return yield* new KeepaliveDemoError({ detail: `--fault-rate must be from 0 to 1, got ${options.faultRate}` })
    }
    const okta = yield* FakeOkta.FakeOkta
    const emulator = yield* OktaEmulator.OktaEmulator
    // signed in at random times over the last half window, so that expiries (and so refreshes)
    // spread over the run instead of all falling after it
    const seeded = yield* okta.seedSessions(options.sessions, { maxAge: Duration.times(options.idleWindow, 0.5) })
    yield* okta.setFaults({ tooManyRequestsRate: options.faultRate / 2, serverErrorRate: options.faultRate / 2 })
    yield* options.output.write(
      `emulator at ${emulator.url}: ${count(seeded.length)} sessions, idle window ${Duration.format(options.idleWindow)}, ` +
        `rate limit ${count(options.rateLimit)}/min (the worker uses ${Math.round(options.share * 100)}%), ` +
        `${(options.faultRate * 100).toFixed(1)}% of answers 429 or 5xx\n`
    )
    return yield* keepAlive(seeded, {
      mode: "emulator",
      hasExpired: (sessionId, _known, now) =>
        Effect.map(okta.lookupSession(sessionId), (alive) =>
          Option.isNone(alive) || DateTime.lessThanOrEqualTo(alive.value.expiresAt, now)),
      revoke: Option.some(okta.revokeSession),
      tooManyRequests: Option.some(Effect.map(okta.counters, (counters) => counters.tooManyRequests))
    }, options)
  }).pipe(
    Effect.provide(
      OktaEmulator.layerClient().pipe(
        Layer.provideMerge(OktaEmulator.layerWithFakeOkta({}, {
          idleWindow: options.idleWindow,
          rateLimits: { sessions: { limit: Math.max(1, Math.floor(options.rateLimit / 6)), window: "10 seconds" } }
        })),
        Layer.provide(NodeHttpClient.layerUndici)
      )
    ),
    Effect.catchTags({
      InvalidSetting: (error) => Effect.fail(new KeepaliveDemoError({ detail: error.message })),
      ServeError: (error) => Effect.fail(new KeepaliveDemoError({ detail: `the emulator could not start: ${error.message}` })),
      ConfigError: (error) => Effect.fail(new KeepaliveDemoError({ detail: String(error) }))
    })
  )

/** Reads session ids, one per line; blank lines and `#` comments are skipped, a bad line is an error. */
export const parseIds = (text: string): Effect.Effect<ReadonlyArray<Session.SessionId>, KeepaliveDemoError> =>
  Effect.gen(function*() {
    const ids: Array<Session.SessionId> = []
    const lines = text.split(/\r?\n/)
    for (const [index, raw] of lines.entries()) {
      const line = raw.trim()
      if (line === "" || line.startsWith("#")) continue
      const decoded = Schema.decodeUnknownOption(Session.SessionId)(line)
      if (Option.isNone(decoded)) {
        return yield* new KeepaliveDemoError({
          detail: `line ${index + 1}: ${JSON.stringify(line.slice(0, 60))} is not a session id (1 to 128 letters, digits, '-' or '_')`
        })
      }
      ids.push(decoded.value)
    }
    if (ids.length === 0) return yield* new KeepaliveDemoError({ detail: "the ids file holds no session id" })
    return ids
  })

/** The Okta run: keeps the sessions listed in `idsFile` alive on the org of `OKTA_CLIENT_*`. */
export const runOnOkta = (idsFile: string, options: RunOptions) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(idsFile).pipe(
      Effect.mapError((error) => new KeepaliveDemoError({ detail: `cannot read ${idsFile}: ${error.message}` }))
    )
    const ids = Arr.dedupe(yield* parseIds(text))
    const config = yield* OktaConfig.OktaConfig
    yield* options.output.write(
      `Okta org ${config.orgUrl}: ${count(ids.length)} sessions from ${idsFile}, ` +
        `the worker uses ${Math.round(options.share * 100)}% of ${count(options.rateLimit)} requests/min\n`
    )
    return yield* keepAlive(ids, {
      mode: "okta",
      hasExpired: (_id, known, now) =>
        Effect.succeed(Option.isSome(known) && DateTime.lessThanOrEqualTo(known.value, now)),
      revoke: Option.none(),
      tooManyRequests: Option.none()
    }, options)
  }).pipe(
    Effect.provide(Sessions.layer.pipe(Layer.provideMerge(OktaConfig.layerConfig()), Layer.provide(NodeHttpClient.layerUndici))),
    Effect.catchTag("ConfigError", (error) =>
      Effect.fail(
        new KeepaliveDemoError({
          detail: `--ids needs OKTA_CLIENT_ORGURL and OKTA_CLIENT_TOKEN: ${String(error)}`
        })
      ))
  )

/** Checks the common options and runs on Okta (`--ids`) or on the emulator. */
export const run = (idsFile: Option.Option<string>, options: RunOptions) =>
  Effect.gen(function*() {
    if (!(Duration.toMillis(options.duration) > 0)) {
      return yield* new KeepaliveDemoError({ detail: "--duration must be at least 1 second" })
    }
    yield* positiveInteger("concurrency", options.concurrency, 1000)
    yield* positiveInteger("rate-limit", options.rateLimit)
    const summary = yield* Option.match(idsFile, {
      onNone: () => runOnEmulator(options),
      onSome: (file) => runOnOkta(file, options)
    })
    if (summary.expiredWhileTracked > 0) {
      return yield* new KeepaliveDemoError({ detail: `${summary.expiredWhileTracked} sessions expired while tracked` })
    }
    return summary
  })

const integerOption = (name: string, fallback: number, description: string) =>
  Options.integer(name).pipe(Options.withDefault(fallback), Options.withDescription(description))

/** The command line. */
export const command = Command.make("keepalive", {
  duration: integerOption("duration", 60, "seconds to keep the sessions alive; Ctrl-C ends early"),
  ids: Options.file("ids", { exists: "yes" }).pipe(
    Options.withDescription(
      "a file of Okta session ids, one per line, kept alive on the org of OKTA_CLIENT_ORGURL / OKTA_CLIENT_TOKEN; " +
        "without it the in-process emulator is used"
    ),
    Options.optional
  ),
  sessions: integerOption("sessions", 1000, "emulator: how many sessions to keep alive"),
  idleWindow: integerOption("idle-window", 120, "emulator: the org's idle window in seconds"),
  rateLimit: integerOption("rate-limit", 3000, "the org's budget for /api/v1/sessions in requests per minute"),
  share: Options.float("share").pipe(
    Options.withDefault(0.5),
    Options.withDescription("the share of the budget the worker may use (0 to 1]; the rest is the application's")
  ),
  concurrency: integerOption("concurrency", 16, "refreshes in flight at once"),
  revoke: integerOption("revoke", 6, "emulator: sessions revoked behind the worker's back along the way"),
  faultRate: Options.float("fault-rate").pipe(
    Options.withDefault(0.01),
    Options.withDescription("emulator: share of answers that are an injected 429 or 5xx")
  )
}, (options) =>
  run(options.ids, {
    duration: Duration.seconds(options.duration),
    sessions: options.sessions,
    idleWindow: Duration.seconds(options.idleWindow),
    rateLimit: options.rateLimit,
    share: options.share,
    concurrency: options.concurrency,
    revoke: options.revoke,
    faultRate: options.faultRate,
    progressEvery: stdout.isTTY ? Duration.millis(500) : Duration.seconds(5),
    output: stdout
  })).pipe(Command.withDescription("Keep Okta sessions alive with the keepalive worker (on the in-process emulator unless --ids)."))

/** The program of `npm start`, for `process.argv`. */
export const main = (argv: ReadonlyArray<string>) =>
  Command.run(command, { name: "keepalive", version: "0.1.0" })(argv).pipe(Effect.provide(NodeContext.layer))

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href
if (isMain) {
  main(process.argv).pipe(NodeRuntime.runMain)
}
