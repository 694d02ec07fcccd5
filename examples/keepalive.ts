/**
 * The main job (`npm start`): the keepalive demo. It starts the Okta emulator in this process with
 * 1,000 sessions, a 2-minute idle window, a rate limit and a few injected 429s and 5xx, keeps them
 * alive over real HTTP with the same run as `okta-sessions keepalive` (progress line, `--json`
 * events, summary, Ctrl-C / SIGTERM ending cleanly), revokes a few sessions behind the worker's
 * back along the way, and checks that no tracked session expired: by the worker's own count
 * (`Expired`, ours) and against the emulator's own state. The tracked set is kept in a SQLite file
 * (`KeepaliveStoreSqlite.layer`) in a fresh temporary directory, removed at the end; `--store FILE`
 * uses (and keeps) that file instead.
 *
 *   npm start                                  # 60 s on the emulator
 *   npm start -- --store keepalive.db          # keep the store file
 *   npm start -- --duration 300 --sessions 5000
 *   OKTA_CLIENT_ORGURL=https://dev-123.okta.com OKTA_CLIENT_TOKEN=00abc... npm start -- --ids ids.txt
 *   npm start -- --help
 *
 * With `--ids FILE` it is `okta-sessions keepalive --ids FILE --duration ...` on the org of the
 * settings (flags, OKTA_CLIENT_*, ./okta.yaml, ~/.okta/okta.yaml).
 * Importing this file runs nothing; only running it as the main script does.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Array as Arr, Clock, DateTime, Duration, Effect, Layer, Option, Order, Schema } from "effect"
import { type Keepalive, KeepaliveStore, type Session } from "effect-okta-sessions"
import { FakeOkta, OktaEmulator } from "effect-okta-sessions/testing"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import * as CliProcess from "../src/internal/cli/cliProcess.js"
import { readIds } from "../src/internal/cli/idsInput.js"
import { type OrgView, type RunSettings, runKeepalive } from "../src/internal/cli/keepaliveRun.js"
import { storeLayer, storeName } from "../src/internal/cli/keepaliveStoreOption.js"
import { countOf, type Summary } from "../src/internal/cli/keepaliveSummary.js"
import { layerSessions } from "../src/internal/cli/oktaConnection.js"
import { runCli } from "../src/internal/cli/runCli.js"
import * as SecretRedactor from "../src/internal/cli/secretRedactor.js"
import type { StopSignal } from "../src/internal/cli/stopSignal.js"
import { UsageError } from "../src/internal/cli/usageError.js"

/** A run whose sessions expired while tracked: the demo did not keep its promise. */
export class KeepaliveDemoError extends Schema.TaggedError<KeepaliveDemoError>()("KeepaliveDemoError", {
  detail: Schema.String
}) {
  override get message(): string {
    return this.detail
  }
}

/** The settings of a demo run, as the command line gives them. */
export interface DemoOptions {
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
  /** How often progress is printed when stdout is not a terminal. */
  readonly progressEvery: Duration.Duration
  readonly json: boolean
  /** The store file to use and keep; none: a SQLite file in a fresh temporary directory, removed at the end. */
  readonly store: Option.Option<string>
}

type DemoContext = CliProcess.CliProcess | SecretRedactor.SecretRedactor | StopSignal | FileSystem.FileSystem

const count = (n: number) => n.toLocaleString("en-US")

const wholeNumber = (name: string, value: number, min: number, max: number) =>
  Number.isInteger(value) && value >= min && value <= max
    ? Effect.void
    : Effect.fail(new UsageError({ detail: `--${name} must be a whole number from ${min} to ${count(max)}, got ${value}` }))

const runSettings = (options: DemoOptions, store: string): RunSettings => ({
  concurrency: options.concurrency,
  budget: { limit: options.rateLimit, interval: Duration.minutes(1) },
  share: options.share,
  duration: Option.some(options.duration),
  progressEvery: options.progressEvery,
  json: options.json,
  shutdownTimeout: Duration.seconds(5),
  store
})

/** Revokes `howMany` tracked sessions that the worker has not refreshed yet (or that are due next). */
const revokeSome = (
  keepalive: Keepalive.Keepalive.Service,
  okta: FakeOkta.FakeOkta.Service,
  revoked: Set<Session.SessionId>,
  howMany: number
) =>
  Effect.gen(function*() {
    const byExpiry = Arr.sort(
      (yield* keepalive.tracked).filter(([id]) => !revoked.has(id)),
      Order.mapInput(
        Option.getOrder(DateTime.Order),
        (entry: readonly [Session.SessionId, Option.Option<DateTime.Utc>]) => entry[1]
      )
    )
    for (const [id] of byExpiry.slice(0, howMany)) {
      if (yield* okta.revokeSession(id)) revoked.add(id)
    }
  })

