/**
 * package.json as published: the entry points match src/ (so a new module cannot be left out of
 * `exports`), the peers are Effect's, and nothing only the examples or the CLI need is a runtime
 * dependency. The tarball itself is checked by `npm run test:consumer`.
 */
import { existsSync, readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { entryPoints, manifestFields, sourceDirectory } from "../scripts/packageExports.js"

const manifest: Record<string, unknown> = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))

describe("package.json", () => {
  it("has the entry-point fields that src/ gives (run `npm run build` after adding a module, and commit package.json)", () => {
    const expected = manifestFields(entryPoints(sourceDirectory))
    expect({
      main: manifest["main"],
      module: manifest["module"],
      types: manifest["types"],
      exports: manifest["exports"],
      typesVersions: manifest["typesVersions"]
    }).toEqual(expected)
  })

  it("exports every public module, ./testing and ./package.json, closes internals and has no source condition", () => {
    const exportsMap = manifest["exports"]
    expect(Object.keys(exportsMap ?? {})).toEqual(expect.arrayContaining([
      ".",
      "./Session",
      "./Sessions",
      "./OktaError",
      "./OktaConfig",
      "./OktaHttpClient",
      "./RateLimit",
      "./Retry",
      "./Keepalive",
      "./testing",
      "./package.json",
      "./internal/*"
    ]))
    expect(exportsMap).toHaveProperty(["./internal/*"], null)
    expect(JSON.stringify(exportsMap)).not.toMatch(/"source"|(?<!\.d)\.ts"/)
  })

  it("takes effect and @effect/platform as peers; @effect/platform-node, undici, the SQLite store's @effect/sql packages and the fleet's Redis, PostgreSQL and cluster packages as optional peers; and only jose (pinned) at run time", () => {
    // jose signs OAuth client assertions and DPoP proofs (DESIGN.md: a well-kept JOSE library); it has no dependencies itself.
    expect(manifest["dependencies"]).toEqual({ jose: "6.2.18" })
    expect(manifest["peerDependencies"]).toEqual({
      effect: "^3.22.0",
      "@effect/platform": "^0.97.0",
      "@effect/platform-node": "^0.108.0",
      "@effect/sql": "^0.52.1",
      "@effect/sql-sqlite-node": "^0.53.0",
      undici: "^7.0.0",
      "@effect/experimental": "^0.61.0",
      ioredis: "^5.0.0",
      "@effect/sql-pg": "^0.53.0",
      "@effect/cluster": "^0.60.0",
      "@effect/rpc": "^0.76.0",
      "@effect/workflow": "^0.19.0"
    })
    expect(manifest["peerDependenciesMeta"]).toEqual({
      "@effect/platform-node": { optional: true },
      "@effect/sql": { optional: true },
      "@effect/sql-sqlite-node": { optional: true },
      undici: { optional: true },
      "@effect/experimental": { optional: true },
      ioredis: { optional: true },
      "@effect/sql-pg": { optional: true },
      "@effect/cluster": { optional: true },
      "@effect/rpc": { optional: true },
      "@effect/workflow": { optional: true }
    })
    expect(manifest["sideEffects"]).toBe(false)
    for (const name of ["repository", "homepage", "bugs", "keywords", "license"]) expect(manifest).toHaveProperty(name)
  })
})

/** The relative modules `file` imports (statically or not), and the packages it imports. */
const importsOf = (file: URL): { readonly local: ReadonlyArray<URL>; readonly packages: ReadonlyArray<string> } => {
  // Doc comments show imports in their examples: only code counts.
  const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "")
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)].map((match) => match[1] ?? "")
  return {
    local: specifiers.filter((s) => s.startsWith(".")).map((s) => new URL(s.replace(/\.js$/, ".ts"), file)),
    packages: specifiers.filter((s) => !s.startsWith("."))
  }
}

/** Every package the modules reachable from `entry` import. */
const packagesReachedFrom = (entry: URL): Set<string> => {
  const seen = new Set<string>()
  const packages = new Set<string>()
  const pending = [entry]
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file.href) || !existsSync(file)) continue
    seen.add(file.href)
    const { local, packages: reached } = importsOf(file)
    for (const name of reached) packages.add(name)
    pending.push(...local)
  }
  return packages
}

describe("the import graph", () => {
  it("loads neither undici nor @effect/platform-node from the core, no undici from ./testing (its emulator serves over platform-node); only OktaUndici loads undici", () => {
    const core = [...packagesReachedFrom(new URL("../src/index.ts", import.meta.url))]
    expect(core.filter((name) => name === "undici" || name.startsWith("@effect/platform-node"))).toEqual([])
    expect([...packagesReachedFrom(new URL("../src/testing/index.ts", import.meta.url))]).not.toContain("undici")
    expect([...packagesReachedFrom(new URL("../src/OktaUndici.ts", import.meta.url))]).toContain("undici")
  })

  it("loads neither ioredis nor @effect/experimental from the core; only KeepaliveBudgetRedis does", () => {
    const fleet = (name: string) => name === "ioredis" || name.startsWith("@effect/experimental")
    expect([...packagesReachedFrom(new URL("../src/index.ts", import.meta.url))].filter(fleet)).toEqual([])
    expect([...packagesReachedFrom(new URL("../src/KeepaliveBudgetRedis.ts", import.meta.url))].filter(fleet).sort()).toEqual([
      "@effect/experimental/RateLimiter",
      "@effect/experimental/RateLimiter/Redis",
      "ioredis"
    ])
  })
})
