import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { parseSigningKey, type SigningKey } from "./signingKey.js"

/** What a user sets for private-key client credentials (OAuth 2.0 service app). */
export interface PrivateKeyOptions {
  /** The service app's client id. Env `OKTA_CLIENT_CLIENTID`. */
  readonly clientId?: string | undefined
  /** The scopes to ask for, as a list or one space/comma separated text. Env `OKTA_CLIENT_SCOPES`. */
  readonly scopes?: ReadonlyArray<string> | string | undefined
  /** The app's private key: PEM (PKCS#8, PKCS#1, SEC1) or a JWK (JSON text or object). Env `OKTA_CLIENT_PRIVATEKEY`. */
  readonly privateKey?: Redacted.Redacted<string | object> | undefined
  /** The `kid` of the app's public key in Okta; default the JWK's own `kid`. Env `OKTA_CLIENT_KEYID`. */
  readonly keyId?: string | undefined
  /**
   * DPoP-bound tokens: `true` for a per-process ES256 key pair, or `{ privateKey }` to prove with a
   * key of your own (RSA or P-256). Default off. Env `OKTA_CLIENT_DPOP` (true/false).
   */
  readonly dpop?: boolean | { readonly privateKey?: Redacted.Redacted<string | object> | undefined } | undefined
  /** How long before its expiry a token is renewed. Default 5 minutes, at most half its lifetime. */
  readonly tokenRenewalLead?: Duration.DurationInput | undefined
  /** The lead is stretched by a random share up to this (0 to 1), so processes spread. Default 0.2. */
  readonly tokenRenewalJitter?: number | undefined
}

/** The checked settings. */
export interface PrivateKeySettings {
  readonly clientId: string
  readonly scopes: ReadonlyArray<string>
  readonly signingKey: SigningKey
  readonly keyId: string | undefined
  /** `None` without DPoP; `Some(undefined)` for a key pair generated per process. */
  readonly dpop: Option.Option<SigningKey | undefined>
  readonly renewalLead: Duration.Duration
  readonly renewalJitter: number
  /** `{orgUrl}/oauth2/v1/token`. */
  readonly tokenUrl: string
}

/** A refused setting and why; `OktaConfig` turns it into a `ConfigError` with the env name. */
export interface SettingProblem {
  readonly setting: "clientId" | "scopes" | "privateKey" | "keyId" | "dpop" | "tokenRenewalLead" | "tokenRenewalJitter"
  readonly message: string
}

/** Default lead of a token renewal. */
export const defaultRenewalLead: Duration.Duration = Duration.minutes(5)

/** Default jitter of the lead. */
export const defaultRenewalJitter = 0.2

const visible = /^[\x21-\x7e]+$/

const problem = (setting: SettingProblem["setting"], message: string) => Either.left<SettingProblem>({ setting, message })

/** Checks the private-key options of an org; every problem names its setting and never quotes a key. */
export const decodePrivateKeySettings = (
  options: PrivateKeyOptions,
  orgUrl: string
): Either.Either<PrivateKeySettings, SettingProblem> => {
  const clientId = options.clientId?.trim() ?? ""
  if (clientId === "") return problem("clientId", "is missing (required with authorizationMode PrivateKey)")
  if (!visible.test(clientId)) return problem("clientId", "contains whitespace or a control character")
  const scopes = (typeof options.scopes === "string" ? options.scopes.split(/[\s,]+/) : options.scopes ?? [])
    .map((scope) => scope.trim())
    .filter((scope) => scope !== "")
  if (scopes.length === 0) return problem("scopes", "is empty; name at least one, e.g. okta.sessions.manage")
  const badScope = scopes.find((scope) => !visible.test(scope) || scope.includes("\""))
  if (badScope !== undefined) return problem("scopes", "holds a scope with a control character or quote")
  if (options.privateKey === undefined) return problem("privateKey", "is missing (required with authorizationMode PrivateKey)")
  const signingKey = parseSigningKey(Redacted.value(options.privateKey))
  if (Either.isLeft(signingKey)) return problem("privateKey", signingKey.left)
  const keyId = options.keyId?.trim() || signingKey.right.jwkKeyId
  if (keyId !== undefined && !visible.test(keyId)) return problem("keyId", "contains whitespace or a control character")
  let dpop: Option.Option<SigningKey | undefined> = Option.none()
  if (options.dpop === true) dpop = Option.some(undefined)
  else if (typeof options.dpop === "object" && options.dpop.privateKey === undefined) dpop = Option.some(undefined)
  else if (typeof options.dpop === "object" && options.dpop.privateKey !== undefined) {
    const dpopKey = parseSigningKey(Redacted.value(options.dpop.privateKey))
    if (Either.isLeft(dpopKey)) return problem("dpop", `privateKey ${dpopKey.left}`)
    dpop = Option.some(dpopKey.right)
  }
  const lead = Duration.decodeUnknown(options.tokenRenewalLead ?? defaultRenewalLead)
  if (Option.isNone(lead) || !Duration.isFinite(lead.value)) return problem("tokenRenewalLead", "must be a finite duration")
  const jitter = options.tokenRenewalJitter ?? defaultRenewalJitter
  if (!Number.isFinite(jitter) || jitter < 0 || jitter > 1) return problem("tokenRenewalJitter", `must be from 0 to 1, got ${jitter}`)
  return Either.right({
    clientId,
    scopes,
    signingKey: signingKey.right,
    keyId,
    dpop,
    renewalLead: lead.value,
    renewalJitter: jitter,
    tokenUrl: `${orgUrl}/oauth2/v1/token`
  })
}
