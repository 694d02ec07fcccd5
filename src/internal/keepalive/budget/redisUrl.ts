/**
 * The Redis URL (a secret: it may hold a password) as ioredis connection options. Parsed here
 * because `@effect/experimental`'s Redis store takes `RedisOptions` only, not a URL; WHATWG `URL`
 * does the parsing, this file only maps its parts.
 */
import * as Either from "effect/Either"

/** Where to connect, and with which credentials (never logged): the parts of ioredis's `RedisOptions` a URL gives. */
export interface RedisTarget {
  readonly host: string
  readonly port: number
  readonly db: number
  readonly username?: string
  readonly password?: string
  readonly tls?: { readonly servername: string }
}

/** `redis://[user[:password]@]host[:port][/db]` or `rediss://...` (TLS); `Left` says what is wrong, without the URL. */
export const parseRedisUrl = (text: string): Either.Either<RedisTarget, string> => {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return Either.left("it does not parse as a URL")
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") return Either.left(`scheme ${url.protocol} is not redis: or rediss:`)
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1")
  if (host === "") return Either.left("it has no host")
  const port = url.port === "" ? 6379 : Number(url.port)
  const path = url.pathname.replace(/^\//, "")
  const db = path === "" ? 0 : Number(path)
  if (!Number.isSafeInteger(db) || db < 0) return Either.left("its path is not a database number")
  const target: RedisTarget = {
    host,
    port,
    db,
    ...(url.username === "" ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.password === "" ? {} : { password: decodeURIComponent(url.password) }),
    ...(url.protocol === "rediss:" ? { tls: { servername: host } } : {})
  }
  return Either.right(target)
}
