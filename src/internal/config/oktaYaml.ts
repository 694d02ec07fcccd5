/**
 * `okta.yaml` as a `ConfigProvider`. Okta's official SDKs read `~/.okta/okta.yaml` and `./okta.yaml`
 * with the settings under `okta.client` (`orgUrl`, `token`, `authorizationMode`, `requestTimeout`,
 * `rateLimit.maxRetries`, `clientId`, `scopes`, ...), and map each key to its environment name by
 * joining the path with `_` and upper-casing it: `okta.client.rateLimit.maxRetries` is
 * `OKTA_CLIENT_RATELIMIT_MAXRETRIES`. This module does the same, so that any `Config` written
 * against the environment names (such as `OktaConfig.fromEnv`) reads a parsed `okta.yaml` as is.
 *
 * It takes the parsed document, not the text: it has no YAML parser and no dependency, so the
 * library can use it. The CLI parses the files with the `yaml` package, bundled into the bin.
 *
 * @since 0.2.0
 */
import * as ConfigProvider from "effect/ConfigProvider"
import * as Either from "effect/Either"

/**
 * The environment name of a key path under the document's root, as the official SDKs spell it:
 * `["okta", "client", "orgUrl"]` is `OKTA_CLIENT_ORGURL`.
 *
 * @since 0.2.0
 * @category names
 */
export const environmentName = (path: ReadonlyArray<string>): string => path.join("_").toUpperCase()

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** A scalar as configuration text, or `undefined` for a value no setting can have (an object, null). */
const scalarText = (value: unknown): string | undefined =>
  typeof value === "string" ? value
    : typeof value === "number" || typeof value === "boolean" || typeof value === "bigint" ? String(value)
    : undefined

/**
 * The settings of a parsed `okta.yaml` by environment name: every scalar under `okta` (lists such as
 * `scopes` joined with `,`, as `Config.array` splits them). A document without `okta` gives no
 * setting; one that is not a mapping, or an `okta` or `okta.client` that is not one, is refused with
 * what is wrong.
 *
 * @since 0.2.0
 * @category constructors
 */
export const settings = (document: unknown): Either.Either<ReadonlyMap<string, string>, string> => {
  const found = new Map<string, string>()
  if (document === null || document === undefined) return Either.right(found)
  if (!isRecord(document)) return Either.left("the document is not a mapping (expected okta: client: ...)")
  const okta = document["okta"]
  if (okta === undefined || okta === null) return Either.right(found)
  if (!isRecord(okta)) return Either.left("okta is not a mapping (expected okta: client: orgUrl: ...)")
  const client = okta["client"]
  if (client !== undefined && client !== null && !isRecord(client)) {
    return Either.left("okta.client is not a mapping (expected okta: client: orgUrl: ...)")
  }
  const walk = (node: Readonly<Record<string, unknown>>, path: ReadonlyArray<string>): void => {
    for (const [key, value] of Object.entries(node)) {
      const at = [...path, key]
      if (isRecord(value)) walk(value, at)
      else if (Array.isArray(value)) {
        const items = value.map(scalarText).filter((item): item is string => item !== undefined)
        found.set(environmentName(at), items.join(","))
      } else {
        const text = scalarText(value)
        if (text !== undefined) found.set(environmentName(at), text)
      }
    }
  }
  walk(okta, ["okta"])
  return Either.right(found)
}

/**
 * A `ConfigProvider` over a parsed `okta.yaml`: `Config.string("OKTA_CLIENT_ORGURL")` reads
 * `okta.client.orgUrl`. Fails as `settings` does.
 *
 * @example
 * ```ts
 * import { Effect, Either, Layer } from "effect"
 * import { OktaConfig } from "effect-okta-sessions"
 * import * as OktaYaml from "./oktaYaml.js"
 *
 * const document = { okta: { client: { orgUrl: "https://dev-123.okta.com", token: "00abc" } } }
 * const ConfigLive = Either.map(OktaYaml.fromDocument(document), (provider) =>
 *   OktaConfig.layerConfig().pipe(Layer.provide(Layer.setConfigProvider(provider))))
 * ```
 * @since 0.2.0
 * @category constructors
 */
export const fromDocument = (document: unknown): Either.Either<ConfigProvider.ConfigProvider, string> =>
  Either.map(settings(document), (map) => ConfigProvider.fromMap(new Map(map)))
