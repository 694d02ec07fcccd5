/**
 * KeepaliveBudget.layerMemory: two Keepalives of one process over one budget. On the TestClock with
 * the in-memory face of the fake org (the budget per window, a 429 pausing both, the pause bounded
 * by each one's maxThrottle), and live over the emulator on 127.0.0.1 (the same scenarios as the
 * Redis budget's test, test/budgetScenarios.ts).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Queue, Scope, TestClock } from "effect"
import { Keepalive, KeepaliveBudget, KeepaliveStore } from "effect-okta-sessions"
import { FakeOkta, InMemorySessions } from "effect-okta-sessions/testing"
import { measurePauseAcross, measureTwoWorkers, oneInstance, Org } from "./budgetScenarios.js"

const fakeOrg = Layer.mergeAll(
  InMemorySessions.layer.pipe(Layer.provideMerge(FakeOkta.layer({ rateLimits: { sessions: { limit: 100_000, window: "1 minute" } } }))),
  KeepaliveStore.layerMemory
)

/** A Keepalive in a scope of its own with its events and the TestClock time of each. */
const start = (options: Keepalive.Options) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const keepalive = yield* Scope.extend(Keepalive.make(options), scope)
    const subscription = yield* keepalive.subscribe
    const events: Array<readonly [number, Keepalive.Event]> = []
    yield* Queue.take(subscription).pipe(
      Effect.flatMap((event) => Effect.map(TestClock.currentTimeMillis, (now) => events.push([now, event]))),
      Effect.forever,
      Effect.forkScoped
    )
    return { keepalive, events }
  })

/** 600 a minute for the org in fixed windows, share 0.5: 300 a window each (one sleep per window on the TestClock). */
const halfWindow = { budget: { limit: 600, interval: "1 minute", algorithm: "fixed-window" }, share: 0.5 } as const

const firstOf = (events: ReadonlyArray<readonly [number, Keepalive.Event]>, tag: Keepalive.Event["_tag"]) =>
  events.find(([, event]) => event._tag === tag)?.[0]

