import * as Crypto from "node:crypto"
import type * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Clock from "effect/Clock"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Schedule from "effect/Schedule"
import type * as RateLimit from "../../../RateLimit.js"
import type * as Retry from "../../../Retry.js"
import type { AuthorizationHeaders, Authorizer, UnauthorizedDecision } from "../authorizer.js"
import { makeDpopKey, signDpopProof } from "./dpopProof.js"
import { makeNonceStore } from "./nonceStore.js"
import type { PrivateKeySettings } from "./privateKeySettings.js"
import { makeTokenCache, type TokenCache } from "./tokenCache.js"
import { type IssuedToken, requestToken } from "./tokenEndpoint.js"

/** What the OAuth authorizer takes from the client's configuration. */
export interface OAuthContext {
  readonly settings: PrivateKeySettings
  readonly rateLimitRetry: Schedule.Schedule<unknown, RateLimit.RateLimited>
  readonly transientRetry: Schedule.Schedule<unknown, Retry.TransientError>
  readonly requestTimeout: Option.Option<Duration.Duration>
  readonly userAgent: string
  readonly maxResponseBytes: number
}

/** The OAuth authorizer and the token cache behind it. */
export interface OAuth {
  readonly authorizer: Authorizer
  readonly tokens: TokenCache
}

/** `WWW-Authenticate: DPoP error="use_dpop_nonce"`: the resource server wants a (newer) nonce. */
const asksForNonce = (headers: Headers.Headers): boolean =>
  /^\s*DPoP\b.*\berror\s*=\s*"?use_dpop_nonce"?/i.test(headers["www-authenticate"] ?? "")

/**
 * Private-key client credentials over the user's `HttpClient`: a token cache renewed ahead of
 * expiry, and, with DPoP, a proof per request with the resource server's latest nonce.
 */
export const makeOAuth = (context: OAuthContext, userClient: HttpClient.HttpClient): Effect.Effect<OAuth> =>
  Effect.gen(function*() {
    const { settings } = context
    const dpopKey = Option.isSome(settings.dpop) ? Option.some(yield* makeDpopKey(settings.dpop.value)) : Option.none()
    const nonces = yield* makeNonceStore
    // The platform client's own span would record every header (the DPoP proof among them).
    const client = HttpClient.withTracerDisabledWhen(userClient, () => true)
    const tokens = yield* makeTokenCache(
      requestToken({ ...context, client, dpopKey, nonces }),
      { lead: settings.renewalLead, jitter: settings.renewalJitter }
    )
    /** Which token each header set carries, to forget the right one after a 401. */
    const issuedFor = new WeakMap<AuthorizationHeaders, IssuedToken>()

    const authorize = (request: { readonly method: string; readonly url: string }) =>
      Effect.gen(function*() {
        const token = yield* tokens.get
        let headers: AuthorizationHeaders
        if (Option.isNone(dpopKey)) {
          const authorization = Redacted.make(`Bearer ${Redacted.value(token.accessToken)}`)
          headers = { authorization, secrets: [authorization, token.accessToken] }
        } else {
          const nowSeconds = Math.floor((yield* Clock.currentTimeMillis) / 1000)
          const nonce = yield* nonces.get("api")
          const proof = yield* Effect.promise(() =>
            signDpopProof({ key: dpopKey.value, ...request, nowSeconds, jti: Crypto.randomUUID(), nonce, accessToken: token.accessToken })
          )
          const authorization = Redacted.make(`DPoP ${Redacted.value(token.accessToken)}`)
          headers = { authorization, dpop: proof, secrets: [authorization, token.accessToken, proof] }
        }
        issuedFor.set(headers, token)
        return headers
      })

    const onUnauthorized = (headers: Headers.Headers, used: AuthorizationHeaders) =>
      Effect.gen(function*() {
        const nonce = headers["dpop-nonce"]
        if (Option.isSome(dpopKey) && nonce !== undefined && asksForNonce(headers)) {
          yield* nonces.set("api", nonce)
          return "replay" satisfies UnauthorizedDecision
        }
        const token = issuedFor.get(used)
        if (token === undefined) return "fail" satisfies UnauthorizedDecision
        yield* Effect.logDebug("OktaAuth: a 401 to a cached access token; renewing it and replaying the call once")
        yield* tokens.invalidate(token)
        return "replay" satisfies UnauthorizedDecision
      })

    // The private keys' texts: never in an answer the client reports, whatever a server echoes.
    const secrets = [
      ...settings.signingKey.secrets,
      ...(Option.isSome(dpopKey) ? dpopKey.value.signingKey.secrets : [])
    ]
    return { authorizer: { authorize, onUnauthorized, secrets, fixed: false }, tokens }
  })
