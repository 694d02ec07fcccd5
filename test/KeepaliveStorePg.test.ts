/**
 * The PostgreSQL store against the real server at 127.0.0.1:5432 (database `test`, trust auth):
 * the store contract, partitions, a fleet of stores opening and writing at once, start-up failures
 * (a closed port, a URL with a password), and what it refuses. Every test works in a schema of its
 * own, named after this run, dropped when the test ends.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as SqlClient from "@effect/sql/SqlClient"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { describe, expect, it } from "@effect/vitest"
import {
  Cause,
  ConfigProvider,
  Context,
  Deferred,
  Effect,
  Exit,
  Layer,
  Logger,
  LogLevel,
  Option,
  Redacted,
  Scope,
  Stream,
  Tracer
} from "effect"
import { KeepaliveStore } from "effect-okta-sessions"
import * as KeepaliveStorePg from "effect-okta-sessions/KeepaliveStorePg"
import { createServer, type Server, type Socket } from "node:net"
import { byId, Change, id, loadAll, session, type Store, storeContract, type StoredSession } from "./storeContract.js"

const url = Redacted.make("postgres://postgres@127.0.0.1:5432/test")
const runPrefix = `okta_ks_${Date.now().toString(36)}_${process.pid}`
let schemas = 0

/** A plain client to the test database (not the store's), closed with the scope. */
const adminClient = PgClient.make({ url }).pipe(Effect.provide(Reactivity.layer), Effect.orDie)

/** Runs `statement` through a plain client. */
const runSql = (statement: string, params: ReadonlyArray<unknown> = []) =>
  Effect.scoped(Effect.flatMap(adminClient, (sql) => sql.unsafe(statement, params).withoutTransform)).pipe(Effect.orDie)

/** A schema name unique to this run; the schema (if anything made it) is dropped when the scope closes. */
const freshSchema = Effect.acquireRelease(
  Effect.sync(() => `${runPrefix}_${schemas++}`),
  (schema) => runSql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
)

type Opened = Context.Context<KeepaliveStore.KeepaliveStore | KeepaliveStorePg.KeepaliveStorePg>

/** The store's layer built in `scope`. */
const openPg = (options: KeepaliveStorePg.PgOptions, scope: Scope.Scope) =>
  Layer.buildWithScope(KeepaliveStorePg.layer(options), scope)

const wholeOf = (context: Opened): Store => Context.get(context, KeepaliveStore.KeepaliveStore)
const partitionsOf = (context: Opened) => Context.get(context, KeepaliveStorePg.KeepaliveStorePg)

storeContract([{
  name: "postgres",
  make: Effect.gen(function*() {
    const schema = yield* freshSchema
    const options = { url, schema, pageSize: 1000 }
    let scope = yield* Scope.make()
    yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
    const store = wholeOf(yield* openPg(options, scope))
    const reopen = Effect.gen(function*() {
      yield* Scope.close(scope, Exit.void)
      scope = yield* Scope.make()
      return wholeOf(yield* openPg(options, scope))
    })
    return { store, reopen }
  })
}])

/** `count` sessions named `p<n>`, with distinct values. */
const sessions = (count: number, prefix = "p") =>
  Array.from({ length: count }, (_, index) => session(`${prefix}${index.toString(36)}`, { expiresAt: 1e12 + index }))

const idsOf = (stored: ReadonlyArray<StoredSession>) => stored.map((s) => s.sessionId).sort()