/**
 * The emulator run: starts the emulator in this process with `options.sessions` sessions, keeps
 * them alive over real HTTP (undici) and checks the emulator's state for expired sessions.
 */
export const runOnEmulator = (options: DemoOptions, store: string) =>
  Effect.gen(function*() {
    yield* wholeNumber("sessions", options.sessions, 1, 1_000_000)
    yield* wholeNumber("revoke", options.revoke, 0, options.sessions)
    if (!(options.faultRate >= 0 && options.faultRate <= 1)) {
      return yield* new UsageError({ detail: `--fault-rate must be from 0 to 1, got ${options.faultRate}` })
    }
    const cli = yield* CliProcess.CliProcess
    // each run's emulator is a new org: sessions stored by an earlier run do not exist on it
    const stored = yield* Effect.flatMap(KeepaliveStore.KeepaliveStore, (store) => store.count)
    if (stored > 0) {
      return yield* new UsageError({
        detail: `--store: the emulator run needs a new or empty store file (each run's emulator is a new org), this one has ${
          count(stored)
        } sessions; use it with --ids on the org they belong to`
      })
    }
    const okta = yield* FakeOkta.FakeOkta
    const emulator = yield* OktaEmulator.OktaEmulator
    // signed in at random times over the last half window, so that expiries (and so refreshes)
    // spread over the run instead of all falling after it
    const seeded = yield* okta.seedSessions(options.sessions, { maxAge: Duration.times(options.idleWindow, 0.5) })
    yield* okta.setFaults({ tooManyRequestsRate: options.faultRate / 2, serverErrorRate: options.faultRate / 2 })
    if (!options.json) {
      yield* cli.writeOut(
        `emulator at ${emulator.url}: ${count(seeded.length)} sessions, idle window ${Duration.format(options.idleWindow)}, ` +
          `rate limit ${count(options.rateLimit)}/min (the worker uses ${Math.round(options.share * 100)}%), ` +
          `${(options.faultRate * 100).toFixed(1)}% of answers 429 or 5xx\n`
      )
    }
    const revoked = new Set<Session.SessionId>()
    const org: OrgView = {
      mode: "emulator",
      hasExpired: (sessionId, _known, now) =>
        Effect.map(okta.lookupSession(sessionId), (alive) =>
          Option.isNone(alive) || DateTime.lessThanOrEqualTo(alive.value.expiresAt, now)),
      tooManyRequests: Option.some(Effect.map(okta.counters, (counters) => counters.tooManyRequests)),
      revoked
    }
    const started = yield* Clock.currentTimeMillis
    // a few revocations behind the worker's back, at a sixth, a third and half of the run
    const revoker = (keepalive: Keepalive.Keepalive.Service) =>
      Effect.forEach([1 / 6, 1 / 3, 1 / 2], (at, i) =>
        Effect.gen(function*() {
          const due = started + Duration.toMillis(options.duration) * at
          yield* Effect.sleep(Duration.millis(Math.max(0, due - (yield* Clock.currentTimeMillis))))
          yield* revokeSome(keepalive, okta, revoked, Math.floor(options.revoke / 3) + (i < options.revoke % 3 ? 1 : 0))
        }), { discard: true })
    return yield* runKeepalive(seeded, org, runSettings(options, store), revoker)
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
      InvalidOptions: (error) => Effect.fail(new UsageError({ detail: error.message })),
      ServeError: (error) => Effect.fail(new UsageError({ detail: `the emulator could not start: ${error.message}` })),
      ConfigError: (error) => Effect.fail(new UsageError({ detail: String(error) }))
    })
  )

/** The Okta run: `okta-sessions keepalive --ids FILE` for the demo's duration. */
export const runOnOkta = (idsFile: string, options: DemoOptions, store: string) =>
  Effect.gen(function*() {
    const ids = yield* readIds(idsFile)
    if (!options.json) {
      yield* Effect.flatMap(CliProcess.CliProcess, (cli) =>
        cli.writeOut(`Okta org: ${count(ids.length)} sessions from ${idsFile}, the worker uses ${Math.round(options.share * 100)}% of ${count(options.rateLimit)} requests/min\n`))
    }
    return yield* runKeepalive(ids, {
      mode: "okta",
      hasExpired: (_id, known, now) => Effect.succeed(Option.isSome(known) && DateTime.lessThanOrEqualTo(known.value, now)),
      tooManyRequests: Option.none(),
      revoked: new Set()
    }, runSettings(options, store))
  }).pipe(Effect.provide(layerSessions({ orgUrl: Option.none(), tokenFile: Option.none(), authorizationMode: Option.none() })))

