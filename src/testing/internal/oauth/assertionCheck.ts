import * as Crypto from "node:crypto"
import * as Either from "effect/Either"
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify } from "jose"
import { type OAuthFailure, oauthFailure } from "./oauthFailure.js"

/** A registered service app as the assertion check needs it. */
export interface RegisteredClient {
  readonly clientId: string
  /** Its public keys by `kid`; a revoked key is gone from here. */
  readonly keys: ReadonlyMap<string, Crypto.KeyObject>
}

/** What a verified assertion says. */
export interface VerifiedAssertion {
  readonly clientId: string
  readonly jti: string
  /** Its expiry, epoch seconds: the jti is remembered until then. */
  readonly exp: number
}

const invalidClient = (description: string) => Either.left(oauthFailure(401, "invalid_client", description))

/**
 * Verifies a `private_key_jwt` client assertion as Okta does: a known client (iss = sub), a known
 * `kid` (or the only key), an RS256/ES256 signature, aud = the token URL, not expired, at most an
 * hour long, and a jti not seen before (`seen`).
 */
export const verifyClientAssertion = async (
  assertion: string,
  input: {
    readonly tokenUrl: string
    readonly nowSeconds: number
    readonly client: (clientId: string) => RegisteredClient | undefined
    readonly seen: (jti: string) => boolean
  }
): Promise<Either.Either<VerifiedAssertion, OAuthFailure>> => {
  let header: ReturnType<typeof decodeProtectedHeader>
  let claims: ReturnType<typeof decodeJwt>
  try {
    header = decodeProtectedHeader(assertion)
    claims = decodeJwt(assertion)
  } catch {
    return invalidClient("The client_assertion token is malformed.")
  }
  const clientId = typeof claims.iss === "string" ? claims.iss : ""
  const client = input.client(clientId)
  if (client === undefined || claims.sub !== clientId) return invalidClient("The client_assertion is not valid for any client.")
  const key = header.kid === undefined
    ? (client.keys.size === 1 ? [...client.keys.values()][0] : undefined)
    : client.keys.get(header.kid)
  if (key === undefined) return invalidClient("The client_assertion signature is invalid: no key found for the kid.")
  try {
    const { payload } = await jwtVerify(assertion, key, {
      algorithms: ["RS256", "ES256"],
      audience: input.tokenUrl,
      issuer: clientId,
      subject: clientId,
      currentDate: new Date(input.nowSeconds * 1000),
      requiredClaims: ["exp", "iat", "jti"]
    })
    const exp = payload.exp ?? 0
    if (exp - (payload.iat ?? 0) > 3600) {
      return invalidClient("The client_assertion token has an expiration too far into the future.")
    }
    const jti = payload.jti ?? ""
    if (input.seen(jti)) return invalidClient("The client_assertion token has already been used.")
    return Either.right({ clientId, jti, exp })
  } catch (error) {
    if (error instanceof errors.JWTExpired) return invalidClient("The client_assertion token is expired.")
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === "aud") {
      return invalidClient("The audience claim for client_assertion must be the endpoint invoking the client_assertion.")
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) return invalidClient("The client_assertion signature is invalid.")
    return invalidClient("The client_assertion token is not valid.")
  }
}