describe("KeepaliveStorePg partitions", () => {
  it.scoped("partitions of any count are disjoint, their union is the whole table, and each holds its partitionOf ids", () =>
    Effect.gen(function*() {
      const schema = yield* freshSchema
      const context = yield* openPg({ url, schema, pageSize: 300 }, yield* Effect.scope)
      const whole = wholeOf(context)
      const pg = partitionsOf(context)
      const written = sessions(4_000)
      yield* whole.write(written.map(Change.put))
      const all = idsOf(yield* loadAll(whole))
      expect(all).toStrictEqual(idsOf(written))
      for (const count of [1, 2, 3, 7, 64]) {
        const seen = new Set<string>()
        let counted = 0
        for (let index = 0; index < count; index++) {
          const view = pg.partition(index, count)
          const loaded = yield* loadAll(view)
          counted += yield* view.count
          for (const stored of loaded) {
            expect(seen.has(stored.sessionId), `${stored.sessionId} in two partitions of ${count}`).toBe(false)
            seen.add(stored.sessionId)
            expect(KeepaliveStorePg.partitionOf(stored.sessionId, count)).toBe(index)
          }
        }
        expect([...seen].sort(), `the union of ${count} partitions`).toStrictEqual(all)
        expect(counted).toBe(written.length)
      }
      // the largest count: one bucket a partition (a sample of them)
      for (const index of [0, 1, 511, 1023]) {
        expect(idsOf(yield* loadAll(pg.partition(index, 1024)))).toStrictEqual(
          idsOf(written.filter((s) => KeepaliveStorePg.partitionOf(s.sessionId, 1024) === index))
        )
      }
      // spread evenly enough that a fleet's partitions carry similar loads
      for (let index = 0; index < 4; index++) {
        const size = yield* pg.partition(index, 4).count
        expect(size).toBeGreaterThan(written.length / 4 * 0.85)
        expect(size).toBeLessThan(written.length / 4 * 1.15)
      }
      // the values come back whole through a partition, in pages
      const firstOfThree = yield* loadAll(pg.partition(0, 3))
      expect(byId(firstOfThree)).toStrictEqual(byId(written.filter((s) => KeepaliveStorePg.partitionOf(s.sessionId, 3) === 0)))
    }))

  it.scoped("partitionOf is pinned (stored in every row: a change would strand rows), and the stored bucket is partitionOf(id, 1024)", () =>
    Effect.gen(function*() {
      // FNV-1a of the id, MurmurHash3's 32-bit finalizer, mod 1024 (checked against a Python version)
      const pinned: ReadonlyArray<readonly [string, number]> = [
        ["102Ke7cvc3uT0iOo4J1Fd4tSA", 459],
        ["a", 435],
        ["s0", 797],
        ["102UZeXYZ0000002", 322]
      ]
      for (const [sessionId, bucket] of pinned) {
        expect(KeepaliveStorePg.partitionOf(sessionId, 1024)).toBe(bucket)
        expect(KeepaliveStorePg.partitionOf(sessionId, 300)).toBe(bucket % 300)
      }
      expect(KeepaliveStorePg.bucketCount).toBe(1024)
      const schema = yield* freshSchema
      const store = wholeOf(yield* openPg({ url, schema }, yield* Effect.scope))
      const written = sessions(200)
      yield* store.write(written.map(Change.put))
      const rows = yield* runSql(`SELECT session_id, bucket FROM "${schema}".okta_keepalive_sessions`)
      expect(rows).toHaveLength(200)
      for (const row of rows) {
        expect(row).toStrictEqual({
          session_id: expect.any(String),
          bucket: KeepaliveStorePg.partitionOf(String(Reflect.get(row, "session_id")), 1024)
        })
      }
    }))

  it.scoped("a partition writes and removes its own sessions and refuses a batch with another's, whole", () =>
    Effect.gen(function*() {
      const schema = yield* freshSchema
      const context = yield* openPg({ url, schema }, yield* Effect.scope)
      const pg = partitionsOf(context)
      const written = sessions(60)
      const mine = written.filter((s) => pg.partitionOf(s.sessionId, 3) === 1)
      const other = written.find((s) => pg.partitionOf(s.sessionId, 3) !== 1)
      if (other === undefined || mine.length < 3) return expect.unreachable("the fixture has sessions of every partition")
      const view = pg.partition(1, 3)
      yield* view.write(mine.map(Change.put))
      expect(byId(yield* loadAll(view))).toStrictEqual(byId(mine))
      const refused = yield* Effect.flip(view.write([Change.remove(mine[0]!.sessionId), Change.put(other)]))
      expect(refused).toMatchObject({ _tag: "KeepaliveStoreError", reason: "Failed" })
      expect(refused.detail).toContain("change 1")
      expect(yield* view.count).toBe(mine.length)
      yield* view.write([Change.remove(mine[0]!.sessionId)])
      expect(idsOf(yield* loadAll(wholeOf(context)))).toStrictEqual(idsOf(mine.slice(1)))
    }))

  it.scoped("the fleet changes its partition count: every row stays reachable, none is rewritten", () =>
    Effect.gen(function*() {
      const schema = yield* freshSchema
      const context = yield* openPg({ url, schema, pageSize: 100 }, yield* Effect.scope)
      const pg = partitionsOf(context)
      const written = sessions(2_000)
      // three workers write their own partitions...
      yield* Effect.forEach([0, 1, 2], (index) =>
        pg.partition(index, 3).write(
          written.filter((s) => pg.partitionOf(s.sessionId, 3) === index).map(Change.put)
        ), { concurrency: "unbounded" })
      // ...then five take over
      const loaded = yield* Effect.forEach([0, 1, 2, 3, 4], (index) => loadAll(pg.partition(index, 5)), {
        concurrency: "unbounded"
      })
      expect(byId(loaded.flat())).toStrictEqual(byId(written))
      for (const [index, part] of loaded.entries()) {
        expect(part.every((s) => pg.partitionOf(s.sessionId, 5) === index)).toBe(true)
      }
    }))

  it.scoped("a partition that does not exist fails every operation with Failed; partitionOf is NaN for a bad count", () =>
    Effect.gen(function*() {
      const schema = yield* freshSchema
      const pg = partitionsOf(yield* openPg({ url, schema }, yield* Effect.scope))
      for (const [index, count] of [[3, 3], [0, 0], [0, 1025], [-1, 2], [0.5, 2], [0, Number.NaN]] as const) {
        const view = pg.partition(index, count)
        const errors = [
          yield* Effect.flip(view.count),
          yield* Effect.flip(view.write([Change.put(session("a"))])),
          yield* Effect.flip(Stream.runDrain(view.load))
        ]
        for (const error of errors) expect(error, `partition(${index}, ${count})`).toMatchObject({ reason: "Failed" })
      }
      expect(yield* wholeOf(yield* openPg({ url, schema }, yield* Effect.scope)).count).toBe(0)
      expect(KeepaliveStorePg.partitionOf("abc", 0)).toBeNaN()
      expect(KeepaliveStorePg.partitionOf("abc", 1025)).toBeNaN()
      expect(KeepaliveStorePg.partitionOf("abc", 1)).toBe(0)
    }))
})

