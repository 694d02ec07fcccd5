/**
 * `npm run test:consumer` (run by .ci/run): the packed tarball as a new user gets it.
 *
 * 1. `npm pack` (prepack builds from a clean dist: a stale file planted in dist/ must not be packed);
 *    publint --strict and attw (every resolution profile) on the tarball.
 * 2. For each peer profile (the lowest supported versions, pinned; the README's ranges, i.e. the
 *    newest 3.x line), a fresh consumer in a temporary directory runs the README's install lines
 *    with the tarball in place of the package name:
 *    - after the first line (no @effect/platform-node): one copy of effect, no CLI or printer
 *      packages, exactly one package more than a bare `effect @effect/platform` install, and the
 *      README's FetchHttpClient snippet type-checks and bundles with esbuild (nothing needs platform-node);
 *    - after the second line: the same tree checks;
 *    - the README's TypeScript snippets type-check under NodeNext, Node16 and Bundler resolution, in
 *      an ESM package and in a CommonJS package, with strict consumer flags (skipLibCheck off under NodeNext);
 *    - the emulator, started from the installed `effect-okta-sessions/testing` on 127.0.0.1, answers
 *      the README's quick start built by esbuild for Node as ESM and CJS (bundled, and with packages
 *      left to Node's own resolution), and the FetchHttpClient snippet; each output line is checked.
 * 3. Every check is one line PASS/FAIL; .consumer-report.json holds the counts for .ci/run.
 *
 * `--keep` leaves the temporary directory in place; `--profile lowest|newest` runs one profile.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as esbuild from "esbuild"

const root = fileURLToPath(new URL("..", import.meta.url))
const argv = process.argv.slice(2)
const onlyProfile = argv.includes("--profile") ? argv[argv.indexOf("--profile") + 1] : undefined

// ---------------------------------------------------------------------------------------------
// Checks and processes

interface CheckResult {
  readonly name: string
  readonly ok: boolean
  readonly detail?: string | undefined
}
const results: Array<CheckResult> = []

const record = (name: string, ok: boolean, detail?: string): boolean => {
  results.push({ name, ok, detail })
  process.stdout.write(`${ok ? "PASS" : "FAIL"} ${name}${ok || detail === undefined ? "" : `\n     ${detail.replaceAll("\n", "\n     ")}`}\n`)
  return ok
}

/** Runs `check`; a thrown error is a failure with its message. */
const check = async (name: string, body: () => Promise<void> | void): Promise<boolean> => {
  try {
    await body()
    return record(name, true)
  } catch (error) {
    return record(name, false, error instanceof Error ? error.message : String(error))
  }
}

const assert: (condition: boolean, message: string) => asserts condition = (condition, message) => {
  if (!condition) throw new Error(message)
}

