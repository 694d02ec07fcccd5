import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  resolve: {
    // Tests import the package by its public name; point that at the TypeScript sources, as
    // tsconfig.json's `paths` do for tsc and tsx (the published exports map points at dist/).
    alias: [
      { find: /^effect-okta-sessions\/testing$/, replacement: source("./src/testing/index.ts") },
      { find: /^effect-okta-sessions\/([A-Za-z]+)$/, replacement: `${source("./src/")}$1.ts` },
      { find: /^effect-okta-sessions$/, replacement: source("./src/index.ts") }
    ]
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The JSON report is what .ci/run counts; the default reporter is what people read.
    reporters: ["default", ["json", { outputFile: ".vitest-report.json" }]]
  }
})
