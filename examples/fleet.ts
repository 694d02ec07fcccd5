/**
 * The fleet demo (`npm run fleet`): starts the Okta emulator in this process on 127.0.0.1, seeds it
 * with sessions, starts `--workers` fleet worker processes (examples/fleetWorker.ts) against it with
 * PostgreSQL (a schema and cluster tables unique to the run) and one shared budget on Redis (a key
 * prefix unique to the run; `--no-redis`: none),
 * adds the sessions from this process (a fleet client), SIGKILLs one worker in the middle and keeps
 * going. At the end it prints the same summary as `npm start`, the budget used in every rate-limit
 * window across the fleet (from the emulator's counters), the sessions moved and the failover time;
 * the run's schema, tables and keys are dropped. Exit code 0 only when no tracked session expired.
 *
 *   npm run fleet -- --workers 3
 *   npm run fleet -- --workers 3 --sessions 5000 --duration 120 --idle-window 180
 *
 * PostgreSQL: `OKTA_KEEPALIVE_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`);
 * Redis: `OKTA_KEEPALIVE_REDIS_URL` (default `redis://127.0.0.1:6379`).
 * Importing this file runs nothing; only running it as the main script does.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Context, Duration, Effect, Layer, Option, Predicate, Redacted, Schema } from "effect"
import type { Session } from "effect-okta-sessions"
import * as KeepaliveFleet from "effect-okta-sessions/KeepaliveFleet"
import { FakeOkta, OktaEmulator } from "effect-okta-sessions/testing"
import { createServer } from "node:net"
import { fileURLToPath, pathToFileURL } from "node:url"
import * as CliProcess from "../src/internal/cli/cliProcess.js"
import { formatSummary, type Summary } from "../src/internal/cli/keepaliveSummary.js"
import { runCli } from "../src/internal/cli/runCli.js"
import { formatTable } from "../src/internal/cli/table.js"
import { dropPgState, dropRedisKeys, runId, startWorker, type WorkerLine, type WorkerProcess } from "./fleetProcesses.js"

const root = fileURLToPath(new URL("..", import.meta.url))

/** A run whose sessions expired while tracked. */
export class FleetDemoError extends Schema.TaggedError<FleetDemoError>()("FleetDemoError", { detail: Schema.String }) {
  override get message(): string {
    return this.detail
  }
}

/** The settings of a demo run. */
export interface FleetDemoOptions {
  readonly workers: number
  readonly sessions: number
  /** How many of them are added as bare ids (refreshed at once to learn their expiry). */
  readonly bare: number
  readonly duration: Duration.Duration
  readonly idleWindow: Duration.Duration
  /** The org's budget for /api/v1/sessions per 10-second window. */
  readonly limitPer10s: number
  readonly share: number
  readonly partitions: number
  /** When to SIGKILL a worker, as a share of the duration; none: no kill. */
  readonly killAt: Option.Option<number>
  readonly databaseUrl: string
  readonly redisUrl: Option.Option<string>
  /** How each worker is started: the command before its arguments. */
  readonly workerCommand: ReadonlyArray<string>
}

/** A free TCP port on 127.0.0.1. */
export const freePort = Effect.async<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

const count = (n: number) => n.toLocaleString("en-US")
const numberOf = (line: WorkerLine, key: string): number => {
  const value = line[key]
  return typeof value === "number" ? value : 0
}

/**
 * The Keepalive budget that keeps the fleet within `share` of every 10-second window of the org:
 * the shared budget is a token bucket, which lets a burst of one `limit` through on top of its
 * rate, so a bucket of 10 s could put up to twice its limit into one window. Per second, at 85% of
 * the org's rate, any 10-second window sees at most 8.5 + 0.85 = 9.35 seconds' worth: the rest is the
 * margin for requests that were given their turn in one window but reach the org in the next (seen
 * under load: 1,008 requests in a window where the bucket's arithmetic allows 990 at 90%).
 */
export const fleetBudget = (limitPer10s: number) => ({ limit: Math.max(1, Math.floor((limitPer10s / 10) * 0.85)), intervalMillis: 1000 })

