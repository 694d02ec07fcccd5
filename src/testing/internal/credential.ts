/** Reading the API credential a request presents to the emulator. */
import type { Credential } from "./protocol.js"

const scheme = /^(?:SSWS|Bearer) (.+)$/

/** The configured token as `SSWS <token>` or `Bearer <token>`, something else, or no `Authorization` at all. */
export const credentialOf = (authorization: string | undefined, apiToken: string): Credential => {
  if (authorization === undefined) return "none"
  const match = scheme.exec(authorization.trim())
  return match !== null && match[1] === apiToken ? "valid" : "invalid"
}