describe("KeepaliveStorePg: a fleet on one schema", () => {
  it.scoped("six stores (six pools) open a new schema at once, migrate it once, and write disjoint partitions at once", () =>
    Effect.gen(function*() {
      const schema = yield* freshSchema
      const scope = yield* Effect.scope
      const fleet = yield* Effect.forEach(Array.from({ length: 6 }, (_, index) => index), () =>
        openPg({ url, schema, maxConnections: 2 }, scope), { concurrency: "unbounded" })
      const written = sessions(6_000, "f")
      yield* Effect.forEach(fleet, (context, index) => {
        const view = partitionsOf(context).partition(index, fleet.length)
        const own = written.filter((s) => KeepaliveStorePg.partitionOf(s.sessionId, fleet.length) === index)
        // in batches, each written twice: upserts are idempotent
        return Effect.forEach([0, 1, 2, 3], (batch) => {
          const part = own.filter((_, n) => n % 4 === batch).map(Change.put)
          return Effect.zipRight(view.write(part), view.write(part))
        }, { discard: true })
      }, { concurrency: "unbounded", discard: true })
      expect(byId(yield* loadAll(wholeOf(fleet[0]!)))).toStrictEqual(byId(written))
      const migrations = yield* runSql(`SELECT migration_id FROM "${schema}".okta_keepalive_migrations`)
      expect(migrations).toStrictEqual([{ migration_id: 1 }])
    }))

  it.scopedLive("layerClient on a pool with no free connection: Unavailable once queryTimeout has passed, not a hang", () =>
    Effect.gen(function*() {
      const schema = yield* freshSchema
      const client = yield* PgClient.make({ url, maxConnections: 1 }).pipe(Effect.provide(Reactivity.layer), Effect.orDie)
      const held = yield* Deferred.make<void>()
      // the pool's only connection, held by a transaction until the test ends
      yield* client.withTransaction(Effect.zipRight(Deferred.succeed(held, undefined), Effect.never)).pipe(
        Effect.orDie,
        Effect.forkScoped
      )
      yield* Deferred.await(held)
      const started = Date.now()
      const exit = yield* Effect.exit(Layer.buildWithScope(
        KeepaliveStorePg.layerClient({ schema, queryTimeout: "400 millis" }).pipe(
          Layer.provide(Layer.succeed(SqlClient.SqlClient, client))
        ),
        yield* Effect.scope
      ))
      expectStoreError(exit, "Unavailable")
      const elapsed = Date.now() - started
      expect(elapsed).toBeGreaterThanOrEqual(350)
      expect(elapsed).toBeLessThan(2_000)
    }))

  it.scoped("layerClient: the store on a PgClient the program already has, the same table as layer's", () =>
    Effect.gen(function*() {
      const schema = yield* freshSchema
      const scope = yield* Effect.scope
      const own = wholeOf(yield* openPg({ url, schema }, scope))
      yield* own.write([Change.put(session("shared"))])
      const onClient = yield* Layer.buildWithScope(
        KeepaliveStorePg.layerClient({ schema }).pipe(Layer.provide(PgClient.layer({ url }))),
        scope
      )
      expect(yield* loadAll(wholeOf(onClient))).toStrictEqual([session("shared")])
      yield* partitionsOf(onClient).partition(KeepaliveStorePg.partitionOf("second", 2), 2).write([
        Change.put(session("second"))
      ])
      expect(yield* own.count).toBe(2)
      const sqlite = yield* Effect.exit(
        Layer.buildWithScope(
          KeepaliveStorePg.layerClient({ schema }).pipe(Layer.provide(SqliteClient.layer({ filename: ":memory:" }))),
          scope
        )
      )
      expectStoreError(sqlite, "Unavailable")
    }))
})

