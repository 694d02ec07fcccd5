/**
 * The keepalive over its `KeepaliveStore` (issue 12): a second worker on the same store resumes
 * every session the first one tracked, planned from the stored `expiresAt` (no start-up burst), and
 * reports the ones that expired while no worker ran as `Expired` (`ExpiredWhileStopped`); refresh
 * outcomes reach the store in one write per tick; `add` and `remove` are in the store once they return.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Context, DateTime, Effect, Exit, Layer, Option, Queue, Scope, TestClock } from "effect"
import { Keepalive, KeepaliveStore } from "effect-okta-sessions"
import { FakeOkta, InMemorySessions } from "effect-okta-sessions/testing"

/** The in-memory store, counting its writes. */
const countingStore = (writes: { count: number }) =>
  Layer.effect(
    KeepaliveStore.KeepaliveStore,
    Effect.map(KeepaliveStore.KeepaliveStore, (store) =>
      KeepaliveStore.KeepaliveStore.of({
        ...store,
        write: (changes) => Effect.zipRight(Effect.sync(() => writes.count++), store.write(changes))
      }))
  ).pipe(Layer.provide(KeepaliveStore.layerMemory))

const org = InMemorySessions.layer.pipe(Layer.provideMerge(FakeOkta.layer({ idleWindow: "2 minutes" })))

/** A worker in its own scope (closed by the test), recording its events. */
const startWorker = (store: Context.Context<KeepaliveStore.KeepaliveStore>) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const keepalive = yield* Scope.extend(Keepalive.make({ tick: "5 seconds" }), scope).pipe(Effect.provide(store))
    const subscription = yield* Scope.extend(keepalive.subscribe, scope)
    const events: Array<Keepalive.Event> = []
    yield* Queue.take(subscription).pipe(Effect.map((event) => events.push(event)), Effect.forever, Effect.forkIn(scope))
    return { keepalive, scope, events }
  })

describe("Keepalive on its store", () => {
  it.scoped("a restarted worker resumes every stored session and reports those that expired while stopped", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const writes = { count: 0 }
      const store = yield* Layer.build(countingStore(writes))
      const storeService = Context.get(store, KeepaliveStore.KeepaliveStore)
      const seeded = yield* okta.seedSessions(100)

      const first = yield* startWorker(store)
      expect(yield* first.keepalive.addAll(seeded)).toBe(100)
      // durable once it returns: one write for the batch
      expect(yield* storeService.count).toBe(100)
      expect(writes.count).toBe(1)
      expect(yield* first.keepalive.remove(seeded[99]!.id)).toBe(true)
      expect(yield* storeService.count).toBe(99)
      // refreshes run from 54 s; stop at 65 s, in the middle of them
      const writesBefore = writes.count
      yield* TestClock.adjust("65 seconds")
      const refreshedByFirst = new Set(first.events.filter(Keepalive.Event.$is("Refreshed")).map((event) => event.sessionId))
      expect(refreshedByFirst.size).toBeGreaterThan(0)
      expect(refreshedByFirst.size).toBeLessThan(99)
      // one write per tick (5 s) at most, not one per refresh
      expect(writes.count - writesBefore).toBeLessThanOrEqual(3)
      expect(writes.count - writesBefore).toBeLessThan(refreshedByFirst.size)
      yield* Scope.close(first.scope, Exit.void)

      // no worker for 65 s: the sessions not refreshed expire at 120 s
      yield* TestClock.adjust("65 seconds")
      yield* okta.resetCounters
      const second = yield* startWorker(store)
      // the stored expiresAt of the sessions not refreshed has passed: each is asked about once (Okta
      // may have extended it), and reported only on Okta's 404; the resumed ones are not due
      for (let step = 0; step < 60 && second.events.filter(Keepalive.Event.$is("Expired")).length < 99 - refreshedByFirst.size; step++) {
        yield* TestClock.adjust("1 second")
      }
      const expired = second.events.filter(Keepalive.Event.$is("Expired"))
      expect(new Set(expired.map((event) => event.reason))).toEqual(new Set(["ExpiredWhileStopped"]))
      const now = DateTime.unsafeMake(yield* Clock.currentTimeMillis)
      // exactly the sessions the org has expired
      const expiredInOrg = new Set<string>()
      for (const session of seeded.slice(0, 99)) {
        const alive = yield* okta.lookupSession(session.id)
        if (Option.isNone(alive) || DateTime.lessThanOrEqualTo(alive.value.expiresAt, now)) expiredInOrg.add(session.id)
      }
      expect(new Set(expired.map((event) => event.sessionId))).toEqual(expiredInOrg)
      expect(expiredInOrg.size).toBe(99 - refreshedByFirst.size)
      // no burst at start-up: one refresh per stale session, the rest for resumed ones that came due
      const refreshedBySecond = second.events.filter(Keepalive.Event.$is("Refreshed")).length
      expect((yield* okta.counters).byOperation.refreshSession).toBe(expiredInOrg.size + refreshedBySecond)
      expect(refreshedBySecond).toBeLessThan(refreshedByFirst.size)
      const stats = yield* second.keepalive.stats
      expect(stats.expired).toBe(expiredInOrg.size)
      expect(stats.tracked).toBe(refreshedByFirst.size)
      for (const id of refreshedByFirst) expect(yield* second.keepalive.has(id)).toBe(true)
      // the expired ones left the store within a tick of their 404
      yield* TestClock.adjust("5 seconds")
      expect(yield* storeService.count).toBe(refreshedByFirst.size)
      // and the resumed ones stay alive
      for (let step = 0; step < 10; step++) yield* TestClock.adjust("1 minute")
      expect((yield* second.keepalive.stats).expired).toBe(expiredInOrg.size)
      for (const id of refreshedByFirst) expect(Option.isSome(yield* okta.lookupSession(id))).toBe(true)
      yield* Scope.close(second.scope, Exit.void)
    }).pipe(Effect.provide(org)))
})
