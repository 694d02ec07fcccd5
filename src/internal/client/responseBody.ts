import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"

/**
 * Reads a whole response body, or `None` when it is larger than `maxBytes`. A body whose declared
 * `Content-Length` fits is read in one piece; any other is read as a stream and abandoned (the
 * request aborted) as soon as it passes the cap. A response with no body at all (a 204 through
 * `fetch`) reads as empty.
 */
export const readBodyCapped = (
  response: HttpClientResponse.HttpClientResponse,
  maxBytes: number
): Effect.Effect<Option.Option<Uint8Array>, HttpClientError.ResponseError> => {
  const declared = response.headers["content-length"]
  if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) <= maxBytes) {
    return Effect.map(response.arrayBuffer, (buffer) => Option.some(new Uint8Array(buffer)))
  }
  return response.stream.pipe(
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
}

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
