/**
 * The `Sessions` client of a command: settings resolved from flags, environment and okta.yaml
 * (`connectionConfig.ts`), the token handed to the run's `SecretRedactor`, and
 * `NodeHttpClient.layerUndici` as the transport.
 *
 * @since 0.2.0
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { type OktaConfig, Sessions } from "../../index.js"
import type { CliProcess } from "./cliProcess.js"
import { type ConnectionFlags, layerOktaConfig, type ResolvedSettings, resolveSettings } from "./connectionConfig.js"
import { SecretRedactor } from "./secretRedactor.js"
import type { UsageError } from "./usageError.js"

/**
 * `Sessions` and `OktaConfig` for the flags; `adjust` may change the merged settings first (the
 * `/me` commands, which send no token, fill in a placeholder for a missing one).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerSessions = (
  flags: ConnectionFlags,
  adjust: (settings: ResolvedSettings) => ResolvedSettings = (settings) => settings
): Layer.Layer<Sessions.Sessions | OktaConfig.OktaConfig, UsageError, CliProcess | FileSystem.FileSystem | SecretRedactor> =>
  Layer.unwrapEffect(
    Effect.gen(function*() {
      const settings = adjust(yield* resolveSettings(flags))
      const redactor = yield* SecretRedactor
      yield* Effect.forEach(settings.secrets, redactor.add, { discard: true })
      return Sessions.layer.pipe(
        Layer.provideMerge(layerOktaConfig(settings)),
        Layer.provide(NodeHttpClient.layerUndici)
      )
    })
  )
