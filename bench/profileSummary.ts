/**
 * Reads a `.cpuprofile` written by `node --cpu-prof` over a bundled script and sums self time by
 * source module (esbuild marks each module of a bundle with a `// path` comment) and by function,
 * so a profile can be read as "where in our code, in Effect, in undici, in Node does the CPU go".
 */
import { readFileSync, realpathSync } from "node:fs"
import { pathToFileURL } from "node:url"
import { Schema } from "effect"

const CallFrame = Schema.Struct({
  functionName: Schema.String,
  url: Schema.String,
  lineNumber: Schema.Number,
  columnNumber: Schema.Number
})
const Profile = Schema.parseJson(Schema.Struct({
  nodes: Schema.Array(Schema.Struct({ id: Schema.Number, callFrame: CallFrame })),
  samples: Schema.Array(Schema.Number),
  timeDeltas: Schema.Array(Schema.Number)
}))
const decodeProfile = Schema.decodeUnknownSync(Profile)

/** One line of a summary: a module or a function, its self time and share of busy time. */
export interface ProfileEntry {
  readonly name: string
  readonly millis: number
  readonly share: number
}

/** Self time by module and by function, busy time only (idle and program excluded from the shares). */
export interface ProfileSummary {
  readonly busyMillis: number
  /** Self time by package: each dependency, this library (`src`), the harness (`bench`), Node, GC, native. */
  readonly byPackage: ReadonlyArray<ProfileEntry>
  readonly byModule: ReadonlyArray<ProfileEntry>
  readonly byFunction: ReadonlyArray<ProfileEntry>
}

/** The line where each bundled module starts, from esbuild's `// path` comments. */
const moduleStarts = (bundlePath: string): ReadonlyArray<{ readonly line: number; readonly module: string }> => {
  const starts: Array<{ line: number; module: string }> = []
  readFileSync(bundlePath, "utf8").split("\n").forEach((text, index) => {
    // esbuild names a module by its path from the working directory: `src/…`, `bench/…`, and for a
    // dependency `node_modules/…` or, through a symlinked node_modules, `../../main/node_modules/…`.
    const match = /^\/\/ ((?:src|bench)\/\S+|(?:\S*\/)?node_modules\/\S+)$/.exec(text)
    if (match?.[1] !== undefined) starts.push({ line: index, module: match[1] })
  })
  return starts
}

const moduleAt = (starts: ReadonlyArray<{ readonly line: number; readonly module: string }>, line: number): string => {
  let low = 0
  let high = starts.length - 1
  let found = "(bundle prelude)"
  while (low <= high) {
    const middle = (low + high) >> 1
    const start = starts[middle]
    if (start === undefined) break
    if (start.line <= line) {
      found = start.module
      low = middle + 1
    } else {
      high = middle - 1
    }
  }
  return found.replace(/^(?:\S*\/)?node_modules\//, "").replace(/\/dist\/esm\//, "/")
}

/** The package a module belongs to, for the coarse view. */
const packageOf = (module: string): string => {
  if (module.startsWith("src/")) return "src (this library)"
  if (module.startsWith("bench/")) return "bench (the harness)"
  if (module.startsWith("node:") || module.startsWith("wasm:")) return "Node internals"
  if (module.startsWith("(")) return module
  if (module.startsWith("file:")) return "outside the bundle (okta-sdk)"
  const [scope = module, name] = module.split("/")
  return scope.startsWith("@") && name !== undefined ? `${scope}/${name}` : scope
}

/** Summarises `profilePath`, taken over the bundle at `bundlePath`. */
export const summariseProfile = (profilePath: string, bundlePath: string, top = 25): ProfileSummary => {
  const profile = decodeProfile(readFileSync(profilePath, "utf8"))
  const starts = moduleStarts(bundlePath)
  // V8 names the script by its real path: node_modules is often a symlink (worktrees share one).
  const bundleUrls = new Set([`file://${bundlePath}`, pathToFileURL(bundlePath).href, pathToFileURL(realpathSync(bundlePath)).href])
  const selfByNode = new Map<number, number>()
  profile.samples.forEach((id, index) => {
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0))
  })
  const byModule = new Map<string, number>()
  const byPackage = new Map<string, number>()
  const byFunction = new Map<string, number>()
  let busy = 0
  for (const node of profile.nodes) {
    const micros = selfByNode.get(node.id) ?? 0
    if (micros === 0) continue
    const { functionName, lineNumber, url } = node.callFrame
    if (functionName === "(idle)" || functionName === "(program)") continue
    busy += micros
    const module = bundleUrls.has(url)
      ? moduleAt(starts, lineNumber)
      : url === ""
      ? functionName === "(garbage collector)" ? "(garbage collector)" : "(native)"
      : url.replace(/^node:/, "node:")
    byModule.set(module, (byModule.get(module) ?? 0) + micros)
    byPackage.set(packageOf(module), (byPackage.get(packageOf(module)) ?? 0) + micros)
    const name = `${functionName === "" ? "(anonymous)" : functionName} ${module}:${lineNumber + 1}`
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros)
  }
  const entries = (map: Map<string, number>) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, micros]) => ({
      name,
      millis: micros / 1000,
      share: busy === 0 ? 0 : micros / busy
    }))
  return { busyMillis: busy / 1000, byPackage: entries(byPackage), byModule: entries(byModule), byFunction: entries(byFunction) }
}

/** The summary as text. */
export const formatProfileSummary = (summary: ProfileSummary): string =>
  [
    `busy ${summary.busyMillis.toFixed(0)} ms`,
    "self time by package:",
    ...summary.byPackage.map((entry) => `  ${(entry.share * 100).toFixed(1).padStart(5)}%  ${entry.name}`),
    "self time by module:",
    ...summary.byModule.map((entry) => `  ${(entry.share * 100).toFixed(1).padStart(5)}%  ${entry.name}`),
    "self time by function:",
    ...summary.byFunction.map((entry) => `  ${(entry.share * 100).toFixed(1).padStart(5)}%  ${entry.name}`)
  ].join("\n")
