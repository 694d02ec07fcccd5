/**
 * PostgreSQL's failures as `KeepaliveStoreError`s. `@effect/sql` wraps what `pg` reports in a
 * `SqlError` whose `cause` is a `pg` `DatabaseError` (with its SQLSTATE `code`), a Node socket error
 * (`ECONNREFUSED`, `ENOTFOUND`, ...; an `AggregateError` without a message when a host name has
 * several addresses) or a timeout. At start every failure is `Unavailable` (the setting that names
 * the database is the one to fix), except a schema that holds something else or was written by a
 * newer version (`Corrupt`); afterwards a failed read or write is `Failed`.
 *
 * No text here ever carries the URL or its password: the driver's messages do not include them,
 * and `scrub` removes both anyway should one ever do.
 *
 * @internal
 */
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import { KeepaliveStoreError } from "../../../KeepaliveStore.js"

/** What the store was doing when it failed. */
export type PgStorePhase = "open" | "read" | "write"

/** Where a store's failure is reported: which setting to fix, the schema, and the secrets to hide. */
export interface PgErrorContext {
  /** `url`, `OKTA_KEEPALIVE_DATABASE_URL`, or `undefined` for a client the user provided. */
  readonly setting: string | undefined
  readonly schema: string
  readonly url: Redacted.Redacted<string> | undefined
}

const stringProperty = (value: unknown, key: string): string | undefined =>
  Predicate.hasProperty(value, key) && typeof value[key] === "string" ? value[key] : undefined

/** The innermost error: a `SqlError`'s (or `MigrationError`'s) `cause`, or the value itself. */
const innermost = (error: unknown): unknown => {
  let current = error
  for (let depth = 0; depth < 4; depth++) {
    if (Predicate.hasProperty(current, "_tag") && Predicate.hasProperty(current, "cause") && current.cause !== undefined) {
      current = current.cause
    } else break
  }
  return current
}

/** The first line of an error's message; an `AggregateError`'s first inner error when it has none. */
const messageOf = (cause: unknown): string => {
  const own = stringProperty(cause, "message") ?? (typeof cause === "string" ? cause : "")
  if (own !== "") return own.split("\n", 1)[0] ?? own
  if (Predicate.hasProperty(cause, "errors") && Array.isArray(cause.errors) && cause.errors.length > 0) {
    return messageOf(cause.errors[0])
  }
  return String(cause)
}

/** Every piece of the URL that must never be shown: the URL itself and its password. */
const secretsOf = (url: Redacted.Redacted<string> | undefined): ReadonlyArray<string> => {
  if (url === undefined) return []
  const value = Redacted.value(url)
  const secrets = [value]
  const password = /^[a-z]+:\/\/[^:@/]*:([^@]*)@/i.exec(value)?.[1]
  if (password !== undefined && password !== "") {
    secrets.push(password)
    try {
      secrets.push(decodeURIComponent(password))
    } catch {
      // a password that is not valid percent-encoding is hidden as written
    }
  }
  return secrets.filter((secret) => secret.length > 0).sort((a, b) => b.length - a.length)
}

/** `text` with every secret of the URL replaced by `***`. */
export const scrub = (text: string, url: Redacted.Redacted<string> | undefined): string => {
  let result = text
  for (const secret of secretsOf(url)) result = result.split(secret).join("***")
  return result
}

/** `error` (whatever the driver, the migrator or a timeout failed with) as a `KeepaliveStoreError`. */
export const pgStoreError = (context: PgErrorContext, phase: PgStorePhase) => (error: unknown): KeepaliveStoreError => {
  const cause = innermost(error)
  const code = stringProperty(cause, "code")
  return new KeepaliveStoreError({
    reason: phase === "open" ? "Unavailable" : "Failed",
    ...(phase === "open" && context.setting !== undefined ? { setting: context.setting } : {}),
    detail: scrub(
      `${phase} PostgreSQL schema ${context.schema}: ${messageOf(cause)}${code === undefined ? "" : ` (${code})`}`,
      context.url
    )
  })
}

/** A store error of `reason` with a detail of ours (never the driver's text, so nothing to scrub). */
export const pgStoreProblem = (
  context: PgErrorContext,
  reason: KeepaliveStoreError["reason"],
  detail: string
): KeepaliveStoreError =>
  new KeepaliveStoreError({
    reason,
    ...(context.setting !== undefined && reason !== "Failed" ? { setting: context.setting } : {}),
    detail: `PostgreSQL schema ${context.schema}: ${detail}`
  })
