/**
 * An Okta-compatible HTTP server on the fake org: the eight Sessions operations in Okta's wire
 * format, bound to 127.0.0.1, started as a scoped layer that closes (connections included) with its
 * scope. The real client (`Sessions.layer` + `OktaConfig.layer` + an `HttpClient`) works against it;
 * `layerClient` wires that up.
 *
 * What it speaks:
 * - Session JSON with Okta's field names, ISO date-times and `_links`; 204 for revoke and close;
 *   error bodies with `errorCode`, `errorSummary`, `errorLink`, `errorId`, `errorCauses`; never a `_tag`.
 * - `X-Okta-Request-Id` and `Date` on every answer; `X-Rate-Limit-Limit/Remaining/Reset` of the
 *   family (`/api/v1/sessions*`, `/api/v1/users*`) on every API answer, 429s included.
 * - `Authorization: SSWS <apiToken>` or `Bearer <apiToken>` on the API-token operations, else 401
 *   E0000011. The `/me` operations read the `sid` or `idx` cookie (whose value is the session id in
 *   the fake) and answer 404 E0000007 when an `Authorization` header comes along: Okta does not take
 *   an API token there.
 * - With a `FakeOktaAuth` in context (no new requirement in the type): `POST /oauth2/v1/token`, and
 *   its OAuth tokens on the API-token operations (`Bearer` or `DPoP` with a proof; the scope per
 *   operation, 403 E0000006 without; 401 `use_dpop_nonce` with a `DPoP-Nonce`).
 * - `Prefer: return=minimal` on both refresh operations: 204 with `Preference-Applied: return=minimal`.
 * - Fixed rate-limit windows per family and a concurrent-request limit (429 with Limit = Remaining = 0),
 *   and every fault knob of `FakeOkta.FaultSettings`.
 *
 * Admin routes (this emulator only, never on Okta; same API token; not counted, not rate-limited):
 * - `GET /__admin/faults`, `PATCH /__admin/faults` with `FaultSettings` JSON (answers the knobs in
 *   force, or 400 naming the bad knob), `DELETE /__admin/faults` (back to none).
 * - `GET /__admin/counters`, `DELETE /__admin/counters`; `GET /__admin/windows`: the requests and
 *   429s of every rate-limit window so far (`FakeOkta.windowCounts`).
 * - `POST /__admin/sessions` with `{"count": n}`: seeds n users with a session each, answers the sessions.
 * - `POST /__admin/users` with `{"login"?: string}`, `POST /__admin/users/{userId}/session-tokens`
 *   (answers `{"sessionToken": ...}`), `DELETE /__admin/sessions/{sessionId}` and
 *   `DELETE /__admin/users/{userId}/sessions` (revoke behind the client's back).
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpRouter from "@effect/platform/HttpRouter"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type { InvalidOptions } from "../InvalidOptions.js"
import * as OktaConfig from "../OktaConfig.js"
import * as Sessions from "../Sessions.js"
import * as FakeOkta from "./FakeOkta.js"
import { FakeOktaAuth } from "./FakeOktaAuth.js"
import { adminRoutes } from "./internal/adminRoutes.js"
import { apiRoutes, notFound } from "./internal/apiRoutes.js"
import { type EmulatorOptions, startServer } from "./internal/emulatorServer.js"
import { orgOf } from "./internal/fakeOktaService.js"
import { tokenRoutes } from "./internal/oauth/emulatorAccess.js"
import { makeStamp } from "./internal/wireReply.js"

/**
 * A running emulator: its base URL (`http://127.0.0.1:<port>`, no trailing slash) and the API token it
 * accepts.
 *
 * @since 0.1.0
 * @category services
 */
export class OktaEmulator extends Context.Tag("effect-okta-sessions/testing/OktaEmulator")<
  OktaEmulator,
  OktaEmulator.Service
>() {}

/**
 * @since 0.1.0
 * @category services
 */
export declare namespace OktaEmulator {
  /**
   * A running emulator.
   *
   * @since 0.1.0
   * @category services
   */
  export interface Service {
    /** `http://127.0.0.1:<port>`, no trailing slash: the `orgUrl` to give the client. */
    readonly url: string
    readonly port: number
    /** The API token the emulator accepts as `SSWS <token>` or `Bearer <token>`. */
    readonly apiToken: Redacted.Redacted<string>
  }

