/**
 * What a transport said when a request got no answer, as the `detail` of a `TransportError`: the
 * messages and codes of the error and its causes, without the request's URL (it holds ids) and with
 * every known secret scrubbed out.
 */
import * as HttpClientError from "@effect/platform/HttpClientError"
import type { Scrub } from "./secretScrubber.js"

/** The messages and codes of `error` and up to four of its causes, joined. */
export const describeTransportFailure = (error: unknown, scrub: Scrub): string => {
  const parts: Array<string> = []
  let current: unknown = error
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    // An HttpClientError's own message ends with the method and full URL (ids included): use its reason.
    const message = HttpClientError.isHttpClientError(current)
      ? current.description ?? `${current.reason} error`
      : "message" in current && typeof current.message === "string" ? current.message : ""
    const code = "code" in current && typeof current.code === "string" ? ` (${current.code})` : ""
    if (message !== "" || code !== "") parts.push(`${message}${code}`.trim())
    current = "cause" in current ? current.cause : undefined
  }
  return parts.length === 0 ? "the connection failed" : scrub(parts.join(": ").slice(0, 1000))
}
