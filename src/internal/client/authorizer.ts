/**
 * What the HTTP client asks, per request, for the API credential: a static one (an SSWS API token
 * or a caller's Bearer token) never changes; OAuth private-key client credentials renew their
 * token and sign a DPoP proof per request (`oauth/oauthAuthorizer.ts`).
 */
import type * as Headers from "@effect/platform/Headers"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { TokenError } from "./oauth/tokenError.js"

/** The credential headers of one request. */
export interface AuthorizationHeaders {
  /** `SSWS <token>`, `Bearer <token>` or `DPoP <token>`. */
  readonly authorization: Redacted.Redacted<string>
  /** The DPoP proof of this request, with DPoP-bound tokens. */
  readonly dpop?: Redacted.Redacted<string> | undefined
  /** What the secret scrubber removes from this request's answer: the header value, the token, the proof. */
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
}

/** What a 401 means for the request that met it. */
export type UnauthorizedDecision = "replay" | "fail"

/** The API credential, per request. */
export interface Authorizer {
  /** The headers for a request to `url` (its query is not part of a DPoP proof). */
  readonly authorize: (request: { readonly method: string; readonly url: string }) => Effect.Effect<AuthorizationHeaders, TokenError>
  /**
   * Called once per request after a 401 answered to `used`: `replay` when sending it again may
   * succeed (the token was renewed, or the server asked for a DPoP nonce); the client replays at
   * most once.
   */
  readonly onUnauthorized: (headers: Headers.Headers, used: AuthorizationHeaders) => Effect.Effect<UnauthorizedDecision>
  /** Secrets of the credential that every answer is scrubbed of (a static token, the private key's text). */
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
  /** `authorize` hands out the same headers every time and opens no span (a static token). */
  readonly fixed: boolean
}

/** The authorizer of a static `Authorization` value: the same header every time, and a 401 is final. */
export const staticAuthorizer = (authorization: Redacted.Redacted<string>): Authorizer => {
  const value = Redacted.value(authorization)
  // The header value and the token inside it.
  const secrets = [authorization, Redacted.make(value.slice(value.indexOf(" ") + 1))]
  const headers = Effect.succeed<AuthorizationHeaders>({ authorization, secrets: [] })
  const fail = Effect.succeed<UnauthorizedDecision>("fail")
  return { authorize: () => headers, onUnauthorized: () => fail, secrets, fixed: true }
}
