/**
 * The options of `KeepaliveStoreSqlite.layer`, checked into settings (an `InvalidOptions` for any
 * that cannot work). Kept apart from the store itself so that checking them does not load SQLite.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { InvalidOptions } from "../../../InvalidOptions.js"
import { decodeOptions } from "../../options/decodeOptions.js"
import { NonNegativeDuration, PositiveInt } from "../../options/optionSchemas.js"

/** The SQLite store's settings, checked. */
export interface SqliteStoreSettings {
  readonly filename: string
  /** How long opening waits for a file another connection holds, in ms (SQLite's `busy_timeout`). */
  readonly lockTimeoutMillis: number
  /** How many sessions one `load` query reads. */
  readonly pageSize: number
}

/** The longest `lockTimeout`: opening is part of start-up and must not hang. */
const maxLockTimeoutMillis = 60_000

const SqliteOptionsSchema = Schema.Struct({
  filename: Schema.String.pipe(
    Schema.filter((name) => name.trim() !== "" || "expected a file name (an empty one is a temporary database)")
  ),
  lockTimeout: Schema.optionalWith(
    NonNegativeDuration.pipe(
      Schema.filter((d) =>
        Duration.toMillis(d) <= maxLockTimeoutMillis || `expected at most 1 minute, got ${Duration.format(d)}`
      )
    ),
    { default: () => Duration.seconds(2) }
  ),
  pageSize: Schema.optionalWith(PositiveInt, { default: () => 10_000 })
})

const decode = decodeOptions("KeepaliveStoreSqlite.layer", SqliteOptionsSchema)

/** The checked settings of the SQLite store. */
export const decodeSqliteOptions = (input: unknown): Effect.Effect<SqliteStoreSettings, InvalidOptions> =>
  Effect.map(decode(input), (options) => ({
    filename: options.filename,
    lockTimeoutMillis: Duration.toMillis(options.lockTimeout),
    pageSize: options.pageSize
  }))
