/**
 * `okta-sessions keepalive --ids FILE|-`: keeps the listed sessions alive on the org of the
 * settings until its `--duration` passes, Ctrl-C or SIGTERM (in-flight refreshes finish; exit 0),
 * or nothing is left to keep alive; with live progress, `--json` events and a summary. With
 * `--store FILE` the tracked set is kept in a SQLite file and a later run on it resumes it.
 *
 * The options are one record (`keepaliveOptions`) and the handler turns them into `RunSettings`
 * in one place (`runSettings`), so a new flag is one entry in each.
 *
 * @since 0.2.0
 */
import * as Command from "@effect/cli/Command"
import { describeCommand } from "./commandHelp.js"
import * as Options from "@effect/cli/Options"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { reportingFailures } from "./commandResult.js"
import { connectionOptions } from "./connectionConfig.js"
import { durationOption } from "./durationOption.js"
import { readIds } from "./idsInput.js"
import { jsonOption } from "./jsonOption.js"
import { type RunSettings, runKeepalive } from "./keepaliveRun.js"
import { storeLayer, storeName, storeOption } from "./keepaliveStoreOption.js"
import { layerSessions } from "./oktaConnection.js"
import { UsageError } from "./usageError.js"

/**
 * The worker's flags, shared by `okta-sessions keepalive` and `npm start`.
 *
 * @since 0.2.0
 * @category options
 */
export const workerOptions = {
  budget: Options.integer("budget").pipe(
    Options.withDefault(600),
    Options.withDescription("The org's budget for refreshes, in requests per --budget-interval (Okta's usual /api/v1/sessions limit: 600/min).")
  ),
  budgetInterval: durationOption("budget-interval").pipe(
    Options.withDefault(Duration.minutes(1)),
    Options.withDescription("The interval of --budget.")
  ),
  share: Options.float("share").pipe(
    Options.withDefault(0.5),
    Options.withDescription("The share of the budget the worker may use, in (0, 1]; the rest is left to the applications.")
  ),
  concurrency: Options.integer("concurrency").pipe(
    Options.withDefault(8),
    Options.withDescription("Refreshes in flight at once.")
  ),
  duration: durationOption("duration").pipe(
    Options.optional,
    Options.withDescription("Stop after this long (e.g. 300, '2 hours'). Default: until Ctrl-C, SIGTERM or nothing is left.")
  ),
  progressEvery: durationOption("progress-every").pipe(
    Options.withDefault(Duration.seconds(5)),
    Options.withDescription("How often a progress line (or Progress JSON) is printed when stdout is not a terminal.")
  ),
  json: jsonOption,
  store: storeOption
}

/**
 * Every flag of `okta-sessions keepalive`.
 *
 * @since 0.2.0
 * @category options
 */
export const keepaliveOptions = {
  ...connectionOptions,
  ...workerOptions,
  ids: Options.text("ids").pipe(
    Options.withDescription("A file of session ids, one per line ('#' comments and blank lines skipped); '-' reads standard input.")
  )
}

/**
 * The worker's flags as `RunSettings`, checked.
 *
 * @since 0.2.0
 * @category options
 */
export const runSettings = (input: Command.Command.ParseConfig<typeof workerOptions>): Effect.Effect<RunSettings, UsageError> =>
  Effect.gen(function*() {
    if (!Number.isInteger(input.concurrency) || input.concurrency < 1 || input.concurrency > 1000) {
      return yield* new UsageError({ detail: `--concurrency must be a whole number from 1 to 1000, got ${input.concurrency}` })
    }
    if (!Number.isInteger(input.budget) || input.budget < 1) {
      return yield* new UsageError({ detail: `--budget must be a whole number of at least 1, got ${input.budget}` })
    }
    if (Duration.toMillis(input.budgetInterval) <= 0) return yield* new UsageError({ detail: "--budget-interval must be more than 0" })
    if (Duration.toMillis(input.progressEvery) < 100) return yield* new UsageError({ detail: "--progress-every must be at least 100 millis" })
    if (Option.isSome(input.duration) && Duration.toMillis(input.duration.value) <= 0) {
      return yield* new UsageError({ detail: "--duration must be more than 0" })
    }
    return {
      concurrency: input.concurrency,
      budget: { limit: input.budget, interval: input.budgetInterval },
      share: input.share,
      duration: input.duration,
      progressEvery: input.progressEvery,
      json: input.json,
      shutdownTimeout: Duration.seconds(10),
      store: storeName(input.store)
    }
  })

/**
 * `okta-sessions keepalive --ids FILE|- [--budget N] [--share X] [--concurrency N] ...`.
 *
 * @since 0.2.0
 * @category commands
 */
export const keepaliveCommand = Command.make("keepalive", keepaliveOptions, (input) =>
  Effect.gen(function*() {
    const settings = yield* runSettings(input)
    const ids = yield* readIds(input.ids)
    yield* runKeepalive(ids, {
      mode: "okta",
      hasExpired: (_id, known, now) => Effect.succeed(Option.isSome(known) && DateTime.lessThanOrEqualTo(known.value, now)),
      tooManyRequests: Option.none(),
      revoked: new Set()
    }, settings)
  }).pipe(
    Effect.provide(layerSessions(input)),
    Effect.provide(storeLayer(input.store)),
    reportingFailures("keepalive", input.json)
  )).pipe(
  describeCommand(
    "Keep the listed sessions alive: refreshed ahead of expiry inside a share of the budget, with progress and a summary. " +
      "Ctrl-C or SIGTERM stops it cleanly (in-flight refreshes finish, at most 10 s) with exit 0. " +
      "The tracked set is kept in memory unless --store FILE names a SQLite file, from which a later run resumes it. " +
      "The summary counts 'expired while tracked (ours)' (sessions the worker could not refresh in time, by reason) apart from 'gone' (ended by Okta)."
  )
)