const expectStoreError = (
  exit: Exit.Exit<unknown, unknown>,
  reason: KeepaliveStore.KeepaliveStoreError["reason"]
): KeepaliveStore.KeepaliveStoreError | undefined => {
  expect(Exit.isFailure(exit)).toBe(true)
  if (Exit.isFailure(exit)) expect(Cause.isDie(exit.cause)).toBe(false)
  const failure = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined
  expect(failure).toBeInstanceOf(KeepaliveStore.KeepaliveStoreError)
  const error = failure instanceof KeepaliveStore.KeepaliveStoreError ? failure : undefined
  expect(error).toMatchObject({ reason })
  return error
}

/** A TCP server on 127.0.0.1 that accepts connections and never says a word; its port. */
const silentServer = Effect.acquireRelease(
  Effect.async<{ readonly server: Server; readonly sockets: Set<Socket> }>((resume) => {
    const sockets = new Set<Socket>()
    const server = createServer((socket) => {
      sockets.add(socket)
      socket.on("error", () => {})
    })
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ server, sockets })))
  }),
  ({ server, sockets }) =>
    Effect.async<void>((resume) => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resume(Effect.void))
    })
).pipe(Effect.map(({ server }) => {
  const address = server.address()
  return typeof address === "object" && address !== null ? address.port : 0
}))

/** Everything logged, and every span with its attributes, while `effect` runs. */
const observed = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const spans: Array<string> = []
    const logger = Logger.make(({ cause, message }) => {
      lines.push(`${JSON.stringify(message)} ${Cause.pretty(cause)}`)
    })
    const tracer = Tracer.make({
      span: (name, parent, context, links, startTime, kind, options) => {
        spans.push(`${name} ${JSON.stringify([...(options?.attributes ? Object.entries(options.attributes) : [])])}`)
        const attributes = new Map<string, unknown>()
        return {
          _tag: "Span",
          name,
          spanId: `span${spans.length}`,
          traceId: "trace",
          parent,
          context,
          status: { _tag: "Started", startTime },
          attributes,
          links,
          sampled: true,
          kind,
          end: () => {
            spans.push(`${name} end ${JSON.stringify([...attributes])}`)
          },
          attribute: (key, value) => {
            attributes.set(key, value)
          },
          event: (eventName, _time, eventAttributes) => {
            spans.push(`${name} event ${eventName} ${JSON.stringify(eventAttributes ?? {})}`)
          },
          addLinks: () => {}
        }
      },
      context: (f) => f()
    })
    const exit = yield* Effect.exit(effect).pipe(
      Effect.withTracer(tracer),
      Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
      Logger.withMinimumLogLevel(LogLevel.All)
    )
    return { exit, lines, spans }
  })

