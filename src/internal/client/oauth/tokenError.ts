/**
 * The token endpoint's typed error, and how a server's text becomes its description: scrubbed of
 * every secret the request carried (the shared secret scrubber) and of anything JWT-shaped, and cut.
 */
import * as Schema from "effect/Schema"
import type { Scrub } from "../secretScrubber.js"
import { redactedMarker } from "../secretScrubber.js"

/**
 * The token endpoint refused or did not answer: Okta's OAuth `error` (`invalid_client`,
 * `invalid_scope`, `invalid_dpop_proof`, ...) and `error_description`, the status and the request id.
 * When no OAuth error body came back, `error` says what happened instead: `temporarily_unavailable`
 * (429 or 5xx after the retries), `transport_error` (no answer) or `invalid_response` (a 2xx that is
 * not a token response). The description is scrubbed of every secret the request carried, whatever
 * the server echoes back.
 */
export class TokenError extends Schema.TaggedError<TokenError>()("TokenError", {
  /** Okta's `error` code, or one of this client's (see above). */
  error: Schema.String,
  /** Okta's `error_description`, scrubbed; absent when there was none. */
  errorDescription: Schema.optional(Schema.String),
  /** The HTTP status; absent when no answer came back. */
  status: Schema.optional(Schema.Number),
  /** `X-Okta-Request-Id` of the answer, when there was one. */
  requestId: Schema.optional(Schema.String)
}) {
  override get message(): string {
    const status = this.status === undefined ? "" : ` (${this.status})`
    const description = this.errorDescription === undefined ? "" : `: ${this.errorDescription}`
    return `Okta token endpoint: ${this.error}${status}${description}`
  }
}

/** The longest description kept from a server; the rest is cut. */
const maxDescriptionLength = 300

/**
 * A server's text with every secret `scrub` knows (and any JWT-shaped run of characters) replaced
 * by `<redacted>`, capped in length: an error body may echo back what it was sent.
 */
export const describeScrubbed = (text: string, scrub: Scrub): string => {
  const out = scrub(text).replace(/eyJ[\w-]*\.[\w-]*\.[\w-]*/g, redactedMarker)
  return out.length > maxDescriptionLength ? `${out.slice(0, maxDescriptionLength)}...` : out
}
