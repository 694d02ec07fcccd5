/**
 * The fake Okta org behind both test faces (`InMemorySessions` and `OktaEmulator`): users, sessions,
 * one-time session tokens, the org's session windows, rate-limit windows, a concurrent-request
 * limit, counters and fault knobs. Time comes from Effect's `Clock`, so on the `TestClock` a test
 * expires sessions and rate-limit windows with `TestClock.adjust`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FakeOkta } from "effect-okta-sessions/testing"
 *
 * const program = Effect.gen(function*() {
 *   const okta = yield* FakeOkta.FakeOkta
 *   const [session] = yield* okta.seedSessions(1)
 *   yield* okta.setFaults({ serverErrorRate: 0.2, latencyMillis: 50 })
 *   return session
 * }).pipe(Effect.provide(FakeOkta.layer({ idleWindow: "2 minutes" })))
 * ```
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Random from "effect/Random"
import * as Record from "effect/Record"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { endpoints } from "../internal/client/endpoints.js"
import { toSession } from "./internal/fakeOktaWire.js"
import type { OktaErrorBody } from "../OktaError.js"
import {
  type AuthenticationMethod,
  CookieValue,
  type IdentityProviderType,
  Session,
  SessionCookie,
  SessionId,
  type SessionStatus,
  UserId
} from "../Session.js"

/**
 * The eight operations of the Sessions API, named as in `Sessions.Service`.
 *
 * @since 0.1.0
 */
export const Operation = Schema.Literal(
  "createSession",
  "getSession",
  "refreshSession",
  "revokeSession",
  "getCurrentSession",
  "refreshCurrentSession",
  "closeCurrentSession",
  "revokeUserSessions"
)

/** @since 0.1.0 */
export type Operation = typeof Operation.Type

/**
 * Okta's rate-limit families for these operations: `/api/v1/sessions*` (the `/me` calls included) and
 * `/api/v1/users*`.
 *
 * @since 0.1.0
 */
export type Family = "sessions" | "users"

/**
 * The family each operation counts against.
 *
 * @since 0.1.0
 */
export const familyOf: { readonly [K in Operation]: Family } = Record.map(endpoints, (endpoint) => endpoint.rateLimitFamily)

/** A share between 0 and 1: the probability that a request meets a fault. */
const Share = Schema.Number.pipe(Schema.between(0, 1, { message: () => "a share is a number from 0 to 1" }))

/**
 * The fault knobs, every one optional when set (unset knobs keep their value). Shares are drawn per
 * request with Effect's `Random`. Settable at start (`layer({ faults })`), while running
 * (`FakeOkta.setFaults`) and, on the emulator only, with `PATCH /__admin/faults` and this JSON.
 *
 * Faults that both faces honour (the in-memory face has no HTTP):
 * - `latencyMillis`: added before every answer, with `Effect.sleep` (the `TestClock` drives it in tests).
 * - `serverErrorRate` / `serverErrorStatuses`: a share of requests answered with one of these 5xx
 *   (default all of 500, 502, 503, 504), an Okta error body (E0000009 for 500) and nothing changed.
 * - `tooManyRequestsRate`: a share of requests answered 429 E0000047 with the family's real
 *   `X-Rate-Limit-*` values (Remaining 0), as if another client had spent the window.
 *
 * Faults of the wire, honoured by the emulator only (the request is not carried out when it is
 * dropped; it is carried out when only its answer is damaged):
 * - `connectionResetRate`: the socket is reset (TCP RST) before any answer.
 * - `hangRate`: no answer ever; the connection stays open until the client gives up or the server closes.
 * - `malformedJsonRate`: a 200 answer whose body is cut-off JSON.
 * - `omitDate`: no `Date` header. `omitRateLimitReset`: no `X-Rate-Limit-Reset` header.
 * - `duplicateRateLimitReset`: `X-Rate-Limit-Reset` sent twice, the second 30 s later than the first.
 * - `unknownEnumRate`: a share of Session bodies carry `status`, `amr` and `idp.type` values Okta has
 *   not documented (`PASSWORD_EXPIRED_X`, `xyz`, `QUANTUM`).
 * - `oversizedBodyRate` / `oversizedBodyBytes`: a share of Session bodies padded (with an extra field)
 *   to this many bytes (default 2 MiB, above the client's 1 MiB default cap).
 *
 * @since 0.1.0
 */