/** The store file of a run: `--store FILE`, or a file in a fresh temporary directory removed when the scope closes. */
const storeFile = (options: DemoOptions) =>
  Option.match(options.store, {
    onSome: (file) => Effect.succeed({ file, name: storeName(Option.some(file)) }),
    onNone: () =>
      Effect.flatMap(FileSystem.FileSystem, (fs) => fs.makeTempDirectoryScoped({ prefix: "okta-keepalive-" })).pipe(
        Effect.map((dir) => {
          const file = join(dir, "keepalive.db")
          return { file, name: `${storeName(Option.some(file))} (temporary)` }
        }),
        Effect.mapError((error) => new UsageError({ detail: `no temporary directory for the store: ${error.message}` }))
      )
  })

/**
 * Checks the common options and runs on Okta (`--ids`) or on the emulator on a SQLite store; fails
 * when a tracked session expired (by the worker's own count or by the org's record).
 */
export const run = (
  idsFile: Option.Option<string>,
  options: DemoOptions
): Effect.Effect<Summary, UsageError | KeepaliveStore.KeepaliveStoreError | KeepaliveDemoError, DemoContext> =>
  Effect.gen(function*() {
    if (!(Duration.toMillis(options.duration) > 0)) return yield* new UsageError({ detail: "--duration must be at least 1 second" })
    yield* wholeNumber("concurrency", options.concurrency, 1, 1000)
    yield* wholeNumber("rate-limit", options.rateLimit, 1, Number.MAX_SAFE_INTEGER)
    const summary = yield* Effect.scoped(Effect.gen(function*() {
      const store = yield* storeFile(options)
      // the store is closed (end of provide) before its temporary directory is removed (end of scoped)
      return yield* Option.match(idsFile, {
        onNone: () => runOnEmulator(options, store.name),
        onSome: (file) => runOnOkta(file, options, store.name)
      }).pipe(Effect.provide(storeLayer(Option.some(store.file))))
    }))
    const ours = countOf(summary, "expired")
    if (ours > 0 || summary.expiredByOrg > 0) {
      return yield* new KeepaliveDemoError({
        detail: `sessions expired while tracked: ${ours} reported Expired by the worker (ours), ${summary.expiredByOrg} by the ${
          summary.mode === "emulator" ? "emulator's state" : "known expiresAt"
        }`
      })
    }
    return summary
  })

const integerOption = (name: string, fallback: number, description: string) =>
  Options.integer(name).pipe(Options.withDefault(fallback), Options.withDescription(description))

/** The command line. */
export const command = Command.make("keepalive", {
  duration: integerOption("duration", 60, "seconds to keep the sessions alive; Ctrl-C or SIGTERM ends early"),
  ids: Options.file("ids", { exists: "yes" }).pipe(
    Options.withDescription(
      "a file of Okta session ids, one per line, kept alive on the org of the settings (OKTA_CLIENT_*, okta.yaml); " +
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
  ),
  json: Options.boolean("json").pipe(Options.withDescription("one JSON object per event, progress report and summary")),
  store: Options.text("store").pipe(
    Options.withDescription(
      "the SQLite store file to use and keep (default: one in a fresh temporary directory, removed at the end); " +
        "a corrupt or locked file is exit 2; on the emulator it must be new or empty"
    ),
    Options.optional
  )
}, (options) =>
  run(options.ids, {
    ...options,
    duration: Duration.seconds(options.duration),
    idleWindow: Duration.seconds(options.idleWindow),
    progressEvery: Duration.seconds(5)
  }).pipe(
    Effect.catchAll((error) =>
      Effect.flatMap(CliProcess.CliProcess, (cli) => cli.writeErr(`npm start: ${error.message}\n`)).pipe(
        Effect.zipRight(Effect.fail(error))
      )
    )
  )).pipe(Command.withDescription("The keepalive demo: keep sessions alive on the in-process emulator (or on Okta with --ids)."))

/** The program of `npm start`, for `process.argv`: its exit code. */
export const main = (argv: ReadonlyArray<string>): Effect.Effect<number, never, StopSignal | CliProcess.CliProcess> =>
  Command.run(command, { name: "npm start", version: "0.1.0" })(argv).pipe(
    Effect.as(0),
    Effect.catchAll((error) => Effect.succeed(error._tag === "KeepaliveDemoError" ? 1 : 2)),
    Effect.provide(SecretRedactor.layer),
    Effect.provide(NodeContext.layer)
  )

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href
if (isMain) {
  runCli(main(process.argv).pipe(Effect.provide(CliProcess.layerNode)))
}