/** What the fleet did in the run, beside the summary. */
export interface FleetReport {
  readonly summary: Summary
  readonly windows: ReadonlyArray<FakeOkta.WindowCount>
  readonly budgetPerWindow: number
  /** Sessions restored by partitions started after the kill (moved in from the killed worker). */
  readonly movedOnFailover: number
  /** From the SIGKILL to the last of the killed worker's partitions started elsewhere; none without a kill. */
  readonly failover: Option.Option<Duration.Duration>
  readonly partitionsMoved: number
}

/** Everything the workers need in their environment. */
export const workerEnvironment = (settings: {
  readonly orgUrl: string
  readonly token: Redacted.Redacted<string>
  readonly databaseUrl: string
  readonly schema: string
  readonly tablePrefix: string
  readonly partitions: number
  readonly port: number
  readonly redisUrl: Option.Option<string>
  readonly redisPrefix: string
}): NodeJS.ProcessEnv => ({
  PATH: process.env["PATH"],
  OKTA_CLIENT_ORGURL: settings.orgUrl,
  OKTA_CLIENT_TOKEN: Redacted.value(settings.token),
  OKTA_KEEPALIVE_DATABASE_URL: settings.databaseUrl,
  OKTA_KEEPALIVE_DATABASE_SCHEMA: settings.schema,
  OKTA_KEEPALIVE_CLUSTER_PREFIX: settings.tablePrefix,
  OKTA_KEEPALIVE_PARTITIONS: String(settings.partitions),
  OKTA_KEEPALIVE_RUNNER_HOST: "127.0.0.1",
  OKTA_KEEPALIVE_RUNNER_PORT: String(settings.port),
  ...Option.match(settings.redisUrl, {
    onNone: () => ({}),
    onSome: (url) => ({ OKTA_KEEPALIVE_REDIS_URL: url, OKTA_KEEPALIVE_REDIS_PREFIX: settings.redisPrefix })
  })
})

/** Partitions started (after `since`) by workers other than `except`, latest start per partition. */
const startsAfter = (workers: ReadonlyArray<WorkerProcess>, except: WorkerProcess, since: number) => {
  const started = new Map<number, { at: number; restored: number }>()
  for (const worker of workers) {
    if (worker === except) continue
    for (const line of worker.lines) {
      if (line.event !== "PartitionStarted" || line.receivedAt < since) continue
      started.set(numberOf(line, "partition"), { at: line.receivedAt, restored: numberOf(line, "restored") })
    }
  }
  return started
}

/** The partitions `worker` ran at its last `Local` line. */
const partitionsOf = (worker: WorkerProcess): ReadonlyArray<number> => {
  for (let i = worker.lines.length - 1; i >= 0; i--) {
    const line = worker.lines[i]
    if (line?.event === "Local" && Array.isArray(line["partitions"])) {
      return line["partitions"].filter((p): p is number => typeof p === "number")
    }
  }
  return []
}

