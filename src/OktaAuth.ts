/**
 * OAuth 2.0 for service apps: private-key client credentials (a signed client assertion, RS256 or
 * ES256) and, when the app requires it, DPoP-bound tokens. Set `authorizationMode: "PrivateKey"` in
 * `OktaConfig` and `Sessions.layer` (and so `Keepalive` and the CLI) fetches, caches and renews the
 * access token itself: ahead of its expiry (a jittered lead), one renewal in flight however many
 * fibers call, a 401 renewing once and replaying the call once, and the DPoP `use_dpop_nonce`
 * exchange on the token endpoint and on API calls. This module holds the options, the
 * token endpoint's typed error and an `AccessToken` service for code that needs the token itself.
 *
 * @since 0.2.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import * as PrivateKeySettings from "./internal/client/oauth/privateKeySettings.js"
import { makeOAuth } from "./internal/client/oauth/oauthAuthorizer.js"
import * as InternalTokenError from "./internal/client/oauth/tokenError.js"
import { OktaConfig } from "./OktaConfig.js"

/**
 * The options of `authorizationMode: "PrivateKey"` (fields of `OktaConfig.Options`): `clientId`,
 * `scopes`, `privateKey` (PEM or JWK, `Redacted`), `keyId`, `dpop`, `tokenRenewalLead` (default
 * 5 minutes, at most half a token's lifetime) and `tokenRenewalJitter` (default 0.2).
 *
 * @since 0.2.0
 * @category models
 */
export type PrivateKeyOptions = PrivateKeySettings.PrivateKeyOptions

/**
 * The token endpoint refused or did not answer: Okta's `error` (`invalid_client`,
 * `invalid_scope`, `invalid_dpop_proof`, ...), `errorDescription` (scrubbed), `status`,
 * `requestId`. A 429 or 5xx is retried first by the client's own schedules; an OAuth error is not.
 *
 * @since 0.2.0
 * @category errors
 */
export const TokenError = InternalTokenError.TokenError

/**
 * @since 0.2.0
 * @category errors
 */
export type TokenError = InternalTokenError.TokenError

/**
 * An access token as the service hands it out.
 *
 * @since 0.2.0
 * @category models
 */
export interface Token {
  readonly accessToken: Redacted.Redacted<string>
  /** `Bearer`, or `DPoP` for a token bound to the process's DPoP key. */
  readonly tokenType: "Bearer" | "DPoP"
  /** Its expiry, epoch milliseconds (counted from before it was asked for). */
  readonly expiresAtMillis: number
}

/**
 * A cached, self-renewing access token of the `PrivateKey` configuration. `Sessions.layer` does not
 * need it (its HTTP client keeps its own); use it to hand the token to other code, or to the
 * in-memory face of `effect-okta-sessions/testing`.
 *
 * @since 0.2.0
 * @category tags
 */
export class AccessToken extends Context.Tag("effect-okta-sessions/OktaAuth/AccessToken")<
  AccessToken,
  AccessToken.Service
>() {}

/**
 * @since 0.2.0
 * @category models
 */
export declare namespace AccessToken {
  /**
   * @since 0.2.0
   * @category models
   */
  export interface Service {
    /** The current token: cached, renewed ahead of its expiry, never one at or past it. */
    readonly get: Effect.Effect<Token, TokenError>
    /** Forgets a token the server refused, so that the next `get` renews it. */
    readonly invalidate: (token: Token) => Effect.Effect<void>
  }
}

/**
 * The access token of the `OktaConfig` in context (which must use `authorizationMode: "PrivateKey"`,
 * else the layer fails with a `ConfigError`), fetched over the `HttpClient` in context.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: Layer.Layer<AccessToken, ConfigError.ConfigError, OktaConfig | HttpClient.HttpClient> = Layer.effect(
  AccessToken,
  Effect.gen(function*() {
    const config = yield* OktaConfig
    if (config.credential._tag !== "PrivateKey") {
      return yield* Effect.fail(
        ConfigError.InvalidData(["OKTA_CLIENT_AUTHORIZATIONMODE"], "OktaAuth.layer needs authorizationMode PrivateKey")
      )
    }
    const http = yield* HttpClient.HttpClient
    const oauth = yield* makeOAuth({ ...config, settings: config.credential.settings }, http)
    return { get: oauth.tokens.get, invalidate: oauth.tokens.invalidate }
  })
)
