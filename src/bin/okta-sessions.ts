#!/usr/bin/env node
/**
 * The `okta-sessions` bin: runs the CLI (`src/internal/cli/`) on this process. Bundled by
 * `npm run build:bin` into `dist/bin/okta-sessions.mjs`.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as CliProcess from "../internal/cli/cliProcess.js"
import { main } from "../internal/cli/rootCommand.js"
import { runCli } from "../internal/cli/runCli.js"

runCli(main(process.argv).pipe(Effect.provide(CliProcess.layerNode)))
