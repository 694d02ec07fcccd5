/**
 * The PostgreSQL store's tables, as `@effect/sql` migrations, and opening a schema: in one
 * transaction under an advisory lock on the schema's name (so that a fleet of workers starting at
 * once migrate it once, one after the other, instead of racing on `CREATE TABLE`), the schema and
 * the migrator's table are created when missing, a schema written by a newer version or holding a
 * sessions table the migrator did not make is refused as `Corrupt`, then the migrator runs what has
 * not run yet. `lock_timeout` and `statement_timeout` bound every wait of it.
 *
 * Tables (in the configured schema):
 * - `okta_keepalive_sessions`: `session_id text COLLATE "C"` (the key; byte order, so paging by it
 *   is cheap and the same everywhere), `bucket smallint` (0-1023, see pgPartition.ts),
 *   `expires_at`, `next_refresh_at` (`double precision`, epoch ms, NULL when not known),
 *   `last_outcome text`; an index on `(bucket, session_id)` serves a partition's pages.
 * - `okta_keepalive_migrations`: the migrator's record.
 *
 * @internal
 */
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import type { KeepaliveStoreError } from "../../../KeepaliveStore.js"
import { type PgErrorContext, pgStoreError, pgStoreProblem } from "./pgErrors.js"
import { bucketCount } from "./pgPartition.js"

/** The sessions table's name (in the configured schema). */
export const sessionsTable = "okta_keepalive_sessions"

/** The table where the migrator records which migrations ran. */
export const migrationsTable = "okta_keepalive_migrations"

/** The highest migration id this version knows. */
export const latestMigrationId = 1

/** `"schema"."table"`; the schema was checked to be a plain lower-case identifier. */
export const qualified = (schema: string, table: string): string => `"${schema}"."${table}"`

/**
 * `effect` without the caller's open `@effect/sql` transaction (if any) in its context, so that the
 * store's statements run on the store's own client, in transactions of their own.
 */
export const outsideCallersTransaction = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> =>
  Effect.mapInputContext(effect, (context: Context.Context<never>) => Context.omit(SqlClient.TransactionConnection)(context))

const migrationsFor = (schema: string) => ({
  "1_create_sessions": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const table = qualified(schema, sessionsTable)
    yield* sql.unsafe(`CREATE TABLE ${table} (
      session_id text COLLATE "C" PRIMARY KEY,
      bucket smallint NOT NULL CHECK (bucket >= 0 AND bucket < ${bucketCount}),
      expires_at double precision,
      next_refresh_at double precision,
      last_outcome text NOT NULL CHECK (last_outcome IN ('Added', 'Refreshed', 'Retrying', 'Throttled'))
    )`)
    yield* sql.unsafe(`CREATE INDEX ${sessionsTable}_bucket ON ${table} (bucket, session_id)`)
  })
})

const numberIn = (rows: ReadonlyArray<object>, column: string): number | undefined => {
  const value: unknown = Predicate.hasProperty(rows[0], column) ? rows[0][column] : undefined
  return typeof value === "number" ? value : typeof value === "string" && value !== "" ? Number(value) : undefined
}

/** Creates, checks and migrates the store's tables in `schema`; bounded by `timeoutMillis`. */
export const openSchema = (
  sql: SqlClient.SqlClient,
  context: PgErrorContext,
  timeoutMillis: number
): Effect.Effect<void, KeepaliveStoreError> => {
  const { schema } = context
  const migrations = qualified(schema, migrationsTable)
  const open = Effect.gen(function*() {
    yield* sql.unsafe(`SET LOCAL lock_timeout = ${Math.round(timeoutMillis)}`)
    yield* sql.unsafe(`SET LOCAL statement_timeout = ${Math.round(timeoutMillis)}`)
    yield* sql.unsafe(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`okta_keepalive_store:${schema}`])
    yield* sql.unsafe(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
    const sessionsExists = numberIn(
      yield* sql.unsafe(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1 AND tablename = $2`, [
        schema,
        sessionsTable
      ]).withoutTransform,
      "n"
    ) ?? 0
    // The migrator's own table, as the migrator would make it: made here, under the lock, because
    // the migrator's check for it (a failing `::regclass`) would abort this transaction.
    yield* sql.unsafe(`CREATE TABLE IF NOT EXISTS ${migrations} (
      migration_id integer PRIMARY KEY,
      created_at timestamp with time zone NOT NULL DEFAULT now(),
      name text NOT NULL
    )`)
    const stored = numberIn(yield* sql.unsafe(`SELECT max(migration_id) AS id FROM ${migrations}`).withoutTransform, "id") ??
      0
    if (stored > latestMigrationId) {
      return yield* pgStoreProblem(
        context,
        "Corrupt",
        `written by a newer version (migration ${stored}, this one knows up to ${latestMigrationId})`
      )
    }
    if (stored === 0 && sessionsExists > 0) {
      return yield* pgStoreProblem(
        context,
        "Corrupt",
        `a table ${sessionsTable} that this package did not make is in the schema; use another schema`
      )
    }
    yield* Migrator.make({})({
      loader: Migrator.fromRecord(migrationsFor(schema)),
      table: `${schema}.${migrationsTable}`
    })
  })
  return sql.withTransaction(open).pipe(
    Effect.provideService(SqlClient.SqlClient, sql),
    outsideCallersTransaction,
    // the migrator turns a failed migration into a defect
    Effect.catchAllDefect((defect) => Effect.fail(pgStoreError(context, "open")(defect))),
    Effect.catchTags({
      SqlError: (error) => Effect.fail(pgStoreError(context, "open")(error)),
      MigrationError: (error) => Effect.fail(pgStoreError(context, "open")(error))
    })
  )
}