export const FaultSettings = Schema.Struct({
  latencyMillis: Schema.optionalWith(Schema.NonNegativeInt, { exact: true }),
  serverErrorRate: Schema.optionalWith(Share, { exact: true }),
  serverErrorStatuses: Schema.optionalWith(Schema.NonEmptyArray(Schema.Literal(500, 502, 503, 504)), { exact: true }),
  tooManyRequestsRate: Schema.optionalWith(Share, { exact: true }),
  connectionResetRate: Schema.optionalWith(Share, { exact: true }),
  hangRate: Schema.optionalWith(Share, { exact: true }),
  malformedJsonRate: Schema.optionalWith(Share, { exact: true }),
  omitDate: Schema.optionalWith(Schema.Boolean, { exact: true }),
  omitRateLimitReset: Schema.optionalWith(Schema.Boolean, { exact: true }),
  duplicateRateLimitReset: Schema.optionalWith(Schema.Boolean, { exact: true }),
  unknownEnumRate: Schema.optionalWith(Share, { exact: true }),
  oversizedBodyRate: Schema.optionalWith(Share, { exact: true }),
  oversizedBodyBytes: Schema.optionalWith(Schema.Int.pipe(Schema.between(1024, 64 * 1024 * 1024)), { exact: true })
}).annotations({ identifier: "FaultSettings" })

/** @since 0.1.0 */
export type FaultSettings = typeof FaultSettings.Type

/**
 * Every fault knob with its current value. `noFaults` is the default.
 *
 * @since 0.1.0
 */
export type Faults = { readonly [K in keyof FaultSettings]-?: Exclude<FaultSettings[K], undefined> }

/**
 * No fault at all: what a new `FakeOkta` starts with unless `layer({ faults })` says otherwise.
 *
 * @since 0.1.0
 */
export const noFaults: Faults = {
  latencyMillis: 0,
  serverErrorRate: 0,
  serverErrorStatuses: [500, 502, 503, 504],
  tooManyRequestsRate: 0,
  connectionResetRate: 0,
  hangRate: 0,
  malformedJsonRate: 0,
  omitDate: false,
  omitRateLimitReset: false,
  duplicateRateLimitReset: false,
  unknownEnumRate: 0,
  oversizedBodyRate: 0,
  oversizedBodyBytes: 2 * 1024 * 1024
}

/**
 * A fixed rate-limit window of one family: at most `limit` requests per `window`, windows aligned to
 * the epoch (so `X-Rate-Limit-Reset` is the end of the current window).
 *
 * @since 0.1.0
 */
export interface RateLimitWindow {
  readonly limit: number
  readonly window: Duration.DurationInput
}

/**
 * A setting that was refused: which one and why.
 *
 * @since 0.1.0
 */
export class InvalidSetting extends Schema.TaggedError<InvalidSetting>()("InvalidSetting", {
  setting: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `FakeOkta: ${this.setting} ${this.detail}`
  }
}

/**
 * A test operation named a user the fake org does not have.
 *
 * @since 0.1.0
 */
export class UnknownUser extends Schema.TaggedError<UnknownUser>()("UnknownUser", {
  userId: Schema.String
}) {
  override get message(): string {
    return `FakeOkta: no user ${this.userId}`
  }
}

/**
 * A user of the fake org.
 *
 * @since 0.1.0
 */
export interface User {
  readonly id: UserId
  readonly login: string
}

/**
 * What the fake has counted since it started (or since `resetCounters`). Requests refused by a
 * rate limit count too; admin calls and test operations (`seedSessions`, `revokeSession`, ...) do not.
 *
 * @since 0.1.0
 */
export interface Counters {
  /** Every API request received. */
  readonly requests: number
  /** Requests per operation. */
  readonly byOperation: { readonly [K in Operation]: number }
  /** Answers per HTTP status (`{ 200: 17, 404: 2 }`). Dropped requests have no status. */
  readonly byStatus: Readonly<Record<number, number>>
  /** Every 429, whatever its cause. */
  readonly tooManyRequests: number
  /** The 429s of the concurrent-request limit (Limit = Remaining = 0). */
  readonly concurrencyRejections: number
  /** Connections reset by the `connectionResetRate` fault. */
  readonly connectionResets: number
  /** Requests left unanswered by the `hangRate` fault. */
  readonly hangs: number
  /** The most requests that were in flight at once. */
  readonly maxInFlight: number
}

/**
 * What a caller presented: a valid API credential, a wrong or missing one, or (for `/me`) whether an
 * API credential came along with the cookie, which Okta does not accept there. `insufficientScope`:
 * a valid OAuth token without the operation's scope (`FakeOktaAuth`), answered 403 E0000006.
 *
 * @since 0.1.0
 */
export type Credential = "valid" | "invalid" | "none" | "insufficientScope"

/**
 * One API request as the fake sees it, independent of HTTP. Ids are raw strings, as they arrive on
 * the wire. `wire: true` lets the wire faults apply (connection reset, hang, damaged bodies).
 *
 * @since 0.1.0
 */
export interface Request {
  readonly operation: Operation
  readonly credential: Credential
  readonly sessionId?: string | undefined
  readonly userId?: string | undefined
  /** `createSession` only; `undefined` when the body had none. */
  readonly sessionToken?: string | undefined
  /** The `/me` operations: the `sid` or `idx` cookie's value, if any. */
  readonly cookie?: string | undefined
  readonly wire: boolean
}

