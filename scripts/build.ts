/**
 * `npm run build`: the published files, from a clean dist/.
 *
 * - dist/esm: tsc's ES modules, declarations and maps (tsconfig.build.json);
 * - dist/cjs: the same sources as CommonJS (esbuild, one file per source file, no bundling) with a
 *   copy of the declarations, so that `require` gets types of its own module format;
 * - a package.json in each saying which format its .js files are (the root one says "module");
 * - package.json's entry-point fields (`exports`, `typesVersions`, ...) rewritten from src/ when
 *   they differ (see packageExports.ts).
 */
import { execFileSync } from "node:child_process"
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as esbuild from "esbuild"
import { entryPoints, manifestFieldNames, manifestFields, sourceDirectory } from "./packageExports.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const dist = join(root, "dist")

/** Every file under `directory`, as paths relative to it. */
const filesUnder = (directory: string): Array<string> =>
  readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(directory.length + 1))

/** package.json with the entry-point fields replaced in place (appended after `sideEffects` when new). */
const withManifestFields = (manifest: Record<string, unknown>): Record<string, unknown> => {
  const fields: Record<string, unknown> = manifestFields(entryPoints(sourceDirectory))
  const owned = new Set<string>(manifestFieldNames)
  const anchor = manifestFieldNames.find((name) => name in manifest) ?? "sideEffects"
  const result: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(manifest)) {
    if (key === anchor) {
      if (!owned.has(key)) result[key] = value
      for (const name of manifestFieldNames) result[name] = fields[name]
    } else if (!owned.has(key)) {
      result[key] = value
    }
  }
  return result
}

const writeManifest = (): void => {
  const path = join(root, "package.json")
  const before = readFileSync(path, "utf8")
  const parsed: unknown = JSON.parse(before)
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("package.json is not an object")
  const after = `${JSON.stringify(withManifestFields({ ...parsed }), null, 2)}\n`
  if (after !== before) {
    writeFileSync(path, after)
    process.stdout.write("package.json: entry points updated from src/ (commit the change)\n")
  }
}

const build = async (): Promise<void> => {
  rmSync(dist, { recursive: true, force: true })
  execFileSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.build.json")], {
    stdio: "inherit"
  })
  // The CLI is bundled on its own (`build:bin`), with @effect/cli inside: it is not part of the library's build.
  const sources = filesUnder(sourceDirectory)
    .filter((file) => file.endsWith(".ts") && !file.startsWith("bin/") && !file.startsWith("internal/cli/"))
    .map((file) => join(sourceDirectory, file))
  await esbuild.build({
    entryPoints: sources,
    outdir: join(dist, "cjs"),
    outbase: sourceDirectory,
    bundle: false,
    format: "cjs",
    platform: "node",
    target: "node20",
    sourcemap: true,
    logLevel: "warning"
  })
  const esm = join(dist, "esm")
  for (const file of filesUnder(esm).filter((name) => name.endsWith(".d.ts") || name.endsWith(".d.ts.map"))) {
    mkdirSync(dirname(join(dist, "cjs", file)), { recursive: true })
    copyFileSync(join(esm, file), join(dist, "cjs", file))
  }
  writeFileSync(join(esm, "package.json"), `${JSON.stringify({ type: "module", sideEffects: false }, null, 2)}\n`)
  writeFileSync(join(dist, "cjs", "package.json"), `${JSON.stringify({ type: "commonjs", sideEffects: false }, null, 2)}\n`)
  writeManifest()
}

await build()
