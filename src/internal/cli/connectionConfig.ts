/**
 * Where the CLI's connection settings come from, first match wins: the flags (`--org-url`,
 * `--token-file`, `--authorization-mode`), then the `OKTA_CLIENT_*` environment, then
 * `./okta.yaml`, then `~/.okta/okta.yaml` (keys under `okta.client`, as Okta's SDKs read them).
 * The merged settings feed `OktaConfig.layerConfig()` through a `ConfigProvider`, so the checks
 * and their messages are the library's. The token comes from the environment, an okta.yaml or
 * `--token-file`, never from a flag's value (arguments end up in shell history and `ps`).
 *
 * A missing or bad setting becomes one `UsageError` line naming it and where it came from.
 *
 * @since 0.2.0
 */
import * as Options from "@effect/cli/Options"
import * as FileSystem from "@effect/platform/FileSystem"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { join } from "node:path"
import { OktaConfig } from "../../index.js"
import { CliProcess } from "./cliProcess.js"
import { readOktaYaml } from "./oktaYamlFiles.js"
import { UsageError } from "./usageError.js"

/**
 * The connection flags every command that talks to Okta takes.
 *
 * @since 0.2.0
 * @category options
 */
export const connectionOptions = {
  orgUrl: Options.text("org-url").pipe(
    Options.withDescription("The org, e.g. https://dev-123.okta.com (else OKTA_CLIENT_ORGURL, okta.yaml okta.client.orgUrl)."),
    Options.optional
  ),
  tokenFile: Options.file("token-file").pipe(
    Options.withDescription("A file holding the API token (else OKTA_CLIENT_TOKEN, okta.yaml okta.client.token)."),
    Options.optional
  ),
  authorizationMode: Options.choice("authorization-mode", ["SSWS", "Bearer"]).pipe(
    Options.withDescription("SSWS (an API token, default) or Bearer (an OAuth access token)."),
    Options.optional
  )
}

/**
 * The parsed connection flags.
 *
 * @since 0.2.0
 * @category options
 */
export interface ConnectionFlags {
  readonly orgUrl: Option.Option<string>
  readonly tokenFile: Option.Option<string>
  readonly authorizationMode: Option.Option<"SSWS" | "Bearer">
}

/** Each setting's flag and okta.yaml key, for messages. */
const settingNames: Readonly<Record<string, { readonly flag?: string; readonly yaml: string }>> = {
  OKTA_CLIENT_ORGURL: { flag: "--org-url", yaml: "okta.client.orgUrl" },
  OKTA_CLIENT_TOKEN: { flag: "--token-file", yaml: "okta.client.token" },
  OKTA_CLIENT_AUTHORIZATIONMODE: { flag: "--authorization-mode", yaml: "okta.client.authorizationMode" },
  OKTA_CLIENT_REQUESTTIMEOUT: { yaml: "okta.client.requestTimeout" },
  OKTA_CLIENT_RATELIMIT_MAXRETRIES: { yaml: "okta.client.rateLimit.maxRetries" },
  OKTA_CLIENT_RATELIMIT_MAXELAPSED: { yaml: "okta.client.rateLimit.maxElapsed" },
  OKTA_CLIENT_RATELIMIT_THROTTLE: { yaml: "okta.client.rateLimit.throttle" },
  OKTA_CLIENT_RATELIMIT_MAXCONCURRENCY: { yaml: "okta.client.rateLimit.maxConcurrency" },
  OKTA_CLIENT_USERAGENT: { yaml: "okta.client.userAgent" }
}

/**
 * The merged settings: each environment name's value and the source it came from.
 *
 * @since 0.2.0
 * @category config
 */
export interface ResolvedSettings {
  readonly values: ReadonlyMap<string, string>
  readonly sources: ReadonlyMap<string, string>
  /** The secrets among the values (the token), to keep out of anything printed. */
  readonly secrets: ReadonlyArray<string>
}

/**
 * Reads every source and merges them, the first in precedence winning.
 *
 * @since 0.2.0
 * @category config
 */
