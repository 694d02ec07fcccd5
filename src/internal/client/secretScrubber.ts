/**
 * Removing known secrets from text the library builds out of what a server sent (error bodies,
 * headers, what a transport said): each occurrence of a secret, as it is, percent-encoded or
 * JSON-escaped, becomes `<redacted>`. The secrets are those a request carries: the `Authorization`
 * value and its token, the `/me` cookie's value, the values of `OktaRequest.secrets` (a session
 * token), and whatever else is added to the list (OAuth material later).
 */
import * as Redacted from "effect/Redacted"

/** What a secret is replaced with. */
export const redactedMarker = "<redacted>"

/** Removes the secrets it was made with from a text. */
export type Scrub = (text: string) => string

/** The forms a secret can take when a server echoes it back. */
const formsOf = (secret: string): ReadonlyArray<string> => {
  const forms = new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])
  return [...forms].filter((form) => form.length > 0)
}

/** A scrubber of the given secrets (plain strings or `Redacted`); empty ones are skipped. */
export const makeScrub = (secrets: ReadonlyArray<string | Redacted.Redacted<string>>): Scrub => {
  const forms = secrets
    .map((secret) => (typeof secret === "string" ? secret : Redacted.value(secret)))
    .filter((secret) => secret.length > 0)
    .flatMap(formsOf)
    // The longest first, so that `SSWS <token>` goes whole before `<token>` alone.
    .sort((a, b) => b.length - a.length)
  return (text) => {
    let scrubbed = text
    for (const form of forms) {
      if (scrubbed.includes(form)) scrubbed = scrubbed.split(form).join(redactedMarker)
    }
    return scrubbed
  }
}
