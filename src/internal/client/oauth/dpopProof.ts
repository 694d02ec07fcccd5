import * as Crypto from "node:crypto"
import * as Effect from "effect/Effect"
/**
 * DPoP (RFC 9449): the process's proof key and one proof per request, signed with jose (loaded on
 * first use, see `joseModule.ts`).
 */
import * as Redacted from "effect/Redacted"
import type { JWK } from "jose"
import { loadJose } from "./joseModule.js"
import type { SigningKey } from "./signingKey.js"

/** The key pair that DPoP proofs are signed with, and the public JWK they carry in their header. */
export interface DpopKey {
  readonly signingKey: SigningKey
  readonly publicJwk: JWK
}

/**
 * The DPoP key: the one given, or an ES256 (P-256) key pair made for this process. A token Okta
 * issues is bound to it, so it lives as long as the token cache.
 */
export const makeDpopKey = (given: SigningKey | undefined): Effect.Effect<DpopKey> =>
  Effect.gen(function*() {
    const signingKey: SigningKey = given ?? {
      key: Redacted.make(Crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey),
      algorithm: "ES256",
      jwkKeyId: undefined,
      secrets: []
    }
    const publicJwk = yield* Effect.promise(async () => (await loadJose()).exportJWK(Crypto.createPublicKey(Redacted.value(signingKey.key))))
    return { signingKey, publicJwk }
  })

/** The `ath` claim: base64url of the SHA-256 of the access token (RFC 9449 section 4.2). */
export const accessTokenHash = (accessToken: Redacted.Redacted<string>): string =>
  Crypto.createHash("sha256").update(Redacted.value(accessToken)).digest("base64url")

/** The `htu` claim: the URL without query and fragment. */
export const proofUrl = (url: string): string => {
  const parsed = new URL(url)
  return `${parsed.origin}${parsed.pathname}`
}

/** What one proof states. */
export interface DpopProofInput {
  readonly key: DpopKey
  readonly method: string
  readonly url: string
  readonly nowSeconds: number
  readonly jti: string
  /** The server's latest `DPoP-Nonce`, when it has sent one. */
  readonly nonce: string | undefined
  /** On API calls: the access token the proof goes with (its hash becomes `ath`). */
  readonly accessToken: Redacted.Redacted<string> | undefined
}

/** Signs a DPoP proof JWT (`typ: dpop+jwt`, the public JWK in the header; htm, htu, iat, jti, nonce, ath). */
export const signDpopProof = async (input: DpopProofInput): Promise<Redacted.Redacted<string>> =>
  new (await loadJose()).SignJWT({
    htm: input.method,
    htu: proofUrl(input.url),
    ...(input.nonce === undefined ? {} : { nonce: input.nonce }),
    ...(input.accessToken === undefined ? {} : { ath: accessTokenHash(input.accessToken) })
  })
    .setProtectedHeader({ alg: input.key.signingKey.algorithm, typ: "dpop+jwt", jwk: input.key.publicJwk })
    .setIssuedAt(input.nowSeconds)
    .setJti(input.jti)
    .sign(Redacted.value(input.key.signingKey.key))
    .then(Redacted.make)