/**
 * A session as the fake holds it: times in epoch milliseconds.
 *
 * @since 0.1.0
 */
export interface SessionView {
  readonly id: SessionId
  readonly userId: UserId
  readonly login: string
  readonly status: SessionStatus
  readonly createdAt: number
  readonly expiresAt: number
  readonly lastPasswordVerification: number
  readonly lastFactorVerification: number | undefined
  readonly amr: ReadonlyArray<AuthenticationMethod>
  readonly idp: { readonly id: string; readonly type: IdentityProviderType }
}

/**
 * The rate-limit state a reply reports in `X-Rate-Limit-*`.
 *
 * @since 0.1.0
 */
export interface RateLimitState {
  readonly limit: number
  readonly remaining: number
  readonly resetEpochSeconds: number
}

/**
 * How the fake answers one request. `Dropped` is a wire fault: no answer at all.
 *
 * @since 0.1.0
 */
export type ReplyBody =
  | { readonly _tag: "Session"; readonly session: SessionView; readonly current: boolean }
  | { readonly _tag: "Error"; readonly error: OktaErrorBody }
  | { readonly _tag: "Empty" }

/**
 * The answer to one request, before any HTTP rendering.
 *
 * @since 0.1.0
 */
export interface Reply {
  readonly operation: Operation
  /** The HTTP status; 0 when the request was dropped. */
  readonly status: number
  readonly requestId: string
  /** The server's clock when it answered (the `Date` header). */
  readonly dateMillis: number
  readonly rateLimit: RateLimitState
  readonly body: ReplyBody
  /** A wire fault drawn for this answer (`wire: true` requests only). */
  readonly wireFault: "connectionReset" | "hang" | "malformedJson" | "oversizedBody" | undefined
  readonly unknownEnums: boolean
  /** The fault knobs when the answer was made (header faults are read from here). */
  readonly faults: Faults
}

/**
 * Options of `seedSessions`. With `maxAge`, each session is made as if signed in a random time up
 * to `maxAge` ago (and not used since), so expiries spread out as in a live org instead of all
 * falling at once.
 *
 * @since 0.1.0
 */
export interface SeedOptions {
  readonly maxAge?: Duration.DurationInput | undefined
}

/**
 * The fake org as a service.
 *
 * @since 0.1.0
 */
export class FakeOkta extends Context.Tag("effect-okta-sessions/testing/FakeOkta")<FakeOkta, FakeOkta.Service>() {}

/** @since 0.1.0 */
export declare namespace FakeOkta {
  /**
   * Options of `layer`. Every one has a default.
   *
   * @since 0.1.0
   */
  export interface Options {
    /** How long a session lives without a refresh (Okta's `maxSessionIdleMinutes`). Default 2 hours. */
    readonly idleWindow?: Duration.DurationInput | undefined
    /** The longest a session can live, refreshes included (`maxSessionLifetimeMinutes`). Default none. */
    readonly maxLifetime?: Duration.DurationInput | undefined
    /** How long a session token can be exchanged. Default 5 minutes. */
    readonly sessionTokenLifetime?: Duration.DurationInput | undefined
    /** Per family. Default 600 requests per minute for each. */
    readonly rateLimits?: Partial<Record<Family, RateLimitWindow>> | undefined
    /** Requests in flight at once before a 429 with Limit = Remaining = 0. Default 75. */
    readonly concurrencyLimit?: number | undefined
    /** Fault knobs at start. Default none. */
    readonly faults?: FaultSettings | undefined
    /** The org URL the in-memory face puts in `_links` (the emulator uses its own URL). */
    readonly orgUrl?: string | undefined
  }

  /**
   * The service.
   *
   * @since 0.1.0
   */
  export interface Service {
    /** The org URL used in `_links` by the in-memory face. */
    readonly orgUrl: string

    // ---- the org's state, for tests and demos (no counters, no faults) ----

