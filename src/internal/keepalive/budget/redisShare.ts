/**
 * The `RateLimitShare` of `KeepaliveBudgetRedis.layer`: spent windows go over Redis pub/sub on the
 * channel `<prefix>spent`. A publish is one `PUBLISH` on the budget's control connection, not waited
 * for (bounded by its command timeout, dropped while Redis is lost); windows arrive by push on a
 * second connection of their own (a subscribed connection can send nothing else), which ioredis
 * reconnects and subscribes again after an outage. No poll, nothing per request.
 *
 * Redis lost: windows published meanwhile (here or elsewhere) are not delivered, and each throttle
 * keeps its own view, learned from its own answers, as without a share; one warning per outage for
 * the layer (shared with the budget's: whichever notices first warns, the other logs at info) and one
 * info line when the subscription is back. Pub/sub keeps nothing, so a process that starts
 * (or comes back) after a window was published does not learn it: it meets that window's first
 * answer itself (a 429 at most), and publishes nothing new for it.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Schema from "effect/Schema"
import type { Redis } from "ioredis"
import { makeListeners, type RateLimitShareService, type SpentWindow } from "../../client/rateLimitShare.js"

const SpentWindowJson = Schema.parseJson(Schema.Struct({
  family: Schema.String,
  limit: Schema.Number,
  resetEpochSeconds: Schema.Number,
  endsAtMillis: Schema.Number,
  by429: Schema.Boolean
}))
const decodeWindow = Schema.decodeUnknownOption(SpentWindowJson)
const encodeWindow = Schema.encodeSync(SpentWindowJson)

/** Whether the current outage has had its warning (shared with the budget: one warning per outage for the layer). */
export interface OutageNotice {
  warned: boolean
}

/** What the share needs of the budget: its control connection (connected), its prefix, and words for its logs. */
export interface RedisShareContext {
  readonly control: Redis
  readonly prefix: string
  /** `host:port`, for the log lines. */
  readonly where: string
  readonly outage: OutageNotice
}

/** Builds the share in the current scope; fails with the subscription's error when Redis does not take it at start. */
export const makeRedisShare = ({ control, outage, prefix, where }: RedisShareContext) =>
  Effect.gen(function*() {
    const channel = `${prefix}spent`
    const { subscribe, tell } = makeListeners()
    const runtime = yield* Effect.runtime<never>()
    const subscriber = control.duplicate()
    let closing = false
    let lost = false
    subscriber.on("error", () => {
      // the outage is told once, on "close"; ioredis's own console lines are not wanted
    })
    subscriber.on("close", () => {
      if (closing || lost) return
      lost = true
      const message = `RateLimitShare (KeepaliveBudgetRedis): Redis at ${where} lost; spent windows are not shared until it is back, ` +
        "each client throttle keeps its own view meanwhile"
      Runtime.runFork(runtime)(outage.warned ? Effect.logInfo(message) : Effect.logWarning(message))
      outage.warned = true
    })
    subscriber.on("ready", () => {
      if (!lost) return
      lost = false
      outage.warned = false
      // "ready" comes before ioredis's own resubscription is answered: the line waits for a subscribe of ours
      subscriber.subscribe(channel).then(
        () => Runtime.runFork(runtime)(Effect.logInfo(`RateLimitShare (KeepaliveBudgetRedis): Redis at ${where} is back; spent windows are shared again`)),
        () => {
          // lost again before the answer: its "close" tells it
        }
      )
    })
    subscriber.on("message", (from: string, text: string) => {
      if (from !== channel) return
      const window = decodeWindow(text)
      if (Option.isSome(window)) Runtime.runFork(runtime)(tell(window.value))
    })
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        closing = true
        subscriber.disconnect()
      })
    )
    yield* Effect.tryPromise(() => subscriber.connect().then(() => subscriber.subscribe(channel)))

    const publish = (window: SpentWindow): Effect.Effect<void> =>
      Effect.sync(() => {
        if (control.status !== "ready") return
        control.publish(channel, encodeWindow(window)).catch(() => {
          // not delivered (Redis lost meanwhile, or the command timeout): the sharers keep their own view
        })
      }).pipe(Effect.withSpan("RateLimitShare.publish"))

    const share: RateLimitShareService = { publish, subscribe }
    return share
  })