describe("KeepaliveStorePg at start", () => {
  it.scopedLive("PostgreSQL not listening (a closed port): Unavailable naming `url`, within connectTimeout; the password never shows", () =>
    Effect.gen(function*() {
      const password = "s3cret-Pa55word"
      const closed = Redacted.make(`postgres://keepalive:${password}@127.0.0.1:1/test`)
      const started = Date.now()
      const { exit, lines, spans } = yield* observed(
        Layer.buildWithScope(KeepaliveStorePg.layer({ url: closed, connectTimeout: "2 seconds" }), yield* Effect.scope)
      )
      const elapsed = Date.now() - started
      const error = expectStoreError(exit, "Unavailable")
      expect(error).toMatchObject({ setting: "url" })
      expect(elapsed).toBeLessThan(2_500)
      const shown = [String(error), JSON.stringify(error), Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "", ...lines, ...spans]
      expect(spans.length).toBeGreaterThan(0)
      for (const text of shown) {
        expect(text).not.toContain(password)
        expect(text).not.toContain(Redacted.value(closed))
      }
    }))

  it.scopedLive("a server that accepts the connection and never answers: Unavailable once connectTimeout has passed, not a hang", () =>
    Effect.gen(function*() {
      const port = yield* silentServer
      const silent = Redacted.make(`postgres://keepalive:hunter2@127.0.0.1:${port}/test`)
      const started = Date.now()
      const exit = yield* Effect.exit(
        Layer.buildWithScope(KeepaliveStorePg.layer({ url: silent, connectTimeout: "700 millis" }), yield* Effect.scope)
      )
      const error = expectStoreError(exit, "Unavailable")
      expect(error).toMatchObject({ setting: "url" })
      expect(error?.detail).not.toContain("hunter2")
      const elapsed = Date.now() - started
      expect(elapsed).toBeGreaterThanOrEqual(650)
      expect(elapsed).toBeLessThan(2_000)
    }))

  it.scopedLive("layerConfig: OKTA_KEEPALIVE_DATABASE_URL is the setting named; the password never shows", () =>
    Effect.gen(function*() {
      const password = "env-Secret-77"
      const provider = ConfigProvider.fromMap(
        new Map([["OKTA_KEEPALIVE_DATABASE_URL", `postgresql://keepalive:${password}@127.0.0.1:1/test`]])
      )
      const { exit, lines } = yield* observed(
        Layer.buildWithScope(KeepaliveStorePg.layerConfig, yield* Effect.scope).pipe(Effect.withConfigProvider(provider))
      )
      const error = expectStoreError(exit, "Unavailable")
      expect(error).toMatchObject({ setting: "OKTA_KEEPALIVE_DATABASE_URL" })
      for (const text of [String(error), JSON.stringify(error), ...lines]) expect(text).not.toContain(password)
      // and on a database that answers, with a schema from the environment
      const schema = yield* freshSchema
      const working = yield* Layer.buildWithScope(KeepaliveStorePg.layerConfig, yield* Effect.scope).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(
          new Map([["OKTA_KEEPALIVE_DATABASE_URL", Redacted.value(url)], ["OKTA_KEEPALIVE_DATABASE_SCHEMA", schema]])
        ))
      )
      yield* wholeOf(working).write([Change.put(session("from-env"))])
      expect(yield* runSql(`SELECT session_id FROM "${schema}".okta_keepalive_sessions`)).toStrictEqual([
        { session_id: "from-env" }
      ])
      expect(partitionsOf(working).schema).toBe(schema)
    }))

  it.scoped("options that cannot work: InvalidOptions naming the option, never quoting the URL", () =>
    Effect.gen(function*() {
      const scope = yield* Effect.scope
      const refused = (options: KeepaliveStorePg.PgOptions) => Effect.flip(openPg(options, scope))
      const cases: ReadonlyArray<readonly [KeepaliveStorePg.PgOptions, string]> = [
        [{ url, schema: "Bad-Name" }, "schema"],
        [{ url, schema: "pg_catalog" }, "schema"],
        [{ url, schema: "" }, "schema"],
        [{ url, schema: "a\"; DROP SCHEMA public; --" }, "schema"],
        [{ url: Redacted.make("mysql://u:hunter2@127.0.0.1/x") }, "url"],
        [{ url, connectTimeout: "2 hours" }, "connectTimeout"],
        [{ url, queryTimeout: 0 }, "queryTimeout"],
        [{ url, pageSize: 0 }, "pageSize"],
        [{ url, maxConnections: 1.5 }, "maxConnections"]
      ]
      for (const [options, option] of cases) {
        const error = yield* refused(options)
        expect(error).toMatchObject({ _tag: "InvalidOptions", module: "KeepaliveStorePg.layer", option })
        expect(error.message).not.toContain("hunter2")
      }
      const onClient = yield* Effect.flip(
        Layer.buildWithScope(KeepaliveStorePg.layerClient({ schema: "1x" }).pipe(Layer.provide(PgClient.layer({ url }))), scope)
      )
      expect(onClient).toMatchObject({ _tag: "InvalidOptions", module: "KeepaliveStorePg.layerClient", option: "schema" })
    }))

  it.scoped("a schema with an okta_keepalive_sessions table of something else: Corrupt, and it is left alone", () =>
    Effect.gen(function*() {
      const schema = yield* freshSchema
      yield* runSql(`CREATE SCHEMA "${schema}"`)
      yield* runSql(`CREATE TABLE "${schema}".okta_keepalive_sessions (id int PRIMARY KEY, owner text)`)
      yield* runSql(`INSERT INTO "${schema}".okta_keepalive_sessions VALUES (1, 'someone')`)
      expectStoreError(yield* Effect.exit(openPg({ url, schema }, yield* Effect.scope)), "Corrupt")
      expect(yield* runSql(`SELECT id, owner FROM "${schema}".okta_keepalive_sessions`)).toStrictEqual([
        { id: 1, owner: "someone" }
      ])
    }))

  it.scoped("a schema written by a newer version: Corrupt", () =>
    Effect.gen(function*() {
      const schema = yield* freshSchema
      yield* Effect.scoped(Effect.flatMap(Scope.Scope, (scope) => openPg({ url, schema }, scope)))
      yield* runSql(`INSERT INTO "${schema}".okta_keepalive_migrations (migration_id, name) VALUES (99, 'future')`)
      expectStoreError(yield* Effect.exit(openPg({ url, schema }, yield* Effect.scope)), "Corrupt")
    }))

  it.scoped("a row edited into something that is not a stored session: Corrupt on load", () =>
    Effect.gen(function*() {
      const schema = yield* freshSchema
      const store = wholeOf(yield* openPg({ url, schema }, yield* Effect.scope))
      yield* store.write([Change.put(session("a"))])
      yield* runSql(`INSERT INTO "${schema}".okta_keepalive_sessions VALUES ('../etc', 1, 1, 2, 'Added')`)
      expectStoreError(yield* Effect.exit(loadAll(store)), "Corrupt")
    }))
})

