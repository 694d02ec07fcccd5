/**
 * The fleet budget on Redis: `@effect/experimental`'s `RateLimiter` over its Redis store (ioredis)
 * takes the units, and one key (`<prefix>pause`, with a PX expiry) holds the latest 429 pause.
 *
 * Two connections, each set up so that nothing queues for long:
 * - the control connection (pause reads and writes, and noticing Redis is back): no offline queue
 *   (a command while disconnected fails at once), reconnecting every 100 ms to 1 s, for ever;
 * - the store's connection, made by `RateLimiter/Redis.make`: it never reconnects (a lost one ends,
 *   and with it every command it queued), so that a dead store neither queues nor logs; a new one
 *   is made once the control connection is ready again. Both have a command timeout.
 *
 * Redis lost mid-run: the refresh that meets the failure waits up to `outageWait` for Redis to be
 * back, then it and every refresh after it take from a local `effect/RateLimiter` at
 * `1 / expectedProcesses` of the budget (no wait for Redis at all while the outage lasts). One
 * warning per outage; when the control connection is ready again (within a second of Redis
 * answering), a probe through a new store connection ends the outage (one info line), the
 * pause published meanwhile is written to Redis, and the fleet budget is used again. The pause is
 * read and written on the control connection only while Redis is not lost (no wait for it during
 * an outage); meanwhile the last pause known to this process stands.
 */
import * as RateLimiter from "@effect/experimental/RateLimiter"
import * as RateLimiterRedis from "@effect/experimental/RateLimiter/Redis"
import * as Clock from "effect/Clock"
import type * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import { Redis } from "ioredis"
import { maxTimerMillis } from "../../options/optionSchemas.js"
import { makeLocalLimiters } from "./localLimiters.js"
import { KeepaliveBudgetRedisError } from "./redisError.js"
import type { RedisBudgetSettings } from "./redisOptions.js"
import { makeRedisShare, type OutageNotice } from "./redisShare.js"
import { parseRedisUrl } from "./redisUrl.js"
import { type Budget, budgetKey, type KeepaliveBudgetService } from "./service.js"

/** A working store connection and the limiter over it. */
interface Link {
  readonly limiter: RateLimiter.RateLimiter
  readonly store: Context.Tag.Service<typeof RateLimiter.RateLimiterStore>
  readonly scope: Scope.CloseableScope
}

/** How often, during an outage, the budget looks whether the control connection is ready again. */
const relinkEvery = Duration.millis(250)

/** Sets `KEYS[1]` to `ARGV[1]` with a PX of `ARGV[2]` unless it already holds a later pause. */
const publishPauseScript = `
local current = tonumber(redis.call("GET", KEYS[1]))
if current and current >= tonumber(ARGV[1]) then return 0 end
redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
return 1
`

/** A connection error's words, with the password cut out should a driver ever echo it. */
const describeError = (cause: unknown, password: string | undefined): string => {
  const inner = cause instanceof Error && cause.cause instanceof Error ? `: ${cause.cause.message}` : ""
  const text = cause instanceof Error ? `${cause.message}${inner}` : String(cause)
  return password === undefined || password === "" ? text : text.split(password).join("***")
}

/**
 * Builds the fleet budget in the current scope, with the `RateLimitShare` of the client throttles
 * beside it (redisShare.ts); `setting` names where the URL came from.
 */
