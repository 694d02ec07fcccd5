/**
 * The package's public entry points, derived from the files in src/: every `src/<Module>.ts` is the
 * subpath `./<Module>`, `src/index.ts` is `.`, and `src/testing/index.ts` is `./testing`. A new
 * public module therefore gets its subpath, its CommonJS and ESM builds and its node10 types entry by
 * existing; `npm run build` writes the result into package.json and a test checks that the committed
 * package.json matches.
 */
import { readdirSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

/** One entry point: its subpath in `exports` and its file under src/ without the extension. */
export interface EntryPoint {
  readonly subpath: string
  readonly file: string
}

/** The entry points of the package whose sources are in `sourceDirectory`. */
export const entryPoints = (sourceDirectory: string): ReadonlyArray<EntryPoint> => {
  const modules = readdirSync(sourceDirectory, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts"))
    .map((entry) => entry.name.slice(0, -".ts".length))
    .filter((name) => name !== "index")
    .sort()
  return [
    { subpath: ".", file: "index" },
    ...modules.map((name) => ({ subpath: `./${name}`, file: name })),
    { subpath: "./testing", file: join("testing", "index") }
  ]
}

/** The `exports` condition object of one entry point: ESM and CommonJS, each with its own declarations. */
const conditions = (file: string) => ({
  import: { types: `./dist/esm/${file}.d.ts`, default: `./dist/esm/${file}.js` },
  require: { types: `./dist/cjs/${file}.d.ts`, default: `./dist/cjs/${file}.js` }
})

/**
 * The fields of package.json that describe the entry points: `main`/`module`/`types` for tools that
 * predate `exports`, the `exports` map (internals closed), and `typesVersions` so that TypeScript's
 * node10 resolution finds the subpaths' declarations too.
 */
export const manifestFields = (points: ReadonlyArray<EntryPoint>) => ({
  main: "./dist/cjs/index.js",
  module: "./dist/esm/index.js",
  types: "./dist/cjs/index.d.ts",
  exports: {
    "./package.json": "./package.json",
    ...Object.fromEntries(points.map((point) => [point.subpath, conditions(point.file)])),
    "./internal/*": null
  },
  typesVersions: {
    "*": Object.fromEntries(
      points.filter((point) => point.subpath !== ".").map((point) => [point.subpath.slice(2), [`./dist/cjs/${point.file}.d.ts`]])
    )
  }
})

/** The field names `manifestFields` owns, in the order they are written into package.json. */
export const manifestFieldNames = ["main", "module", "types", "exports", "typesVersions"] as const

/** The source directory of this repository. */
export const sourceDirectory = fileURLToPath(new URL("../src", import.meta.url))
