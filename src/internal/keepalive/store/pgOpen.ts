/**
 * Opening the PostgreSQL store: on a client of its own (`@effect/sql-pg`'s `PgClient`, a pool of
 * `maxConnections`, closed with the scope) or on an `SqlClient` the program already has (a pool
 * shared with `@effect/cluster`'s SQL storage, say), then the schema (pgMigrations.ts). Start-up is
 * bounded: connecting by `connectTimeout` (`PgClient`'s own bound, and the pool's per connection),
 * the schema's migration (and, on a client in context, waiting for one of its connections) by
 * `queryTimeout`; past either it fails `Unavailable`.
 *
 * @internal
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as SqlClient from "@effect/sql/SqlClient"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { KeepaliveStoreError } from "../../../KeepaliveStore.js"
import { type PgErrorContext, pgStoreError, pgStoreProblem } from "./pgErrors.js"
import { openSchema } from "./pgMigrations.js"
import type { PgStoreClientSettings, PgStoreSettings } from "./pgOptions.js"
import { makePgStore, type PgStore } from "./pgStore.js"

const openOn = (sql: SqlClient.SqlClient, settings: PgStoreSettings, context: PgErrorContext) =>
  Effect.as(openSchema(sql, context, settings.queryTimeoutMillis), makePgStore(sql, settings, context))

/** Connects with a client of its own (closed with the scope) and opens the store; `setting` names the URL. */
export const openPgStore = (
  settings: PgStoreClientSettings,
  setting: string
): Effect.Effect<PgStore, KeepaliveStoreError, Scope.Scope> => {
  const context: PgErrorContext = { setting, schema: settings.schema, url: settings.url }
  const bound = Duration.sum(settings.connectTimeout, Duration.millis(settings.queryTimeoutMillis))
  return Effect.gen(function*() {
    const sql = yield* PgClient.make({
      url: settings.url,
      connectTimeout: settings.connectTimeout,
      maxConnections: settings.maxConnections,
      applicationName: "effect-okta-sessions keepalive store"
    }).pipe(
      Effect.provide(Reactivity.layer),
      Effect.mapError(pgStoreError(context, "open")),
      // `pg` throws from its constructors on a URL it cannot parse
      Effect.catchAllDefect((defect) => Effect.fail(pgStoreError(context, "open")(defect)))
    )
    return yield* openOn(sql, settings, context)
  }).pipe(
    Effect.timeoutFail({
      duration: bound,
      onTimeout: () => pgStoreProblem(context, "Unavailable", `could not connect and open within ${Duration.format(bound)}`)
    }),
    Effect.withSpan("KeepaliveStore.open", { attributes: { store: "postgres", schema: settings.schema } })
  )
}

/** Opens the store on the `SqlClient` in context, which must be PostgreSQL's. */
export const openPgStoreOnClient = (
  settings: PgStoreSettings
): Effect.Effect<PgStore, KeepaliveStoreError, SqlClient.SqlClient> => {
  const context: PgErrorContext = { setting: undefined, schema: settings.schema, url: undefined }
  return Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.onDialectOrElse({
      pg: () => Effect.void,
      orElse: () =>
        Effect.fail(pgStoreProblem(context, "Unavailable", "KeepaliveStorePg.layerClient needs a PostgreSQL SqlClient"))
    })
    return yield* openOn(sql, settings, context)
  }).pipe(
    // The client's pool may be busy or its server gone: waiting for a connection is bounded too.
    // `@effect/sql` acquires a transaction's connection uninterruptibly, so the wait is left to end
    // in the background (disconnect) rather than holding start-up until the pool gives one.
    Effect.disconnect,
    Effect.timeoutFail({
      duration: Duration.millis(settings.queryTimeoutMillis),
      onTimeout: () =>
        pgStoreProblem(context, "Unavailable", `could not open within ${Duration.format(Duration.millis(settings.queryTimeoutMillis))}`)
    }),
    Effect.withSpan("KeepaliveStore.open", { attributes: { store: "postgres", schema: settings.schema } })
  )
}
