/**
 * The fake's names for the Sessions API's operations and their rate-limit families, derived from the
 * endpoint table (`src/internal/client/endpoints.ts`) so that a new row there is a new operation here.
 */
import * as Record from "effect/Record"
import * as Schema from "effect/Schema"
import { endpoints, type OperationName } from "../../internal/client/endpoints.js"

/** An operation of the Sessions API, named as in `Sessions.Service`. */
export type Operation = OperationName

/** Every operation, in the table's order. */
export const operations: ReadonlyArray<Operation> = Record.keys(endpoints)

/** The operations as a schema (the table's keys). */
export const OperationSchema: Schema.Schema<Operation> = Schema.Literal(...operations)

/** Okta's rate-limit family an operation counts against, as the table types it. */
export type Family = (typeof endpoints)[Operation]["rateLimitFamily"]

/** The family each operation counts against. */
export const familyOf: { readonly [K in Operation]: Family } = Record.map(endpoints, (endpoint) => endpoint.rateLimitFamily)

/** Every family some operation counts against. */
export const families: ReadonlyArray<Family> = [...new Set(Object.values(familyOf))]

/** The `/me` operations (a path segment `me`): found by the browser's cookie, not by an id and an API credential. */
export const isCurrentOperation: { readonly [K in Operation]: boolean } = Record.map(
  endpoints,
  (endpoint) => endpoint.pathTemplate.split("/").includes("me")
)

/** The refresh operations, which honour `Prefer: return=minimal`. */
export const isRefreshOperation: { readonly [K in Operation]: boolean } = Record.map(
  endpoints,
  (endpoint) => endpoint.method === "POST" && endpoint.pathTemplate.endsWith("/lifecycle/refresh")
)