/** The demo's run on the emulator in context. */
export const runFleet = (options: FleetDemoOptions) =>
  Effect.gen(function*() {
    const cli = yield* CliProcess.CliProcess
    const okta = yield* FakeOkta.FakeOkta
    const emulator = yield* OktaEmulator.OktaEmulator
    const id = runId()
    const schema = `okta_fleet_${id}`
    const tablePrefix = `okta_fleet_${id}`
    const redisPrefix = `okta-fleet-${id}:`
    yield* Effect.addFinalizer(() => dropPgState(options.databaseUrl, schema, tablePrefix).pipe(Effect.ignore))
    yield* Effect.addFinalizer(() =>
      Option.match(options.redisUrl, { onNone: () => Effect.void, onSome: (url) => Effect.ignore(dropRedisKeys(url, redisPrefix)) })
    )
    const seeded = yield* okta.seedSessions(options.sessions, { maxAge: Duration.times(options.idleWindow, 0.5) })
    yield* cli.writeOut(
      `emulator at ${emulator.url}: ${count(seeded.length)} sessions, idle window ${Duration.format(options.idleWindow)}, ` +
        `rate limit ${count(options.limitPer10s)} per 10 s (the fleet uses ${Math.round(options.share * 100)}%), ` +
        `${options.workers} workers, ${options.partitions} partitions, schema ${schema}` +
        `${Option.isSome(options.redisUrl) ? `, shared budget on Redis (prefix ${redisPrefix})` : ", no Redis: each process has its own budget (share / workers)"}\n`
    )
    const keepalive = JSON.stringify({
      concurrency: 4,
      share: Option.isSome(options.redisUrl) ? options.share : options.share / options.workers,
      budget: fleetBudget(options.limitPer10s)
    })
    const startOne = (index: number) =>
      Effect.flatMap(freePort, (port) =>
        startWorker(`worker-${index + 1}`, [...options.workerCommand, "--keepalive", keepalive], root, workerEnvironment({
          orgUrl: emulator.url,
          token: emulator.apiToken,
          databaseUrl: options.databaseUrl,
          schema,
          tablePrefix,
          partitions: options.partitions,
          port,
          redisUrl: options.redisUrl,
          redisPrefix
        })))
    const workers = yield* Effect.forEach(Array.from({ length: options.workers }, (_, i) => i), startOne)
    yield* Effect.forEach(workers, (worker) => worker.waitFor((line) => line.event === "Ready" || line.event === "Error", "90 seconds").pipe(
      Effect.flatMap((line) => line.event === "Error" ? Effect.fail(new Error(`${worker.name}: ${String(line["message"])}`)) : Effect.void)
    ), { concurrency: "unbounded", discard: true })
    const started = Date.now()
    // the client's cluster connection lives as long as the run's scope
    const fleet = Context.get(
      yield* Layer.build(KeepaliveFleet.layerClient({
        databaseUrl: Redacted.make(options.databaseUrl),
        schema,
        tablePrefix,
        partitions: options.partitions
      })),
      KeepaliveFleet.KeepaliveFleet
    )
    // the first `bare` as bare ids (refreshed promptly to learn their expiry), the rest planned from their expiresAt
    const added = (yield* fleet.add(seeded.slice(options.bare))) + (yield* fleet.add(seeded.slice(0, options.bare).map((s) => s.id)))
    yield* cli.writeOut(`added ${count(added)} sessions through the fleet in ${count(Date.now() - started)} ms\n`)

    let failover = Option.none<Duration.Duration>()
    let movedOnFailover = 0
    let partitionsMoved = 0
    const killer = Option.match(options.killAt, {
      onNone: () => Effect.void,
      onSome: (at) =>
        Effect.gen(function*() {
          yield* Effect.sleep(Duration.times(options.duration, at))
          const victim = workers[Math.min(1, workers.length - 1)]
          if (victim === undefined) return
          const owned = partitionsOf(victim)
          yield* victim.stop("SIGKILL")
          const killedAt = Date.now()
          yield* cli.writeOut(`SIGKILL ${victim.name} (partitions ${owned.join(", ")})\n`)
          // the killed worker's partitions start elsewhere (bounded by the shard lease expiry and more)
          const deadline = killedAt + 120_000
          while (Date.now() < deadline) {
            const starts = startsAfter(workers, victim, killedAt)
            if (owned.every((p) => starts.has(p))) {
              const last = Math.max(...owned.map((p) => starts.get(p)?.at ?? killedAt))
              failover = Option.some(Duration.millis(last - killedAt))
              movedOnFailover = owned.reduce((sum, p) => sum + (starts.get(p)?.restored ?? 0), 0)
              partitionsMoved = owned.length
              yield* cli.writeOut(
                `${victim.name}'s ${owned.length} partitions restarted on the others ${count(last - killedAt)} ms after the kill, ` +
                  `${count(movedOnFailover)} sessions moved\n`
              )
              return
            }
            yield* Effect.sleep("200 millis")
          }
          yield* cli.writeOut(`${victim.name}'s partitions did not all restart within 120 s\n`)
        })
    })
    const progress = Effect.gen(function*() {
      while (true) {
        yield* Effect.sleep("10 seconds")
        const stats = yield* Effect.either(fleet.stats)
        if (stats._tag === "Right") {
          yield* cli.writeOut(
            `[${count(Math.round((Date.now() - started) / 1000))} s] tracked ${count(stats.right.tracked)}, refreshed ${count(stats.right.refreshed)}, ` +
              `expired ${count(stats.right.expired)}, runners ${stats.right.runners.join(" ")}\n`
          )
        }
      }
    })
    yield* Effect.forkScoped(progress)
    yield* Effect.forkScoped(killer)
    yield* Effect.sleep(options.duration)
    const stats = yield* fleet.stats
    const now = Date.now()
    let expiredByOrg = 0
    for (const session of seeded) {
      const alive = yield* okta.lookupSession(session.id)
      if (Option.isNone(alive) || alive.value.expiresAt.epochMillis <= now) expiredByOrg++
    }
    const counters = yield* okta.counters
    const windows = (yield* okta.windowCounts).filter((w) => w.family === "sessions" && w.start + w.windowMillis > started)
    yield* Effect.forEach(workers, (worker) => worker.stop("SIGTERM"), { concurrency: "unbounded", discard: true })
    const summary: Summary = {
      mode: "emulator",
      endedBy: "duration",
      interrupted: false,
      elapsed: Duration.millis(now - started),
      store: `PostgreSQL schema ${schema} (dropped)`,
      sessionsAtStart: seeded.length,
      resumed: 0,
      trackedAtStart: added,
      trackedAtEnd: stats.tracked,
      counts: [
        { key: "requests", label: "refresh requests", value: stats.requests },
        { key: "refreshed", label: "refreshed", value: stats.refreshed },
        { key: "gone", label: "gone (404, ended by Okta)", value: stats.gone },
        { key: "expired", label: "expired while tracked (ours)", value: stats.expired },
        { key: "failed", label: "failed", value: stats.failed },
        { key: "retried", label: "retries", value: stats.retried },
        { key: "throttled", label: "429 pauses", value: stats.throttled }
      ],
      failed: {},
      expiredByReason: {},
      tooManyRequests: counters.tooManyRequests,
      worstLag: Duration.millis(stats.worstLagMillis),
      onTimeShare: Option.none(),
      revoked: 0,
      goneUnexpectedly: stats.gone,
      expiredByOrg
    }
    const report: FleetReport = {
      summary,
      windows,
      budgetPerWindow: Math.floor(options.limitPer10s * options.share),
      movedOnFailover,
      failover,
      partitionsMoved
    }
    yield* cli.writeOut(`${formatSummary(summary)}\n\n${formatFleet(report)}\n`)
    return report
  })