interface RunResult {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command to its end (at most `timeoutMs`). */
const run = (command: string, args: ReadonlyArray<string>, cwd: string, env: Record<string, string> = {}, timeoutMs = 600_000): RunResult => {
  const result = spawnSync(command, args, { cwd, env: { ...process.env, ...env }, encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 })
  return { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? String(result.error ?? "") }
}

/** Runs a command and throws with its output unless it exits 0. */
const runOk = (command: string, args: ReadonlyArray<string>, cwd: string, env: Record<string, string> = {}): string => {
  const result = run(command, args, cwd, env)
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited ${result.status}\n${(result.stdout + result.stderr).trim().slice(-4000)}`)
  }
  return result.stdout
}

const writeJson = (path: string, value: unknown): void => writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`)

// ---------------------------------------------------------------------------------------------
// The README

interface CodeBlock {
  readonly section: string
  readonly lang: string
  readonly code: string
}

/** The fenced code blocks of a Markdown text, each with the `## ` section it is in. */
const codeBlocks = (markdown: string): ReadonlyArray<CodeBlock> => {
  const blocks: Array<CodeBlock> = []
  let section = ""
  let open: { lang: string; lines: Array<string> } | undefined
  for (const line of markdown.split("\n")) {
    if (open !== undefined) {
      if (line.startsWith("```")) {
        blocks.push({ section, lang: open.lang, code: `${open.lines.join("\n")}\n` })
        open = undefined
      } else {
        open.lines.push(line)
      }
    } else if (line.startsWith("```")) {
      open = { lang: line.slice(3).trim(), lines: [] }
    } else if (line.startsWith("## ")) {
      section = line.slice(3).trim()
    }
  }
  return blocks
}

const readme = codeBlocks(readFileSync(join(root, "README.md"), "utf8"))

/** The `index`-th block of `lang` in the section whose title starts with `title`. */
const readmeBlock = (title: string, lang: string, index = 0): string => {
  const block = readme.filter((candidate) => candidate.section.startsWith(title) && candidate.lang === lang)[index]
  if (block === undefined) throw new Error(`README.md has no ${lang} block #${index} under "## ${title}"`)
  return block.code
}

/** The README snippets that a consumer type-checks; the file name says where each comes from. */
const snippets = {
  "install-fetch.ts": readmeBlock("Install", "ts"),
  "quick-start.ts": readmeBlock("Quick start", "ts"),
  "rate-limits.ts": readmeBlock("Rate limits and retries", "ts"),
  "testing.ts": readmeBlock("Testing your code", "ts"),
  "keepalive.ts": readmeBlock("Keepalive worker", "ts")
}

/** The install lines: `npm install ...` from the first two sh blocks under "## Install". */
const installLine = (index: number): ReadonlyArray<string> => {
  const line = readmeBlock("Install", "sh", index).split("\n").find((text) => text.startsWith("npm install "))
  if (line === undefined) throw new Error(`README.md: no "npm install" line in the Install section's sh block #${index}`)
  return line.trim().split(/\s+/).slice(2)
}

// ---------------------------------------------------------------------------------------------
// Consumer projects

/** Dev tools a consumer adds to type-check and test; the repository's own versions. */
const lockVersion = (name: string): string => {
  const lock: { packages: Record<string, { version: string }> } = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"))
  const entry = lock.packages[`node_modules/${name}`]
  if (entry === undefined) throw new Error(`${name} is not in package-lock.json`)
  return entry.version
}

const npmInstall = (cwd: string, args: ReadonlyArray<string>): void => {
  runOk("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", ...args], cwd)
}

/** package.json's `overrides`: versions whose platform packages all exist on the registry this project installs from. */
const overrides: unknown = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).overrides

/** A fresh npm project, with the repository's registry pins (vitest's rollup needs the rollup one). */
const newProject = (directory: string, type: "module" | "commonjs"): void => {
  mkdirSync(directory, { recursive: true })
  writeJson(join(directory, "package.json"), { name: "consumer", version: "1.0.0", private: true, type, overrides })
}

/** Files and bytes under node_modules, and the number of installed packages (`npm ls --all --parseable`). */
const footprint = (directory: string): { readonly packages: number; readonly bytes: number } => {
  const listed = run("npm", ["ls", "--all", "--parseable"], directory).stdout.split("\n").map((line) => line.trim())
  const packages = new Set(listed.filter((line) => line !== "" && line !== directory)).size
  let bytes = 0
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name)
      if (entry.isDirectory()) walk(child)
      else if (entry.isFile()) bytes += statSync(child).size
    }
  }
  walk(join(directory, "node_modules"))
  return { packages, bytes }
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

/** The installed version of a package in a consumer, or undefined. */
const installedVersion = (directory: string, name: string): string | undefined => {
  const path = join(directory, "node_modules", name, "package.json")
  if (!existsSync(path)) return undefined
  const manifest: { version: string } = JSON.parse(readFileSync(path, "utf8"))
  return manifest.version
}

interface LsNode {
  readonly version?: string
  readonly path?: string
  readonly dependencies?: Record<string, LsNode>
}

/** Every `name` node in `npm ls name --all --json --long`, deduplicated by install path. */
const copiesOf = (directory: string, name: string): ReadonlyArray<string> => {
  const output = run("npm", ["ls", name, "--all", "--json", "--long"], directory).stdout
  const tree: LsNode = JSON.parse(output === "" ? "{}" : output)
  const found = new Set<string>()
  const visit = (node: LsNode): void => {
    for (const [key, child] of Object.entries(node.dependencies ?? {})) {
      if (key === name) found.add(`${child.version ?? "?"} at ${child.path ?? "?"}`)
      visit(child)
    }
  }
  visit(tree)
  return [...found]
}

const forbidden = ["@effect/cli", "@effect/printer", "@effect/printer-ansi"]

