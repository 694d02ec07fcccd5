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
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { InvalidOptions } from "../InvalidOptions.js"
import { CookieValue, type SessionId, SessionCookie } from "../Session.js"
import type * as counters from "./internal/counters.js"
import type * as directory from "./internal/directory.js"
import * as faults from "./internal/faults.js"
import * as service from "./internal/fakeOktaService.js"
import { makeOrg } from "./internal/org.js"
import * as operation from "./internal/operation.js"
import * as orgOptions from "./internal/orgOptions.js"

/**
 * The operations of the Sessions API, named as in `Sessions.Service` (the endpoint table's names).
 *
 * @since 0.1.0
 * @category operations
 */
export const Operation = operation.OperationSchema

/**
 * @since 0.1.0
 * @category operations
 */
export type Operation = operation.Operation

/**
 * Okta's rate-limit families of these operations: `sessions` (`/api/v1/sessions*`, the `/me` calls
 * included) and `users` (`/api/v1/users*`), as the endpoint table assigns them.
 *
 * @since 0.1.0
 * @category operations
 */
export type Family = operation.Family

/**
 * The family each operation counts against.
 *
 * @since 0.1.0
 * @category operations
 */
export const familyOf: { readonly [K in Operation]: Family } = operation.familyOf

/**
 * The fault knobs, every one optional when set (unset knobs keep their value; an unknown knob is
 * refused). Shares are drawn per request with Effect's `Random`. Settable at start
 * (`layer({ faults })`), while running (`FakeOkta.setFaults`) and, on the emulator only, with
 * `PATCH /__admin/faults` and this JSON.
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
 * @category faults
 */
export const FaultSettings = faults.FaultSettings

/**
 * @since 0.1.0
 * @category faults
 */
export type FaultSettings = faults.FaultSettings

/**
 * Every fault knob with its current value. `noFaults` is the default.
 *
 * @since 0.1.0
 * @category faults
 */
export type Faults = faults.Faults

/**
 * No fault at all: what a new `FakeOkta` starts with unless `layer({ faults })` says otherwise.
 *
 * @since 0.1.0
 * @category faults
 */
export const noFaults: Faults = faults.noFaults

/**
 * A fixed rate-limit window of one family: at most `limit` requests per `window`, windows aligned to
 * the epoch (so `X-Rate-Limit-Reset` is the end of the current window).
 *
 * @since 0.1.0
 * @category settings
 */
export type RateLimitWindow = orgOptions.RateLimitWindow

/**
 * A test operation named a user the fake org does not have.
 *
 * @since 0.1.0
 * @category errors
 */
export const UnknownUser = service.UnknownUser

/**
 * @since 0.1.0
 * @category errors
 */
export type UnknownUser = service.UnknownUser

/**
 * A user of the fake org.
 *
 * @since 0.1.0
 * @category models
 */
export type User = directory.User

/**
 * What the fake has counted since it started (or since `resetCounters`). Requests refused by a
 * rate limit count too; admin calls and test operations (`seedSessions`, `revokeSession`, ...) do not.
 *
 * @since 0.1.0
 * @category models
 */
export type Counters = counters.Counters

/**
 * One rate-limit window of one family as the fake counted it (`windowCounts`): the requests that
 * arrived in it, refused ones included, and its 429s. What a fleet test reads to check that the
 * processes together stayed within their shared budget in every window.
 *
 * @since 0.3.0
 * @category models
 */
export type WindowCount = counters.WindowCount

/**
 * Options of `seedSessions`. With `maxAge`, each session is made as if signed in a random time up
 * to `maxAge` ago (and not used since), so expiries spread out as in a live org instead of all
 * falling at once.
 *
 * @since 0.1.0
 * @category models
 */
export type SeedOptions = service.SeedOptions

/**
 * The fake org as a service.
 *
 * @since 0.1.0
 * @category services
 */
export class FakeOkta extends Context.Tag("effect-okta-sessions/testing/FakeOkta")<FakeOkta, FakeOkta.Service>() {}

/**
 * @since 0.1.0
 * @category services
 */
export declare namespace FakeOkta {
  /**
   * Options of `layer` and `make`. Every one has a default: `idleWindow` 2 hours, `maxLifetime`
   * none, `sessionTokenLifetime` 5 minutes, `rateLimits` 600 per minute per family,
   * `concurrencyLimit` 75, `faults` none.
   *
   * @since 0.1.0
   * @category options
   */
  export interface Options extends orgOptions.FakeOktaOptions {}

  /**
   * The org's test controls: its state for tests and demos, its settings, its fault knobs and
   * counters. Requests are answered by the faces (`InMemorySessions`, `OktaEmulator`).
   *
   * @since 0.1.0
   * @category services
   */
  export interface Service extends service.FakeOktaService {}
}

/**
 * The cookie a browser holding this session would send to the `/me` operations: in the fake, the
 * `sid` (or `idx`) cookie's value is the session id.
 *
 * @since 0.1.0
 * @category cookies
 */
export const cookieFor = (sessionId: SessionId, name: "sid" | "idx" = "sid"): SessionCookie =>
  new SessionCookie({ name, value: CookieValue.make(sessionId) })

/**
 * Builds a fake org; fails with `InvalidOptions` (module `FakeOkta`) naming the first option out of range.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: FakeOkta.Options = {}): Effect.Effect<FakeOkta.Service, InvalidOptions> =>
  Effect.map(Effect.flatMap(orgOptions.decodeOrgOptions(options), makeOrg), service.makeService)

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
 * @category layers
 */
export const layer = (options?: FakeOkta.Options): Layer.Layer<FakeOkta, InvalidOptions> =>
  Layer.effect(FakeOkta, make(options))
