/**
 * The fake org's test controls (`FakeOkta.Service`): its state for tests and demos, its settings,
 * its fault knobs and counters. The faces answer requests through the org itself (`orgOf`), which
 * is not part of this service.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { InvalidOptions } from "../../InvalidOptions.js"
import type { Session, SessionId, UserId } from "../../Session.js"
import { type Counters, OrgCounters, type WindowCount } from "./counters.js"
import type { User } from "./directory.js"
import { type Faults, type FaultSettings, mergeFaults, noFaults } from "./faults.js"
import type { Family } from "./operation.js"
import type { Org } from "./org.js"
import {
  decodeConcurrencyLimit,
  decodeCount,
  decodeDurationSetting,
  decodeWindow,
  type RateLimitWindow
} from "./orgOptions.js"
import { randomText } from "./orgIds.js"
import type { SessionView } from "./protocol.js"
import { toSession } from "./wireFormat.js"

/** A test operation named a user the fake org does not have. */
export class UnknownUser extends Schema.TaggedError<UnknownUser>()("UnknownUser", {
  userId: Schema.String
}) {
  override get message(): string {
    return `FakeOkta: no user ${this.userId}`
  }
}

/** Options of `seedSessions`: with `maxAge`, each session is signed in a random time up to `maxAge` ago. */
export interface SeedOptions {
  readonly maxAge?: Duration.DurationInput | undefined
}

/** The test controls of one fake org. */
export interface FakeOktaService {
  /** The org URL used in `_links` by the in-memory face. */
  readonly orgUrl: string

  // ---- the org's state, for tests and demos (no counters, no faults) ----

  /** Adds a user; the login defaults to `user<n>@example.com`. */
  readonly createUser: (options?: { readonly login?: string | undefined }) => Effect.Effect<User>
  /** A one-time session token for `createSession`, valid for `sessionTokenLifetime` (or `lifetime`). */
  readonly issueSessionToken: (
    userId: UserId,
    options?: { readonly lifetime?: Duration.DurationInput | undefined }
  ) => Effect.Effect<Redacted.Redacted<string>, UnknownUser | InvalidOptions>
  /** Starts a session for a user as if they had signed in in a browser. */
  readonly startSession: (userId: UserId) => Effect.Effect<Session, UnknownUser>
  /** Creates `count` users with one session each and returns the sessions, in order. */
  readonly seedSessions: (count: number, options?: SeedOptions) => Effect.Effect<ReadonlyArray<Session>, InvalidOptions>
  /** As `seedSessions`, answering only the ids: lighter for hundreds of thousands of sessions. */
  readonly seedSessionIds: (count: number) => Effect.Effect<ReadonlyArray<SessionId>, InvalidOptions>
  /** The session as the org holds it now, if it exists and has neither expired nor been revoked. */
  readonly lookupSession: (sessionId: SessionId) => Effect.Effect<Option.Option<Session>>
  /** Revokes a session behind the client's back. True when it was alive. */
  readonly revokeSession: (sessionId: SessionId) => Effect.Effect<boolean>
  /** Revokes every session of a user behind the client's back; answers how many were alive. */
  readonly revokeUserSessions: (userId: UserId) => Effect.Effect<number>
  /** How many sessions are alive now. */
  readonly activeSessionCount: Effect.Effect<number>

  // ---- the org's settings ----

  /** How long a session lives without a refresh. */
  readonly idleWindow: Effect.Effect<Duration.Duration>
  /** Changes the idle window; sessions already issued keep their `expiresAt` until refreshed. */
  readonly setIdleWindow: (idle: Duration.DurationInput) => Effect.Effect<void, InvalidOptions>
  /** `None` when sessions have no maximum lifetime. */
  readonly maxLifetime: Effect.Effect<Option.Option<Duration.Duration>>
  /** Sets (`Option.some`) or removes (`Option.none`) the maximum lifetime. */
  readonly setMaxLifetime: (lifetime: Option.Option<Duration.DurationInput>) => Effect.Effect<void, InvalidOptions>
  /** The family's window: its limit and length. */
  readonly rateLimit: (family: Family) => Effect.Effect<{ readonly limit: number; readonly window: Duration.Duration }>
  /** Changes a family's window; the current window starts counting afresh. */
  readonly setRateLimit: (family: Family, window: RateLimitWindow) => Effect.Effect<void, InvalidOptions>
  /** Requests in flight at once before the 429 with Limit = Remaining = 0. */
  readonly concurrencyLimit: Effect.Effect<number>
  /** Changes the concurrent-request limit (a whole number >= 1). */
  readonly setConcurrencyLimit: (limit: number) => Effect.Effect<void, InvalidOptions>

  // ---- faults and counters ----

  /** The fault knobs in force. */
  readonly faults: Effect.Effect<Faults>
  /** Changes the given knobs and keeps the others; answers the knobs now in force. */
  readonly setFaults: (settings: FaultSettings) => Effect.Effect<Faults, InvalidOptions>
  /** Back to `noFaults`. */
  readonly clearFaults: Effect.Effect<void>
  /** A snapshot of the counters. */
  readonly counters: Effect.Effect<Counters>
  /** Every rate-limit window counted so far (since the start or `resetCounters`), by family, oldest first. */
  readonly windowCounts: Effect.Effect<ReadonlyArray<WindowCount>>
  /** Counts from zero again. */
  readonly resetCounters: Effect.Effect<void>
}

/** The org behind each service made by `makeService`: how the faces reach the answering path. */
const orgs = new WeakMap<FakeOktaService, Org>()

