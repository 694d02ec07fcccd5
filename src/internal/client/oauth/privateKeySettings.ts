import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { parseSigningKey, type SigningKey } from "./signingKey.js"

/** What a user sets for private-key client credentials (OAuth 2.0 service app). */
export interface PrivateKeyOptions {
  /** The service app's client id. Env `OKTA_CLIENT_CLIENTID`. */
  readonly clientId?: string | undefined
  /**
   * The scopes to ask for, as a list or one text separated by spaces or commas. Env
   * `OKTA_CLIENT_SCOPES` (an okta.yaml `scopes` list arrives joined with commas).
   */
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

/** A key given as `Redacted` PEM or JWK; anything else is refused, never quoted. */
const keyOf = (input: unknown, setting: "privateKey" | "dpop", prefix: string): Either.Either<SigningKey, SettingProblem> => {
  if (!Redacted.isRedacted(input)) return problem(setting, `${prefix}must be Redacted (Redacted.make), not a plain value`)
  const value: unknown = Redacted.value(input)
  if (typeof value !== "string" && (typeof value !== "object" || value === null)) {
    return problem(setting, `${prefix}must be a PEM text or a JWK`)
  }
  return Either.mapLeft(parseSigningKey(value), (reason) => ({ setting, message: `${prefix}${reason}` }))
}

/** The scopes as a list: one text split on spaces and commas (env, okta.yaml), or a list of such texts. */
const scopesOf = (input: unknown): ReadonlyArray<string> | undefined => {
  const texts = typeof input === "string" ? [input] : Array.isArray(input) ? input : input === undefined ? [] : undefined
  if (texts === undefined || !texts.every((text): text is string => typeof text === "string")) return undefined
  return texts.flatMap((text) => text.split(/[\s,]+/)).filter((scope) => scope !== "")
}

/** The DPoP choice: `None` off, `Some(undefined)` for a per-process key pair, `Some(key)` for a given key. */
const dpopOf = (input: unknown): Either.Either<Option.Option<SigningKey | undefined>, SettingProblem> => {
  if (input === undefined || input === false) return Either.right(Option.none())
  if (input === true) return Either.right(Option.some(undefined))
  if (typeof input !== "object" || input === null) return problem("dpop", "expected true, false or { privateKey }")
  const given: { readonly privateKey?: unknown } = input
  if (given.privateKey === undefined) return Either.right(Option.some(undefined))
  return Either.map(keyOf(given.privateKey, "dpop", "privateKey "), Option.some)
}

/**
 * Checks the private-key options of an org; every problem names its setting and never quotes a key.
 * Values are checked as `unknown`, so plain JavaScript meets the same refusals as typed code.
 */
export const decodePrivateKeySettings = (
  options: PrivateKeyOptions,
  orgUrl: string
): Either.Either<PrivateKeySettings, SettingProblem> =>
  Either.gen(function*() {
    const rawClientId: unknown = options.clientId
    if (rawClientId !== undefined && typeof rawClientId !== "string") return yield* problem("clientId", "expected a string")
    const clientId = rawClientId?.trim() ?? ""
    if (clientId === "") return yield* problem("clientId", "is missing (required with authorizationMode PrivateKey)")
    if (!visible.test(clientId)) return yield* problem("clientId", "contains whitespace or a control character")
    const scopes = scopesOf(options.scopes)
    if (scopes === undefined) return yield* problem("scopes", "expected a list of scopes, or one text of them separated by spaces or commas")
    if (scopes.length === 0) return yield* problem("scopes", "is empty; name at least one, e.g. okta.sessions.manage")
    if (scopes.some((scope) => !visible.test(scope) || scope.includes("\""))) {
      return yield* problem("scopes", "holds a scope with a control character or quote")
    }
    if (options.privateKey === undefined) return yield* problem("privateKey", "is missing (required with authorizationMode PrivateKey)")
    const signingKey = yield* keyOf(options.privateKey, "privateKey", "")
    const rawKeyId: unknown = options.keyId
    if (rawKeyId !== undefined && typeof rawKeyId !== "string") return yield* problem("keyId", "expected a string")
    const keyId = rawKeyId?.trim() || signingKey.jwkKeyId
    if (keyId !== undefined && !visible.test(keyId)) return yield* problem("keyId", "contains whitespace or a control character")
    const dpop = yield* dpopOf(options.dpop)
    const lead = Duration.decodeUnknown(options.tokenRenewalLead ?? defaultRenewalLead)
    if (Option.isNone(lead) || !Duration.isFinite(lead.value)) return yield* problem("tokenRenewalLead", "must be a finite duration")
    const jitter: unknown = options.tokenRenewalJitter ?? defaultRenewalJitter
    if (typeof jitter !== "number" || !Number.isFinite(jitter) || jitter < 0 || jitter > 1) {
      return yield* problem("tokenRenewalJitter", `must be a number from 0 to 1`)
    }
    return {
      clientId,
      scopes,
      signingKey,
      keyId,
      dpop,
      renewalLead: lead.value,
      renewalJitter: jitter,
      tokenUrl: `${orgUrl}/oauth2/v1/token`
    }
  })
