/**
 * Child processes of the benchmark: the scripts of bench/ bundled once with esbuild (so a process
 * starts in a fraction of the time tsx needs) and forked with an IPC channel, each told how long it
 * may live, and messages awaited with a time limit so that nothing can hang.
 */
import { type ChildProcess, fork } from "node:child_process"
import { mkdirSync, rmSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as esbuild from "esbuild"

/** The absolute path of a file of bench/ (`BENCH_DIR` overrides where that is, for a bundled profile run). */
export const benchFile = (name: string): string =>
  process.env["BENCH_DIR"] === undefined
    ? fileURLToPath(new URL(name, import.meta.url))
    : join(process.env["BENCH_DIR"], name)

/**
 * Where this run's built files go: inside node_modules, so they resolve packages from the
 * project's node_modules, and per process (`BENCH_RUN_DIR` for a child of the run), so two runs at
 * once do not overwrite each other's files.
 */
export const runDirectory: string = process.env["BENCH_RUN_DIR"] ??
  join(benchFile(".."), "node_modules", ".cache", "effect-okta-sessions-bench", String(process.pid))

/** A directory of this run's built files. */
export const cacheDirectory = (part: string): string => join(runDirectory, part)

/** Removes this run's built files. */
export const removeRunDirectory = (): void => rmSync(runDirectory, { recursive: true, force: true })

/** The scripts forked as child processes. */
export type ScriptName = "client" | "fakeOkta" | "profile"

/**
 * Bundles the child scripts into plain JavaScript. The official SDK stays outside the bundle, as
 * its users load it; everything else (Effect, undici, this client) is bundled for every client alike.
 */
export const buildScripts = async (): Promise<void> => {
  const outdir = cacheDirectory("scripts")
  mkdirSync(outdir, { recursive: true })
  await esbuild.build({
    entryPoints: [benchFile("client.ts"), benchFile("fakeOkta.ts"), benchFile("profile.ts")],
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external: ["@okta/okta-sdk-nodejs"],
    logLevel: "error",
    // CommonJS dependencies call require for Node's built-ins.
    banner: { js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);" }
  })
}

/** The path of a script built by `buildScripts`. */
export const scriptPath = (name: ScriptName): string => join(cacheDirectory("scripts"), `${name}.mjs`)

/**
 * Forks a script built by `buildScripts`; it exits by itself after `maxSeconds`. The child runs with
 * `nodeFlags` only (the heap run passes `--expose-gc`), not with the flags this process was started
 * with: under `npm run bench` those are tsx's loader (`--require …/preflight.cjs --import
 * …/loader.mjs`), which the bundled scripts do not need, and under which
 * `--no-allocation-site-pretenuring` left the lean client's GC share at 20–24 % where plain Node
 * gives 7–8 % (BENCHMARKS.md, "Hot path steps 7 and 8, and the young generation").
 */
export const forkScript = (
  name: ScriptName,
  maxSeconds: number,
  args: ReadonlyArray<string> = [],
  nodeFlags: ReadonlyArray<string> = []
): ChildProcess =>
  fork(scriptPath(name), ["--max-seconds", String(maxSeconds), ...args], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    serialization: "json",
    execArgv: [...nodeFlags]
  })

/**
 * A typed IPC channel to a child: `send`, and `next` which waits (at most `timeoutMs`) for the next
 * message that passes `decode`. Messages are queued, so none is lost between two waits.
 */
export class Channel<Incoming, Outgoing extends object> {
  private readonly queue: Array<Incoming> = []
  private waiter: { readonly resolve: (message: Incoming) => void; readonly reject: (error: Error) => void } | undefined
  private exited: string | undefined

  constructor(readonly child: ChildProcess, decode: (raw: unknown) => Incoming, readonly label: string) {
    child.on("message", (raw) => {
      let message: Incoming
      try {
        message = decode(raw)
      } catch (error) {
        this.fail(`${label} sent a message that does not decode: ${String(error)}`)
        return
      }
      const waiter = this.waiter
      if (waiter === undefined) {
        this.queue.push(message)
      } else {
        this.waiter = undefined
        waiter.resolve(message)
      }
    })
    child.on("exit", (code, signal) => this.fail(`${label} exited (code ${code}, signal ${signal})`))
    child.on("error", (error) => this.fail(`${label} failed: ${error.message}`))
  }

  private fail(reason: string): void {
    this.exited ??= reason
    const waiter = this.waiter
    this.waiter = undefined
    waiter?.reject(new Error(reason))
  }

  send(message: Outgoing): void {
    if (this.exited !== undefined) throw new Error(this.exited)
    this.child.send(message)
  }

  next(timeoutMs: number): Promise<Incoming> {
    const queued = this.queue.shift()
    if (queued !== undefined) return Promise.resolve(queued)
    if (this.exited !== undefined) return Promise.reject(new Error(this.exited))
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined
        reject(new Error(`${this.label} did not answer within ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiter = {
        resolve: (message) => {
          clearTimeout(timer)
          resolve(message)
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        }
      }
    })
  }

  /** Disconnects (the child exits on disconnect) and kills it if it is still there after a moment. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()))
    if (this.child.connected) this.child.disconnect()
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 2000)
    await exited
    clearTimeout(timer)
  }
}
