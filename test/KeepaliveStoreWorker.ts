/**
 * The worker process of test/KeepaliveStoreRestart.test.ts and test/KeepaliveStorePgRestart.test.ts:
 * a keepalive on the SQLite store at `--store FILE`, or with `--store postgres` on the PostgreSQL
 * store of `KeepaliveStorePg.layerConfig` (`OKTA_KEEPALIVE_DATABASE_URL` and
 * `OKTA_KEEPALIVE_DATABASE_SCHEMA` from the environment), the partition `--partition INDEX/COUNT`
 * of it (default `0/1`, the whole table), against the org at `--url` (the test's emulator on
 * 127.0.0.1). It talks to the test
 * by lines on stdout (the API token comes in `OKTA_CLIENT_TOKEN`, never on the command line):
 *
 * - `ready <tracked>` once the worker is up on the store (after its restart load);
 * - `missing <n>` for the ids of `--expect FILE` it does not track (0 when it tracks them all);
 * - `added <id,id,...>` after each `addAll` of the ids of `--add FILE` returned (durable from then on);
 * - `event <tag> <id>` for every event other than a refresh;
 * - `tracked <n> expired=<n> gone=<n> failed=<n>` every 250 ms (the counters also count what was
 *   reported before the event stream above was subscribed, such as the restore's expired sessions).
 *
 * The test kills it with SIGKILL at a random point and starts it again on the same file.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Chunk, Duration, Effect, Layer, Predicate, Redacted, Schedule, Stream } from "effect"
import { Keepalive, KeepaliveStore, OktaConfig, Session, Sessions } from "effect-okta-sessions"
import * as KeepaliveStorePg from "effect-okta-sessions/KeepaliveStorePg"
import * as KeepaliveStoreSqlite from "effect-okta-sessions/KeepaliveStoreSqlite"
import { readFileSync } from "node:fs"

const argument = (flag: string): string | undefined => {
  const index = process.argv.indexOf(flag)
  return index < 0 ? undefined : process.argv[index + 1]
}
const idsIn = (file: string | undefined): ReadonlyArray<Session.SessionId> =>
  file === undefined ? [] : readFileSync(file, "utf8").split("\n").filter((line) => line !== "").map((id) => Session.SessionId.make(id))
const say = (line: string) => Effect.sync(() => process.stdout.write(`${line}\n`))

const program = Effect.gen(function*() {
  const keepalive = yield* Keepalive.Keepalive
  yield* keepalive.events.pipe(
    Stream.filter((event) => event._tag !== "Refreshed"),
    Stream.runForEach((event) =>
      say(`event ${event._tag} ${Predicate.hasProperty(event, "sessionId") ? String(event.sessionId) : "-"}${
        event._tag === "Expired" || event._tag === "Failed" ? ` ${event.reason}` : ""
      }`)
    ),
    Effect.forkScoped
  )
  yield* say(`ready ${(yield* keepalive.stats).tracked}`)
  const expected = idsIn(argument("--expect"))
  const missing = yield* Effect.filter(expected, (id) => Effect.map(keepalive.has(id), (has) => !has))
  yield* say(`missing ${missing.length}${missing.length === 0 ? "" : ` ${missing.slice(0, 10).join(",")}`}`)
  for (const chunk of Chunk.chunksOf(Chunk.fromIterable(idsIn(argument("--add"))), 10)) {
    const ids = Chunk.toReadonlyArray(chunk)
    yield* keepalive.addAll(ids)
    yield* say(`added ${ids.join(",")}`)
  }
  yield* Effect.flatMap(
    keepalive.stats,
    (stats) => say(`tracked ${stats.tracked} expired=${stats.expired} gone=${stats.gone} failed=${stats.failed}`)
  ).pipe(
    Effect.repeat(Schedule.spaced(Duration.millis(250))),
    Effect.forever
  )
})

/** The store of `--store`: a SQLite file, or (`postgres`) a partition of the PostgreSQL store. */
const storeLayer = (): Layer.Layer<KeepaliveStore.KeepaliveStore, unknown> => {
  const store = argument("--store") ?? ""
  if (store !== "postgres") return KeepaliveStoreSqlite.layer({ filename: store })
  const [index, count] = (argument("--partition") ?? "0/1").split("/").map(Number)
  return Layer.effect(
    KeepaliveStore.KeepaliveStore,
    Effect.map(KeepaliveStorePg.KeepaliveStorePg, (pg) => pg.partition(index ?? 0, count ?? 1))
  ).pipe(Layer.provide(KeepaliveStorePg.layerConfig))
}

const WorkerLive = Keepalive.layer({ concurrency: 16, budget: { limit: 60_000, interval: "1 minute" }, share: 1 }).pipe(
  Layer.provide(Sessions.layer),
  Layer.provide(storeLayer()),
  Layer.provide(OktaConfig.layer({ orgUrl: argument("--url") ?? "", token: Redacted.make(process.env["OKTA_CLIENT_TOKEN"] ?? "") })),
  Layer.provide(NodeHttpClient.layerUndici)
)

Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(WorkerLive))).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stdout.write(`error ${error instanceof Error ? error.message.split("\n", 1)[0] : String(error)}\n`)
    process.exit(1)
  }
)
