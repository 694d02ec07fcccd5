import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"

/**
 * The latest `DPoP-Nonce` each server sent: the authorization server's (token endpoint) and the
 * resource server's (API calls) are kept apart, as RFC 9449 lets them differ. A newer nonce
 * replaces the older one.
 */
export interface NonceStore {
  readonly get: (server: NonceServer) => Effect.Effect<string | undefined>
  readonly set: (server: NonceServer, nonce: string) => Effect.Effect<void>
}

/** Which server a nonce is from. */
export type NonceServer = "token" | "api"

/** A nonce must be visible ASCII and not absurdly long; anything else is ignored. */
const usableNonce = /^[\x21-\x7e]{1,512}$/

/** A new, empty store. */
export const makeNonceStore: Effect.Effect<NonceStore> = Effect.map(
  Ref.make<Readonly<Record<NonceServer, string | undefined>>>({ token: undefined, api: undefined }),
  (ref) => ({
    get: (server) => Effect.map(Ref.get(ref), (nonces) => nonces[server]),
    set: (server, nonce) =>
      usableNonce.test(nonce) ? Ref.update(ref, (nonces) => ({ ...nonces, [server]: nonce })) : Effect.void
  })
)