/** The fleet part of the report: sessions moved, failover, budget per window. */
export const formatFleet = (report: FleetReport): string => {
  const first = report.windows[0]?.start ?? 0
  const most = report.windows.reduce((max, w) => Math.max(max, w.requests), 0)
  const tooMany = report.windows.reduce((max, w) => Math.max(max, w.tooManyRequests), 0)
  const fleetTable = formatTable([
    ["partitions moved on failover", count(report.partitionsMoved)],
    ["sessions moved on failover", count(report.movedOnFailover)],
    ["failover (kill to last partition restarted)", Option.match(report.failover, { onNone: () => "-", onSome: (d) => `${count(Duration.toMillis(d))} ms` })],
    ["fleet budget per 10 s window", count(report.budgetPerWindow)],
    ["most requests in one window", count(most)],
    ["most 429s in one window", count(tooMany)]
  ], "right")
  const windowLines = report.windows.map((w) =>
    `  +${String(Math.round((w.start - first) / 1000)).padStart(4)} s  ${count(w.requests).padStart(7)} requests  ${
      count(w.tooManyRequests).padStart(3)
    } 429s  (limit ${count(w.limit)}, budget ${count(report.budgetPerWindow)})`
  )
  return `${fleetTable}\n\nbudget used per window across the fleet (emulator's counters):\n${windowLines.join("\n")}`
}

const integer = (name: string, fallback: number, description: string) =>
  Options.integer(name).pipe(Options.withDefault(fallback), Options.withDescription(description))

