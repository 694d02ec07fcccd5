/**
 * The fake org's OAuth 2.0 authorization server, for service apps: register an app's public key
 * and scopes, and both faces (`OktaEmulator` over HTTP, `InMemorySessions` in memory) accept the
 * access tokens it issues. Its token endpoint verifies the client assertion (signature by the
 * registered key, aud, exp, a jti never seen before), answers Okta's OAuth errors
 * (`invalid_client`, `invalid_scope`, `invalid_dpop_proof`, `use_dpop_nonce`), issues tokens with
 * a settable lifetime (seconds in tests; the org's time is Effect's `Clock`), and binds a token to
 * the DPoP key that proved for it. The API checks each token's scope per operation
 * (`okta.sessions.read` for get, `okta.sessions.manage` for refresh and revoke,
 * `okta.users.manage` for revokeUserSessions: 403 E0000006 without) and, over HTTP, the DPoP
 * proof (signature, htm, htu, ath, key, and the resource server's nonce: 401 `use_dpop_nonce`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FakeOktaAuth } from "effect-okta-sessions/testing"
 *
 * const register = Effect.gen(function*() {
 *   const auth = yield* FakeOktaAuth.FakeOktaAuth
 *   const key = yield* FakeOktaAuth.generateClientKey("ES256")
 *   yield* auth.registerClient({ clientId: "0oa-service", publicKey: key.publicJwk, keyId: key.keyId, scopes: ["okta.sessions.manage"] })
 *   return key.privateKey // give it to OktaConfig.layer({ authorizationMode: "PrivateKey", ... })
 * })
 * ```
 * @since 0.2.0
 */
import * as Crypto from "node:crypto"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { exportJWK, type JWK } from "jose"
import { InvalidOptions } from "../InvalidOptions.js"
import {
  type AccessCheck,
  type AccessRequest,
  makeAuthorizationServer,
  type OAuthCounters,
  type TokenAnswer
} from "./internal/oauth/authorizationServer.js"

/**
 * The fake authorization server. Provide it with `layer` next to `FakeOkta.layer`.
 *
 * @since 0.2.0
 * @category tags
 */
export class FakeOktaAuth extends Context.Tag("effect-okta-sessions/testing/FakeOktaAuth")<
  FakeOktaAuth,
  FakeOktaAuth.Service
>() {}

/**
 * @since 0.2.0
 * @category models
 */
export declare namespace FakeOktaAuth {
  /**
   * Options of `layer`.
   *
   * @since 0.2.0
   * @category models
   */
  export interface Options {
    /** How long an issued token lasts (`expires_in`). Default 1 hour, as Okta's. */
    readonly tokenLifetime?: Duration.DurationInput | undefined
    /** Text every issued token starts with (a leak test can search for it). Default `oat.`. */
    readonly tokenPrefix?: string | undefined
  }

  /**
   * A service app: its client id, one public key (more with further calls) and the scopes granted.
   *
   * @since 0.2.0
   * @category models
   */
  export interface ClientRegistration {
    readonly clientId: string
    /** The public key as a JWK, a PEM text or a `KeyObject`. */
    readonly publicKey: JWK | string | Crypto.KeyObject
    readonly keyId: string
    readonly scopes: ReadonlyArray<string>
    /** Refuse a token request without a DPoP proof (`invalid_dpop_proof`). Default false. */
    readonly requireDpop?: boolean | undefined
  }

  /**
   * The service.
   *
   * @since 0.2.0
   * @category models
   */
  export interface Service {
    /** Registers an app, or adds a key and the scopes to one registered before. */
    readonly registerClient: (registration: ClientRegistration) => Effect.Effect<void, InvalidOptions>
    /** Removes an app's key: assertions it signs are refused (`invalid_client`). */
    readonly revokeClientKey: (clientId: string, keyId: string) => Effect.Effect<void>
    /** The lifetime of tokens issued from now on. */
    readonly setTokenLifetime: (lifetime: Duration.DurationInput) => Effect.Effect<void, InvalidOptions>
    /** Revokes every issued token behind the client's back: the API answers 401 to them. */
    readonly revokeAccessTokens: Effect.Effect<void>
    /** New DPoP nonces for the token endpoint and the API: the next proof of each meets `use_dpop_nonce`. */
    readonly rotateDpopNonces: Effect.Effect<void>
    /** Counters: token requests, tokens issued, errors by `error`, nonce challenges, expired and granted uses. */
    readonly counters: Effect.Effect<OAuthCounters>
    /** The token endpoint, for the faces: a form and a DPoP header in, Okta's answer out. */
    readonly tokenEndpoint: (input: {
      readonly form: URLSearchParams
      readonly dpop: string | undefined
      readonly tokenUrl: string
    }) => Effect.Effect<TokenAnswer>
    /** What an API request's credential amounts to, for the faces. */
    readonly checkAccess: (request: AccessRequest) => Effect.Effect<AccessCheck>
  }
}