describe("KeepaliveStorePg writes", () => {
  it.scoped("a write PostgreSQL refuses half-way rolls the whole batch back: Failed, nothing of it written", () =>
    Effect.gen(function*() {
      const schema = yield* freshSchema
      const store = wholeOf(yield* openPg({ url, schema }, yield* Effect.scope))
      yield* store.write([Change.put(session("s0")), Change.put(session("s1"))])
      yield* runSql(`CREATE FUNCTION "${schema}".refuse_boom() RETURNS trigger AS $$
        BEGIN IF NEW.session_id = 'boom' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`)
      yield* runSql(`CREATE TRIGGER refuse_boom BEFORE INSERT ON "${schema}".okta_keepalive_sessions
        FOR EACH ROW EXECUTE FUNCTION "${schema}".refuse_boom()`)
      const refused = yield* Effect.flip(store.write([
        Change.remove(id("s0")),
        Change.put(session("s1", { expiresAt: 42 })),
        Change.put(session("fresh")),
        Change.put(session("boom"))
      ]))
      expect(refused).toMatchObject({ _tag: "KeepaliveStoreError", reason: "Failed" })
      expect(refused.detail).toContain("refused")
      expect(byId(yield* loadAll(store))).toStrictEqual([session("s0"), session("s1")])
    }))

  it.scopedLive("a write called inside another client's transaction runs in its own, and waits at most queryTimeout for a row that one holds: Failed, then it works again", () =>
    Effect.gen(function*() {
      const schema = yield* freshSchema
      const store = wholeOf(yield* openPg({ url, schema, queryTimeout: "300 millis" }, yield* Effect.scope))
      yield* store.write([Change.put(session("held"))])
      const admin = yield* adminClient
      const started = Date.now()
      const exit = yield* admin.withTransaction(
        Effect.zipRight(
          admin.unsafe(`SELECT * FROM "${schema}".okta_keepalive_sessions WHERE session_id = 'held' FOR UPDATE`),
          Effect.exit(store.write([Change.put(session("held", { expiresAt: 7 }))]))
        )
      ).pipe(Effect.orDie)
      expect(expectStoreError(exit, "Failed")?.detail).toContain("longer than")
      expect(Date.now() - started).toBeLessThan(2_000)
      yield* store.write([Change.put(session("held", { expiresAt: 8 }))])
      expect(yield* loadAll(store)).toStrictEqual([session("held", { expiresAt: 8 })])
    }))
})
