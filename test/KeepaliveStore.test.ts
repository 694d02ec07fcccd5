import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Context, Effect, Exit, Layer, Option, Scope } from "effect"
import { KeepaliveStore } from "effect-okta-sessions"
import * as KeepaliveStoreSqlite from "effect-okta-sessions/KeepaliveStoreSqlite"
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { byId, Change, id, loadAll, session, storeContract, type Subject } from "./storeContract.js"

/** A temporary directory, removed when the scope closes. */
const temporaryDirectory = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "keepalive-store-"))),
  (directory) => Effect.sync(() => rmSync(directory, { recursive: true, force: true }))
)

/** The SQLite store on `filename`, built in a scope of its own. */
const openSqlite = (options: KeepaliveStoreSqlite.SqliteOptions, scope: Scope.Scope) =>
  Layer.buildWithScope(KeepaliveStoreSqlite.layer(options), scope).pipe(
    Effect.map(Context.get(KeepaliveStore.KeepaliveStore))
  )

const subjects: ReadonlyArray<Subject> = [
  {
    name: "memory",
    make: Effect.map(KeepaliveStore.makeMemory, (store) => ({ store, reopen: Effect.succeed(store) }))
  },
  {
    name: "sqlite",
    make: Effect.gen(function*() {
      const directory = yield* temporaryDirectory
      const options = { filename: join(directory, "sessions.db"), pageSize: 1000 }
      let scope = yield* Scope.make()
      yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
      const store = yield* openSqlite(options, scope)
      const reopen = Effect.gen(function*() {
        yield* Scope.close(scope, Exit.void)
        scope = yield* Scope.make()
        return yield* openSqlite(options, scope)
      })
      return { store, reopen }
    })
  }
]

storeContract(subjects)

/** Opens the SQLite store and reads it whole, as a worker does at start. */
const startOn = (options: KeepaliveStoreSqlite.SqliteOptions) =>
  Effect.scoped(Effect.gen(function*() {
    const store = yield* openSqlite(options, yield* Effect.scope)
    return yield* loadAll(store)
  }))

/** A store file with `count` sessions, closed. */
const writeStoreFile = (filename: string, count: number) =>
  Effect.scoped(Effect.gen(function*() {
    const store = yield* openSqlite({ filename }, yield* Effect.scope)
    yield* store.write(Array.from({ length: count }, (_, index) => Change.put(session(`s${index}`, { expiresAt: index }))))
  }))

/** Runs `statements` on `filename` through a plain SQLite client (not the store). */
const runSql = (filename: string, statements: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const sql = yield* SqliteClient.SqliteClient
    for (const statement of statements) yield* sql.unsafe(statement)
  }).pipe(Effect.provide(SqliteClient.layer({ filename })), Effect.orDie)

const expectStoreError = (
  exit: Exit.Exit<unknown, unknown>,
  reason: KeepaliveStore.KeepaliveStoreError["reason"]
) => {
  expect(Exit.isFailure(exit)).toBe(true)
  const error = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined
  if (Exit.isFailure(exit)) expect(Cause.isDie(exit.cause)).toBe(false)
  expect(error).toBeInstanceOf(KeepaliveStore.KeepaliveStoreError)
  expect(error).toMatchObject({ reason, setting: "filename" })
}

/** A child process holding `BEGIN EXCLUSIVE` on `filename` until it is killed. */
const exclusiveHolder = (filename: string) =>
  Effect.acquireRelease(
    Effect.async<ReturnType<typeof spawn>>((resume) => {
      const child = spawn(process.execPath, [
        "-e",
        `const db = require("better-sqlite3")(process.argv[1]); db.exec("BEGIN EXCLUSIVE"); process.stdout.write("held\\n"); setInterval(() => {}, 1000)`,
        filename
      ], { stdio: ["ignore", "pipe", "inherit"] })
      child.stdout?.once("data", () => resume(Effect.succeed(child)))
      child.once("exit", (code) => resume(Effect.dieMessage(`the lock holder exited with ${code}`)))
    }),
    (child) =>
      Effect.async<void>((resume) => {
        if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
        child.once("exit", () => resume(Effect.void))
        child.kill("SIGKILL")
      })
  )

