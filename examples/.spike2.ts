import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Duration, Effect, Layer } from "effect"
import { Keepalive, KeepaliveBudget, KeepaliveStore } from "effect-okta-sessions"
import { FakeOkta, OktaEmulator } from "effect-okta-sessions/testing"
const program = Effect.gen(function*() {
  const okta = yield* FakeOkta.FakeOkta
  const seeded = yield* okta.seedSessions(600, { maxAge: "3 minutes" })
  const k = yield* Keepalive.make({ concurrency: 4, share: 0.5, budget: { limit: 540, interval: "1 second" } })
  yield* k.addAll(seeded.slice(0, 300).map((s) => s.id))
  yield* k.addAll(seeded.slice(300))
  yield* Effect.sleep("6 seconds")
  const st = yield* k.stats
  console.log("refreshed", st.refreshed, "requests", st.requests, "tracked", st.tracked)
}).pipe(Effect.scoped)
const live = OktaEmulator.layerClient().pipe(Layer.provideMerge(OktaEmulator.layerWithFakeOkta({}, { idleWindow: "5 minutes", rateLimits: { sessions: { limit: 6000, window: "10 seconds" } } })), Layer.provide(NodeHttpClient.layerUndici))
Effect.runPromise(program.pipe(Effect.provide(Layer.mergeAll(live, KeepaliveStore.layerMemory, KeepaliveBudget.layerMemory)))).then(() => process.exit(0))