  /**
   * Options of `layer` and `make`: `port` (default 0, a free port) and `apiToken` (default a random one).
   *
   * @since 0.1.0
   * @category options
   */
  export interface Options extends EmulatorOptions {}
}

/**
 * Starts the emulator on the `FakeOkta` in context. The server, and every connection still open,
 * closes when the layer's scope closes. A port out of range or a token with spaces or control
 * characters is an `InvalidOptions` (module `OktaEmulator`); a port in use is a `ServeError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: OktaEmulator.Options = {}
): Effect.Effect<
  OktaEmulator.Service,
  HttpServerError.ServeError | InvalidOptions,
  FakeOkta.FakeOkta | Scope.Scope
> =>
  Effect.gen(function*() {
    const okta = yield* FakeOkta.FakeOkta
    const org = yield* orgOf(okta)
    const { apiToken, port, server, url } = yield* startServer(options)
    const token = Redacted.value(apiToken)
    const stamp = makeStamp()
    // With a FakeOktaAuth in context: the token endpoint, and its OAuth tokens (scopes, DPoP) on the API.
    const auth = yield* Effect.serviceOption(FakeOktaAuth)
    const router = apiRoutes(org, url, token, auth).pipe(
      HttpRouter.concat(tokenRoutes(auth, url, stamp)),
      HttpRouter.concat(adminRoutes(okta, url, token, stamp)),
      HttpRouter.all("*", stamp(notFound))
    )
    yield* server.serve(router)
    return { url, port, apiToken }
  })

/**
 * The emulator as a scoped layer on the `FakeOkta` in context.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options?: OktaEmulator.Options
): Layer.Layer<OktaEmulator, HttpServerError.ServeError | InvalidOptions, FakeOkta.FakeOkta> =>
  Layer.scoped(OktaEmulator, make(options))

/**
 * The emulator with its own fake org; both services are in the output.
 *
 * @example
 * ```ts
 * import { FakeOkta, OktaEmulator } from "effect-okta-sessions/testing"
 *
 * const EmulatorLive = OktaEmulator.layerWithFakeOkta({ port: 8080 }, { idleWindow: "2 minutes" })
 * ```
 * @since 0.1.0
 * @category layers
 */
export const layerWithFakeOkta = (
  options?: OktaEmulator.Options,
  fakeOkta?: FakeOkta.FakeOkta.Options
): Layer.Layer<OktaEmulator | FakeOkta.FakeOkta, HttpServerError.ServeError | InvalidOptions> =>
  layer(options).pipe(Layer.provideMerge(FakeOkta.layer(fakeOkta)))

/**
 * `OktaConfig` pointed at the emulator in context, with its API token. Other options as in `OktaConfig.layer`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options?: Omit<OktaConfig.OktaConfig.Options, "orgUrl" | "token" | "authorizationMode">
): Layer.Layer<OktaConfig.OktaConfig, ConfigError.ConfigError, OktaEmulator> =>
  Layer.unwrapEffect(
    Effect.map(OktaEmulator, (emulator) => OktaConfig.layer({ ...options, orgUrl: emulator.url, token: emulator.apiToken }))
  )

/**
 * The real `Sessions` client pointed at the emulator in context, over the `HttpClient` you provide
 * (`FetchHttpClient.layer` or `NodeHttpClient.layerUndici`).
 *
 * @example
 * ```ts
 * import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
 * import { Layer } from "effect"
 * import { OktaEmulator } from "effect-okta-sessions/testing"
 *
 * const SessionsOnEmulator = OktaEmulator.layerClient().pipe(
 *   Layer.provideMerge(OktaEmulator.layerWithFakeOkta()),
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * ```
 * @since 0.1.0
 * @category layers
 */
export const layerClient = (
  options?: Omit<OktaConfig.OktaConfig.Options, "orgUrl" | "token" | "authorizationMode">
): Layer.Layer<Sessions.Sessions, ConfigError.ConfigError, OktaEmulator | HttpClient.HttpClient> =>
  Sessions.layer.pipe(Layer.provide(layerConfig(options)))