/** The command line. */
export const command = Command.make("fleet", {
  workers: integer("workers", 3, "worker processes"),
  sessions: integer("sessions", 3000, "sessions on the emulator"),
  bare: integer("bare", 500, "of those, how many are added as bare ids (refreshed at once to learn their expiry)"),
  duration: integer("duration", 120, "seconds to run"),
  idleWindow: integer("idle-window", 300, "the org's idle window in seconds"),
  limit: integer("rate-limit", 1200, "the org's budget for /api/v1/sessions per 10-second window"),
  share: Options.float("share").pipe(Options.withDefault(0.5), Options.withDescription("the fleet's share of the budget")),
  partitions: integer("partitions", 16, "partitions of the tracked set"),
  noRedis: Options.boolean("no-redis").pipe(Options.withDescription("no shared budget: each worker gets share / workers of its own")),
  killAt: Options.float("kill-at").pipe(Options.withDefault(0.4), Options.withDescription("SIGKILL one worker at this share of the duration (0: none)"))
}, (options) =>
  Effect.gen(function*() {
    if (!(options.workers >= 1 && options.workers <= 16)) return yield* new FleetDemoError({ detail: "--workers must be from 1 to 16" })
    const report = yield* runFleet({
      workers: options.workers,
      sessions: options.sessions,
      bare: Math.min(options.bare, options.sessions),
      duration: Duration.seconds(options.duration),
      idleWindow: Duration.seconds(options.idleWindow),
      limitPer10s: options.limit,
      share: options.share,
      partitions: options.partitions,
      killAt: options.killAt > 0 && options.workers > 1 ? Option.some(options.killAt) : Option.none(),
      databaseUrl: process.env["OKTA_KEEPALIVE_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test",
      redisUrl: options.noRedis ? Option.none() : Option.some(process.env["OKTA_KEEPALIVE_REDIS_URL"] ?? "redis://127.0.0.1:6379"),
      workerCommand: [process.execPath, "--import", "tsx", "examples/fleetWorker.ts"]
    }).pipe(
      Effect.scoped,
      Effect.tapErrorCause((cause) => Effect.sync(() => process.stderr.write(`DEBUG ${cause.toString()}\n`))),
      Effect.provide(OktaEmulator.layerWithFakeOkta({}, {
        idleWindow: Duration.seconds(options.idleWindow),
        rateLimits: { sessions: { limit: options.limit, window: "10 seconds" } },
        concurrencyLimit: 200
      }))
    )
    const expired = report.summary.counts.find((c) => c.key === "expired")?.value ?? 0
    if (expired > 0 || report.summary.expiredByOrg > 0) {
      return yield* new FleetDemoError({ detail: `sessions expired while tracked: ${expired} by the fleet's count, ${report.summary.expiredByOrg} by the emulator's state` })
    }
  })).pipe(Command.withDescription("The fleet demo: worker processes on the emulator with PostgreSQL (and Redis), one killed in the middle."))

/** The program of `npm run fleet`: its exit code. */
export const main = (argv: ReadonlyArray<string>) =>
  Command.run(command, { name: "npm run fleet", version: "0.3.0" })(argv).pipe(
    Effect.as(0),
    Effect.catchAll((error) =>
      Effect.flatMap(
        CliProcess.CliProcess,
        (cli) => cli.writeErr(`npm run fleet: ${error instanceof Error ? error.message : "invalid command line"}\n`)
      ).pipe(Effect.as(Predicate.isTagged(error, "FleetDemoError") ? 1 : 2))
    ),
    Effect.catchAllDefect((defect) =>
      Effect.flatMap(CliProcess.CliProcess, (cli) => cli.writeErr(`npm run fleet: ${String(defect)}\n`)).pipe(Effect.as(2))
    ),
    Effect.provide(NodeContext.layer)
  )

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href
if (isMain) {
  runCli(main(process.argv).pipe(Effect.provide(CliProcess.layerNode)))
}

/** Keeps the type of a session list readable where it is used. */
export type Sessions = ReadonlyArray<Session.Session>
