/**
 * Scenarios of two Keepalives over one shared budget (KeepaliveBudget), run against whatever
 * budget layer the test provides: each returns what it measured, the test asserts. Live clock, the
 * emulator on 127.0.0.1 with the client's own throttle and retries off, so that a 429 reaches the
 * Keepalive and nothing but the budget holds a request back.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { type Context, Effect, Exit, Layer, Option, Queue, Scope } from "effect"
import { Keepalive, type KeepaliveBudget, KeepaliveStore } from "effect-okta-sessions"
import { FakeOkta, OktaEmulator } from "effect-okta-sessions/testing"

/** The emulator and a client of it: every operation's window far above the budgets used here. */
export const Org = OktaEmulator.layerClient({ throttle: false, maxRetries: 0, requestTimeout: "5 seconds" }).pipe(
  Layer.provideMerge(OktaEmulator.layerWithFakeOkta({}, {
    rateLimits: { sessions: { limit: 100_000, window: "2 seconds" } },
    concurrencyLimit: 1000
  })),
  Layer.provide(NodeHttpClient.layerUndici),
  Layer.provideMerge(KeepaliveStore.layerMemory)
)

/**
 * Where each of the two Keepalives takes its budget from: one built layer for both (one process),
 * or one each (two processes' views of the same Redis).
 */
export type Budgets = readonly [Context.Context<KeepaliveBudget.KeepaliveBudget>, Context.Context<KeepaliveBudget.KeepaliveBudget>]

/** Builds `layer` once per Keepalive (two "processes"), in the current scope. */
export const twoInstances = <E>(layer: Layer.Layer<KeepaliveBudget.KeepaliveBudget, E>) =>
  Effect.all([Layer.build(layer), Layer.build(layer)]).pipe(Effect.map((built): Budgets => built))

/** Builds `layer` once for both Keepalives (one process). */
export const oneInstance = <E>(layer: Layer.Layer<KeepaliveBudget.KeepaliveBudget, E>) =>
  Effect.map(Layer.build(layer), (built): Budgets => [built, built])

/** A Keepalive in a scope of its own, with every event it reports and when (epoch ms, `Date.now()`). */
export const startKeepalive = (options: Keepalive.Options, budget: Context.Context<KeepaliveBudget.KeepaliveBudget>) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const keepalive = yield* Scope.extend(Keepalive.make(options).pipe(Effect.provide(budget)), scope)
    const subscription = yield* keepalive.subscribe
    const events: Array<readonly [number, Keepalive.Event]> = []
    yield* Queue.take(subscription).pipe(
      Effect.map((event) => events.push([Date.now(), event])),
      Effect.forever,
      Effect.forkScoped
    )
    return { keepalive, scope, events }
  })

/** Polls (every 10 ms, at most `millis`) until `done` holds. */
export const waitUntil = (done: () => boolean, millis: number) =>
  Effect.gen(function*() {
    const until = Date.now() + millis
    while (!done() && Date.now() < until) yield* Effect.sleep("10 millis")
  })

/** Each Keepalive's options: 20 a second for the org, share 0.5: 10 a second (bursts of 10) each. */
export const halfShare = { budget: { limit: 20, interval: "1 second" }, share: 0.5, concurrency: 4 } as const

/**
 * Two Keepalives at share 0.5, 200 bare ids each (all due at once, far more than the budget):
 * the refreshes the emulator received, sampled every 250 ms for `millis`, as `[elapsed ms, count]`.
 */
export const measureTwoWorkers = (millis: number, budgets: Budgets) =>
  Effect.gen(function*() {
    const okta = yield* FakeOkta.FakeOkta
    const first = yield* startKeepalive(halfShare, budgets[0])
    const second = yield* startKeepalive(halfShare, budgets[1])
    const ids = yield* okta.seedSessionIds(400)
    yield* okta.resetCounters
    const start = Date.now()
    yield* first.keepalive.addAll(ids.slice(0, 200))
    yield* second.keepalive.addAll(ids.slice(200))
    const samples: Array<readonly [number, number]> = []
    while (Date.now() - start < millis) {
      yield* Effect.sleep("250 millis")
      const counters = yield* okta.counters
      samples.push([Date.now() - start, counters.byOperation.refreshSession])
    }
    const refreshed = [first, second].map(({ events }) => events.filter(([, event]) => event._tag === "Refreshed").length)
    yield* Scope.close(first.scope, Exit.void)
    yield* Scope.close(second.scope, Exit.void)
    return { samples, refreshed }
  })

/**
 * A 429 met by the first Keepalive (every request answered 429 while it makes its one refresh),
 * then sessions added to the second once the 429s stop: when the first's pause ends and when the
 * second first refreshed.
 */
export const measurePauseAcross = (budgets: Budgets) =>
  Effect.gen(function*() {
    const okta = yield* FakeOkta.FakeOkta
    const first = yield* startKeepalive(halfShare, budgets[0])
    const second = yield* startKeepalive(halfShare, budgets[1])
    const [id, ...others] = yield* okta.seedSessionIds(21)
    yield* okta.setFaults({ tooManyRequestsRate: 1 })
    yield* first.keepalive.add(id!)
    yield* waitUntil(() => first.events.some(([, event]) => event._tag === "Throttled"), 5000)
    yield* okta.setFaults({ tooManyRequestsRate: 0 })
    const pausedUntil = Option.map((yield* first.keepalive.stats).pausedUntil, (at) => at.epochMillis)
    const addedAt = Date.now()
    yield* second.keepalive.addAll(others)
    yield* waitUntil(() => second.events.some(([, event]) => event._tag === "Refreshed"), 10_000)
    const firstRefresh = second.events.find(([, event]) => event._tag === "Refreshed")?.[0]
    const secondThrottled = second.events.some(([, event]) => event._tag === "Throttled")
    yield* Scope.close(first.scope, Exit.void)
    yield* Scope.close(second.scope, Exit.void)
    return { pausedUntil, addedAt, firstRefresh, secondThrottled }
  })
