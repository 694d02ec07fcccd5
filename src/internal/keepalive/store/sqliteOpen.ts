/**
 * Opening a store file: the connection's settings, recognising the file as a keepalive store (or
 * refusing it), and the migrations. Every failure is a `KeepaliveStoreError`: a file held by
 * another process is `Locked` after waiting at most `lockTimeoutMillis`, a file that is not a
 * database or belongs to something else is `Corrupt`, a path that cannot be opened is `Unavailable`.
 *
 * @internal
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import * as SqlClientTag from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import { KeepaliveStoreError } from "../../../KeepaliveStore.js"
import { filenameSetting, storeError } from "./sqliteErrors.js"
import { applicationId, latestMigrationId, migrationsTable, runMigrations } from "./sqliteMigrations.js"

const numberIn = (rows: ReadonlyArray<object>, column: string): number | undefined => {
  const row = rows[0]
  return Predicate.hasProperty(row, column) && typeof row[column] === "number" ? row[column] : undefined
}

const corrupt = (filename: string, detail: string) =>
  new KeepaliveStoreError({ reason: "Corrupt", setting: filenameSetting, detail: `open ${filename}: ${detail}` })

/** Refuses a file that is not a keepalive store of this version (or an empty database). */
const recognise = (sql: SqlClient.SqlClient, filename: string) =>
  Effect.gen(function*() {
    const fileApplicationId = numberIn(yield* sql.unsafe("PRAGMA application_id"), "application_id") ?? 0
    const tables = (yield* sql`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
      .map((row) => String(row["name"]))
    if (fileApplicationId === 0 && tables.length === 0) return
    if (fileApplicationId !== applicationId) {
      return yield* corrupt(
        filename,
        `not a keepalive store (application_id ${fileApplicationId}, ${tables.length} tables: ${tables.slice(0, 5).join(", ")})`
      )
    }
    if (!tables.includes(migrationsTable) || !tables.includes("sessions")) {
      return yield* corrupt(filename, `a keepalive store without its tables (${tables.join(", ")})`)
    }
    const stored = numberIn(yield* sql.unsafe(`SELECT max(migration_id) AS id FROM ${migrationsTable}`), "id") ?? 0
    if (stored > latestMigrationId) {
      return yield* corrupt(filename, `written by a newer version (migration ${stored}, this one knows up to ${latestMigrationId})`)
    }
  })

/** Sets the connection up, checks the file and migrates it. */
export const openStoreFile = (
  sql: SqlClient.SqlClient,
  settings: { readonly filename: string; readonly lockTimeoutMillis: number }
): Effect.Effect<void, KeepaliveStoreError> => {
  const { filename } = settings
  return Effect.gen(function*() {
    yield* sql.unsafe(`PRAGMA busy_timeout = ${Math.round(settings.lockTimeoutMillis)}`)
    // Set before the first access: the first read then takes the file's lock and keeps it.
    yield* sql.unsafe("PRAGMA locking_mode = EXCLUSIVE")
    yield* sql.unsafe("PRAGMA journal_mode = WAL")
    yield* sql.unsafe("PRAGMA synchronous = FULL")
    yield* recognise(sql, filename)
    yield* runMigrations.pipe(Effect.provideService(SqlClientTag.SqlClient, sql))
  }).pipe(
    Effect.catchTags({
      SqlError: (error) => Effect.fail(storeError(filename, "open")(error)),
      MigrationError: (error) => Effect.fail(storeError(filename, "open")(error))
    })
  )
}
