/**
 * A keepalive worker in a child process, for the restart tests (test/KeepaliveStoreRestart.test.ts
 * on SQLite, test/KeepaliveStorePgRestart.test.ts on PostgreSQL): test/KeepaliveStoreWorker.ts
 * bundled once with esbuild (so that it starts in well under a second), started with arguments,
 * read line by line, killed with SIGKILL.
 */
import { Effect } from "effect"
import * as esbuild from "esbuild"
import { type ChildProcessByStdio, spawn } from "node:child_process"
import { mkdirSync, rmSync } from "node:fs"
import { join } from "node:path"
import type { Readable } from "node:stream"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))

/**
 * The worker program bundled into node_modules/.cache (better-sqlite3 stays a native require, and
 * pg's optional native binding is left out), under a name of this process's own (test files, and
 * worktrees sharing node_modules, bundle at the same time), removed when the scope closes.
 */
export const bundleWorker = Effect.acquireRelease(
  Effect.promise(async () => {
    const outdir = join(root, "node_modules", ".cache", "keepalive-store-restart")
    mkdirSync(outdir, { recursive: true })
    const outfile = join(outdir, `worker-${process.pid}-${Date.now().toString(36)}.mjs`)
    await esbuild.build({
      entryPoints: [join(root, "test", "KeepaliveStoreWorker.ts")],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      // the package's own names (effect-okta-sessions, .../KeepaliveStoreSqlite) resolve by tsconfig's paths
      tsconfig: join(root, "tsconfig.json"),
      external: ["better-sqlite3", "pg-native"],
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
      logLevel: "silent"
    })
    return outfile
  }),
  (outfile) => Effect.sync(() => rmSync(outfile, { force: true }))
)

/** A worker process and the lines it has printed so far. */
export interface Worker {
  readonly child: ChildProcessByStdio<null, Readable, null>
  readonly lines: Array<string>
  readonly waitFor: (pattern: RegExp, ms: number) => Effect.Effect<RegExpMatchArray>
  readonly kill: Effect.Effect<void>
}

export const startWorker = (
  script: string,
  args: ReadonlyArray<string>,
  token: string,
  env: Readonly<Record<string, string>> = {}
) =>
  Effect.acquireRelease(
    Effect.sync((): Worker => {
      const child = spawn(process.execPath, [script, ...args], {
        cwd: root,
        stdio: ["ignore", "pipe", "inherit"],
        env: { ...process.env, ...env, OKTA_CLIENT_TOKEN: token }
      })
      const lines: Array<string> = []
      let partial = ""
      child.stdout.setEncoding("utf8")
      child.stdout.on("data", (data: string) => {
        const parts = (partial + data).split("\n")
        partial = parts.pop() ?? ""
        lines.push(...parts)
      })
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
      return {
        child,
        lines,
        waitFor: (pattern, ms) =>
          Effect.async<RegExpMatchArray>((resume) => {
            const started = Date.now()
            const poll = setInterval(() => {
              const found = lines.map((line) => line.match(pattern)).find((match) => match !== null)
              if (found != null) {
                clearInterval(poll)
                resume(Effect.succeed(found))
              } else if (Date.now() - started > ms || child.exitCode !== null) {
                clearInterval(poll)
                resume(Effect.dieMessage(`no ${pattern} from the worker within ${ms} ms; it printed:\n${lines.slice(-20).join("\n")}`))
              }
            }, 20)
            return Effect.sync(() => clearInterval(poll))
          }),
        kill: Effect.promise(() => {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
          return exited
        })
      }
    }),
    (worker) => worker.kill
  )

/** A line that says something went wrong: an event other than a refresh, an error, a counter above 0. */
export const isTrouble = (line: string): boolean =>
  line.startsWith("event ") || line.startsWith("error ") || /^tracked \d+ .*=[1-9]/.test(line)

/** A small seeded generator, so that a failing run can be told apart (its seed is in the message). */
export const randomFrom = (seed: number) => {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0
    return state / 4_294_967_296
  }
}