/** One copy of effect and none of the CLI or printer packages in the consumer's tree. */
const checkTree = async (label: string, directory: string, expect: Record<string, string | undefined>): Promise<void> => {
  await check(`${label}: exactly one copy of effect (npm ls effect --all --json)`, () => {
    const copies = copiesOf(directory, "effect")
    assert(copies.length === 1, `found ${copies.length}: ${copies.join(", ")}`)
  })
  await check(`${label}: no ${forbidden.join(", ")}`, () => {
    const present = forbidden.filter((name) => copiesOf(directory, name).length > 0 || existsSync(join(directory, "node_modules", name)))
    assert(present.length === 0, `installed: ${present.join(", ")}`)
  })
  await check(`${label}: installed ${Object.entries(expect).map(([name, version]) => `${name}@${version ?? "(none)"}`).join(" ")}`, () => {
    for (const [name, version] of Object.entries(expect)) {
      const installed = installedVersion(directory, name)
      const ok = version === undefined ? installed === undefined : version.endsWith(".x") ? installed?.startsWith(version.slice(0, -1)) === true : installed === version
      assert(ok, `${name}: expected ${version ?? "none"}, installed ${installed ?? "none"}`)
    }
  })
}

/** Type-checks the README snippets in an ESM and a CommonJS package under each module resolution. */
const typeCheckSnippets = async (label: string, directory: string): Promise<void> => {
  // skipLibCheck is off under NodeNext, so this package's declarations (and those it pulls in) are
  // checked under the consumer's strict flags. Under Node16 it cannot be: @effect/vitest's
  // CommonJS declarations import vitest, which is ESM only (TS1479 inside node_modules); Bundler
  // keeps it on to save time (about 14 s of CPU per run with it off, 5 s with it on).
  const resolutions = [
    { name: "NodeNext", module: "NodeNext", moduleResolution: "NodeNext", skipLibCheck: false },
    { name: "Node16", module: "Node16", moduleResolution: "Node16", skipLibCheck: true },
    { name: "Bundler", module: "ESNext", moduleResolution: "Bundler", skipLibCheck: true }
  ]
  for (const type of ["module", "commonjs"] as const) {
    const packageDirectory = join(directory, type === "module" ? "esm" : "cjs")
    mkdirSync(packageDirectory, { recursive: true })
    writeJson(join(packageDirectory, "package.json"), { type })
    for (const [file, code] of Object.entries(snippets)) writeFileSync(join(packageDirectory, file), code)
    for (const resolution of resolutions) {
      const tsconfig = `tsconfig.${resolution.name.toLowerCase()}.json`
      writeJson(join(packageDirectory, tsconfig), {
        compilerOptions: {
          target: "ES2022",
          lib: ["ES2022"],
          module: resolution.module,
          moduleResolution: resolution.moduleResolution,
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          noPropertyAccessFromIndexSignature: true,
          noImplicitOverride: true,
          noUnusedLocals: false,
          skipLibCheck: resolution.skipLibCheck,
          noEmit: true,
          types: ["node"]
        },
        files: Object.keys(snippets)
      })
      await check(`${label}: README snippets type-check, ${type === "module" ? "ESM" : "CommonJS"} package, ${resolution.name}${resolution.skipLibCheck ? "" : ", skipLibCheck off"}`, () => {
        runOk(process.execPath, [join(directory, "node_modules", "typescript", "bin", "tsc"), "-p", tsconfig], packageDirectory)
      })
    }
  }
}

/** esbuild for Node: bundled (banner gives ESM bundles a `require` for CommonJS dependencies) or with packages external. */
const buildForNode = async (entry: string, outfile: string, format: "esm" | "cjs", packages: "bundle" | "external"): Promise<void> => {
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    packages,
    format,
    platform: "node",
    target: "node20",
    logLevel: "silent",
    ...(format === "esm" && packages === "bundle"
      ? { banner: { js: "import { createRequire as __consumerRequire } from 'node:module'; const require = __consumerRequire(import.meta.url);" } }
      : {})
  })
}

