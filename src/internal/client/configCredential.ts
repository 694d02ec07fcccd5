/**
 * The credential part of `OktaConfig.make`: with `SSWS` or `Bearer`, the API token as the
 * `Authorization` value; with `PrivateKey`, the checked OAuth private-key settings (the token is
 * then fetched and renewed by `oauth/`, and `token` is not read).
 */
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import type { AuthorizationMode, OktaConfig } from "../../OktaConfig.js"
import { checkApiToken } from "./apiToken.js"
import { decodePrivateKeySettings } from "./oauth/privateKeySettings.js"

/** A refused credential setting (an option path) and why. */
export interface CredentialProblem {
  readonly setting: string
  readonly detail: string
  /** The setting was not given at all (a `ConfigError.MissingData`, not an `InvalidData`). */
  readonly missing?: true
}

/** The credential of `mode`, or the setting that stops it. */
export const checkCredential = (
  given: OktaConfig.Options,
  mode: AuthorizationMode,
  orgUrl: string
): Either.Either<OktaConfig.Credential, CredentialProblem> => {
  if (mode === "PrivateKey") {
    return Either.match(decodePrivateKeySettings(given, orgUrl), {
      onLeft: ({ message, setting }) => Either.left({ setting, detail: message }),
      onRight: (settings) => Either.right({ _tag: "PrivateKey", settings })
    })
  }
  if (given.token === undefined) {
    return Either.left({
      setting: "token",
      detail: `is missing: a Redacted string (Redacted.make) is required with ${mode}`,
      missing: true
    })
  }
  return Either.match(checkApiToken(given.token), {
    onLeft: (detail) => Either.left({ setting: "token", detail }),
    onRight: (token) => Either.right({ _tag: "ApiToken", authorization: Redacted.make(`${mode} ${token}`) })
  })
}
