import * as Crypto from "node:crypto"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"

/** The JWS algorithms Okta accepts for a client assertion, and this client for DPoP proofs. */
export type SigningAlgorithm = "RS256" | "ES256"

/** A parsed private key: the key object (kept `Redacted`), its algorithm and the `kid` a JWK named. */
export interface SigningKey {
  readonly key: Redacted.Redacted<Crypto.KeyObject>
  readonly algorithm: SigningAlgorithm
  /** The JWK's own `kid`, when the key was given as a JWK that has one. */
  readonly jwkKeyId: string | undefined
  /**
   * The key's text as given, for the secret scrubber: the whole PEM (or JWK JSON) and each of its
   * base64 lines, or a JWK's private members; whatever a server echoes of it is scrubbed.
   */
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
}

/** The private members of a JWK (RFC 7518): what must never be shown of it. */
const privateMembers = ["d", "p", "q", "dp", "dq", "qi", "k"] as const

/** The texts of a key to scrub: the PEM or JSON as given and its base64 lines, or the JWK's private members. */
const secretsOf = (text: string | undefined, jwk: Record<string, unknown> | undefined): ReadonlyArray<Redacted.Redacted<string>> => {
  const found = new Set<string>()
  if (text !== undefined) {
    found.add(text)
    for (const line of text.split(/\r?\n/)) if (line.trim().length >= 16 && !line.startsWith("-----")) found.add(line.trim())
  }
  for (const member of privateMembers) {
    const value = jwk?.[member]
    if (typeof value === "string" && value.length >= 8) found.add(value)
  }
  return [...found].map(Redacted.make)
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** The JWK members of a JSON text, or `undefined` when it is not a JSON object. */
const parseJwk = (text: string): Record<string, unknown> | undefined => {
  if (!text.startsWith("{")) return undefined
  const parsed = Either.try(() => JSON.parse(text) as unknown)
  return Either.isRight(parsed) && isRecord(parsed.right) ? parsed.right : undefined
}

/**
 * Reads a private key given as PEM (PKCS#8 or PKCS#1 / SEC1) or as a JWK (JSON text or object), and
 * picks its algorithm: RSA (2048 bits or more) signs RS256, EC P-256 signs ES256; anything else is
 * refused. The reason never quotes the key.
 */
export const parseSigningKey = (input: string | object): Either.Either<SigningKey, string> => {
  const text = typeof input === "string" ? input.trim() : undefined
  const jwk = text === undefined ? (isRecord(input) ? input : undefined) : parseJwk(text)
  if (text === "") return Either.left("is empty")
  const created = Either.try({
    try: () =>
      jwk !== undefined
        ? Crypto.createPrivateKey({ key: jwk, format: "jwk" })
        : Crypto.createPrivateKey({ key: text ?? "", format: "pem" }),
    catch: () => jwk !== undefined ? "is not a private JWK" : "is neither a PEM private key nor a private JWK"
  })
  if (Either.isLeft(created)) return Either.left(created.left)
  const key = created.right
  const details = key.asymmetricKeyDetails
  let algorithm: SigningAlgorithm
  if (key.asymmetricKeyType === "rsa") {
    if ((details?.modulusLength ?? 0) < 2048) return Either.left("is an RSA key shorter than 2048 bits")
    algorithm = "RS256"
  } else if (key.asymmetricKeyType === "ec" && details?.namedCurve === "prime256v1") {
    algorithm = "ES256"
  } else {
    return Either.left(`is a ${key.asymmetricKeyType ?? "unknown"} key; expected RSA (RS256) or EC P-256 (ES256)`)
  }
  const kid = jwk?.["kid"]
  return Either.right({
    key: Redacted.make(key),
    algorithm,
    jwkKeyId: typeof kid === "string" ? kid : undefined,
    secrets: secretsOf(text, jwk)
  })
}
