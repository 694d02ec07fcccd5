/**
 * Cold start to the first answered request, for each client and each way of running it: under tsx,
 * as plain JavaScript files (esbuild, one output file per source file, no bundling) and as one
 * esbuild bundle. Each run is a fresh `node` process; the time is the child's own `performance.now()`
 * when the first Session is in hand (Node's time origin is the process start), and, as measured by
 * this process, from `spawn` to the line the child prints.
 */
import { spawn } from "node:child_process"
import { mkdirSync, readdirSync, rmSync } from "node:fs"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import * as esbuild from "esbuild"
import { Schema } from "effect"
import { cacheDirectory } from "./processes.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const outRoot = cacheDirectory("coldstart")

/** A client of the cold-start table; `undici` is the floor. */
export type ColdStartClient = "undici" | "effect-undici" | "effect-fetch" | "okta-sdk"

/** Node itself, starting and printing the same line with no request: what no client can beat. */
const emptyNode: ColdStartVariant = {
  client: "node alone",
  mode: "node",
  argv: ["-e", "process.stdout.write(JSON.stringify({ ok: true, firstResponseMillis: performance.now() }) + '\\n')"]
}
/** How it is run. */
export type ColdStartMode = "tsx" | "node" | "bundle"

const entryOf: Record<ColdStartClient, string> = {
  undici: "bench/coldstart/undici.ts",
  "effect-undici": "bench/coldstart/effect.ts",
  "effect-fetch": "bench/coldstart/effect-fetch.ts",
  "okta-sdk": "bench/coldstart/okta-sdk.ts"
}

/** One way to start one client: the command line to run. */
export interface ColdStartVariant {
  readonly client: ColdStartClient | "node alone"
  readonly mode: ColdStartMode
  readonly argv: ReadonlyArray<string>
  /** Size of the bundle, for `bundle`. */
  readonly bytes?: number | undefined
}

const sourcesUnder = (directory: string): Array<string> =>
  readdirSync(join(root, directory), { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts"))
    .map((name) => join(root, directory, name))

/** Builds the plain and bundled JavaScript for the clients asked for, and lists the variants. */
export const prepareColdStart = async (
  clients: ReadonlyArray<ColdStartClient>,
  modes: ReadonlyArray<ColdStartMode>
): Promise<ReadonlyArray<ColdStartVariant>> => {
  rmSync(outRoot, { recursive: true, force: true })
  mkdirSync(outRoot, { recursive: true })
  const variants: Array<ColdStartVariant> = [emptyNode]
  if (modes.includes("node")) {
    await esbuild.build({
      entryPoints: [...sourcesUnder("src"), ...clients.map((client) => join(root, entryOf[client]))],
      outdir: join(outRoot, "plain"),
      outbase: root,
      bundle: false,
      format: "esm",
      platform: "node",
      target: "node20",
      logLevel: "error"
    })
  }
  for (const client of clients) {
    const entry = entryOf[client]
    if (modes.includes("tsx")) {
      variants.push({ client, mode: "tsx", argv: ["--import", "tsx", join(root, entry)] })
    }
    if (modes.includes("node")) {
      variants.push({ client, mode: "node", argv: [join(outRoot, "plain", entry.replace(/\.ts$/, ".js"))] })
    }
    if (modes.includes("bundle")) {
      const outfile = join(outRoot, "bundle", `${client}.mjs`)
      const result = await esbuild.build({
        entryPoints: [join(root, entry)],
        outfile,
        bundle: true,
        minify: true,
        format: "esm",
        platform: "node",
        target: "node20",
        metafile: true,
        logLevel: "error",
        // CommonJS dependencies (undici, the SDK) call require for Node's built-ins.
        banner: { js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);" }
      })
      const output = result.metafile.outputs[relative(root, outfile)]
      variants.push({ client, mode: "bundle", argv: [outfile], bytes: output?.bytes })
    }
  }
  return variants
}

const ChildLine = Schema.parseJson(Schema.Struct({ ok: Schema.Boolean, firstResponseMillis: Schema.Number }))
const decodeChildLine = Schema.decodeUnknownSync(ChildLine)

/** One cold start: the child's own time to the first Session, and spawn-to-line as seen from here. */
export interface ColdStartSample {
  readonly ok: boolean
  readonly firstResponseMillis: number
  readonly spawnToResponseMillis: number
}

/** Starts the variant once against `orgUrl`; the child is killed if it has not answered in 30 s. */
export const runColdStart = (variant: ColdStartVariant, orgUrl: string): Promise<ColdStartSample> =>
  new Promise((resolve, reject) => {
    const startedAt = performance.now()
    const child = spawn(process.execPath, [...variant.argv], {
      cwd: root,
      env: { ...process.env, BENCH_ORG_URL: orgUrl },
      stdio: ["ignore", "pipe", "inherit"]
    })
    let output = ""
    let answeredAt: number | undefined
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000)
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (chunk: string) => {
      answeredAt ??= performance.now()
      output += chunk
    })
    child.on("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on("exit", (code) => {
      clearTimeout(timer)
      try {
        const line = decodeChildLine(output.trim())
        resolve({
          ok: line.ok && code === 0,
          firstResponseMillis: line.firstResponseMillis,
          spawnToResponseMillis: (answeredAt ?? performance.now()) - startedAt
        })
      } catch (error) {
        reject(new Error(`${variant.client} (${variant.mode}) exited with ${code} and printed ${JSON.stringify(output)}: ${String(error)}`))
      }
    })
  })
