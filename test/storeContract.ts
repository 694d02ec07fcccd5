/**
 * The contract every `KeepaliveStore` keeps (see src/KeepaliveStore.ts), as one suite that
 * test/KeepaliveStore.test.ts runs over memory and SQLite and test/KeepaliveStorePg.test.ts over
 * PostgreSQL: a store under test comes with `reopen`, which closes it and opens it again on the
 * same data (the memory store has nothing to reopen and returns itself).
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, type Scope, Stream } from "effect"
import { KeepaliveStore, Session } from "effect-okta-sessions"

export type Store = KeepaliveStore.KeepaliveStore.Service
export type StoredSession = KeepaliveStore.StoredSession

export const { Change } = KeepaliveStore
export const id = (value: string) => Session.SessionId.make(value)
export const session = (
  sessionId: string,
  overrides: Partial<Omit<StoredSession, "sessionId">> = {}
): StoredSession => ({
  sessionId: id(sessionId),
  expiresAt: 1_800_000_000_000,
  nextRefreshAt: 1_799_999_000_000,
  lastOutcome: "Refreshed",
  ...overrides
})

/** A store under test and a way to "restart" it. */
export interface Subject {
  readonly name: string
  readonly make: Effect.Effect<{ readonly reopen: Effect.Effect<Store, unknown>; readonly store: Store }, unknown, Scope.Scope>
}

export const loadAll = (store: Store) => Stream.runCollect(store.load).pipe(Effect.map(Chunk.toArray))
export const byId = (sessions: ReadonlyArray<StoredSession>) =>
  [...sessions].sort((a, b) => (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0))

/** The contract suite, once per subject. */
export const storeContract = (subjects: ReadonlyArray<Subject>) => {
  describe.each(subjects)("KeepaliveStore contract: $name", ({ make }) => {
    it.scoped("put, then load after a restart, returns exactly what was written", () =>
      Effect.gen(function*() {
        const { store, reopen } = yield* make
        const written = [
          session("a"),
          session("b", { expiresAt: undefined, nextRefreshAt: undefined, lastOutcome: "Added" }),
          session("c", { expiresAt: 1_700_000_000_123.5, nextRefreshAt: 0.1, lastOutcome: "Throttled" }),
          session("d", { nextRefreshAt: undefined, lastOutcome: "Retrying" })
        ]
        yield* store.write(written.map(Change.put))
        const reopened = yield* reopen
        expect(byId(yield* loadAll(reopened))).toStrictEqual(written)
        expect(yield* reopened.count).toBe(4)
      }))

    it.scoped("a put replaces the stored record; a remove forgets it; removing an unknown id changes nothing", () =>
      Effect.gen(function*() {
        const { store, reopen } = yield* make
        yield* store.write([Change.put(session("a")), Change.put(session("b"))])
        yield* store.write([Change.put(session("a", { expiresAt: 1, nextRefreshAt: 2, lastOutcome: "Retrying" }))])
        yield* store.write([Change.remove(id("b")), Change.remove(id("never-stored"))])
        const reopened = yield* reopen
        expect(yield* loadAll(reopened)).toStrictEqual([session("a", { expiresAt: 1, nextRefreshAt: 2, lastOutcome: "Retrying" })])
        expect(yield* reopened.count).toBe(1)
      }))

    it.scoped("changes of one batch apply in order", () =>
      Effect.gen(function*() {
        const { store, reopen } = yield* make
        yield* store.write([Change.put(session("kept")), Change.put(session("dropped"))])
        yield* store.write([
          Change.put(session("a", { expiresAt: 1 })),
          Change.remove(id("a")),
          Change.put(session("b")),
          Change.put(session("a", { expiresAt: 2 })),
          Change.remove(id("b")),
          Change.remove(id("dropped")),
          Change.put(session("dropped", { lastOutcome: "Added" })),
          Change.put(session("c")),
          Change.remove(id("c"))
        ])
        const reopened = yield* reopen
        expect(byId(yield* loadAll(reopened))).toStrictEqual([
          session("a", { expiresAt: 2 }),
          session("dropped", { lastOutcome: "Added" }),
          session("kept")
        ])
      }))

    it.scoped("a batch with an invalid change is refused whole: a typed error, nothing of it written", () =>
      Effect.gen(function*() {
        const { store, reopen } = yield* make
        yield* store.write([Change.put(session("a")), Change.put(session("b"))])
        const refused = yield* Effect.flip(store.write([
          Change.remove(id("a")),
          Change.put(session("b", { expiresAt: 5 })),
          Change.put(session("new")),
          Change.put(session("bad", { expiresAt: Number.NaN }))
        ]))
        expect(refused._tag).toBe("KeepaliveStoreError")
        expect(refused.reason).toBe("Failed")
        expect(refused.detail).toContain("change 3")
        const badId = yield* Effect.flip(store.write([Change.put(session("c")), Change.remove(id("c")), Change.put(session("d")), {
          _tag: "Remove",
          sessionId: id("e")
        }, Change.put({ ...session("x"), sessionId: Session.SessionId.make("ok") }), {
          _tag: "Put",
          session: { ...session("y"), sessionId: id("y"), lastOutcome: "Refreshed" }
        }, Change.put(session("z", { nextRefreshAt: Number.POSITIVE_INFINITY }))]))
        expect(badId.reason).toBe("Failed")
        expect(badId.detail).toContain("change 6")
        const reopened = yield* reopen
        expect(byId(yield* loadAll(reopened))).toStrictEqual([session("a"), session("b")])
      }))

    it.scoped("25,000 sessions written in batches, some removed, load in chunks after a restart: exactly the survivors", () =>
      Effect.gen(function*() {
        const { store, reopen } = yield* make
        const model = new Map<string, StoredSession>()
        for (let batch = 0; batch < 5; batch++) {
          const changes: Array<KeepaliveStore.Change> = []
          for (let index = 0; index < 6_000; index++) {
            const stored = session(`s${(batch * 5_000 + index).toString(36)}`, { expiresAt: batch * 1e6 + index })
            changes.push(Change.put(stored))
            model.set(stored.sessionId, stored)
            if (index % 7 === 0) {
              const gone = id(`s${(batch * 5_000 + index - 3).toString(36)}`)
              changes.push(Change.remove(gone))
              model.delete(gone)
            }
          }
          yield* store.write(changes)
        }
        const reopened = yield* reopen
        const chunks = yield* Stream.runCollect(Stream.chunks(reopened.load))
        const loaded = Chunk.toArray(chunks).flatMap(Chunk.toArray)
        expect(Chunk.size(chunks)).toBeGreaterThan(1)
        expect(loaded.length).toBe(model.size)
        expect(byId(loaded)).toStrictEqual(byId([...model.values()]))
        expect(yield* reopened.count).toBe(model.size)
      }))
  })
}
