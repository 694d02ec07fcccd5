import * as Crypto from "node:crypto"
import * as Either from "effect/Either"
import { calculateJwkThumbprint, EmbeddedJWK, errors, jwtVerify } from "jose"

/** Why a DPoP proof was refused: a bad proof, or a missing or stale nonce. */
export type ProofFailure = { readonly _tag: "InvalidProof"; readonly description: string } | { readonly _tag: "NonceRequired" }

/** The proof's key thumbprint (`jkt`) and jti. */
export interface VerifiedProof {
  readonly thumbprint: string
  readonly jti: string
}

const invalid = (description: string) => Either.left<ProofFailure>({ _tag: "InvalidProof", description })

/**
 * Verifies a DPoP proof (RFC 9449 section 4.3): `typ: dpop+jwt`, the signature by the embedded
 * public JWK, htm = the method, htu = the URL without query, iat within a minute, a jti, the
 * expected nonce and, with an access token, ath = its hash.
 */
export const verifyDpopProof = async (
  proof: string,
  input: {
    readonly method: string
    /** The request's URL without query. */
    readonly url: string
    readonly nowSeconds: number
    readonly nonce: string
    readonly accessToken: string | undefined
  }
): Promise<Either.Either<VerifiedProof, ProofFailure>> => {
  try {
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {
      typ: "dpop+jwt",
      algorithms: ["RS256", "ES256"],
      currentDate: new Date(input.nowSeconds * 1000),
      requiredClaims: ["iat", "jti"]
    })
    if (payload["htm"] !== input.method) return invalid("The DPoP proof htm claim does not match the request method.")
    if (payload["htu"] !== input.url) return invalid("The DPoP proof htu claim does not match the request URL.")
    if (Math.abs((payload.iat ?? 0) - input.nowSeconds) > 60) return invalid("The DPoP proof iat is not recent.")
    if (input.accessToken !== undefined) {
      const ath = Crypto.createHash("sha256").update(input.accessToken).digest("base64url")
      if (payload["ath"] !== ath) return invalid("The DPoP proof ath claim does not match the access token.")
    }
    if (payload["nonce"] !== input.nonce) return Either.left({ _tag: "NonceRequired" })
    const jwk = protectedHeader.jwk
    if (jwk === undefined) return invalid("The DPoP proof has no jwk header.")
    return Either.right({ thumbprint: await calculateJwkThumbprint(jwk), jti: payload.jti ?? "" })
  } catch (error) {
    if (error instanceof errors.JWSSignatureVerificationFailed) return invalid("The DPoP proof signature is invalid.")
    return invalid("The DPoP proof JWT is not valid.")
  }
}
