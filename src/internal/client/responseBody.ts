/**
 * Reading a whole response body within the size cap, counting the decoded bytes.
 */
import type * as Headers from "@effect/platform/Headers"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { contentEncodings, decodeContent } from "./contentDecoding.js"

/**
 * A whole response body, or `None` when it is larger than `maxBytes`, decoded or not. A body whose
 * declared `Content-Length` fits and that has no `Content-Encoding` is read in one piece; any other
 * is read as a stream and abandoned (the request aborted) as soon as it passes the cap, then
 * decoded within the cap when it is still compressed (see contentDecoding.ts). A response with no
 * body at all (a 204 through `fetch`) reads as empty. Pass the response's `headers` when you hold
 * them already: a platform response may build a new `Headers` on each read of the property.
 */
export const readBodyCapped = (
  response: HttpClientResponse.HttpClientResponse,
  maxBytes: number,
  headers: Headers.Headers = response.headers
): Effect.Effect<Option.Option<Uint8Array>, HttpClientError.ResponseError> => {
  const encodings = contentEncodings(headers["content-encoding"])
  const declared = headers["content-length"]
  const received = encodings.length === 0 && declared !== undefined && /^\d+$/.test(declared) && Number(declared) <= maxBytes
    ? Effect.map(response.arrayBuffer, (buffer) => Option.some(new Uint8Array(buffer)))
    : readStreamCapped(response, maxBytes)
  if (encodings.length === 0) return received
  return Effect.map(received, (body) =>
    Option.flatMap(body, (bytes) => {
      const decoded = decodeContent(bytes, encodings, maxBytes)
      return decoded === "tooLarge" ? Option.none() : Option.some(decoded)
    }))
}

const readStreamCapped = (
  response: HttpClientResponse.HttpClientResponse,
  maxBytes: number
): Effect.Effect<Option.Option<Uint8Array>, HttpClientError.ResponseError> =>
  response.stream.pipe(
    Stream.runFoldWhile(
      { chunks: [] as Array<Uint8Array>, size: 0 },
      (state) => state.size <= maxBytes,
      (state, chunk) => {
        state.chunks.push(chunk)
        state.size += chunk.length
        return state
      }
    ),
    Effect.map((state) => state.size > maxBytes ? Option.none() : Option.some(concat(state.chunks, state.size))),
    Effect.catchIf((error) => error.reason === "EmptyBody", () => Effect.succeed(Option.some(new Uint8Array(0))))
  )

const concat = (chunks: ReadonlyArray<Uint8Array>, size: number): Uint8Array => {
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0]
  const joined = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    joined.set(chunk, offset)
    offset += chunk.length
  }
  return joined
}
