import * as Crypto from "node:crypto"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { Operation } from "../operation.js"
import { type RegisteredClient, verifyClientAssertion } from "./assertionCheck.js"
import { verifyDpopProof } from "./dpopCheck.js"
import { type OAuthFailure, oauthFailure } from "./oauthFailure.js"
import { requiredScope } from "./requiredScopes.js"

/** A service app registered with the fake org. */
export interface ClientApp extends RegisteredClient {
  readonly keys: Map<string, Crypto.KeyObject>
  readonly scopes: ReadonlySet<string>
  readonly requireDpop: boolean
}

interface IssuedAccessToken {
  readonly clientId: string
  readonly scopes: ReadonlySet<string>
  readonly expiresAtMillis: number
  /** The DPoP key's thumbprint a bound token needs, or none for a Bearer token. */
  readonly thumbprint: string | undefined
  /** Revoked behind the client's back (`revokeAccessTokens`). */
  readonly revoked: boolean
}

/** An answer of the token endpoint: status, JSON body and extra headers (the DPoP nonce). */
export interface TokenAnswer {
  readonly status: number
  readonly body: Readonly<Record<string, unknown>>
  readonly headers: Readonly<Record<string, string>>
}

/** What an API request's credential amounts to. */
export type AccessCheck =
  /** Not an OAuth token this server issued: the API-token check decides. */
  | { readonly _tag: "NotOAuth" }
  | { readonly _tag: "Granted" }
  /** Expired, revoked, bound to another key or with a bad proof: 401 E0000011. */
  | { readonly _tag: "Invalid" }
  /** Valid, but without the operation's scope: 403 E0000006. */
  | { readonly _tag: "InsufficientScope" }
  /** A DPoP proof without the resource server's current nonce: 401 `use_dpop_nonce`. */
  | { readonly _tag: "NonceRequired"; readonly nonce: string }

/** Counters of the token endpoint and of OAuth tokens presented to the API. */
export interface OAuthCounters {
  readonly tokenRequests: number
  readonly tokensIssued: number
  /** Token endpoint errors by OAuth `error`. */
  readonly tokenErrors: Readonly<Record<string, number>>
  /** `use_dpop_nonce` answers, token endpoint and API together. */
  readonly nonceChallenges: number
  /** API requests that presented an issued token at or after its expiry. */
  readonly expiredTokenUses: number
  /** API requests let through with an OAuth token. */
  readonly grantedCalls: number
}

/** An API request's credential headers and target. */
export interface AccessRequest {
  readonly operation: Operation
  readonly authorization: string | undefined
  readonly dpop: string | undefined
  readonly method: string
  /** The URL without query. */
  readonly url: string
  /** The in-memory face has no proofs: the DPoP binding is not checked there. */
  readonly proofless: boolean
}

const randomText = (bytes: number) => Crypto.randomBytes(bytes).toString("base64url")

