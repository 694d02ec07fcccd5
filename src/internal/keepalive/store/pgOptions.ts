/**
 * The options of `KeepaliveStorePg.layer` and `layerClient`, checked into settings (an
 * `InvalidOptions` for any that cannot work). The URL is a `Redacted` and no message here ever
 * shows it: a refused URL is described, never quoted.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { InvalidOptions } from "../../../InvalidOptions.js"
import { decodeOptions } from "../../options/decodeOptions.js"
import { PositiveDuration, PositiveInt } from "../../options/optionSchemas.js"

/** The store's settings that do not depend on how the client is made. */
export interface PgStoreSettings {
  /** The PostgreSQL schema holding the store's tables (created when missing). */
  readonly schema: string
  /** How many sessions one `load` query reads. */
  readonly pageSize: number
  /** The longest a read, a write or the start-up migration may take, in ms. */
  readonly queryTimeoutMillis: number
}

/** The settings of a store that makes its own client. */
export interface PgStoreClientSettings extends PgStoreSettings {
  readonly url: Redacted.Redacted<string>
  readonly connectTimeout: Duration.Duration
  readonly maxConnections: number
}

/** PostgreSQL's longest identifier is 63 bytes; lower case so that it means the same quoted or not. */
const SchemaName = Schema.String.pipe(
  Schema.filter((name) =>
    /^[a-z_][a-z0-9_]{0,62}$/.test(name) && !name.startsWith("pg_") ||
    "expected a PostgreSQL schema name: 1 to 63 lower-case letters, digits or '_', not starting with a digit or 'pg_'"
  )
)

const atMost = (limit: Duration.DurationInput, words: string) => (d: Duration.Duration) =>
  Duration.lessThanOrEqualTo(d, limit) || `expected at most ${words}, got ${Duration.format(d)}`

const isPostgresUrl = (url: Redacted.Redacted<string>) => /^postgres(ql)?:\/\/\S+$/i.test(Redacted.value(url))

const common = {
  schema: Schema.optionalWith(SchemaName, { default: () => "public" }),
  pageSize: Schema.optionalWith(PositiveInt, { default: () => 10_000 }),
  queryTimeout: Schema.optionalWith(PositiveDuration.pipe(Schema.filter(atMost("10 minutes", "10 minutes"))), {
    default: () => Duration.seconds(30)
  })
}

const ClientOptionsSchema = Schema.Struct(common)

const LayerOptionsSchema = Schema.Struct({
  url: Schema.declare((u): u is Redacted.Redacted<string> => Redacted.isRedacted(u) && typeof Redacted.value(u) === "string", {
    message: () => "expected a Redacted PostgreSQL URL (Redacted.make(\"postgres://...\"))"
  }).pipe(
    Schema.filter((url) => isPostgresUrl(url) || "expected a postgres:// or postgresql:// URL (its value is not shown)")
  ),
  connectTimeout: Schema.optionalWith(PositiveDuration.pipe(Schema.filter(atMost("1 minute", "1 minute"))), {
    default: () => Duration.seconds(5)
  }),
  maxConnections: Schema.optionalWith(PositiveInt, { default: () => 4 }),
  ...common
})

const settingsOf = (options: typeof ClientOptionsSchema.Type): PgStoreSettings => ({
  schema: options.schema,
  pageSize: options.pageSize,
  queryTimeoutMillis: Duration.toMillis(options.queryTimeout)
})

/** The checked settings of `layer` (and `layerConfig`, under its own module name). */
export const decodePgLayerOptions = (module: string) => {
  const decode = decodeOptions(module, LayerOptionsSchema)
  return (input: unknown): Effect.Effect<PgStoreClientSettings, InvalidOptions> =>
    Effect.map(decode(input), (options) => ({
      ...settingsOf(options),
      url: options.url,
      connectTimeout: options.connectTimeout,
      maxConnections: options.maxConnections
    }))
}

/** The checked settings of `layerClient`. */
export const decodePgClientOptions = (input: unknown): Effect.Effect<PgStoreSettings, InvalidOptions> =>
  Effect.map(decodeOptions("KeepaliveStorePg.layerClient", ClientOptionsSchema)(input), settingsOf)
