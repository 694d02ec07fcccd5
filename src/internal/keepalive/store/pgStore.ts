/**
 * The PostgreSQL keepalive store: one table shared by a fleet of workers, each of which may see
 * the whole of it or only a partition (a fixed share of the session ids, see pgPartition.ts).
 *
 * - `write` applies a batch's net effect (netChanges.ts) in one transaction: one `DELETE ... = ANY`
 *   and one `INSERT ... SELECT FROM unnest(...) ON CONFLICT DO UPDATE` with the batch as five array
 *   parameters, whatever its size, rows in id order (two batches that share rows lock them in the
 *   same order and cannot deadlock). Upserts are idempotent: a batch written twice leaves the same
 *   rows. Durable once the commit returns (PostgreSQL's `synchronous_commit`, on by default).
 * - `load` reads pages of about `pageSize` rows, so at most one page sits in memory besides what
 *   the caller keeps: the whole table by key (`session_id > last`, on the primary key), a partition
 *   by groups of whole buckets (on the bucket index). A session written while it runs may or may
 *   not show up; none shows up twice.
 * - Every statement is bounded by `queryTimeoutMillis` (an interrupted query is cancelled on the
 *   server by `@effect/sql-pg`, and its transaction rolled back). Waiting for a connection of the
 *   pool is not: `@effect/sql` acquires it uninterruptibly, so that wait is bounded by the pool's own
 *   `connectTimeout` (`layer` sets it; with `layerClient`, set it on your client). Letting a timed-out
 *   write go on in the background instead could commit it after a newer one.
 * - Every operation runs outside any transaction of the caller's: `@effect/sql` keeps the open
 *   transaction in the fiber's context under one tag for every client, so a `write` called inside
 *   a transaction of another client would otherwise run on that client's connection (another
 *   database, perhaps) and be durable only when that commits.
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
import { outsideCallersTransaction, qualified, sessionsTable } from "./pgMigrations.js"
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

const byId = (a: { readonly id: string }, b: { readonly id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/** A store over `sql` (a PostgreSQL client whose schema `openSchema` has made ready). */
export const makePgStore = (sql: SqlClient.SqlClient, settings: PgStoreSettings, context: PgErrorContext): PgStore => {
  const { pageSize, schema } = settings
  const table = qualified(schema, sessionsTable)
  const timeout = Duration.millis(settings.queryTimeoutMillis)
  const bounded = <A>(phase: "read" | "write", effect: Effect.Effect<A, unknown>): Effect.Effect<A, KeepaliveStoreError> =>
    effect.pipe(
      outsideCallersTransaction,
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

  /** How many rows the table holds, or the buckets when given. */
  const countIn = (buckets: ReadonlyArray<number> | undefined) =>
    bounded(
      "read",
      buckets === undefined
        ? sql.unsafe(`SELECT count(*)::int8 AS n FROM ${table}`).withoutTransform
        : sql.unsafe(`SELECT count(*)::int8 AS n FROM ${table} WHERE bucket = ANY($1::smallint[])`, [buckets])
          .withoutTransform
    ).pipe(
      Effect.map((rows) => {
        const n: unknown = Predicate.hasProperty(rows[0], "n") ? rows[0].n : undefined
        return typeof n === "number" ? n : typeof n === "string" ? Number(n) : 0
      })
    )

  const makeView = (buckets: ReadonlyArray<number> | undefined, label: string): KeepaliveStore.Service => {
    const spanAttributes = { store: "postgres", schema, partition: label } as const
    const inPartition = buckets === undefined ? undefined : new Set(buckets)

    const outsider = (changes: ReadonlyArray<Change>): number => {
      if (inPartition === undefined) return -1
      return changes.findIndex((change) =>
        !inPartition.has(bucketOf(change._tag === "Put" ? change.session.sessionId : change.sessionId))
      )
    }

    const rowsOf = (rows: ReadonlyArray<object>): Effect.Effect<Chunk.Chunk<StoredSession>, KeepaliveStoreError> => {
      const sessions: Array<StoredSession> = []
      for (const row of rows) {
        const session = readStoredRow(row)
        if (session === undefined) {
          return Effect.fail(pgStoreProblem(context, "Corrupt", `a row of ${sessionsTable} is not a stored session`))
        }
        sessions.push(session)
      }
      return Effect.succeed(Chunk.unsafeFromArray(sessions))
    }

    // The whole table: pages by key, on the primary key's index.
    const page = (after: string) =>
      bounded(
        "read",
        sql.unsafe(
          `SELECT session_id, expires_at, next_refresh_at, last_outcome FROM ${table}
            WHERE session_id > $1 ORDER BY session_id LIMIT $2`,
          [after, pageSize]
        ).withoutTransform
      ).pipe(
        Effect.flatMap(rowsOf),
        Effect.map((chunk) => {
          const last = Chunk.last(chunk)
          return [
            chunk,
            Option.isNone(last) || Chunk.size(chunk) < pageSize ? Option.none() : Option.some(last.value.sessionId)
          ] as const
        })
      )

    // A partition: pages of whole buckets, as many a query as make about `pageSize` rows by the
    // partition's count when the load starts (a page of one bucket past 1,024 × pageSize rows).
    // Measured on 100,000 rows, partition 0 of 3: 2.0 s for keyset pages on (bucket, session_id)
    // (PostgreSQL 15 scans the skipped buckets' entries again for every page, or sorts a bitmap
    // scan), 0.3-0.4 s for these.
    const bucketPages = (partitionBuckets: ReadonlyArray<number>) =>
      Stream.unwrap(Effect.map(countIn(partitionBuckets), (rows) => {
        const perBucket = Math.max(1, rows / partitionBuckets.length)
        const size = Math.max(1, Math.min(partitionBuckets.length, Math.floor(pageSize / perBucket)))
        const groups: Array<ReadonlyArray<number>> = []
        for (let start = 0; start < partitionBuckets.length; start += size) {
          groups.push(partitionBuckets.slice(start, start + size))
        }
        return Stream.fromIterable(groups).pipe(
          Stream.mapEffect((group) =>
            bounded(
              "read",
              sql.unsafe(
                `SELECT session_id, expires_at, next_refresh_at, last_outcome FROM ${table}
                  WHERE bucket = ANY($1::smallint[])`,
                [group]
              ).withoutTransform
            ).pipe(Effect.flatMap(rowsOf))
          ),
          Stream.flattenChunks
        )
      }))

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
      load: (buckets === undefined
        ? Stream.paginateChunkEffect<string, StoredSession, KeepaliveStoreError, never>("", page)
        : bucketPages(buckets)).pipe(Stream.withSpan("KeepaliveStore.load", { attributes: spanAttributes })),
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
      count: countIn(buckets).pipe(
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
      if (refused !== undefined) return refusedView(refused)
      // the one partition of one is the whole table, read by key
      return count === 1 ? makeView(undefined, "0/1") : makeView(bucketsOf(index, count), `${index}/${count}`)
    }
  }
}
