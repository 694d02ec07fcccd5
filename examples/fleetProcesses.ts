/**
 * The fleet's worker processes as the demo (`npm run fleet`) and test/Fleet.test.ts run them: each a
 * child process of `examples/fleetWorker.ts` that speaks one JSON object per line on stdout. A
 * handle keeps the lines it printed, waits for one (bounded), and stops it with SIGTERM or SIGKILL.
 * PostgreSQL and Redis state of a run (its schema, cluster tables and key prefix) is dropped by
 * `dropRunState`.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import { Duration, Effect, Redacted } from "effect"
import { Redis } from "ioredis"
import { type ChildProcessByStdio, spawn } from "node:child_process"
import type { Readable } from "node:stream"

/** One line a worker printed, parsed. */
export interface WorkerLine {
  readonly event: string
  readonly [key: string]: unknown
}

/** A running worker process. */
export interface WorkerProcess {
  readonly name: string
  readonly child: ChildProcessByStdio<null, Readable, Readable>
  readonly lines: Array<WorkerLine & { readonly receivedAt: number }>
  /** Waits (at most `timeout`) for a line that `predicate` accepts, printed at or after `since`. */
  readonly waitFor: (predicate: (line: WorkerLine) => boolean, timeout: Duration.DurationInput, since?: number) => Effect.Effect<WorkerLine, Error>
  /** Sends `signal` and waits (at most 20 s, then SIGKILL) until it exits. */
  readonly stop: (signal: "SIGTERM" | "SIGKILL") => Effect.Effect<void>
  readonly exited: Promise<number | null>
}

const isLine = (value: unknown): value is WorkerLine =>
  typeof value === "object" && value !== null && "event" in value && typeof value.event === "string"

/** Starts a worker: `command[0]` with the rest as arguments, in `cwd`, with `env`. Stopped (SIGKILL) when the scope closes. */
export const startWorker = (name: string, command: ReadonlyArray<string>, cwd: string, env: NodeJS.ProcessEnv) =>
  Effect.acquireRelease(
    Effect.sync((): WorkerProcess => {
      const [file = process.execPath, ...args] = command
      const child = spawn(file, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] })
      const lines: WorkerProcess["lines"] = []
      let partial = ""
      child.stdout.setEncoding("utf8")
      child.stdout.on("data", (data: string) => {
        const parts = (partial + data).split("\n")
        partial = parts.pop() ?? ""
        for (const part of parts) {
          if (part.trim() === "") continue
          try {
            const parsed: unknown = JSON.parse(part)
            if (isLine(parsed)) lines.push({ ...parsed, receivedAt: Date.now() })
          } catch {
            lines.push({ event: "Text", text: part, receivedAt: Date.now() })
          }
        }
      })
      const stderr: Array<string> = []
      child.stderr.setEncoding("utf8")
      child.stderr.on("data", (data: string) => {
        stderr.push(data)
        if (stderr.length > 200) stderr.shift()
      })
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
      const waitFor = (predicate: (line: WorkerLine) => boolean, timeout: Duration.DurationInput, since = 0) =>
        Effect.async<WorkerLine, Error>((resume) => {
          const deadline = Date.now() + Duration.toMillis(Duration.decode(timeout))
          const poll = setInterval(() => {
            const found = lines.find((line) => line.receivedAt >= since && predicate(line))
            if (found !== undefined) {
              clearInterval(poll)
              resume(Effect.succeed(found))
            } else if (Date.now() > deadline || child.exitCode !== null || child.signalCode !== null) {
              clearInterval(poll)
              const tail = lines.slice(-10).map((line) => JSON.stringify(line)).join("\n")
              resume(Effect.fail(new Error(`${name}: no such line within ${Duration.format(Duration.decode(timeout))} (exit ${child.exitCode}); it printed:\n${tail}\n${stderr.join("").slice(-2000)}`)))
            }
          }, 50)
          return Effect.sync(() => clearInterval(poll))
        })
      const stop = (signal: "SIGTERM" | "SIGKILL") =>
        Effect.promise(async () => {
          if (child.exitCode !== null || child.signalCode !== null) return
          child.kill(signal)
          const timer = setTimeout(() => child.kill("SIGKILL"), 20_000)
          await exited
          clearTimeout(timer)
        })
      return { name, child, lines, waitFor, stop, exited }
    }),
    (worker) => worker.stop("SIGKILL")
  )

/** A short random id for a run's schema, table prefix and key prefix. */
export const runId = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`

/** Drops a run's PostgreSQL state: the store's schema and the cluster's `<prefix>_*` tables. */
export const dropPgState = (databaseUrl: string, schema: string, tablePrefix: string) =>
  Effect.gen(function*() {
    const sql = yield* PgClient.make({ url: Redacted.make(databaseUrl), connectTimeout: Duration.seconds(5) })
    yield* sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    const tables = yield* sql<{ tablename: string }>`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE ${`${tablePrefix}\\_%`}`
    for (const { tablename } of tables) yield* sql.unsafe(`DROP TABLE IF EXISTS "${tablename}" CASCADE`)
  }).pipe(Effect.scoped, Effect.provide(Reactivity.layer))

/** Deletes a run's Redis keys (every key under `prefix`). */
export const dropRedisKeys = (url: string, prefix: string) =>
  Effect.acquireUseRelease(
    Effect.sync(() => new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000 })),
    (redis) =>
      Effect.promise(async () => {
        await redis.connect()
        let cursor = "0"
        do {
          const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000)
          cursor = next
          if (keys.length > 0) await redis.del(...keys)
        } while (cursor !== "0")
      }),
    (redis) => Effect.sync(() => redis.disconnect())
  ).pipe(Effect.timeout("10 seconds"))
