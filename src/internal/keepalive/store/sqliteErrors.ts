/**
 * SQLite's failures as `KeepaliveStoreError`s. better-sqlite3 throws a `SqliteError` with a `code`
 * (`SQLITE_BUSY`, `SQLITE_NOTADB`, ...), which `@effect/sql` wraps in a `SqlError` as its `cause`;
 * opening a file in a directory that does not exist throws a plain `TypeError`, and a native module
 * that was never built throws from `bindings`. Each becomes one `reason`:
 *
 * - `Locked`: `SQLITE_BUSY*`, `SQLITE_LOCKED*` (another process or connection holds the file).
 * - `Corrupt`: `SQLITE_NOTADB`, `SQLITE_CORRUPT*` (not a database, or a damaged one).
 * - `Unavailable`: `SQLITE_CANTOPEN*`, `SQLITE_PERM`, `SQLITE_READONLY*`, `SQLITE_AUTH`, a missing
 *   directory, a missing native module; and anything else that fails while opening.
 * - `Failed`: anything else that fails while reading or writing (`SQLITE_FULL`, `SQLITE_IOERR*`, a
 *   constraint, ...).
 *
 * @internal
 */
import * as Predicate from "effect/Predicate"
import { KeepaliveStoreError } from "../../../KeepaliveStore.js"

/** What the store was doing when it failed. */
export type StorePhase = "open" | "read" | "write"

/** The option a user changes to fix a problem with the file. */
export const filenameSetting = "filename"

const stringProperty = (value: unknown, key: string): string | undefined =>
  Predicate.hasProperty(value, key) && typeof value[key] === "string" ? value[key] : undefined

/** The innermost error: a `SqlError`'s `cause`, or the value itself. */
const innermost = (error: unknown): unknown =>
  Predicate.hasProperty(error, "_tag") && error._tag === "SqlError" && Predicate.hasProperty(error, "cause")
    ? error.cause
    : error

const reasonOf = (code: string | undefined, message: string, phase: StorePhase): KeepaliveStoreError["reason"] => {
  if (code !== undefined) {
    if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) return "Locked"
    if (code === "SQLITE_NOTADB" || code.startsWith("SQLITE_CORRUPT")) return "Corrupt"
    if (
      code.startsWith("SQLITE_CANTOPEN") || code === "SQLITE_PERM" || code.startsWith("SQLITE_READONLY") ||
      code === "SQLITE_AUTH"
    ) return "Unavailable"
  }
  if (/directory does not exist|bindings file|better_sqlite3\.node|NODE_MODULE_VERSION/.test(message)) {
    return "Unavailable"
  }
  return phase === "open" ? "Unavailable" : "Failed"
}

/** Advice for the reasons a user can act on. */
const adviceFor = (message: string): string =>
  /bindings file|better_sqlite3\.node/.test(message)
    ? " (better-sqlite3's native module is not built: allow its install script, see the README)"
    : ""

/** `error` (whatever SQLite or the driver threw or failed with) as a `KeepaliveStoreError`. */
export const storeError = (filename: string, phase: StorePhase) => (error: unknown): KeepaliveStoreError => {
  const cause = innermost(error)
  const code = stringProperty(cause, "code")
  const message = stringProperty(cause, "message") ?? String(cause)
  const firstLine = message.split("\n", 1)[0] ?? message
  return new KeepaliveStoreError({
    reason: reasonOf(code, message, phase),
    setting: filenameSetting,
    detail: `${phase} ${filename}: ${firstLine}${code === undefined ? "" : ` (${code})`}${adviceFor(message)}`
  })
}