describe("KeepaliveBudget.layerMemory (TestClock)", () => {
  it.scoped("two Keepalives at share 0.5 together stay within 0.5 of the window, window after window", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const first = yield* start(halfWindow)
      const second = yield* start(halfWindow)
      const ids = yield* okta.seedSessionIds(2000)
      yield* first.keepalive.addAll(ids.slice(0, 1000))
      yield* second.keepalive.addAll(ids.slice(1000))
      const perWindow: Array<number> = []
      let before = 0
      for (let window = 1; window <= 4; window++) {
        // just before the next window opens
        yield* TestClock.adjust(window === 1 ? "59 seconds" : "1 minute")
        const { byOperation } = yield* okta.counters
        perWindow.push(byOperation.refreshSession - before)
        before = byOperation.refreshSession
      }
      // 300 a window for both together (each alone would take 300)
      expect(perWindow).toEqual([300, 300, 300, 300])
      const refreshed = [first, second].map(({ events }) => events.filter(([, event]) => event._tag === "Refreshed").length)
      expect(refreshed[0]! + refreshed[1]!).toBe(1200)
      expect(Math.min(...refreshed)).toBeGreaterThan(0)
    }).pipe(Effect.provide(KeepaliveBudget.layerMemory), Effect.provide(fakeOrg)))

  it.scoped("hedges take from the shared budget too", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      // every answer after 1.5 s: each refresh is hedged after its 1 s request timeout
      yield* okta.setFaults({ latencyMillis: 1500 })
      const options = { ...halfWindow, requestTimeout: "1 second" } as const
      const first = yield* start(options)
      const second = yield* start(options)
      const ids = yield* okta.seedSessionIds(1000)
      yield* first.keepalive.addAll(ids.slice(0, 500))
      yield* second.keepalive.addAll(ids.slice(500))
      yield* TestClock.adjust("59 seconds")
      const { requests } = yield* okta.counters
      const hedged = (yield* first.keepalive.stats).hedged + (yield* second.keepalive.stats).hedged
      expect(hedged).toBeGreaterThan(50)
      // first attempts and hedges together: 300 in the window
      expect(requests).toBeLessThanOrEqual(300)
      expect(requests).toBeGreaterThanOrEqual(290)
    }).pipe(Effect.provide(KeepaliveBudget.layerMemory), Effect.provide(fakeOrg)))

  it.scoped("a 429 met by one pauses the other, each within its own maxThrottle", () =>
    Effect.gen(function*() {
      const okta = yield* FakeOkta.FakeOkta
      const first = yield* start(halfWindow)
      const second = yield* start(halfWindow)
      const bounded = yield* start({ ...halfWindow, maxThrottle: "10 seconds" })
      const [id, ...others] = yield* okta.seedSessionIds(21)
      yield* okta.setFaults({ tooManyRequestsRate: 1 })
      yield* first.keepalive.add(id!)
      yield* TestClock.adjust("1 second")
      expect(firstOf(first.events, "Throttled")).toBeDefined()
      yield* okta.setFaults({ tooManyRequestsRate: 0 })
      // the 429's window ends at the minute: paused until about a second after it
      const pausedUntil = Option.getOrThrow((yield* first.keepalive.stats).pausedUntil).epochMillis
      expect(pausedUntil).toBeGreaterThanOrEqual(61_000)
      expect(pausedUntil).toBeLessThanOrEqual(61_200)
      yield* second.keepalive.addAll(others.slice(0, 10))
      yield* bounded.keepalive.addAll(others.slice(10))
      yield* TestClock.adjust("30 seconds")
      expect((yield* okta.counters).byOperation.refreshSession).toBe(1 + 10)
      // the bounded one resumed after its own 10 s; the other waits for the first's pause
      expect(firstOf(bounded.events, "Refreshed")).toBeGreaterThanOrEqual(11_000)
      expect(firstOf(bounded.events, "Refreshed")).toBeLessThanOrEqual(11_200)
      expect(firstOf(second.events, "Refreshed")).toBeUndefined()
      yield* TestClock.adjust("31 seconds")
      expect(firstOf(second.events, "Refreshed")).toBeGreaterThanOrEqual(pausedUntil)
      expect(firstOf(second.events, "Refreshed")).toBeLessThanOrEqual(pausedUntil + 200)
      expect(firstOf(second.events, "Throttled")).toBeUndefined()
    }).pipe(Effect.provide(KeepaliveBudget.layerMemory), Effect.provide(fakeOrg)))
})

describe("KeepaliveBudget.layerMemory (live, emulator on 127.0.0.1)", () => {
  it.scopedLive("two Keepalives at share 0.5 together stay within 0.5 of the budget", () =>
    Effect.gen(function*() {
      const { refreshed, samples } = yield* measureTwoWorkers(3000, yield* oneInstance(KeepaliveBudget.layerMemory))
      // 10 a second together, bursts of 10: at most 10 + 10 per second elapsed (each alone would take that)
      for (const [elapsed, count] of samples) expect(count).toBeLessThanOrEqual(10 + Math.ceil(elapsed / 100) + 1)
      const [last] = samples.slice(-1)
      expect(last![1]).toBeGreaterThanOrEqual(25)
      expect(Math.min(...refreshed)).toBeGreaterThan(0)
    }).pipe(Effect.provide(Org)))

  it.scopedLive("a 429 met by one pauses the other until the pause ends", () =>
    Effect.gen(function*() {
      const { addedAt, firstRefresh, pausedUntil, secondThrottled } = yield* measurePauseAcross(
        yield* oneInstance(KeepaliveBudget.layerMemory)
      )
      const until = Option.getOrThrow(pausedUntil)
      expect(until - addedAt).toBeGreaterThanOrEqual(500)
      expect(firstRefresh).toBeGreaterThanOrEqual(until)
      expect(firstRefresh).toBeLessThanOrEqual(until + 1000)
      expect(secondThrottled).toBe(false)
    }).pipe(Effect.provide(Org)))
})