export const makeRedisBudget = (settings: RedisBudgetSettings, setting: string) =>
  Effect.gen(function*() {
    const target = parseRedisUrl(Redacted.value(settings.url))
    if (Either.isLeft(target)) {
      return yield* new KeepaliveBudgetRedisError({ setting, reason: "InvalidUrl", detail: target.left })
    }
    const where = `${target.right.host}:${target.right.port}`
    const commandTimeout = Duration.toMillis(settings.commandTimeout)
    const connection = {
      ...target.right,
      connectTimeout: Duration.toMillis(settings.connectTimeout),
      commandTimeout,
      maxRetriesPerRequest: 0
    }

    const control = new Redis({
      ...connection,
      lazyConnect: true,
      enableOfflineQueue: false,
      retryStrategy: (times) => Math.min(100 * times, 1000)
    })
    // connection errors are this budget's to report (once per outage), not ioredis's console lines
    let lastError: unknown = undefined
    control.on("error", (error: unknown) => {
      lastError = error
    })
    yield* Effect.addFinalizer(() => Effect.sync(() => control.disconnect()))
    const unreachable = (cause: unknown) =>
      new KeepaliveBudgetRedisError({ setting, reason: "Unreachable", detail: `${where}: ${describeError(cause, target.right.password)}` })
    yield* Effect.tryPromise({
      try: () => control.connect().then(() => control.ping()),
      // "Connection is closed" says less than the socket's error before it (ECONNREFUSED, ENOTFOUND)
      catch: (cause) => unreachable(lastError ?? cause)
    }).pipe(
      Effect.timeoutFail({
        duration: settings.connectTimeout,
        onTimeout: () => unreachable(`no answer within ${Duration.format(settings.connectTimeout)}`)
      })
    )

    const layerScope = yield* Effect.scope
    const storeOptions = { ...connection, prefix: settings.prefix, retryStrategy: () => null }
    const openLink = Effect.gen(function*() {
      const scope = yield* Scope.make()
      const store = yield* Scope.extend(RateLimiterRedis.make(storeOptions), scope)
      const limiter = yield* Effect.provideService(RateLimiter.make, RateLimiter.RateLimiterStore, store)
      return { limiter, store, scope }
    })
    /** Closes a store connection; its `quit` on a connection already ended rejects, which is expected then. */
    const closeLink = (link: Link) => Effect.ignore(Effect.catchAllCause(Scope.close(link.scope, Exit.void), () => Effect.void))
    /** A command through the store that leaves nothing behind (a counter of 1 ms). */
    const probe = (link: Link) =>
      link.store.fixedWindow({ key: "probe", tokens: 1, refillRate: Duration.millis(1), limit: undefined }).pipe(
        Effect.timeout(settings.commandTimeout)
      )

    let link: Link | undefined = yield* openLink
    yield* Effect.addFinalizer(() => link === undefined ? Effect.void : closeLink(link))
    yield* probe(link).pipe(Effect.mapError(unreachable))

    const local = makeLocalLimiters(layerScope, settings.expectedProcesses)
    let localPause = Number.NEGATIVE_INFINITY
    let lostAt = Number.NEGATIVE_INFINITY
    let relinked = Deferred.unsafeMake<void>(FiberId.none)
    const pauseKey = `${settings.prefix}pause`
    /** Whether this outage has had its warning, from the budget or from the share: one per outage for the layer. */
    const outage: OutageNotice = { warned: false }

    /** Whether Redis can be asked now: not lost, and the control connection up. */
    const reachable = () => link !== undefined && control.status === "ready"

    const writePause = (until: number) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        !reachable() || until <= now
          ? Effect.void
          : Effect.ignore(Effect.tryPromise(() =>
            control.eval(publishPauseScript, 1, pauseKey, String(until), String(Math.min(maxTimerMillis, Math.ceil(until - now) + 1000)))
          )))

    /**
     * One try at ending the outage: once the control connection is ready and answers a PING, a new
     * store connection that answers the probe. A Redis that accepts connections but does not answer
     * (stopped, overloaded) gets no new store connection. Fails (to be tried again) otherwise.
     */
    const relinkOnce: Effect.Effect<Link, unknown> = Effect.gen(function*() {
      if (control.status !== "ready") return yield* Effect.fail("control connection not ready")
      yield* Effect.tryPromise(() => control.ping()).pipe(Effect.timeoutFail({ duration: settings.commandTimeout, onTimeout: () => "no PONG" }))
      // opened, probed and then kept or closed as one step, so that shutdown cannot leave one open
      return yield* Effect.uninterruptible(
        Effect.flatMap(openLink, (opened) => Effect.tapError(probe(opened), () => closeLink(opened)).pipe(Effect.as(opened)))
      )
    })

    /** The outage's other half: tried every `relinkEvery` until Redis answers (or the layer closes). */
    const relink: Effect.Effect<void> = Effect.eventually(Effect.zipRight(Effect.sleep(relinkEvery), relinkOnce)).pipe(
      Effect.flatMap((candidate) =>
        Effect.gen(function*() {
          link = candidate
          outage.warned = false
          const now = yield* Clock.currentTimeMillis
          yield* Effect.logInfo(`KeepaliveBudgetRedis: Redis at ${where} is back after ${Math.round((now - lostAt) / 100) / 10} s; the fleet budget is used again`)
          yield* writePause(localPause)
          yield* Deferred.succeed(relinked, undefined)
        })
      )
    )

    /** The first failure of an outage: warn once, fall back, and look for Redis in the background. */
    const lose = (lost: Link, cause: unknown) =>
      Effect.suspend(() => {
        if (link !== lost) return Effect.void
        link = undefined
        // made at once, so that a take failing beside this one waits for this outage's end, not the last one's
        relinked = Deferred.unsafeMake<void>(FiberId.none)
        return Effect.gen(function*() {
          lostAt = yield* Clock.currentTimeMillis
          // one warning per outage for the layer: the share (redisShare.ts) may have given it already
          const message = `KeepaliveBudgetRedis: Redis at ${where} lost (${describeError(cause, target.right.password)}); ` +
            `taking from a local limiter at 1/${settings.expectedProcesses} of the budget until it is back`
          yield* outage.warned ? Effect.logInfo(message) : Effect.logWarning(message)
          outage.warned = true
          yield* Effect.forkIn(closeLink(lost), layerScope)
          yield* Effect.forkIn(relink, layerScope)
        })
      })

    /** One unit from Redis: reserved there, then the reservation's delay slept here. */
    const consume = (current: Link, budget: Budget) =>
      current.limiter.consume({
        key: `budget:${budgetKey(budget)}`,
        limit: budget.limit,
        window: budget.interval,
        algorithm: budget.algorithm,
        onExceeded: "delay"
      }).pipe(
        Effect.timeout(settings.commandTimeout),
        Effect.flatMap(({ delay }) =>
          Duration.isZero(delay) ? Effect.void : Effect.sleep(Duration.millis(Math.min(maxTimerMillis, Duration.toMillis(delay))))
        )
      )

    const take = (budget: Budget): Effect.Effect<void> =>
      Effect.suspend(() => {
        const current = link
        if (current === undefined) return local(budget)
        return Effect.catchAll(consume(current, budget), (cause) =>
          Effect.gen(function*() {
            yield* lose(current, cause)
            yield* Effect.timeout(Deferred.await(relinked), settings.outageWait).pipe(Effect.ignore)
            const back = link
            if (back === undefined) return yield* local(budget)
            return yield* Effect.catchAll(consume(back, budget), () => local(budget))
          }))
      }).pipe(Effect.withSpan("KeepaliveBudgetRedis.take"))

    const pause = (until: number): Effect.Effect<void> =>
      Effect.suspend(() => {
        localPause = Math.max(localPause, until)
        return writePause(until)
      }).pipe(Effect.withSpan("KeepaliveBudgetRedis.pause"))

    const pausedUntil: Effect.Effect<Option.Option<number>> = Effect.gen(function*() {
      if (reachable()) {
        const stored = yield* Effect.option(Effect.tryPromise(() => control.get(pauseKey)))
        const value = Option.isSome(stored) && stored.value !== null ? Number(stored.value) : Number.NaN
        if (Number.isFinite(value)) localPause = Math.max(localPause, value)
      }
      const now = yield* Clock.currentTimeMillis
      return now < localPause ? Option.some(localPause) : Option.none()
    }).pipe(Effect.withSpan("KeepaliveBudgetRedis.pausedUntil"))

    const service: KeepaliveBudgetService = { take, pause, pausedUntil }
    // the client throttles' share of spent windows, over the same control connection (redisShare.ts)
    const share = yield* makeRedisShare({ control, prefix: settings.prefix, where, outage }).pipe(Effect.mapError(unreachable))
    return { budget: service, share }
  })