/** The emulator from the installed tarball's ./testing: one seeded session; prints its URL, token and id. */
const emulatorProgram = `import { Effect, Redacted } from "effect"
import { FakeOkta, OktaEmulator } from "effect-okta-sessions/testing"

const program = Effect.gen(function*() {
  const okta = yield* FakeOkta.FakeOkta
  const emulator = yield* OktaEmulator.OktaEmulator
  const [id] = yield* okta.seedSessionIds(1)
  console.log(JSON.stringify({ url: emulator.url, token: Redacted.value(emulator.apiToken), id }))
  return yield* Effect.never
}).pipe(Effect.provide(OktaEmulator.layerWithFakeOkta()))

Effect.runFork(program)
`

interface RunningEmulator {
  readonly url: string
  readonly token: string
  readonly id: string
  readonly child: ChildProcess
}

const startEmulator = (directory: string): Promise<RunningEmulator> => {
  writeFileSync(join(directory, "emulator.mjs"), emulatorProgram)
  const child = spawn(process.execPath, ["emulator.mjs"], { cwd: directory, stdio: ["ignore", "pipe", "pipe"] })
  return new Promise((resolve, reject) => {
    let output = ""
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`the emulator printed nothing usable within 30 s:\n${output}`))
    }, 30_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const line = output.split("\n").find((text) => text.startsWith("{"))
      if (line === undefined) return
      clearTimeout(timer)
      const parsed: { url: string; token: string; id: string } = JSON.parse(line)
      resolve({ ...parsed, child })
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.on("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`the emulator exited with ${code}:\n${output}`))
    })
  })
}

const stopEmulator = async (emulator: RunningEmulator): Promise<void> => {
  if (emulator.child.exitCode !== null) return
  const exited = new Promise<void>((resolve) => emulator.child.once("exit", () => resolve()))
  emulator.child.kill("SIGTERM")
  await exited
}

// ---------------------------------------------------------------------------------------------
// Profiles

interface Profile {
  readonly name: string
  /** Replaces the README's `package@range` tokens of the first and second install line (undefined: keep). */
  readonly pins?: { readonly core: Record<string, string>; readonly node: Record<string, string> } | undefined
  /** What must be installed after each line. */
  readonly expect: { readonly core: Record<string, string | undefined>; readonly node: Record<string, string | undefined> }
}

const profiles: ReadonlyArray<Profile> = [
  {
    name: "lowest",
    pins: {
      core: { effect: "3.22.0", "@effect/platform": "0.97.0" },
      // @effect/platform-node 0.108's own peers (@effect/cluster 0.60.2, @effect/workflow 0.19.1) need effect 3.22.1, platform 0.97.1.
      node: { "@effect/platform-node": "0.108.0", effect: "3.22.1", "@effect/platform": "0.97.1" }
    },
    expect: {
      core: { effect: "3.22.0", "@effect/platform": "0.97.0", "@effect/platform-node": undefined },
      node: { effect: "3.22.1", "@effect/platform": "0.97.1", "@effect/platform-node": "0.108.0" }
    }
  },
  {
    name: "newest",
    expect: {
      core: { effect: "3.x", "@effect/platform": "0.97.x", "@effect/platform-node": undefined },
      node: { effect: "3.x", "@effect/platform": "0.97.x", "@effect/platform-node": "0.108.x" }
    }
  }
]

/** The README's install line with the tarball for the package name and the profile's pins for the ranges. */
const installArgs = (line: ReadonlyArray<string>, tarball: string, pins: Record<string, string> | undefined): ReadonlyArray<string> => {
  const packageOf = (token: string) => token.replace(/(.)@.*$/, "$1")
  const args = line.map((token) => {
    if (token === "effect-okta-sessions") return tarball
    const name = packageOf(token)
    return pins?.[name] !== undefined ? `${name}@${pins[name]}` : token
  })
  const extra = Object.entries(pins ?? {}).filter(([name]) => !line.some((token) => packageOf(token) === name))
  return [...(pins === undefined ? [] : ["--save-exact"]), ...args, ...extra.map(([name, version]) => `${name}@${version}`)]
}

interface Footprints {
  bare?: { packages: number; bytes: number }
  core?: { packages: number; bytes: number }
  node?: { packages: number; bytes: number }
}

