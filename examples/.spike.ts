import { ConfigProvider, Effect, Layer, Redacted } from "effect"
import * as KeepaliveFleet from "effect-okta-sessions/KeepaliveFleet"
import { FakeOkta, InMemorySessions } from "effect-okta-sessions/testing"
const sessions = InMemorySessions.layer.pipe(Layer.provide(FakeOkta.layer()))
const unreachable = `postgres://postgres:s3cret-pw@127.0.0.1:1/test`
const a = Layer.launch(KeepaliveFleet.layerConfig()).pipe(Effect.provide(sessions),
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["OKTA_KEEPALIVE_DATABASE_URL", unreachable], ["OKTA_KEEPALIVE_RUNNER_PORT", "1"]]))), Effect.flip)
const b = Layer.launch(KeepaliveFleet.layer({ databaseUrl: Redacted.make(unreachable), runner: { port: 1 } })).pipe(Effect.provide(sessions), Effect.flip)
Effect.runPromise(Effect.all([a, b])).then(([x, y]) => console.log(x._tag, JSON.stringify(x), "|", y._tag, JSON.stringify(y)))
