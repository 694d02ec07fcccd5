/**
 * One fleet worker process (of `npm run fleet` and test/Fleet.test.ts): `KeepaliveFleet.layerConfig`
 * from the environment (`OKTA_KEEPALIVE_DATABASE_URL`, `OKTA_KEEPALIVE_DATABASE_SCHEMA`,
 * `OKTA_KEEPALIVE_REDIS_URL`, `OKTA_KEEPALIVE_RUNNER_HOST` / `_PORT`, `OKTA_KEEPALIVE_PARTITIONS`,
 * `OKTA_KEEPALIVE_CLUSTER_PREFIX`) over the org of `OKTA_CLIENT_ORGURL` / `OKTA_CLIENT_TOKEN`.
 * The keepalive options of its partitions come as JSON in `--keepalive`.
 *
 * It speaks one JSON object per line on stdout:
 * - `{"event":"Ready","runner":...}` once it has joined the cluster;
 * - `{"event":"PartitionStarted"|"PartitionStopped","partition":n,"restored"|"tracked":n,"at":ms}`;
 * - `{"event":"Expired"|"Failed"|"Gone"|"Released","partition":n,"sessionId":...,"reason":...}`;
 * - `{"event":"Local",...LocalStats,"at":ms}` every second;
 * - `{"event":"Error","message":...}` when it cannot start (exit code 2).
 * SIGTERM or SIGINT stops it cleanly (its partitions move to the others).
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Config, Duration, Effect, Layer, Logger, LogLevel, Schedule, Schema, Stream } from "effect"
import { Keepalive, OktaConfig, Sessions } from "effect-okta-sessions"
import * as KeepaliveBudgetRedis from "effect-okta-sessions/KeepaliveBudgetRedis"
import * as KeepaliveFleet from "effect-okta-sessions/KeepaliveFleet"

const argument = (flag: string): string | undefined => {
  const index = process.argv.indexOf(flag)
  return index < 0 ? undefined : process.argv[index + 1]
}

const KeepaliveJson = Schema.parseJson(Schema.Struct({
  concurrency: Schema.optional(Schema.Int),
  share: Schema.optional(Schema.Number),
  budget: Schema.optional(Schema.Struct({ limit: Schema.Int, intervalMillis: Schema.Int })),
}))

/**
 * With Redis, the worker's client throttle shares the windows it finds spent with every other
 * process (`RateLimitShare`, given by `KeepaliveBudgetRedis.layerConfig` from the same
 * `OKTA_KEEPALIVE_REDIS_URL` / `_PREFIX` as the fleet's budget): a 429 met by one pauses the
 * client calls of all. Without Redis there is nothing to share.
 */
const ClientShareLive = Layer.unwrapEffect(
  Effect.map(
    Config.option(Config.string("OKTA_KEEPALIVE_REDIS_URL")),
    (url) => url._tag === "Some" ? KeepaliveBudgetRedis.layerConfig : Layer.empty
  )
)

const say = (value: object) => Effect.sync(() => process.stdout.write(`${JSON.stringify(value)}\n`))

const eventLine = (event: KeepaliveFleet.FleetEvent) => {
  switch (event._tag) {
    case "PartitionStarted":
    case "PartitionStopped":
      return say({ event: event._tag, ...event, _tag: undefined })
    case "Keepalive": {
      const inner = event.event
      if (inner._tag === "Expired" || inner._tag === "Failed" || inner._tag === "Gone" || inner._tag === "Released") {
        return say({
          event: inner._tag,
          partition: event.partition,
          sessionId: inner.sessionId,
          ...(inner._tag === "Expired" || inner._tag === "Failed" ? { reason: inner.reason } : {})
        })
      }
      if (inner._tag === "Throttled") return say({ event: "Throttled", partition: event.partition, waitMillis: Duration.toMillis(inner.wait) })
      return Effect.void
    }
  }
}

const program = Effect.gen(function*() {
  const fleet = yield* KeepaliveFleet.KeepaliveFleet
  yield* fleet.events.pipe(Stream.runForEach(eventLine), Effect.forkScoped)
  const local = yield* fleet.local
  yield* say({ event: "Ready", runner: local._tag === "Some" ? local.value.runner : "" })
  yield* fleet.local.pipe(
    Effect.flatMap((stats) => stats._tag === "Some" ? say({ event: "Local", ...stats.value, at: Date.now() }) : Effect.void),
    Effect.repeat(Schedule.spaced(Duration.seconds(1))),
    Effect.forever
  )
})

const main = Effect.gen(function*() {
  const given = yield* Schema.decode(KeepaliveJson)(argument("--keepalive") ?? "{}")
  const keepalive: Keepalive.Options = {
    ...(given.concurrency === undefined ? {} : { concurrency: given.concurrency }),
    ...(given.share === undefined ? {} : { share: given.share }),
    ...(given.budget === undefined ? {} : { budget: { limit: given.budget.limit, interval: Duration.millis(given.budget.intervalMillis) } }),
    shutdownTimeout: Duration.seconds(5)
  }
  const WorkerLive = KeepaliveFleet.layerConfig({ keepalive }).pipe(
    Layer.provide(Sessions.layer),
    Layer.provide(ClientShareLive),
    Layer.provide(OktaConfig.layerConfig()),
    Layer.provide(NodeHttpClient.layerUndici)
  )
  return yield* Effect.scoped(program).pipe(Effect.provide(WorkerLive))
}).pipe(
  // stdout is for the JSON lines; the cluster's and the worker's logs go to stderr
  Effect.provide(Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger))),
  Logger.withMinimumLogLevel(LogLevel.Warning)
)

const fiber = Effect.runFork(main.pipe(
  Effect.catchAll((error) =>
    Effect.zipRight(
      say({ event: "Error", tag: error._tag, message: error._tag === "ParseError" ? "--keepalive: " + error.message : error.message }),
      Effect.sync(() => process.exit(2))
    )
  )
))
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    Effect.runFork(fiber.interruptAsFork(fiber.id()))
  })
}
fiber.addObserver((exit) => process.exit(exit._tag === "Success" || exit.cause._tag === "Interrupt" ? 0 : 1))