export const resolveSettings = (
  flags: ConnectionFlags
): Effect.Effect<ResolvedSettings, UsageError, CliProcess | FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const cli = yield* CliProcess
    const fs = yield* FileSystem.FileSystem
    const home = yield* readOktaYaml(join(cli.homeDir, ".okta", "okta.yaml"), "~/.okta/okta.yaml")
    const local = yield* readOktaYaml(join(cli.cwd, "okta.yaml"), "./okta.yaml")
    const env = new Map<string, string>()
    for (const [name, value] of Object.entries(cli.env)) {
      // an empty variable counts as unset, as a shell `VAR= cmd` means
      if (name.startsWith("OKTA_CLIENT_") && value !== undefined && value.trim() !== "") env.set(name, value)
    }
    const fromFlags = new Map<string, string>()
    if (Option.isSome(flags.orgUrl)) fromFlags.set("OKTA_CLIENT_ORGURL", flags.orgUrl.value)
    if (Option.isSome(flags.authorizationMode)) fromFlags.set("OKTA_CLIENT_AUTHORIZATIONMODE", flags.authorizationMode.value)
    if (Option.isSome(flags.tokenFile)) {
      const path = flags.tokenFile.value
      const token = yield* fs.readFileString(path).pipe(
        Effect.mapError((error) => new UsageError({ detail: `--token-file ${path}: cannot be read (${error._tag === "SystemError" ? error.reason : error._tag})` }))
      )
      fromFlags.set("OKTA_CLIENT_TOKEN", token.trim())
    }
    const values = new Map<string, string>()
    const sources = new Map<string, string>()
    // lowest precedence first: a later source overwrites
    const layers: ReadonlyArray<readonly [ReadonlyMap<string, string>, (name: string) => string]> = [
      [home, () => "~/.okta/okta.yaml"],
      [local, () => "./okta.yaml"],
      [env, (name) => `environment ${name}`],
      [fromFlags, (name) => settingNames[name]?.flag ?? name]
    ]
    for (const [settings, label] of layers) {
      for (const [name, value] of settings) {
        values.set(name, value)
        sources.set(name, label(name))
      }
    }
    const token = values.get("OKTA_CLIENT_TOKEN")
    return { values, sources, secrets: token === undefined || token.trim() === "" ? [] : [token, token.trim()] }
  })

/** Where a setting can be given, for a missing one. */
const whereToSet = (name: string): string => {
  const names = settingNames[name]
  const yaml = names === undefined ? "" : `, or ${names.yaml} in ./okta.yaml or ~/.okta/okta.yaml`
  const flag = names?.flag === undefined ? "" : `give ${names.flag}${names.flag === "--token-file" ? " FILE" : ""}, `
  return `${flag}set ${name}${yaml}`
}

/** The leaves of a `ConfigError`: invalid data first, then missing data. */
const leaves = (error: ConfigError.ConfigError): ReadonlyArray<ConfigError.ConfigError> => {
  switch (error._op) {
    case "And":
    case "Or":
      return [...leaves(error.left), ...leaves(error.right)]
    default:
      return [error]
  }
}

/**
 * One line for a `ConfigError` from `OktaConfig.layerConfig()`: the setting, its source and what
 * is wrong (a bad value before a missing one), e.g.
 * `bad setting OKTA_CLIENT_ORGURL (from ./okta.yaml): orgUrl must use https ...`.
 *
 * @since 0.2.0
 * @category config
 */
export const describeConfigError = (error: ConfigError.ConfigError, settings: ResolvedSettings): string => {
  const all = leaves(error)
  const first = all.find((leaf) => leaf._op === "InvalidData") ?? all[0]
  if (first === undefined || (first._op !== "InvalidData" && first._op !== "MissingData")) {
    return `bad configuration: ${String(error)}`
  }
  const name = first.path.join(".")
  const more = all.length > 1 ? ` (and ${all.length - 1} more)` : ""
  if (first._op === "MissingData") return `missing setting ${name}: ${whereToSet(name)}${more}`
  const source = settings.sources.get(name)
  return `bad setting ${name}${source === undefined ? "" : ` (from ${source})`}: ${first.message}${more}`
}

/**
 * `OktaConfig` from the merged settings, through `OktaConfig.layerConfig()`; a missing or bad
 * setting fails with a `UsageError` line.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerOktaConfig = (settings: ResolvedSettings): Layer.Layer<OktaConfig.OktaConfig, UsageError> =>
  OktaConfig.layerConfig().pipe(
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(settings.values)))),
    Layer.mapError((error) => new UsageError({ detail: describeConfigError(error, settings) }))
  )
