/**
 * The keepalive store at scale: N sessions (default 1,000,000) written to the SQLite store in
 * batches (one transaction each, as the worker writes one per tick), the file's size on disk, then
 * a restart: a fresh process opens the file and loads every session, with its time and RSS. The
 * in-memory store does the same for comparison. Each phase runs in its own process so that RSS is
 * the phase's own.
 *
 *   npx tsx bench/keepalive-store.ts [--sessions N] [--batch B] [--json PATH]
 *
 * `npm run bench` runs it with the defaults; the smoke test passes `--sessions 10000`.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Chunk, Context, Effect, Layer, Schema, Stream } from "effect"
import * as KeepaliveStoreSqlite from "../src/KeepaliveStoreSqlite.js"
import { KeepaliveStore, Session } from "../src/index.js"

/** What one run measured. Times in ms, sizes in bytes. */
export const StoreBenchResult = Schema.Struct({
  sessions: Schema.Number,
  batch: Schema.Number,
  /** SQLite: every batch of new sessions, in ms: median, 99th percentile, and the sum. */
  insertBatchMedianMillis: Schema.Number,
  insertBatchP99Millis: Schema.Number,
  insertTotalMillis: Schema.Number,
  /** CPU time of the process over all inserts (user + system), ms: wall minus this is waiting (fsync, a busy machine). */
  insertCpuMillis: Schema.Number,
  /** SQLite: batches that replace existing sessions (a refresh tick), median ms. */
  updateBatchMedianMillis: Schema.Number,
  /** SQLite: the file and its WAL after the writes, once closed. */
  bytesOnDisk: Schema.Number,
  /** SQLite restart, in a fresh process: open (migrations, lock) and load every session. */
  openMillis: Schema.Number,
  loadMillis: Schema.Number,
  loadCpuMillis: Schema.Number,
  loaded: Schema.Number,
  restartRssBytes: Schema.Number,
  /** The same writes and load on the in-memory store, in the writing process. */
  memoryInsertTotalMillis: Schema.Number,
  memoryLoadMillis: Schema.Number
})
export type StoreBenchResult = typeof StoreBenchResult.Type

const WritePhase = Schema.Struct({
  insertBatchMillis: Schema.Array(Schema.Number),
  insertCpuMillis: Schema.Number,
  updateBatchMillis: Schema.Array(Schema.Number),
  memoryInsertTotalMillis: Schema.Number,
  memoryLoadMillis: Schema.Number
})
const RestartPhase = Schema.Struct({ openMillis: Schema.Number, loadMillis: Schema.Number, loadCpuMillis: Schema.Number, loaded: Schema.Number, rssBytes: Schema.Number })

const percentile = (values: ReadonlyArray<number>, p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? Number.NaN
}

const sessionAt = (index: number, now: number, outcome: KeepaliveStore.Outcome): KeepaliveStore.StoredSession => ({
  // Okta-like ids: 25 characters, not in key order of insertion.
  sessionId: Session.SessionId.make(`102${((index * 2_654_435_761) % 4_294_967_296).toString(36).padStart(7, "0")}${index.toString(36).padStart(15, "0")}`),
  expiresAt: now + 7_200_000 + (index % 3_600_000),
  nextRefreshAt: now + 3_600_000 + (index % 3_600_000),
  lastOutcome: outcome
})

const cpuMillisSince = (before: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(before)
  return (used.user + used.system) / 1000
}

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const started = performance.now()
    const value = yield* effect
    return [performance.now() - started, value] as const
  })

/** Writes `sessions` in batches of `batch` to `store`; returns each batch's time. */
const writeAll = (store: KeepaliveStore.KeepaliveStore.Service, sessions: number, batch: number, outcome: KeepaliveStore.Outcome) =>
  Effect.gen(function*() {
    const now = Date.now()
    const times: Array<number> = []
    for (let start = 0; start < sessions; start += batch) {
      const changes: Array<KeepaliveStore.Change> = []
      for (let index = start; index < Math.min(sessions, start + batch); index++) {
        changes.push(KeepaliveStore.Change.put(sessionAt(index, now, outcome)))
      }
      const [millis] = yield* timed(store.write(changes))
      times.push(millis)
    }
    return times
  })

