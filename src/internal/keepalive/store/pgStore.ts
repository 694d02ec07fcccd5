/**
 * The PostgreSQL keepalive store: one table shared by a fleet of workers, each of which may see
 * the whole of it or only a partition (a fixed share of the session ids, see pgPartition.ts).
 *
 * - `write` applies a batch's net effect (netChanges.ts) in one transaction: one `DELETE ... = ANY`
 *   and one `INSERT ... SELECT FROM unnest(...) ON CONFLICT DO UPDATE` with the batch as five array
 *   parameters, whatever its size, rows in id order (two batches that share rows lock them in the
 *   same order and cannot deadlock). Upserts are idempotent: a batch written twice leaves the same
 *   rows. Durable once the commit returns (PostgreSQL's `synchronous_commit`, on by default).
 * - `load` reads pages of `pageSize` rows by key (`session_id > last`, or `(bucket, session_id) >
 *   last` for a partition, on its index), so at most one page sits in memory besides what the
 *   caller keeps; a session written while it runs may or may not show up, none shows up twice.
 * - Every statement is bounded by `queryTimeoutMillis` (an interrupted query is cancelled on the
 *   server by `@effect/sql-pg`).
 *
 * @internal
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Stream from "effect/Stream"
import {
  type Change,
  type KeepaliveStore,
  type KeepaliveStoreError,
  type StoredSession
} from "../../../KeepaliveStore.js"
import type { SessionId } from "../../../Session.js"
import { type PgErrorContext, pgStoreError, pgStoreProblem } from "./pgErrors.js"
import { qualified, sessionsTable } from "./pgMigrations.js"
import type { PgStoreSettings } from "./pgOptions.js"
import { bucketOf, bucketsOf, invalidPartition } from "./pgPartition.js"
import { netChanges } from "./netChanges.js"
import { readStoredRow } from "./storedRow.js"
import { invalidChange } from "./validChanges.js"

/** The whole table, and its partitions. */
export interface PgStore {
  readonly whole: KeepaliveStore.Service
  readonly partition: (index: number, count: number) => KeepaliveStore.Service
}

/** Where a page of `load` resumes: after this bucket and id (the bucket only for a partition). */
interface Cursor {
  readonly bucket: number
  readonly sessionId: string
}