    /** Adds a user; the login defaults to `user<n>@example.com`. */
    readonly createUser: (options?: { readonly login?: string | undefined }) => Effect.Effect<User>
    /** A one-time session token for `createSession`, valid for `sessionTokenLifetime` (or `lifetime`). */
    readonly issueSessionToken: (
      userId: UserId,
      options?: { readonly lifetime?: Duration.DurationInput | undefined }
    ) => Effect.Effect<Redacted.Redacted<string>, UnknownUser | InvalidSetting>
    /** Starts a session for a user as if they had signed in in a browser. */
    readonly startSession: (userId: UserId) => Effect.Effect<Session, UnknownUser>
    /** Creates `count` users with one session each and returns the sessions, in order. */
    readonly seedSessions: (
      count: number,
      options?: SeedOptions
    ) => Effect.Effect<ReadonlyArray<Session>, InvalidSetting>
    /** As `seedSessions`, answering only the ids: lighter for hundreds of thousands of sessions. */
    readonly seedSessionIds: (count: number) => Effect.Effect<ReadonlyArray<SessionId>, InvalidSetting>
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
    readonly setIdleWindow: (idle: Duration.DurationInput) => Effect.Effect<void, InvalidSetting>
    /** `None` when sessions have no maximum lifetime. */
    readonly maxLifetime: Effect.Effect<Option.Option<Duration.Duration>>
    /** Sets (`Option.some`) or removes (`Option.none`) the maximum lifetime. */
    readonly setMaxLifetime: (lifetime: Option.Option<Duration.DurationInput>) => Effect.Effect<void, InvalidSetting>
    /** The family's window: its limit and length. */
    readonly rateLimit: (family: Family) => Effect.Effect<{ readonly limit: number; readonly window: Duration.Duration }>
    /** Changes a family's window; the current window starts counting afresh. */
    readonly setRateLimit: (family: Family, window: RateLimitWindow) => Effect.Effect<void, InvalidSetting>
    /** Requests in flight at once before the 429 with Limit = Remaining = 0. */
    readonly concurrencyLimit: Effect.Effect<number>
    /** Changes the concurrent-request limit (a whole number >= 1). */
    readonly setConcurrencyLimit: (limit: number) => Effect.Effect<void, InvalidSetting>

    // ---- faults and counters ----

    /** The fault knobs in force. */
    readonly faults: Effect.Effect<Faults>
    /** Changes the given knobs and keeps the others; answers the knobs now in force. */
    readonly setFaults: (settings: FaultSettings) => Effect.Effect<Faults, InvalidSetting>
    /** Back to `noFaults`. */
    readonly clearFaults: Effect.Effect<void>
    /** A snapshot of the counters. */
    readonly counters: Effect.Effect<Counters>
    /** Counts from zero again. */
    readonly resetCounters: Effect.Effect<void>

    // ---- answering requests: what both faces call ----

    /**
     * Answers one API request as Okta would: counts it, applies the concurrent-request limit, the
     * family's window and the fault knobs, then carries it out.
     */
    readonly answer: (request: Request) => Effect.Effect<Reply>
  }
}

/**
 * The cookie a browser holding this session would send to the `/me` operations: in the fake, the
 * `sid` (or `idx`) cookie's value is the session id.
 *
 * @since 0.1.0
 */
export const cookieFor = (sessionId: SessionId, name: "sid" | "idx" = "sid"): SessionCookie =>
  new SessionCookie({ name, value: CookieValue.make(sessionId) })

interface UserState {
  readonly user: User
  /** Usually one or two: an array is lighter than a Set at a million users. */
  sessions: Array<string>
}

interface SessionState {
  readonly id: SessionId
  readonly userId: UserId
  readonly login: string
  readonly status: SessionStatus
  readonly createdAt: number
  expiresAt: number
  readonly lastPasswordVerification: number
  readonly lastFactorVerification: number | undefined
  readonly amr: ReadonlyArray<AuthenticationMethod>
  readonly idp: { readonly id: string; readonly type: IdentityProviderType }
}

interface WindowState {
  readonly limit: number
  readonly windowMillis: number
  start: number
  used: number
}

interface MutableCounters {
  requests: number
  byOperation: { [K in Operation]: number }
  byStatus: Map<number, number>
  tooManyRequests: number
  concurrencyRejections: number
  connectionResets: number
  hangs: number
  maxInFlight: number
}

const emptyCounters = (): MutableCounters => ({
  requests: 0,
  byOperation: {
    createSession: 0,
    getSession: 0,
    refreshSession: 0,
    revokeSession: 0,
    getCurrentSession: 0,
    refreshCurrentSession: 0,
    closeCurrentSession: 0,
    revokeUserSessions: 0
  },
  byStatus: new Map(),
  tooManyRequests: 0,
  concurrencyRejections: 0,
  connectionResets: 0,
  hangs: 0,
  maxInFlight: 0
})

const defaultWindow: RateLimitWindow = { limit: 600, window: Duration.minutes(1) }

const positiveDuration = (setting: string, input: Duration.DurationInput): Effect.Effect<Duration.Duration, InvalidSetting> => {
  const decoded = Duration.decodeUnknown(input)
  return Option.isSome(decoded) && Duration.isFinite(decoded.value) && Duration.toMillis(decoded.value) >= 1
    ? Effect.succeed(decoded.value)
    : Effect.fail(new InvalidSetting({ setting, detail: "must be a finite duration of at least 1 millisecond" }))
}

const positiveInteger = (setting: string, value: number): Effect.Effect<number, InvalidSetting> =>
  Number.isInteger(value) && value >= 1
    ? Effect.succeed(value)
    : Effect.fail(new InvalidSetting({ setting, detail: `must be a whole number >= 1, got ${value}` }))