const runProfile = async (profile: Profile, work: string, tarball: string): Promise<Footprints> => {
  const label = profile.name
  const sizes: Footprints = {}
  const directory = join(work, profile.name)
  newProject(directory, "module")

  // A bare effect + platform install of the same versions, to compare with.
  const bareDirectory = join(work, `${profile.name}-bare`)
  newProject(bareDirectory, "module")
  const coreLine = installLine(0)
  await check(`${label}: bare install of effect and @effect/platform`, () => {
    npmInstall(bareDirectory, installArgs(coreLine, tarball, profile.pins?.core).filter((arg) => arg !== tarball))
    sizes.bare = footprint(bareDirectory)
  })

  const coreInstalled = await check(`${label}: npm install ${coreLine.join(" ")} (README, first line)`, () => {
    npmInstall(directory, installArgs(coreLine, tarball, profile.pins?.core))
    sizes.core = footprint(directory)
  })
  if (!coreInstalled) return sizes
  await checkTree(`${label}, core`, directory, profile.expect.core)
  // itself and jose (pinned, dependency-free: OAuth client assertions and DPoP proofs, loaded only in PrivateKey mode)
  await check(`${label}, core: the library adds two packages (itself and jose) to effect + platform`, () => {
    assert(sizes.bare !== undefined && sizes.core !== undefined, "no footprint")
    assert(sizes.core.packages === sizes.bare.packages + 2, `bare ${sizes.bare.packages} packages, with the library ${sizes.core.packages}`)
  })
  const fetchBundle = join(directory, "install-fetch.bundle.mjs")
  await check(`${label}, core: the README's FetchHttpClient snippet bundles without @effect/platform-node`, async () => {
    writeFileSync(join(directory, "install-fetch.ts"), snippets["install-fetch.ts"])
    await buildForNode(join(directory, "install-fetch.ts"), fetchBundle, "esm", "bundle")
  })
  await check(`${label}, core: the README's FetchHttpClient snippet type-checks (NodeNext, skipLibCheck off)`, () => {
    // The repository's tsc and @types/node: installing them here would change the tree under test.
    writeJson(join(directory, "tsconfig.core.json"), {
      compilerOptions: {
        target: "ES2022",
        lib: ["ES2022"],
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        noPropertyAccessFromIndexSignature: true,
        skipLibCheck: false,
        noEmit: true,
        typeRoots: [join(root, "node_modules", "@types")],
        types: ["node"]
      },
      files: ["install-fetch.ts"]
    })
    runOk(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.core.json"], directory)
  })

  const nodeLine = installLine(1)
  const nodeInstalled = await check(`${label}: npm install ${nodeLine.join(" ")} (README, second line)`, () => {
    npmInstall(directory, installArgs(nodeLine, tarball, profile.pins?.node))
    sizes.node = footprint(directory)
  })
  if (!nodeInstalled) return sizes
  await checkTree(`${label}, with platform-node`, directory, profile.expect.node)

  const toolsInstalled = await check(`${label}: dev tools (typescript, @types/node, vitest, @effect/vitest) install beside them`, () => {
    npmInstall(directory, [
      "--save-dev",
      "--save-exact",
      ...["typescript", "@types/node", "vitest", "@effect/vitest"].map((name) => `${name}@${lockVersion(name)}`)
    ])
  })
  if (toolsInstalled) {
    await checkTree(`${label}, with dev tools`, directory, profile.expect.node)
    await typeCheckSnippets(label, directory)
  }

  // The quick start, built four ways, against the emulator from the installed ./testing.
  const quickStart = join(directory, "quick-start.ts")
  writeFileSync(quickStart, snippets["quick-start.ts"])
  const builds: Array<{ readonly name: string; readonly file: string }> = []
  for (const format of ["esm", "cjs"] as const) {
    for (const packages of ["bundle", "external"] as const) {
      const file = join(directory, `quick-start.${packages}.${format === "esm" ? "mjs" : "cjs"}`)
      const name = `quick start, esbuild ${format.toUpperCase()} ${packages === "bundle" ? "bundle" : "with packages external"}`
      if (await check(`${label}: ${name} builds`, () => buildForNode(quickStart, file, format, packages))) builds.push({ name, file })
    }
  }
  let emulator: RunningEmulator | undefined
  const started = await check(`${label}: the emulator starts from effect-okta-sessions/testing on 127.0.0.1`, async () => {
    emulator = await startEmulator(directory)
    assert(emulator.url.startsWith("http://127.0.0.1:"), `url ${emulator.url}`)
  })
  if (started && emulator !== undefined) {
    const running = emulator
    const env = { OKTA_CLIENT_ORGURL: running.url, OKTA_CLIENT_TOKEN: running.token }
    const expectOutput = (file: string, id: string, pattern: RegExp) => {
      const result = run(process.execPath, [file, id], directory, env, 60_000)
      const output = `${result.stdout}${result.stderr}`
      assert(result.status === 0, `exit ${result.status}\n${output.slice(-2000)}`)
      assert(pattern.test(result.stdout), `expected ${pattern}, printed:\n${output.slice(-2000)}`)
      assert(!/Executing an Effect versioned/.test(output), `two effect versions at run time:\n${output.slice(-2000)}`)
    }
    for (const build of builds) {
      await check(`${label}: ${build.name} refreshes the emulator's session and prints its expiry`, () =>
        expectOutput(build.file, running.id, /^expires at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/m))
      await check(`${label}: ${build.name} prints "gone" for an unknown session`, () =>
        expectOutput(build.file, "unknownSessionId00000", /^gone$/m))
    }
    await check(`${label}: the FetchHttpClient bundle (built before platform-node was installed) reads the session`, () =>
      expectOutput(fetchBundle, running.id, /^ACTIVE until \d{4}-\d\d-\d\dT/m))
    await check(`${label}: the emulator stops`, () => stopEmulator(running))
  }
  return sizes
}

// ---------------------------------------------------------------------------------------------

const main = async (): Promise<void> => {
  const work = mkdtempSync(join(tmpdir(), "okta-consumer-"))
  process.stdout.write(`consumer test in ${work}\n`)
  let tarball = ""
  try {
    await check("npm pack builds from a clean dist (a stale file in dist/ is not packed)", () => {
      mkdirSync(join(root, "dist"), { recursive: true })
      writeFileSync(join(root, "dist", "stale-file.js"), "export const stale = true\n")
      const packed: Array<{ filename: string; files: Array<{ path: string }> }> = JSON.parse(
        runOk("npm", ["pack", "--json", "--pack-destination", work, "--loglevel=error"], root).replace(/^[^[]*/s, "")
      )
      const entry = packed[0]
      assert(entry !== undefined, "npm pack printed no result")
      tarball = join(work, entry.filename)
      const files = entry.files.map((file) => file.path)
      assert(!files.some((file) => file.includes("stale-file")), "dist/stale-file.js was packed")
      for (const required of ["LICENSE", "README.md", "CHANGELOG.md", "dist/esm/index.js", "dist/cjs/index.js", "dist/cjs/index.d.ts", "dist/esm/testing/index.d.ts"]) {
        assert(files.includes(required), `${required} is not in the tarball`)
      }
    })
    if (tarball === "") return
    await check("publint --strict on the tarball", () => {
      const output = runOk(join(root, "node_modules", ".bin", "publint"), ["run", tarball, "--strict"], root)
      assert(/All good/.test(output), output)
    })
    await check("attw on the tarball (node10, node16 CJS and ESM, bundler)", () => {
      runOk(join(root, "node_modules", ".bin", "attw"), [tarball, "--profile", "strict"], root)
    })
    const sizes: Record<string, Footprints> = {}
    for (const profile of profiles.filter((candidate) => onlyProfile === undefined || candidate.name === onlyProfile)) {
      sizes[profile.name] = await runProfile(profile, work, tarball)
    }
    process.stdout.write("\ninstall footprints (packages under node_modules, bytes of their files):\n")
    for (const [name, footprints] of Object.entries(sizes)) {
      for (const [kind, size] of Object.entries(footprints)) {
        process.stdout.write(`  ${name} ${kind}: ${size.packages} packages, ${mib(size.bytes)}\n`)
      }
    }
  } finally {
    if (argv.includes("--keep")) process.stdout.write(`kept ${work}\n`)
    else rmSync(work, { recursive: true, force: true })
    rmSync(join(root, "dist", "stale-file.js"), { force: true })
  }
}

await main()
const failed = results.filter((result) => !result.ok)
writeJson(join(root, ".consumer-report.json"), { passed: results.length - failed.length, failed: failed.length, results })
process.stdout.write(`\nconsumer: ${results.length - failed.length} passed, ${failed.length} failed\n`)
process.exit(failed.length === 0 ? 0 : 1)
