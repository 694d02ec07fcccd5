/**
 * The SQLite store's schema, as `@effect/sql` migrations, and how a file is recognised as a store
 * of this package: its `application_id` header field is set by the first migration. A file with
 * another `application_id`, or with tables but none, belongs to something else and is refused as
 * `Corrupt` rather than migrated into.
 *
 * @internal
 */
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/** The `application_id` of a keepalive store file: "OkSs" as a 32-bit integer. */
export const applicationId = 0x4f6b5373

/** The table where the migrator records which migrations ran. */
export const migrationsTable = "keepalive_store_migrations"

/** The migrations, by `<id>_<name>`; ids only grow. */
export const migrations = {
  "1_create_sessions": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    // Keyed by the session id; WITHOUT ROWID keeps each row in the primary-key b-tree only.
    yield* sql`CREATE TABLE sessions (
      session_id TEXT PRIMARY KEY NOT NULL,
      expires_at REAL,
      next_refresh_at REAL,
      last_outcome TEXT NOT NULL CHECK (last_outcome IN ('Added', 'Refreshed', 'Retrying', 'Throttled'))
    ) WITHOUT ROWID`
    yield* sql.unsafe(`PRAGMA application_id = ${applicationId}`)
  })
} as const

/** The highest migration id this version knows. */
export const latestMigrationId = 1

/** Runs the migrations that have not run yet, in one transaction (the migrator's). */
export const runMigrations = Migrator.make({})({
  loader: Migrator.fromRecord(migrations),
  table: migrationsTable
})
