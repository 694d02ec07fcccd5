import type * as Headers from "@effect/platform/Headers"
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import type { TokenError } from "./oauth/tokenError.js"

/** The credential headers of one request. */
export interface AuthorizationHeaders {
  /** `SSWS <token>`, `Bearer <token>` or `DPoP <token>`. */
  readonly authorization: Redacted.Redacted<string>
  /** The DPoP proof of this request, with DPoP-bound tokens. */
  readonly dpop?: Redacted.Redacted<string> | undefined
}

/** What a 401 means for the request that met it. */
export type UnauthorizedDecision = "replay" | "fail"

/**
 * What the HTTP client asks, per request, for the API credential. A static credential (SSWS or a
 * caller's Bearer token) never changes; OAuth renews its token and signs a DPoP proof per request.
 */
export interface Authorizer {
  /** The headers for a request to `url` (its query is not part of a DPoP proof). */
  readonly authorize: (request: { readonly method: string; readonly url: string }) => Effect.Effect<AuthorizationHeaders, TokenError>
  /**
   * Called once per request after a 401 answered to `used`: `replay` when sending it again may
   * succeed (the token was renewed, or the server asked for a DPoP nonce); the client replays at
   * most once.
   */
  readonly onUnauthorized: (headers: Headers.Headers, used: AuthorizationHeaders) => Effect.Effect<UnauthorizedDecision>
}

/** The authorizer of a static credential: the same header every time, and a 401 is final. */
export const staticAuthorizer = (authorization: Redacted.Redacted<string>): Authorizer => {
  const headers = Effect.succeed({ authorization })
  const fail = Effect.succeed<UnauthorizedDecision>("fail")
  return { authorize: () => headers, onUnauthorized: () => fail }
}