/** The org behind a `FakeOkta` service; a service not made by `FakeOkta.make` has none. */
export const orgOf = (service: FakeOktaService): Effect.Effect<Org> => {
  const org = orgs.get(service)
  return org === undefined
    ? Effect.dieMessage("FakeOkta: this service was not made by FakeOkta.make or FakeOkta.layer; the faces need one that was")
    : Effect.succeed(org)
}

const now = Clock.currentTimeMillis

/** The org's state for tests and demos: users, tokens, sessions seeded, looked up and revoked. */
const stateControls = (org: Org) => {
  const { directory } = org
  const sessionOf = (view: SessionView): Session => toSession(org.orgUrl, view, false)
  const userOrFail = (userId: UserId) =>
    Effect.suspend(() => {
      const user = directory.user(userId)
      return user === undefined ? Effect.fail(new UnknownUser({ userId })) : Effect.succeed(user)
    })
  const seedOne = (at: number) => directory.newSession(directory.newUser(undefined), at)
  /** `count` new users with a session each, signed in now, or a random time up to `maxAgeMillis` ago. */
  const seed = <A>(count: number, maxAgeMillis: number, make: (session: SessionView) => A) =>
    Effect.flatMap(decodeCount(count), (n) =>
      Effect.flatMap(now, (at) =>
        maxAgeMillis === 0
          ? Effect.sync(() => Array.from({ length: n }, () => make(seedOne(at))))
          : Effect.forEach(Array.from({ length: n }), () =>
            Effect.map(Random.next, (x) => make(seedOne(at - Math.floor(x * maxAgeMillis)))))))
  return {
    createUser: (options) => Effect.sync(() => directory.newUser(options?.login)),
    issueSessionToken: (userId, options) =>
      Effect.gen(function*() {
        yield* userOrFail(userId)
        const lifetime = options?.lifetime === undefined
          ? org.tokenLifetimeMillis
          : yield* decodeDurationSetting("lifetime", options.lifetime)
        const token = org.ids.nextSessionToken(yield* randomText(16))
        const at = yield* now
        org.tokens.issue(token, userId, at + lifetime, at)
        return Redacted.make(token)
      }),
    startSession: (userId) =>
      Effect.flatMap(userOrFail(userId), (user) => Effect.map(now, (at) => sessionOf(directory.newSession(user, at)))),
    seedSessions: (count, options) =>
      options?.maxAge === undefined
        ? seed(count, 0, sessionOf)
        : Effect.flatMap(decodeDurationSetting("maxAge", options.maxAge), (maxAge) => seed(count, maxAge, sessionOf)),
    seedSessionIds: (count) => seed(count, 0, (session) => session.id),
    lookupSession: (sessionId) =>
      Effect.map(now, (at) => Option.map(Option.fromNullable(directory.alive(sessionId, at)), sessionOf)),
    revokeSession: (sessionId) =>
      Effect.map(now, (at) => {
        const session = directory.alive(sessionId, at)
        if (session !== undefined) directory.forget(session)
        return session !== undefined
      }),
    revokeUserSessions: (userId) => Effect.map(now, (at) => directory.forgetUserSessions(userId, at) ?? 0),
    activeSessionCount: Effect.map(now, (at) => directory.activeCount(at))
  } satisfies Partial<FakeOktaService>
}

/** The org's settings: session lifetime, rate-limit windows, the concurrent-request limit. */
const settingControls = (org: Org) => {
  const { admission } = org
  return {
    idleWindow: Effect.sync(() => Duration.millis(org.lifetime.idleMillis)),
    setIdleWindow: (idle) =>
      Effect.map(decodeDurationSetting("idleWindow", idle), (millis) => {
        org.lifetime.idleMillis = millis
      }),
    maxLifetime: Effect.sync(() => Option.map(Option.fromNullable(org.lifetime.lifetimeMillis), Duration.millis)),
    setMaxLifetime: (lifetime) =>
      Option.match(lifetime, {
        onNone: () =>
          Effect.sync(() => {
            org.lifetime.lifetimeMillis = undefined
          }),
        onSome: (input) =>
          Effect.map(decodeDurationSetting("maxLifetime", input), (millis) => {
            org.lifetime.lifetimeMillis = millis
          })
      }),
    rateLimit: (family) =>
      Effect.sync(() => {
        const setting = admission.setting(family)
        return { limit: setting.limit, window: Duration.millis(setting.windowMillis) }
      }),
    setRateLimit: (family, window) =>
      Effect.map(decodeWindow(family, window), (setting) => admission.setSetting(family, setting)),
    concurrencyLimit: Effect.sync(() => admission.concurrencyLimit),
    setConcurrencyLimit: (limit) =>
      Effect.map(decodeConcurrencyLimit(limit), (value) => {
        admission.concurrencyLimit = value
      })
  } satisfies Partial<FakeOktaService>
}

/** The fault knobs and the counters. */
const faultControls = (org: Org) => ({
    faults: Effect.sync(() => org.faults),
    setFaults: (settings) =>
      Effect.suspend(() =>
        Effect.map(mergeFaults(org.faults, settings), (merged) => {
          org.faults = merged
          return merged
        })
      ),
    clearFaults: Effect.sync(() => {
      org.faults = noFaults
    }),
    counters: Effect.sync(() => org.counters.snapshot()),
    windowCounts: Effect.sync(() => org.counters.windowCounts()),
    resetCounters: Effect.sync(() => {
      org.counters = new OrgCounters()
    })
}) satisfies Partial<FakeOktaService>

/** The test controls over `org`; the faces reach the org behind them with `orgOf`. */
export const makeService = (org: Org): FakeOktaService => {
  const service: FakeOktaService = {
    orgUrl: org.orgUrl,
    ...stateControls(org),
    ...settingControls(org),
    ...faultControls(org)
  }
  orgs.set(service, org)
  return service
}