const windowState = (setting: string, window: RateLimitWindow): Effect.Effect<WindowState, InvalidSetting> =>
  Effect.gen(function*() {
    const limit = yield* positiveInteger(`${setting}.limit`, window.limit)
    const duration = yield* positiveDuration(`${setting}.window`, window.window)
    return { limit, windowMillis: Duration.toMillis(duration), start: -1, used: 0 }
  })

const decodeFaultSettings = Schema.decodeUnknown(FaultSettings, { onExcessProperty: "error" })

/** The knobs in force after applying `settings` on top of `base`; refuses a setting out of range. */
const mergeFaults = (base: Faults, settings: FaultSettings): Effect.Effect<Faults, InvalidSetting> =>
  decodeFaultSettings(settings).pipe(
    Effect.mapError((error) =>
      new InvalidSetting({ setting: "faults", detail: ParseResult.TreeFormatter.formatErrorSync(error) })
    ),
    Effect.map((checked): Faults => ({ ...base, ...checked }))
  )

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

const randomText = (length: number): Effect.Effect<string> =>
  Effect.map(
    Effect.forEach(Array.from({ length }), () => Random.nextIntBetween(0, alphabet.length)),
    (indexes) => indexes.map((i) => alphabet[i] ?? "A").join("")
  )

/**
 * Builds a fake org; fails with `InvalidSetting` when an option is out of range.
 *
 * @since 0.1.0
 */