/** The fake org's authorization server: registered apps, issued tokens, nonces and counters. */
export const makeAuthorizationServer = (options: {
  readonly tokenLifetimeSeconds: number
  readonly tokenPrefix: string
}) =>
  Effect.sync(() => {
    const clients = new Map<string, ClientApp>()
    const seenJti = new Map<string, number>()
    const tokens = new Map<string, IssuedAccessToken>()
    let tokenLifetimeSeconds = options.tokenLifetimeSeconds
    const nonces = { token: randomText(12), api: randomText(12) }
    const counters = { tokenRequests: 0, tokensIssued: 0, nonceChallenges: 0, expiredTokenUses: 0, grantedCalls: 0 }
    const tokenErrors = new Map<string, number>()

    const fail = (failure: OAuthFailure, headers: Record<string, string> = {}): TokenAnswer => {
      tokenErrors.set(failure.error, (tokenErrors.get(failure.error) ?? 0) + 1)
      return { status: failure.status, body: { error: failure.error, error_description: failure.description }, headers }
    }

    /** Remembers a jti until its assertion expires; answers whether it was seen before. */
    const seen = (nowSeconds: number) => (jti: string): boolean => {
      for (const [old, exp] of seenJti) if (exp < nowSeconds) seenJti.delete(old)
      return seenJti.has(jti)
    }

    const tokenEndpoint = (input: {
      readonly form: URLSearchParams
      readonly dpop: string | undefined
      readonly tokenUrl: string
    }): Effect.Effect<TokenAnswer> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.promise(async (): Promise<TokenAnswer> => {
          counters.tokenRequests++
          const nowSeconds = Math.floor(now / 1000)
          const { form } = input
          if (form.get("grant_type") !== "client_credentials") {
            return fail(oauthFailure(400, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server."))
          }
          if (form.get("client_assertion_type") !== "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") {
            return fail(oauthFailure(401, "invalid_client", "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer."))
          }
          const verified = await verifyClientAssertion(form.get("client_assertion") ?? "", {
            tokenUrl: input.tokenUrl,
            nowSeconds,
            client: (id) => clients.get(id),
            seen: seen(nowSeconds)
          })
          if (Either.isLeft(verified)) return fail(verified.left)
          seenJti.set(verified.right.jti, verified.right.exp)
          const app = clients.get(verified.right.clientId)
          if (app === undefined) return fail(oauthFailure(401, "invalid_client", "The client is not valid."))
          const asked = (form.get("scope") ?? "").split(" ").filter((scope) => scope !== "")
          const refused = asked.filter((scope) => !app.scopes.has(scope))
          if (asked.length === 0 || refused.length > 0) {
            return fail(oauthFailure(400, "invalid_scope", `The following scopes are not allowed: ${refused.join(", ") || "(none asked)"}`))
          }
          let thumbprint: string | undefined
          if (input.dpop !== undefined) {
            const proof = await verifyDpopProof(input.dpop, { method: "POST", url: input.tokenUrl, nowSeconds, nonce: nonces.token, accessToken: undefined })
            if (Either.isLeft(proof)) {
              if (proof.left._tag === "NonceRequired") {
                counters.nonceChallenges++
                return fail(oauthFailure(400, "use_dpop_nonce", "Authorization server requires nonce in DPoP proof."), { "dpop-nonce": nonces.token })
              }
              return fail(oauthFailure(400, "invalid_dpop_proof", proof.left.description))
            }
            thumbprint = proof.right.thumbprint
          } else if (app.requireDpop) {
            return fail(oauthFailure(400, "invalid_dpop_proof", "The DPoP proof JWT header is missing."))
          }
          const accessToken = `${options.tokenPrefix}${randomText(30)}`
          tokens.set(accessToken, {
            clientId: app.clientId,
            scopes: new Set(asked),
            expiresAtMillis: now + tokenLifetimeSeconds * 1000,
            thumbprint,
            revoked: false
          })
          counters.tokensIssued++
          return {
            status: 200,
            body: {
              token_type: thumbprint === undefined ? "Bearer" : "DPoP",
              expires_in: tokenLifetimeSeconds,
              access_token: accessToken,
              scope: asked.join(" ")
            },
            headers: {}
          }
        }))

    const checkAccess = (request: AccessRequest): Effect.Effect<AccessCheck> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.promise(async (): Promise<AccessCheck> => {
          const match = /^(Bearer|DPoP) (\S+)$/.exec(request.authorization?.trim() ?? "")
          const value = match?.[2]
          const token = value === undefined ? undefined : tokens.get(value)
          if (match === null || value === undefined || token === undefined) return { _tag: "NotOAuth" }
          if (token.revoked) return invalid(false)
          if (token.expiresAtMillis <= now) return invalid(true)
          if (token.thumbprint !== undefined && !request.proofless) {
            if (match[1] !== "DPoP" || request.dpop === undefined) return invalid(false)
            const proof = await verifyDpopProof(request.dpop, {
              method: request.method,
              url: request.url,
              nowSeconds: Math.floor(now / 1000),
              nonce: nonces.api,
              accessToken: value
            })
            if (Either.isLeft(proof)) {
              if (proof.left._tag === "InvalidProof") return invalid(false)
              counters.nonceChallenges++
              return { _tag: "NonceRequired", nonce: nonces.api }
            }
            if (proof.right.thumbprint !== token.thumbprint) return invalid(false)
          }
          const scope = requiredScope[request.operation]
          if (scope !== undefined && !token.scopes.has(scope)) return { _tag: "InsufficientScope" }
          counters.grantedCalls++
          return { _tag: "Granted" }
        }))

    const invalid = (expired: boolean): AccessCheck => {
      if (expired) counters.expiredTokenUses++
      return { _tag: "Invalid" }
    }

    return {
      clients,
      tokenEndpoint,
      checkAccess,
      setTokenLifetimeSeconds: (seconds: number) => {
        tokenLifetimeSeconds = seconds
      },
      revokeAccessTokens: () => {
        for (const [value, token] of tokens) tokens.set(value, { ...token, revoked: true })
      },
      rotateNonces: () => {
        nonces.token = randomText(12)
        nonces.api = randomText(12)
      },
      counters: (): OAuthCounters => ({ ...counters, tokenErrors: Object.fromEntries(tokenErrors) })
    }
  })

/** The authorization server's operations. */
export type AuthorizationServer = Effect.Effect.Success<ReturnType<typeof makeAuthorizationServer>>
