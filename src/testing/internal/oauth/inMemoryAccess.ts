import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { AccessToken, TokenError } from "../../../OktaAuth.js"
import type { Credential, Operation } from "../../FakeOkta.js"
import type { FakeOktaAuth } from "../../FakeOktaAuth.js"

/**
 * The in-memory face with an `OktaAuth.AccessToken` and a `FakeOktaAuth` in context: each
 * API-token call presents the current token, and a 401 to it renews once and replays once, as the
 * HTTP client does. The DPoP binding is not checked here (no proofs without HTTP). Without both
 * services the call runs with a valid API credential, as before.
 */
export const withOAuthCredential = <A, E>(
  services: Option.Option<{ readonly tokens: AccessToken.Service; readonly auth: FakeOktaAuth.Service }>,
  operation: Operation,
  url: string,
  run: (credential: Credential) => Effect.Effect<A, E>,
  isUnauthorized: (error: E) => boolean
): Effect.Effect<A, E | TokenError> => {
  if (Option.isNone(services)) return run("valid")
  const { auth, tokens } = services.value
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
