/**
 * The org URL: what may be configured as the base of every request, and its normal form (the
 * origin, lower-case host, no trailing slash). Anything that would send requests somewhere Okta
 * does not answer them is refused here rather than read later as a 404 ("session expired").
 */
import * as Either from "effect/Either"

const isLoopbackHost = (hostname: string): boolean =>
  hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname)

/** Okta's own domains, which name no org without a subdomain. */
const oktaDomains = new Set(["okta.com", "oktapreview.com", "okta-emea.com", "okta-gov.com", "okta.mil", "trexcloud.com"])

/** An org's admin console (`dev-123-admin.okta.com`): its API is the org's domain without `-admin`. */
const adminDomain = /-admin\.(okta|oktapreview|okta-emea|okta-gov)\.com\.?$/

/**
 * The normal form of an org URL, or why it cannot be one (the message never quotes the input: it may
 * carry a user name and password). Rules: an absolute https URL (http only for a loopback host), no
 * user name or password, no path, query or fragment, no `{placeholder}`, not Okta's bare domain nor
 * an admin console domain. Ports and international domain names are fine.
 */
export const normaliseOrgUrl = (input: unknown): Either.Either<string, string> => {
  if (typeof input !== "string") return Either.left(`must be a string, got a ${input === null ? "null" : typeof input}`)
  if (input.includes("{") || input.includes("yourOktaDomain")) return Either.left("still holds a {placeholder}")
  let url: URL
  try {
    url = new URL(input.trim())
  } catch {
    return Either.left("is not an absolute URL; expected e.g. https://dev-123.okta.com")
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
    return Either.left(
      `must use https (http is allowed only for localhost and 127.0.0.1), got ${url.protocol}//${url.host}`
    )
  }
  if (url.username !== "" || url.password !== "") return Either.left("must not carry a user name or password; use token")
  if (url.search !== "" || url.hash !== "") return Either.left("must not have a query or fragment")
  if (url.pathname.replace(/\/+$/, "") !== "") {
    return Either.left("must be the org's origin with no path, e.g. https://dev-123.okta.com (requests add /api/v1/... themselves)")
  }
  const host = url.hostname.replace(/\.$/, "")
  if (oktaDomains.has(host)) return Either.left(`names Okta's own domain, not an org; expected e.g. https://dev-123.${host}`)
  if (adminDomain.test(host)) return Either.left("is an admin console domain; use the org's domain without -admin")
  return Either.right(url.origin)
}