const writePhase = (filename: string, sessions: number, batch: number) =>
  Effect.gen(function*() {
    const { insertBatchMillis, insertCpuMillis, updateBatchMillis } = yield* Effect.scoped(Effect.gen(function*() {
      const store = Context.get(yield* Layer.build(KeepaliveStoreSqlite.layer({ filename })), KeepaliveStore.KeepaliveStore)
      const cpuBefore = process.cpuUsage()
      const insertBatchMillis = yield* writeAll(store, sessions, batch, "Added")
      const insertCpuMillis = cpuMillisSince(cpuBefore)
      // A refresh tick replaces existing sessions: ten batches' worth, spread over the set.
      const updates = Math.min(sessions, batch * 10)
      const updateBatchMillis = yield* writeAll(store, updates, batch, "Refreshed")
      return { insertBatchMillis, insertCpuMillis, updateBatchMillis }
    }))
    const memory = yield* KeepaliveStore.makeMemory
    const memoryInsert = yield* writeAll(memory, sessions, batch, "Added")
    const [memoryLoadMillis] = yield* timed(Stream.runCount(memory.load))
    return {
      insertBatchMillis,
      insertCpuMillis,
      updateBatchMillis,
      memoryInsertTotalMillis: memoryInsert.reduce((sum, millis) => sum + millis, 0),
      memoryLoadMillis
    }
  })

const restartPhase = (filename: string) =>
  Effect.scoped(Effect.gen(function*() {
    const started = performance.now()
    const store = Context.get(yield* Layer.build(KeepaliveStoreSqlite.layer({ filename })), KeepaliveStore.KeepaliveStore)
    const openMillis = performance.now() - started
    // What a worker does with what it loads: keep every session (here in a Map by id).
    const tracked = new Map<string, KeepaliveStore.StoredSession>()
    const cpuBefore = process.cpuUsage()
    const [loadMillis] = yield* timed(Stream.runForEachChunk(store.load, (chunk) =>
      Effect.sync(() => {
        for (const session of Chunk.toReadonlyArray(chunk)) tracked.set(session.sessionId, session)
      })))
    return { openMillis, loadMillis, loadCpuMillis: cpuMillisSince(cpuBefore), loaded: tracked.size, rssBytes: process.memoryUsage().rss }
  }))

const thisFile = fileURLToPath(import.meta.url)

/** Runs one phase of this file in a fresh process and decodes the JSON line it prints last. */
const runPhase = <A, I>(schema: Schema.Schema<A, I>, args: ReadonlyArray<string>): Promise<A> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", thisFile, ...args], { stdio: ["ignore", "pipe", "inherit"] })
    let output = ""
    const timer = setTimeout(() => child.kill("SIGKILL"), 900_000)
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (chunk: string) => {
      output += chunk
    })
    child.on("error", reject)
    child.on("exit", (code, signal) => {
      clearTimeout(timer)
      const last = output.trim().split("\n").at(-1) ?? ""
      const decoded = Schema.decodeUnknownEither(Schema.parseJson(schema))(last)
      if (code === 0 && decoded._tag === "Right") resolve(decoded.right)
      else reject(new Error(`phase ${args[1]} exited with ${code ?? signal}: ${last.slice(0, 300)}`))
    })
  })

const fixed = (value: number, digits = 1) => value.toFixed(digits)

