/**
 * Decoding a compressed body (`Content-Encoding: gzip`, `deflate`, `br`) within the size cap.
 *
 * A server or proxy may compress an answer (`fetch` itself asks for gzip, deflate and br), and the
 * transports differ: `fetch` decodes gzip, deflate and br itself (so the stream already holds
 * the decoded bytes, which the cap counts as they arrive), while undici's `request` (what
 * `NodeHttpClient.layerUndici` uses) hands the bytes over as they came. So a body whose header says
 * it is compressed and whose bytes still look compressed is decoded here, and a decoded size over
 * the cap reads as too large; bytes that cannot be decoded are left as they are (and will not
 * decode as JSON). Nothing here throws.
 */
import * as zlib from "node:zlib"

/** The encodings a header lists, in the order they were applied; `identity` left out. */
export const contentEncodings = (header: string | undefined): ReadonlyArray<string> =>
  header === undefined
    ? []
    : header.split(",").map((part) => part.trim().toLowerCase()).filter((part) => part !== "" && part !== "identity")

/** Whether the first byte that is not white space could begin a JSON text. */
const looksLikeJson = (bytes: Uint8Array): boolean => {
  for (const byte of bytes) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue
    // { [ " - 0-9 t f n
    return byte === 0x7b || byte === 0x5b || byte === 0x22 || byte === 0x2d || (byte >= 0x30 && byte <= 0x39) ||
      byte === 0x74 || byte === 0x66 || byte === 0x6e
  }
  return true
}

const isGzip = (bytes: Uint8Array): boolean => bytes[0] === 0x1f && bytes[1] === 0x8b

const isZlib = (bytes: Uint8Array): boolean => {
  const [first = 0, second = 0] = bytes
  return (first & 0x0f) === 8 && ((first << 8) | second) % 31 === 0
}

type Decoder = (bytes: Uint8Array, options: zlib.ZlibOptions & zlib.BrotliOptions) => Buffer

/** The decoder for bytes still in `encoding`, or `undefined` when they are not (or it is unknown). */
const decoderFor = (encoding: string, bytes: Uint8Array): Decoder | undefined => {
  switch (encoding) {
    case "gzip":
    case "x-gzip":
      return isGzip(bytes) ? zlib.gunzipSync : undefined
    case "deflate":
      return isZlib(bytes) ? zlib.inflateSync : looksLikeJson(bytes) ? undefined : zlib.inflateRawSync
    case "br":
      return looksLikeJson(bytes) ? undefined : zlib.brotliDecompressSync
    default:
      return undefined
  }
}

/** What decoding gave: the bytes, or `tooLarge` when the decoded body passes the cap. */
export type Decoded = Uint8Array | "tooLarge"

/** Undoes the encodings still on `bytes`, last applied first, never producing more than `maxBytes`. */
export const decodeContent = (bytes: Uint8Array, encodings: ReadonlyArray<string>, maxBytes: number): Decoded => {
  let current = bytes
  for (let index = encodings.length - 1; index >= 0 && current.length > 0; index--) {
    const decoder = decoderFor(encodings[index] ?? "", current)
    if (decoder === undefined) return current
    try {
      current = decoder(current, { maxOutputLength: Math.max(1, maxBytes) })
    } catch (error) {
      if (error instanceof RangeError) return "tooLarge"
      return current
    }
    if (current.length > maxBytes) return "tooLarge"
  }
  return current
}
