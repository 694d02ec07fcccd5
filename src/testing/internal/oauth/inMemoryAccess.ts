/**
 * OAuth on the in-memory face: each API-token call presents the current `OktaAuth.AccessToken`
 * token to the `FakeOktaAuth` (scope, expiry, revocation; no DPoP binding, since there are no
 * proofs without HTTP), and a 401 to it renews once and replays once, as the HTTP client does.
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { AccessToken, TokenError } from "../../../OktaAuth.js"
import type { FakeOktaAuth } from "../../FakeOktaAuth.js"
import type { Operation } from "../operation.js"
import type { Credential } from "../protocol.js"

/** The two services the in-memory face needs for OAuth. */
export interface OAuthServices {
  readonly tokens: AccessToken.Service
  readonly auth: FakeOktaAuth.Service
}

/** Runs `run` with the credential the current token amounts to; an `isUnauthorized` failure renews and replays once. */
export const withOAuthCredential = <A, E>(
  services: OAuthServices,
  operation: Operation,
  url: string,
  run: (credential: Credential) => Effect.Effect<A, E>,
  isUnauthorized: (error: E) => boolean
): Effect.Effect<A, E | TokenError> => {
  const { auth, tokens } = services
  const once = (replayed: boolean): Effect.Effect<A, E | TokenError> =>
    Effect.gen(function*() {
      const token = yield* tokens.get
      const check = yield* auth.checkAccess({
        operation,
        authorization: `Bearer ${Redacted.value(token.accessToken)}`,
        dpop: undefined,
        method: "GET",
        url,
        proofless: true
      })
      const credential: Credential = check._tag === "Granted"
        ? "valid"
        : check._tag === "InsufficientScope"
        ? "insufficientScope"
        : "invalid"
      return yield* run(credential).pipe(
        Effect.catchIf(
          (error) => !replayed && isUnauthorized(error),
          () => Effect.zipRight(tokens.invalidate(token), once(true))
        )
      )
    })
  return once(false)
}