/** The result as the lines `npm run bench` prints. */
export const formatStoreBench = (result: StoreBenchResult): ReadonlyArray<string> => [
  `keepalive store, ${result.sessions.toLocaleString("en-US")} sessions in batches of ${result.batch.toLocaleString("en-US")}:`,
  `  SQLite insert: batch median ${fixed(result.insertBatchMedianMillis)} ms, p99 ${fixed(result.insertBatchP99Millis)} ms, total ${
    fixed(result.insertTotalMillis / 1000, 2)
  } s (${fixed(result.sessions / (result.insertTotalMillis / 1000), 0)} sessions/s; CPU ${fixed(result.insertCpuMillis / 1000, 2)} s)`,
  `  SQLite update (refresh tick): batch median ${fixed(result.updateBatchMedianMillis)} ms`,
  `  SQLite size on disk: ${fixed(result.bytesOnDisk / 1024 ** 2)} MiB (${fixed(result.bytesOnDisk / result.sessions, 0)} bytes per session)`,
  `  SQLite restart: open ${fixed(result.openMillis)} ms, load ${fixed(result.loadMillis)} ms (CPU ${fixed(result.loadCpuMillis)} ms, ${result.loaded.toLocaleString("en-US")} sessions), RSS ${
    fixed(result.restartRssBytes / 1024 ** 2, 0)
  } MiB`,
  `  memory store: insert total ${fixed(result.memoryInsertTotalMillis)} ms, load ${fixed(result.memoryLoadMillis)} ms; SQLite ÷ memory: insert ${
    fixed(result.insertTotalMillis / result.memoryInsertTotalMillis, 1)
  }×, load ${fixed(result.loadMillis / result.memoryLoadMillis, 1)}×`
]

/** Runs both phases on a temporary file (removed afterwards) and returns the figures. */
export const runKeepaliveStoreBench = async (
  options: { readonly sessions: number; readonly batch?: number | undefined },
  log: (line: string) => void = () => {}
): Promise<StoreBenchResult> => {
  const batch = options.batch ?? 10_000
  const directory = mkdtempSync(join(tmpdir(), "keepalive-store-bench-"))
  const filename = join(directory, "sessions.db")
  try {
    const written = await runPhase(WritePhase, ["--phase", "write", filename, String(options.sessions), String(batch)])
    const bytesOnDisk = [filename, `${filename}-wal`].reduce((sum, path) => {
      try {
        return sum + statSync(path).size
      } catch {
        return sum
      }
    }, 0)
    const restart = await runPhase(RestartPhase, ["--phase", "restart", filename])
    const result: StoreBenchResult = {
      sessions: options.sessions,
      batch,
      insertBatchMedianMillis: percentile(written.insertBatchMillis, 0.5),
      insertBatchP99Millis: percentile(written.insertBatchMillis, 0.99),
      insertTotalMillis: written.insertBatchMillis.reduce((sum, millis) => sum + millis, 0),
      insertCpuMillis: written.insertCpuMillis,
      updateBatchMedianMillis: percentile(written.updateBatchMillis, 0.5),
      bytesOnDisk,
      openMillis: restart.openMillis,
      loadMillis: restart.loadMillis,
      loadCpuMillis: restart.loadCpuMillis,
      loaded: restart.loaded,
      restartRssBytes: restart.rssBytes,
      memoryInsertTotalMillis: written.memoryInsertTotalMillis,
      memoryLoadMillis: written.memoryLoadMillis
    }
    for (const line of formatStoreBench(result)) log(line)
    return result
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}

const main = async (argv: ReadonlyArray<string>): Promise<void> => {
  const value = (flag: string) => {
    const index = argv.indexOf(flag)
    return index < 0 ? undefined : argv[index + 1]
  }
  const phase = value("--phase")
  const [filename = "", sessions = "0", batch = "0"] = phase === undefined ? [] : argv.slice(argv.indexOf("--phase") + 2)
  if (phase === "write") {
    const result = await Effect.runPromise(writePhase(filename, Number(sessions), Number(batch)))
    process.stdout.write(`${JSON.stringify(result)}\n`)
    return
  }
  if (phase === "restart") {
    process.stdout.write(`${JSON.stringify(await Effect.runPromise(restartPhase(filename)))}\n`)
    return
  }
  const count = Number(value("--sessions") ?? "1000000")
  const batchSize = Number(value("--batch") ?? "10000")
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error("usage: bench/keepalive-store.ts [--sessions N] [--batch B] [--json PATH]")
  }
  const result = await runKeepaliveStoreBench({ sessions: count, batch: batchSize }, (line) => process.stdout.write(`${line}\n`))
  const json = value("--json")
  if (json !== undefined) writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
      process.exit(1)
    }
  )
}