const byId = (a: { readonly id: string }, b: { readonly id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/** A store over `sql` (a PostgreSQL client whose schema `openSchema` has made ready). */
export const makePgStore = (sql: SqlClient.SqlClient, settings: PgStoreSettings, context: PgErrorContext): PgStore => {
  const { pageSize, schema } = settings
  const table = qualified(schema, sessionsTable)
  const timeout = Duration.millis(settings.queryTimeoutMillis)
  const bounded = <A>(phase: "read" | "write", effect: Effect.Effect<A, unknown>): Effect.Effect<A, KeepaliveStoreError> =>
    effect.pipe(
      Effect.mapError(pgStoreError(context, phase)),
      Effect.timeoutFail({
        duration: timeout,
        onTimeout: () => pgStoreProblem(context, "Failed", `${phase} took longer than ${Duration.format(timeout)}`)
      })
    )

  const upsert = (sessions: ReadonlyArray<StoredSession>) => {
    const rows = sessions.map((session) => ({ id: session.sessionId, session })).sort(byId)
    return sql.unsafe(
      `INSERT INTO ${table} (session_id, bucket, expires_at, next_refresh_at, last_outcome)
        SELECT * FROM unnest($1::text[], $2::smallint[], $3::float8[], $4::float8[], $5::text[])
        ON CONFLICT (session_id) DO UPDATE SET bucket = excluded.bucket, expires_at = excluded.expires_at,
          next_refresh_at = excluded.next_refresh_at, last_outcome = excluded.last_outcome`,
      [
        rows.map((row) => row.id),
        rows.map((row) => bucketOf(row.id)),
        rows.map((row) => row.session.expiresAt ?? null),
        rows.map((row) => row.session.nextRefreshAt ?? null),
        rows.map((row) => row.session.lastOutcome)
      ]
    ).withoutTransform
  }

  const remove = (sessionIds: ReadonlyArray<SessionId>) =>
    sql.unsafe(`DELETE FROM ${table} WHERE session_id = ANY($1::text[])`, [[...sessionIds].sort()]).withoutTransform

  const makeView = (buckets: ReadonlyArray<number> | undefined, label: string): KeepaliveStore.Service => {
    const spanAttributes = { store: "postgres", schema, partition: label } as const
    const inPartition = buckets === undefined ? undefined : new Set(buckets)

    const outsider = (changes: ReadonlyArray<Change>): number => {
      if (inPartition === undefined) return -1
      return changes.findIndex((change) =>
        !inPartition.has(bucketOf(change._tag === "Put" ? change.session.sessionId : change.sessionId))
      )
    }

    const page = (after: Cursor | undefined) =>
      bounded(
        "read",
        buckets === undefined
          ? sql.unsafe(
            `SELECT session_id, expires_at, next_refresh_at, last_outcome FROM ${table}
              WHERE session_id > $1 ORDER BY session_id LIMIT $2`,
            [after?.sessionId ?? "", pageSize]
          ).withoutTransform
          : sql.unsafe(
            `SELECT bucket, session_id, expires_at, next_refresh_at, last_outcome FROM ${table}
              WHERE bucket = ANY($1::smallint[]) AND (bucket, session_id) > ($2::smallint, $3::text)
              ORDER BY bucket, session_id LIMIT $4`,
            [buckets, after?.bucket ?? -1, after?.sessionId ?? "", pageSize]
          ).withoutTransform
      ).pipe(
        Effect.flatMap((rows) => {
          const sessions: Array<StoredSession> = []
          for (const row of rows) {
            const session = readStoredRow(row)
            if (session === undefined) {
              return Effect.fail(pgStoreProblem(context, "Corrupt", `a row of ${sessionsTable} is not a stored session`))
            }
            sessions.push(session)
          }
          const last = sessions[sessions.length - 1]
          const lastRow: unknown = rows[rows.length - 1]
          const next: Option.Option<Cursor | undefined> = last === undefined || sessions.length < pageSize
            ? Option.none()
            : Option.some({
              sessionId: last.sessionId,
              bucket: Predicate.hasProperty(lastRow, "bucket") && typeof lastRow.bucket === "number"
                ? lastRow.bucket
                : bucketOf(last.sessionId)
            })
          return Effect.succeed([Chunk.unsafeFromArray(sessions), next] as const)
        })
      )

    const writeNet = (puts: ReadonlyArray<StoredSession>, removes: ReadonlyArray<SessionId>) =>
      bounded(
        "write",
        sql.withTransaction(
          Effect.zipRight(
            removes.length === 0 ? Effect.void : remove(removes),
            puts.length === 0 ? Effect.void : upsert(puts)
          )
        )
      )

    return {
      load: Stream.paginateChunkEffect<Cursor | undefined, StoredSession, KeepaliveStoreError, never>(undefined, page)
        .pipe(Stream.withSpan("KeepaliveStore.load", { attributes: spanAttributes })),
      write: (changes) =>
        Effect.suspend(() => {
          const refused = invalidChange(changes)
          if (refused !== undefined) return Effect.fail(refused)
          const foreign = outsider(changes)
          if (foreign >= 0) {
            return Effect.fail(
              pgStoreProblem(
                context,
                "Failed",
                `change ${foreign} was refused (nothing of the batch was written): its session is not in partition ${label}`
              )
            )
          }
          const { puts, removes } = netChanges(changes)
          return puts.length === 0 && removes.length === 0 ? Effect.void : writeNet(puts, removes)
        }).pipe(Effect.withSpan("KeepaliveStore.write", { attributes: { ...spanAttributes, changes: changes.length } })),
      count: bounded(
        "read",
        buckets === undefined
          ? sql.unsafe(`SELECT count(*)::int8 AS n FROM ${table}`).withoutTransform
          : sql.unsafe(`SELECT count(*)::int8 AS n FROM ${table} WHERE bucket = ANY($1::smallint[])`, [buckets])
            .withoutTransform
      ).pipe(
        Effect.map((rows) => {
          const n: unknown = Predicate.hasProperty(rows[0], "n") ? rows[0].n : undefined
          return typeof n === "number" ? n : typeof n === "string" ? Number(n) : 0
        }),
        Effect.withSpan("KeepaliveStore.count", { attributes: spanAttributes })
      )
    }
  }

  /** A view whose every operation fails: `partition` was asked for one that does not exist. */
  const refusedView = (detail: string): KeepaliveStore.Service => {
    const error = pgStoreProblem(context, "Failed", `partition refused: ${detail}`)
    return { load: Stream.fail(error), write: () => Effect.fail(error), count: Effect.fail(error) }
  }

  return {
    whole: makeView(undefined, "all"),
    partition: (index, count) => {
      const refused = invalidPartition(index, count)
      return refused === undefined ? makeView(bucketsOf(index, count), `${index}/${count}`) : refusedView(refused)
    }
  }
}