describe("KeepaliveStoreSqlite.layer at start", () => {
  it.scoped("a file of random bytes: Corrupt, and the file is left as it was", () =>
    Effect.gen(function*() {
      const filename = join(yield* temporaryDirectory, "random.db")
      const bytes = Buffer.alloc(16_384)
      for (let index = 0; index < bytes.length; index++) bytes[index] = (index * 7919 + 13) % 251
      writeFileSync(filename, bytes)
      expectStoreError(yield* Effect.exit(startOn({ filename })), "Corrupt")
      expect(readFileSync(filename).equals(bytes)).toBe(true)
    }))

  it.scoped("a truncated store file: Corrupt, never an empty or partial set", () =>
    Effect.gen(function*() {
      const filename = join(yield* temporaryDirectory, "sessions.db")
      yield* writeStoreFile(filename, 20_000)
      expect(existsSync(`${filename}-wal`)).toBe(false)
      expect(yield* startOn({ filename })).toHaveLength(20_000)
      truncateSync(filename, Math.floor(statSync(filename).size / 2))
      expectStoreError(yield* Effect.exit(startOn({ filename })), "Corrupt")
    }))

  it.scoped("a SQLite file of another schema: Corrupt, and it is not migrated into", () =>
    Effect.gen(function*() {
      const filename = join(yield* temporaryDirectory, "other.db")
      yield* runSql(filename, ["CREATE TABLE sessions (id INTEGER PRIMARY KEY, user TEXT)", "INSERT INTO sessions VALUES (1, 'x')"])
      expectStoreError(yield* Effect.exit(startOn({ filename })), "Corrupt")
      yield* runSql(filename, ["SELECT id, user FROM sessions"])
    }))

  it.scoped("a store written by a newer version of the package: Corrupt", () =>
    Effect.gen(function*() {
      const filename = join(yield* temporaryDirectory, "sessions.db")
      yield* writeStoreFile(filename, 3)
      yield* runSql(filename, ["INSERT INTO keepalive_store_migrations (migration_id, name) VALUES (99, 'future')"])
      expectStoreError(yield* Effect.exit(startOn({ filename })), "Corrupt")
    }))

  it.scoped("a store with a row edited into something that is not a stored session: Corrupt on load", () =>
    Effect.gen(function*() {
      const filename = join(yield* temporaryDirectory, "sessions.db")
      yield* writeStoreFile(filename, 3)
      yield* runSql(filename, ["INSERT INTO sessions VALUES ('../etc', 1, 2, 'Added')"])
      expectStoreError(yield* Effect.exit(startOn({ filename })), "Corrupt")
    }))

  it.scoped("a file another process holds with BEGIN EXCLUSIVE: Locked; once it lets go, the store opens", () =>
    Effect.gen(function*() {
      const filename = join(yield* temporaryDirectory, "sessions.db")
      yield* writeStoreFile(filename, 3)
      const holder = yield* Scope.make()
      yield* Scope.extend(exclusiveHolder(filename), holder)
      expectStoreError(yield* Effect.exit(startOn({ filename, lockTimeout: "100 millis" })), "Locked")
      yield* Scope.close(holder, Exit.void)
      expect(yield* startOn({ filename })).toHaveLength(3)
    }))

  it.scoped("a file another store holds: Locked (two workers never share a store)", () =>
    Effect.gen(function*() {
      const filename = join(yield* temporaryDirectory, "sessions.db")
      const first = yield* openSqlite({ filename }, yield* Effect.scope)
      yield* first.write([Change.put(session("a"))])
      expectStoreError(yield* Effect.exit(startOn({ filename, lockTimeout: "100 millis" })), "Locked")
      expect(yield* loadAll(first)).toStrictEqual([session("a")])
    }))

  it.scoped("a directory that does not exist, a parent that is a file, a path that is a directory: Unavailable", () =>
    Effect.gen(function*() {
      const directory = yield* temporaryDirectory
      writeFileSync(join(directory, "a-file"), "not a directory")
      for (const filename of [join(directory, "missing", "sessions.db"), join(directory, "a-file", "sessions.db"), directory]) {
        expectStoreError(yield* Effect.exit(startOn({ filename })), "Unavailable")
      }
      expect(existsSync(join(directory, "missing"))).toBe(false)
    }))

  it.effect("options that cannot work: InvalidOptions naming the option", () =>
    Effect.gen(function*() {
      const empty = yield* Effect.flip(startOn({ filename: "" }))
      expect(empty).toMatchObject({ _tag: "InvalidOptions", module: "KeepaliveStoreSqlite.layer", option: "filename" })
      const lock = yield* Effect.flip(startOn({ filename: "x.db", lockTimeout: "2 hours" }))
      expect(lock).toMatchObject({ _tag: "InvalidOptions", option: "lockTimeout" })
      const page = yield* Effect.flip(startOn({ filename: "x.db", pageSize: 0 }))
      expect(page).toMatchObject({ _tag: "InvalidOptions", option: "pageSize" })
    }))

  it.scoped("a write SQLite refuses half-way rolls the whole batch back", () =>
    Effect.gen(function*() {
      const filename = join(yield* temporaryDirectory, "sessions.db")
      yield* writeStoreFile(filename, 2)
      yield* runSql(filename, [
        "CREATE TRIGGER refuse_boom BEFORE INSERT ON sessions WHEN NEW.session_id = 'boom' BEGIN SELECT RAISE(ABORT, 'refused'); END"
      ])
      const store = yield* openSqlite({ filename }, yield* Effect.scope)
      const refused = yield* Effect.flip(store.write([
        Change.remove(id("s0")),
        Change.put(session("s1", { expiresAt: 42 })),
        Change.put(session("fresh")),
        Change.put(session("boom"))
      ]))
      expect(refused).toMatchObject({ _tag: "KeepaliveStoreError", reason: "Failed", setting: "filename" })
      expect(byId(yield* loadAll(store))).toStrictEqual([session("s0", { expiresAt: 0 }), session("s1", { expiresAt: 1 })])
    }))
})
