/**
 * Keepalive memory and idle CPU: runs bench/keepalive-memory.ts (the keepalive worker's own
 * measurement) once per size in a fresh process and reads the JSON line it prints last.
 */
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { Schema } from "effect"
import { benchFile } from "./processes.js"

/** One size: the figures, or why there are none. */
export interface KeepaliveResult {
  readonly sessions: number
  readonly ok: boolean
  readonly detail: string
  readonly rssBytes: number
  readonly heapUsedBytes: number
  readonly bytesPerSession: number
  /** CPU while nothing is due, as a share of one core. */
  readonly idleCpuShare: number
}

const Line = Schema.parseJson(Schema.Struct({
  sessions: Schema.Number,
  rssBytes: Schema.Number,
  heapUsedBytes: Schema.Number,
  bytesPerSession: Schema.Number,
  idleCpuShare: Schema.Number
}))
const decodeLine = Schema.decodeUnknownEither(Line)

const failed = (sessions: number, detail: string): KeepaliveResult => ({
  sessions,
  ok: false,
  detail,
  rssBytes: Number.NaN,
  heapUsedBytes: Number.NaN,
  bytesPerSession: Number.NaN,
  idleCpuShare: Number.NaN
})

const runOne = (script: string, sessions: number): Promise<KeepaliveResult> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--expose-gc", script, "--sessions", String(sessions)], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    let output = ""
    const timer = setTimeout(() => child.kill("SIGKILL"), 300_000)
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (chunk: string) => {
      output += chunk
    })
    child.on("exit", (code, signal) => {
      clearTimeout(timer)
      const last = output.trim().split("\n").at(-1) ?? ""
      const decoded = decodeLine(last)
      if (decoded._tag === "Left") {
        resolve(failed(sessions, `exit ${code ?? signal}; last line ${JSON.stringify(last.slice(0, 200))}`))
      } else {
        resolve({ ...decoded.right, ok: code === 0, detail: code === 0 ? "" : `exit ${code ?? signal}` })
      }
    })
  })

/** Runs the keepalive measurement for each size, one process each. */
export const runKeepalive = async (
  sizes: ReadonlyArray<number>,
  log: (line: string) => void
): Promise<ReadonlyArray<KeepaliveResult>> => {
  const script = benchFile("keepalive-memory.ts")
  if (!existsSync(script)) return sizes.map((sessions) => failed(sessions, "bench/keepalive-memory.ts is not there yet"))
  const results: Array<KeepaliveResult> = []
  for (const sessions of sizes) {
    const result = await runOne(script, sessions)
    log(`keepalive ${sessions}: ${result.ok ? `${(result.rssBytes / 1024 ** 2).toFixed(0)} MiB RSS` : result.detail}`)
    results.push(result)
  }
  return results
}