/**
 * A service with no app registered.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: FakeOktaAuth.Options = {}): Effect.Effect<FakeOktaAuth.Service, InvalidOptions> =>
  Effect.gen(function*() {
    const lifetimeSeconds = yield* lifetimeOf(options.tokenLifetime ?? Duration.hours(1))
    const server = yield* makeAuthorizationServer({ tokenLifetimeSeconds: lifetimeSeconds, tokenPrefix: options.tokenPrefix ?? "oat." })
    const registerClient = (registration: FakeOktaAuth.ClientRegistration) =>
      Effect.gen(function*() {
        const key = yield* Effect.try({
          try: () =>
            registration.publicKey instanceof Crypto.KeyObject
              ? Crypto.createPublicKey(registration.publicKey)
              : typeof registration.publicKey === "string"
              ? Crypto.createPublicKey(registration.publicKey)
              : Crypto.createPublicKey({ key: { ...registration.publicKey }, format: "jwk" }),
          catch: () => new InvalidOptions({ module: "FakeOktaAuth", option: "publicKey", detail: "is not a public key (JWK or PEM)" })
        })
        if (registration.clientId === "" || registration.keyId === "") {
          return yield* new InvalidOptions({ module: "FakeOktaAuth", option: "clientId", detail: "and keyId must not be empty" })
        }
        const known = server.clients.get(registration.clientId)
        const keys = known?.keys ?? new Map<string, Crypto.KeyObject>()
        keys.set(registration.keyId, key)
        server.clients.set(registration.clientId, {
          clientId: registration.clientId,
          keys,
          scopes: new Set([...(known?.scopes ?? []), ...registration.scopes]),
          requireDpop: registration.requireDpop ?? known?.requireDpop ?? false
        })
      })
    return {
      registerClient,
      revokeClientKey: (clientId, keyId) => Effect.sync(() => server.clients.get(clientId)?.keys.delete(keyId)),
      setTokenLifetime: (lifetime) => Effect.map(lifetimeOf(lifetime), server.setTokenLifetimeSeconds),
      revokeAccessTokens: Effect.sync(server.revokeAccessTokens),
      rotateDpopNonces: Effect.sync(server.rotateNonces),
      counters: Effect.sync(server.counters),
      tokenEndpoint: server.tokenEndpoint,
      checkAccess: server.checkAccess
    }
  })

const lifetimeOf = (input: Duration.DurationInput): Effect.Effect<number, InvalidOptions> => {
  const decoded = Duration.decodeUnknown(input)
  return Option.isSome(decoded) && Duration.isFinite(decoded.value) && Duration.toSeconds(decoded.value) >= 1
    ? Effect.succeed(Math.floor(Duration.toSeconds(decoded.value)))
    : Effect.fail(new InvalidOptions({ module: "FakeOktaAuth", option: "tokenLifetime", detail: "must be a finite duration of at least 1 second" }))
}

/**
 * The authorization server as a layer.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options?: FakeOktaAuth.Options): Layer.Layer<FakeOktaAuth, InvalidOptions> =>
  Layer.effect(FakeOktaAuth, make(options))

/**
 * An `HttpClient` that answers `POST …/oauth2/v1/token` in this process, from the
 * `FakeOktaAuth` in context (any other request gets a 404): the token source for the in-memory
 * face, with no sockets.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerTokenClient: Layer.Layer<HttpClient.HttpClient, never, FakeOktaAuth> = Layer.effect(
  HttpClient.HttpClient,
  Effect.map(FakeOktaAuth, (auth) =>
    HttpClient.make((request, url) =>
      Effect.gen(function*() {
        const tokenUrl = `${url.origin}${url.pathname}`
        if (request.method !== "POST" || !url.pathname.endsWith("/oauth2/v1/token")) {
          return HttpClientResponse.fromWeb(request, new Response(null, { status: 404 }))
        }
        const body = request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : ""
        const answer = yield* auth.tokenEndpoint({ form: new URLSearchParams(body), dpop: request.headers["dpop"], tokenUrl })
        return HttpClientResponse.fromWeb(
          request,
          new Response(JSON.stringify(answer.body), {
            status: answer.status,
            headers: { ...answer.headers, "content-type": "application/json" }
          })
        )
      })
    ))
)

/**
 * A fresh key pair for a test app: the private key as PKCS#8 PEM (`Redacted`), the public JWK
 * (with `kid` and `alg`) to register, and the key id.
 *
 * @since 0.2.0
 * @category constructors
 */
export const generateClientKey = (
  algorithm: "RS256" | "ES256"
): Effect.Effect<{ readonly privateKey: Redacted.Redacted<string>; readonly publicJwk: JWK; readonly keyId: string }> =>
  Effect.promise(async () => {
    const pair = algorithm === "RS256"
      ? Crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
      : Crypto.generateKeyPairSync("ec", { namedCurve: "P-256" })
    const keyId = `kid-${Crypto.randomBytes(6).toString("hex")}`
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: keyId, alg: algorithm }
    const pem = pair.privateKey.export({ format: "pem", type: "pkcs8" })
    return { privateKey: Redacted.make(typeof pem === "string" ? pem : pem.toString("utf8")), publicJwk, keyId }
  })
