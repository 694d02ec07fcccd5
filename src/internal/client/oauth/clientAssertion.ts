/**
 * The `private_key_jwt` client assertion of a token request, signed with jose (loaded on first use,
 * see `joseModule.ts`).
 */
import * as Redacted from "effect/Redacted"
import { loadJose } from "./joseModule.js"
import type { SigningKey } from "./signingKey.js"

/**
 * How long a client assertion is valid: Okta takes at most an hour, and its jti can be used once.
 * Ten minutes leaves room for a slow answer or a skewed clock without keeping a stolen one useful long.
 */
export const assertionLifetimeSeconds = 600

/** What a client assertion states. */
export interface ClientAssertionInput {
  readonly clientId: string
  /** The token URL: the assertion's audience. */
  readonly tokenUrl: string
  readonly signingKey: SigningKey
  readonly keyId: string | undefined
  /** Now, in epoch seconds (from Effect's `Clock`, so the `TestClock` drives it). */
  readonly nowSeconds: number
  /** A unique id for this assertion (Okta refuses a replayed one). */
  readonly jti: string
}

/**
 * Signs the `private_key_jwt` client assertion of RFC 7523 as Okta wants it: iss = sub = client id,
 * aud = the token URL, iat, exp (10 minutes later), jti, and `kid` in the header when known.
 */
export const signClientAssertion = async (input: ClientAssertionInput): Promise<Redacted.Redacted<string>> =>
  new (await loadJose()).SignJWT({})
    .setProtectedHeader({
      alg: input.signingKey.algorithm,
      typ: "JWT",
      ...(input.keyId === undefined ? {} : { kid: input.keyId })
    })
    .setIssuer(input.clientId)
    .setSubject(input.clientId)
    .setAudience(input.tokenUrl)
    .setIssuedAt(input.nowSeconds)
    .setExpirationTime(input.nowSeconds + assertionLifetimeSeconds)
    .setJti(input.jti)
    .sign(Redacted.value(input.signingKey.key))
    .then(Redacted.make)
