/**
 * The SQLite keepalive store: one file, opened through `@effect/sql-sqlite-node` (better-sqlite3),
 * in WAL mode with `synchronous = FULL` (a write that returned survives a crash of the process and
 * of the machine) and `locking_mode = EXCLUSIVE` (the worker that opened it holds the file until it
 * closes or dies; a second one gets `Locked` instead of sharing and overwriting it).
 *
 * Reached only through the `KeepaliveStoreSqlite` module, so a program that never uses SQLite
 * needs neither `@effect/sql-sqlite-node` nor better-sqlite3's native module.
 *
 * @internal
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import type * as SqlClient from "@effect/sql/SqlClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { type KeepaliveStore, KeepaliveStoreError, type StoredSession } from "../../../KeepaliveStore.js"
import { netChanges } from "./netChanges.js"
import { openStoreFile } from "./sqliteOpen.js"
import { filenameSetting, storeError } from "./sqliteErrors.js"
import type { SqliteStoreSettings } from "./sqliteOptions.js"
import { readStoredRow } from "./storedRow.js"
import { invalidChange } from "./validChanges.js"

const spanAttributes = { store: "sqlite" } as const

/** Opens (creating and migrating when needed) the store at `settings.filename`. */
export const makeSqliteStore = (
  settings: SqliteStoreSettings
): Effect.Effect<KeepaliveStore.Service, KeepaliveStoreError, Scope.Scope> =>
  Effect.gen(function*() {
    const { filename } = settings
    const sql = yield* SqliteClient.make({ filename, disableWAL: true }).pipe(
      Effect.provide(Reactivity.layer),
      // better-sqlite3 throws from its constructor (a missing directory, an unbuilt native module).
      Effect.catchAllDefect((defect) => Effect.fail(storeError(filename, "open")(defect)))
    )
    yield* openStoreFile(sql, settings)
    return makeService(sql, settings)
  }).pipe(Effect.withSpan("KeepaliveStore.open", { attributes: { ...spanAttributes, filename: settings.filename } }))

const makeService = (sql: SqlClient.SqlClient, settings: SqliteStoreSettings): KeepaliveStore.Service => {
  const { filename, pageSize } = settings
  const readError = storeError(filename, "read")

  // The whole batch is one parameter (a JSON array) of one prepared statement: per-row statements
  // through @effect/sql cost about 10 µs each (an Effect and a span per statement), and multi-row
  // VALUES statements about 12 ms per 1,000 rows to compile; json_each costs about 1 ms per 1,000.
  const upsert = (sessions: ReadonlyArray<StoredSession>) =>
    sql`INSERT INTO sessions (session_id, expires_at, next_refresh_at, last_outcome)
      SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(${
      JSON.stringify(sessions.map((s) => [s.sessionId, s.expiresAt ?? null, s.nextRefreshAt ?? null, s.lastOutcome]))
    }) WHERE true
      ON CONFLICT (session_id) DO UPDATE SET expires_at = excluded.expires_at,
      next_refresh_at = excluded.next_refresh_at, last_outcome = excluded.last_outcome`

  const remove = (sessionIds: ReadonlyArray<string>) =>
    sql`DELETE FROM sessions WHERE session_id IN (SELECT value FROM json_each(${JSON.stringify(sessionIds)}))`

  const writeNet = (puts: ReadonlyArray<StoredSession>, removes: ReadonlyArray<string>) =>
    sql.withTransaction(
      Effect.zipRight(
        removes.length === 0 ? Effect.void : remove(removes),
        puts.length === 0 ? Effect.void : upsert(puts)
      )
    ).pipe(Effect.mapError(storeError(filename, "write")))

  const page = (after: string | undefined) =>
    (after === undefined
      ? sql`SELECT session_id, expires_at, next_refresh_at, last_outcome FROM sessions
          ORDER BY session_id LIMIT ${pageSize}`
      : sql`SELECT session_id, expires_at, next_refresh_at, last_outcome FROM sessions
          WHERE session_id > ${after} ORDER BY session_id LIMIT ${pageSize}`).pipe(
        Effect.mapError(readError),
        Effect.flatMap((rows) => {
          const sessions: Array<StoredSession> = []
          for (const row of rows) {
            const session = readStoredRow(row)
            if (session === undefined) {
              return Effect.fail(
                new KeepaliveStoreError({
                  reason: "Corrupt",
                  setting: filenameSetting,
                  detail: `read ${filename}: a row of the sessions table is not a stored session`
                })
              )
            }
            sessions.push(session)
          }
          const last = sessions[sessions.length - 1]
          return Effect.succeed(
            [
              Chunk.unsafeFromArray(sessions),
              last === undefined || sessions.length < pageSize ? Option.none() : Option.some(last.sessionId)
            ] as const
          )
        })
      )

  return {
    load: Stream.paginateChunkEffect<string | undefined, StoredSession, KeepaliveStoreError, never>(undefined, page)
      .pipe(Stream.withSpan("KeepaliveStore.load", { attributes: spanAttributes })),
    write: (changes) =>
      Effect.suspend(() => {
        const refused = invalidChange(changes)
        if (refused !== undefined) return Effect.fail(refused)
        const { puts, removes } = netChanges(changes)
        return puts.length === 0 && removes.length === 0 ? Effect.void : writeNet(puts, removes)
      }).pipe(Effect.withSpan("KeepaliveStore.write", { attributes: { ...spanAttributes, changes: changes.length } })),
    count: sql`SELECT count(*) AS n FROM sessions`.pipe(
      Effect.mapError(readError),
      Effect.map((rows) => {
        const n = rows[0]?.["n"]
        return typeof n === "number" ? n : 0
      }),
      Effect.withSpan("KeepaliveStore.count", { attributes: spanAttributes })
    )
  }
}