export const make = (options: FakeOkta.Options = {}): Effect.Effect<FakeOkta.Service, InvalidSetting> =>
  Effect.gen(function*() {
    const idleDefault = yield* positiveDuration("idleWindow", options.idleWindow ?? Duration.hours(2))
    let idleMillis = Duration.toMillis(idleDefault)
    let lifetimeMillis: number | undefined = options.maxLifetime === undefined
      ? undefined
      : Duration.toMillis(yield* positiveDuration("maxLifetime", options.maxLifetime))
    const tokenLifetimeMillis = Duration.toMillis(
      yield* positiveDuration("sessionTokenLifetime", options.sessionTokenLifetime ?? Duration.minutes(5))
    )
    let concurrencyLimitValue = yield* positiveInteger("concurrencyLimit", options.concurrencyLimit ?? 75)
    const windows: Record<Family, WindowState> = {
      sessions: yield* windowState("rateLimits.sessions", options.rateLimits?.sessions ?? defaultWindow),
      users: yield* windowState("rateLimits.users", options.rateLimits?.users ?? defaultWindow)
    }
    let faults: Faults = yield* mergeFaults(noFaults, options.faults ?? {})
    const orgUrl = (options.orgUrl ?? "https://fake-okta.example").replace(/\/+$/, "")

    const prefix = yield* randomText(6)
    const orgId = `00o${prefix}fake`
    let sequence = 0
    const nextId = (head: string) => `${head}${prefix}${(++sequence).toString(36).padStart(7, "0")}`

    const users = new Map<string, UserState>()
    // shared by every session the org starts: they never change
    const passwordOnly: ReadonlyArray<AuthenticationMethod> = ["pwd"]
    const orgIdp: { readonly id: string; readonly type: IdentityProviderType } = { id: orgId, type: "OKTA" }
    const sessions = new Map<string, SessionState>()
    const tokens = new Map<string, { readonly userId: UserId; readonly expiresAt: number }>()

    let counters = emptyCounters()
    let inFlight = 0

    const now = Clock.currentTimeMillis

    /** The session if it is alive at `at`; an expired one is forgotten on the way. */
    const alive = (sessionId: string, at: number): SessionState | undefined => {
      const session = sessions.get(sessionId)
      if (session === undefined) return undefined
      if (session.expiresAt <= at) {
        forget(session)
        return undefined
      }
      return session
    }

    const forget = (session: SessionState) => {
      sessions.delete(session.id)
      const owner = users.get(session.userId)
      if (owner !== undefined) owner.sessions = owner.sessions.filter((id) => id !== session.id)
    }

    const newUser = (login: string | undefined): User => {
      const id = UserId.make(nextId("00u"), true)
      const user: User = { id, login: login ?? `user${sequence}@example.com` }
      users.set(id, { user, sessions: [] })
      return user
    }

    const newSession = (user: User, at: number): SessionState => {
      const session: SessionState = {
        id: SessionId.make(nextId("102"), true),
        userId: user.id,
        login: user.login,
        status: "ACTIVE",
        createdAt: at,
        expiresAt: nextExpiry(at, at),
        lastPasswordVerification: at,
        lastFactorVerification: undefined,
        amr: passwordOnly,
        idp: orgIdp
      }
      sessions.set(session.id, session)
      users.get(user.id)?.sessions.push(session.id)
      return session
    }

    const nextExpiry = (createdAt: number, at: number): number =>
      lifetimeMillis === undefined ? at + idleMillis : Math.min(at + idleMillis, createdAt + lifetimeMillis)

    const sessionOf = (session: SessionState): Session => toSession(orgUrl, { ...session }, false)

    const userOrFail = (userId: UserId) =>
      Effect.suspend(() => {
        const user = users.get(userId)
        return user === undefined ? Effect.fail(new UnknownUser({ userId })) : Effect.succeed(user.user)
      })

    // ---- answering requests ----

    /** Counts a request in its family's fixed window; the state to report either way. */
    const admit = (family: Family, at: number): { readonly allowed: boolean; readonly state: RateLimitState } => {
      const window = windows[family]
      const start = Math.floor(at / window.windowMillis) * window.windowMillis
      if (start !== window.start) {
        window.start = start
        window.used = 0
      }
      const allowed = window.used < window.limit
      if (allowed) window.used++
      return {
        allowed,
        state: {
          limit: window.limit,
          remaining: window.limit - window.used,
          resetEpochSeconds: Math.ceil((start + window.windowMillis) / 1000)
        }
      }
    }

    const draw = (share: number): Effect.Effect<boolean> =>
      share <= 0 ? Effect.succeed(false) : share >= 1 ? Effect.succeed(true) : Effect.map(Random.next, (x) => x < share)

    const isCurrentOperation = (operation: Operation) =>
      operation === "getCurrentSession" || operation === "refreshCurrentSession" || operation === "closeCurrentSession"

    /** Builds a reply and counts its status. */
    const reply = (
      request: Request,
      requestId: string,
      knobs: Faults,
      at: number,
      status: number,
      rateLimit: RateLimitState,
      body: ReplyBody
    ): Reply => {
      if (status !== 0) counters.byStatus.set(status, (counters.byStatus.get(status) ?? 0) + 1)
      if (status === 429) counters.tooManyRequests++
      return {
        operation: request.operation,
        status,
        requestId,
        dateMillis: at,
        rateLimit,
        body,
        wireFault: undefined,
        unknownEnums: false,
        faults: knobs
      }
    }

    const errorBody = (requestId: string, code: string, summary: string): ReplyBody => ({
      _tag: "Error",
      error: { errorCode: code, errorSummary: summary, errorLink: code, errorId: `oae${requestId}`, errorCauses: [] }
    })

    const tooManyBody = (requestId: string) =>
      errorBody(requestId, "E0000047", "API call exceeded rate limit due to too many requests.")

    const empty: ReplyBody = { _tag: "Empty" }

    /** Carries out an admitted request on the org's state: the status and body Okta would answer. */
    const carryOut = (request: Request, requestId: string, at: number): { readonly status: number; readonly body: ReplyBody } => {
      const notFound = (id: string, kind: string) => ({
        status: 404,
        body: errorBody(requestId, "E0000007", `Not found: Resource not found: ${id} (${kind})`)
      })
      const sessionBody = (session: SessionState, current: boolean) => ({
        status: 200,
        body: { _tag: "Session" as const, session: { ...session }, current }
      })
      if (isCurrentOperation(request.operation)) {
        // Okta does not take an API credential on /me: the request is looked up by its cookie alone,
        // and one that carries a token is refused as if it had no session.
        const session = request.credential === "none" && request.cookie !== undefined
          ? alive(request.cookie, at)
          : undefined
        if (session === undefined) return notFound("me", "Session")
        if (request.operation === "closeCurrentSession") {
          forget(session)
          return { status: 204, body: empty }
        }
        if (request.operation === "refreshCurrentSession") session.expiresAt = nextExpiry(session.createdAt, at)
        return sessionBody(session, true)
      }
      if (request.credential === "insufficientScope") {
        return { status: 403, body: errorBody(requestId, "E0000006", "You do not have permission to perform the requested action") }
      }
      if (request.credential !== "valid") {
        return { status: 401, body: errorBody(requestId, "E0000011", "Invalid token provided") }
      }
      switch (request.operation) {
        case "createSession": {
          const token = request.sessionToken
          if (token === undefined || token === "") {
            return { status: 400, body: errorBody(requestId, "E0000001", "Api validation failed: sessionToken") }
          }
          const issued = tokens.get(token)
          tokens.delete(token)
          const user = issued === undefined || issued.expiresAt <= at ? undefined : users.get(issued.userId)
          if (user === undefined) return { status: 401, body: errorBody(requestId, "E0000011", "Invalid token provided") }
          return sessionBody(newSession(user.user, at), false)
        }
        case "revokeUserSessions": {
          const id = request.userId ?? ""
          const user = users.get(id)
          if (user === undefined) return notFound(id, "User")
          for (const sessionId of [...user.sessions]) {
            const session = sessions.get(sessionId)
            if (session !== undefined) forget(session)
          }
          return { status: 204, body: empty }
        }
        default: {
          const id = request.sessionId ?? ""
          const session = alive(id, at)
          if (session === undefined) return notFound(id, "Session")
          if (request.operation === "revokeSession") {
            forget(session)
            return { status: 204, body: empty }
          }
          if (request.operation === "refreshSession") session.expiresAt = nextExpiry(session.createdAt, at)
          return sessionBody(session, false)
        }
      }
    }

    /** Whether any knob needs effects (sleep, random draws) for this request. */
    const needsEffects = (knobs: Faults, wire: boolean) =>
      knobs.latencyMillis > 0 || knobs.tooManyRequestsRate > 0 || knobs.serverErrorRate > 0 ||
      (wire && (knobs.connectionResetRate > 0 || knobs.hangRate > 0 || knobs.malformedJsonRate > 0 ||
        knobs.oversizedBodyRate > 0 || knobs.unknownEnumRate > 0))

    /** The path with faults: latency, drops, forced 429 and 5xx, then damaged bodies; holds an in-flight slot. */
    const answerWithFaults = (
      request: Request,
      requestId: string,
      knobs: Faults,
      rateLimit: RateLimitState
    ): Effect.Effect<Reply> =>
      Effect.gen(function*() {
        if (knobs.latencyMillis > 0) yield* Effect.sleep(Duration.millis(knobs.latencyMillis))
        const at = yield* now
        const answerWith = (status: number, body: ReplyBody, limit = rateLimit) =>
          reply(request, requestId, knobs, at, status, limit, body)
        if (request.wire && (yield* draw(knobs.connectionResetRate))) {
          counters.connectionResets++
          return { ...answerWith(0, empty), wireFault: "connectionReset" as const }
        }
        if (request.wire && (yield* draw(knobs.hangRate))) {
          counters.hangs++
          return yield* Effect.never
        }
        if (yield* draw(knobs.tooManyRequestsRate)) {
          return answerWith(429, tooManyBody(requestId), { ...rateLimit, remaining: 0 })
        }
        if (yield* draw(knobs.serverErrorRate)) {
          const statuses = knobs.serverErrorStatuses
          const status = statuses[yield* Random.nextIntBetween(0, statuses.length)] ?? 500
          return status === 500
            ? answerWith(500, errorBody(requestId, "E0000009", "Internal Server Error"))
            : answerWith(status, empty)
        }
        const done = carryOut(request, requestId, at)
        const answered = answerWith(done.status, done.body)
        if (!request.wire || done.body._tag !== "Session") return answered
        const malformed = yield* draw(knobs.malformedJsonRate)
        const oversized = !malformed && (yield* draw(knobs.oversizedBodyRate))
        return {
          ...answered,
          wireFault: malformed ? "malformedJson" as const : oversized ? "oversizedBody" as const : undefined,
          unknownEnums: yield* draw(knobs.unknownEnumRate)
        }
      })

    const answer = (request: Request): Effect.Effect<Reply> =>
      Effect.clockWith((clock) => {
        const current = faults
        const knobs = request.wire
          ? current
          : current.omitDate || current.omitRateLimitReset || current.duplicateRateLimitReset
          ? { ...current, omitDate: false, omitRateLimitReset: false, duplicateRateLimitReset: false }
          : current
        const requestId = `${prefix}${(++sequence).toString(36).padStart(8, "0")}AAAA`
        counters.requests++
        counters.byOperation[request.operation]++
        const at = clock.unsafeCurrentTimeMillis()
        if (inFlight >= concurrencyLimitValue) {
          counters.concurrencyRejections++
          const estimate = { limit: 0, remaining: 0, resetEpochSeconds: Math.ceil(at / 1000) + 1 }
          return Effect.succeed(reply(request, requestId, knobs, at, 429, estimate, tooManyBody(requestId)))
        }
        const window = admit(familyOf[request.operation], at)
        if (!window.allowed) {
          return Effect.succeed(reply(request, requestId, knobs, at, 429, window.state, tooManyBody(requestId)))
        }
        if (!needsEffects(knobs, request.wire)) {
          // no knob needs time or chance: answered at once, so it holds no in-flight slot
          counters.maxInFlight = Math.max(counters.maxInFlight, inFlight + 1)
          const done = carryOut(request, requestId, at)
          return Effect.succeed(reply(request, requestId, knobs, at, done.status, window.state, done.body))
        }
        inFlight++
        counters.maxInFlight = Math.max(counters.maxInFlight, inFlight)
        return Effect.ensuring(
          answerWithFaults(request, requestId, knobs, window.state),
          Effect.sync(() => {
            inFlight--
          })
        )
      })

    const service: FakeOkta.Service = {
      orgUrl,
      createUser: (userOptions) => Effect.sync(() => newUser(userOptions?.login)),
      issueSessionToken: (userId, tokenOptions) =>
        Effect.gen(function*() {
          yield* userOrFail(userId)
          const lifetime = tokenOptions?.lifetime === undefined
            ? tokenLifetimeMillis
            : Duration.toMillis(yield* positiveDuration("lifetime", tokenOptions.lifetime))
          const token = `20111${yield* randomText(16)}${(++sequence).toString(36)}`
          tokens.set(token, { userId, expiresAt: (yield* now) + lifetime })
          return Redacted.make(token)
        }),
      startSession: (userId) =>
        Effect.gen(function*() {
          const user = yield* userOrFail(userId)
          return sessionOf(newSession(user, yield* now))
        }),
      seedSessions: (count, seedOptions) =>
        Effect.gen(function*() {
          if (!Number.isInteger(count) || count < 0) {
            return yield* new InvalidSetting({ setting: "count", detail: `must be a whole number >= 0, got ${count}` })
          }
          const maxAgeMillis = seedOptions?.maxAge === undefined
            ? 0
            : Duration.toMillis(yield* positiveDuration("maxAge", seedOptions.maxAge))
          const at = yield* now
          const seeded: Array<Session> = []
          for (let i = 0; i < count; i++) {
            const age = maxAgeMillis === 0 ? 0 : Math.floor((yield* Random.next) * maxAgeMillis)
            seeded.push(sessionOf(newSession(newUser(undefined), at - age)))
          }
          return seeded
        }),
      seedSessionIds: (count) =>
        Effect.gen(function*() {
          if (!Number.isInteger(count) || count < 0) {
            return yield* new InvalidSetting({ setting: "count", detail: `must be a whole number >= 0, got ${count}` })
          }
          const at = yield* now
          const seeded: Array<SessionId> = []
          for (let i = 0; i < count; i++) seeded.push(newSession(newUser(undefined), at).id)
          return seeded
        }),
      lookupSession: (sessionId) =>
        Effect.map(now, (at) => Option.map(Option.fromNullable(alive(sessionId, at)), sessionOf)),
      revokeSession: (sessionId) =>
        Effect.map(now, (at) => {
          const session = alive(sessionId, at)
          if (session !== undefined) forget(session)
          return session !== undefined
        }),
      revokeUserSessions: (userId) =>
        Effect.map(now, (at) => {
          let revoked = 0
          for (const sessionId of [...(users.get(userId)?.sessions ?? [])]) {
            const session = alive(sessionId, at)
            if (session !== undefined) {
              forget(session)
              revoked++
            }
          }
          return revoked
        }),
      activeSessionCount: Effect.map(now, (at) => {
        for (const session of [...sessions.values()]) if (session.expiresAt <= at) forget(session)
        return sessions.size
      }),
      idleWindow: Effect.sync(() => Duration.millis(idleMillis)),
      setIdleWindow: (idle) =>
        Effect.map(positiveDuration("idleWindow", idle), (d) => {
          idleMillis = Duration.toMillis(d)
        }),
      maxLifetime: Effect.sync(() => Option.map(Option.fromNullable(lifetimeMillis), Duration.millis)),
      setMaxLifetime: (lifetime) =>
        Option.match(lifetime, {
          onNone: () =>
            Effect.sync(() => {
              lifetimeMillis = undefined
            }),
          onSome: (input) =>
            Effect.map(positiveDuration("maxLifetime", input), (d) => {
              lifetimeMillis = Duration.toMillis(d)
            })
        }),
      rateLimit: (family) =>
        Effect.sync(() => ({ limit: windows[family].limit, window: Duration.millis(windows[family].windowMillis) })),
      setRateLimit: (family, window) =>
        Effect.map(windowState(`rateLimits.${family}`, window), (state) => {
          windows[family] = state
        }),
      concurrencyLimit: Effect.sync(() => concurrencyLimitValue),
      setConcurrencyLimit: (limit) =>
        Effect.map(positiveInteger("concurrencyLimit", limit), (value) => {
          concurrencyLimitValue = value
        }),
      faults: Effect.sync(() => faults),
      setFaults: (settings) =>
        Effect.suspend(() =>
          Effect.map(mergeFaults(faults, settings), (merged) => {
            faults = merged
            return merged
          })
        ),
      clearFaults: Effect.sync(() => {
        faults = noFaults
      }),
      counters: Effect.sync(() => ({
        ...counters,
        byOperation: { ...counters.byOperation },
        byStatus: Object.fromEntries(counters.byStatus)
      })),
      resetCounters: Effect.sync(() => {
        counters = emptyCounters()
      }),
      answer
    }
    return service
  })
/**
 * A fresh fake org as a layer.
 *
 * @example
 * ```ts
 * import { FakeOkta } from "effect-okta-sessions/testing"
 *
 * const OrgLive = FakeOkta.layer({
 *   idleWindow: "2 minutes",
 *   rateLimits: { sessions: { limit: 600, window: "5 seconds" } },
 *   faults: { serverErrorRate: 0.05 }
 * })
 * ```
 * @since 0.1.0
 */
export const layer = (options?: FakeOkta.Options): Layer.Layer<FakeOkta, InvalidSetting> =>
  Layer.effect(FakeOkta, make(options))
