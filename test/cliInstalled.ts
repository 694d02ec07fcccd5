/**
 * The `okta-sessions` bin as a user gets it: the project built and packed (`npm pack`) from a copy
 * of its sources, and the tarball installed into an empty app with its peers at the versions of
 * package-lock.json. Also a way to run the installed bin and collect what it prints.
 */
import { execFile, spawn } from "node:child_process"
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

const exec = promisify(execFile)
const root = fileURLToPath(new URL("..", import.meta.url))

/** The versions package-lock.json holds for the peers. */
const lockedVersion = (name: string): string => {
  const lock: unknown = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"))
  const packages = typeof lock === "object" && lock !== null && "packages" in lock ? lock.packages : undefined
  const entry = typeof packages === "object" && packages !== null ? Object.entries(packages).find(([path]) => path === `node_modules/${name}`)?.[1] : undefined
  const version = typeof entry === "object" && entry !== null && "version" in entry ? entry.version : undefined
  if (typeof version !== "string") throw new Error(`package-lock.json has no version of ${name}`)
  return version
}

const npm = (args: ReadonlyArray<string>, cwd: string) =>
  exec("npm", [...args], { cwd, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, npm_config_update_notifier: "false" } })

/** An installed copy of the package. */
export interface Installed {
  /** The bin as npm links it: `<app>/node_modules/.bin/okta-sessions`. */
  readonly bin: string
  /** A scratch directory for the tests, removed by `remove`. */
  readonly scratch: string
  readonly tarball: string
  readonly remove: () => void
}

/**
 * Builds a copy of the project (so that the worktree's own dist/ is not touched while other tests
 * run), packs it, and installs the tarball and the peers into an empty app with `--prefer-offline`.
 */
export const installPackage = async (): Promise<Installed> => {
  const scratch = mkdtempSync(join(tmpdir(), "okta-sessions-cli-"))
  try {
    const project = join(scratch, "project")
    mkdirSync(project)
    for (const entry of ["package.json", "package-lock.json", "README.md", "CHANGELOG.md", "LICENSE", "tsconfig.json", "tsconfig.build.json", "scripts", "src"]) {
      cpSync(join(root, entry), join(project, entry), { recursive: true })
    }
    symlinkSync(join(root, "node_modules"), join(project, "node_modules"), "dir")
    // the library build, then build:bin
    await npm(["run", "build"], project)
    const packed = await npm(["pack", "--ignore-scripts", "--pack-destination", scratch], project)
    const tarball = join(scratch, packed.stdout.trim().split("\n").at(-1) ?? "")
    if (!existsSync(tarball)) throw new Error(`npm pack made no tarball: ${packed.stdout}`)
    const app = join(scratch, "app")
    mkdirSync(app)
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }))
    await npm([
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
      tarball,
      `effect@${lockedVersion("effect")}`,
      `@effect/platform@${lockedVersion("@effect/platform")}`,
      `@effect/platform-node@${lockedVersion("@effect/platform-node")}`
    ], app)
    const bin = join(app, "node_modules", ".bin", "okta-sessions")
    if (!existsSync(bin)) throw new Error("the installed package has no okta-sessions bin")
    return { bin, scratch, tarball, remove: () => rmSync(scratch, { recursive: true, force: true }) }
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true })
    throw error
  }
}

/** What a run of the bin printed and how it ended. */
export interface BinResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Options of a run: the environment beyond PATH and HOME, standard input, the working directory. */
export interface RunOptions {
  readonly env?: Readonly<Record<string, string>>
  readonly stdin?: string
  readonly cwd: string
  readonly home: string
  /** Killed with SIGKILL after this long (a hung bin fails its test rather than the suite). */
  readonly timeoutMs?: number
}

/** A running bin: its output so far, a way to signal it, and its end. */
export interface RunningBin {
  readonly output: () => { readonly stdout: string; readonly stderr: string }
  readonly kill: (signal: NodeJS.Signals) => void
  readonly done: Promise<BinResult>
}

/**
 * Starts the bin as a shell would: the file npm linked, run through its `#!/usr/bin/env node` line,
 * with only PATH (node's directory first), HOME and the given variables in its environment.
 */
export const startBin = (bin: string, args: ReadonlyArray<string>, options: RunOptions): RunningBin => {
  const child = spawn(bin, [...args], {
    cwd: options.cwd,
    env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: options.home, ...options.env },
    stdio: ["pipe", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
  child.stdin.on("error", () => {}) // a bin that exits before reading its input
  if (options.stdin !== undefined) child.stdin.end(options.stdin)
  else child.stdin.end()
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000)
  const done = new Promise<BinResult>((resolve) =>
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  )
  return { output: () => ({ stdout, stderr }), kill: (signal) => void child.kill(signal), done }
}

/** Runs the bin to its end. */
export const runBin = (bin: string, args: ReadonlyArray<string>, options: RunOptions): Promise<BinResult> =>
  startBin(bin, args, options).done

/** Resolves once `read()` matches `pattern`, or rejects after `ms` with what was read. */
export const waitFor = (read: () => string, pattern: RegExp, ms: number) =>
  new Promise<RegExpMatchArray>((resolve, reject) => {
    const started = Date.now()
    const poll = setInterval(() => {
      const match = read().match(pattern)
      if (match !== null) {
        clearInterval(poll)
        resolve(match)
      } else if (Date.now() - started > ms) {
        clearInterval(poll)
        reject(new Error(`no ${pattern} within ${ms} ms; output so far:\n${read()}`))
      }
    }, 25)
  })

/** The JSON objects of a text, one per line (other lines are an error). */
export const jsonLines = (text: string): ReadonlyArray<Record<string, unknown>> =>
  text.split("\n").filter((line) => line.trim() !== "").map((line) => {
    const value: unknown = JSON.parse(line)
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`not a JSON object: ${line}`)
    return Object.fromEntries(Object.entries(value))
  })
