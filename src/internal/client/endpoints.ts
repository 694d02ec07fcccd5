import type { DocumentedTag } from "../../OktaError.js"

/**
 * One endpoint of the Sessions API as every part of this package sees it: the real client builds
 * its request from it, the fake org answers it, and the error unions are derived from `documented`.
 */
export interface EndpointSpec {
  readonly method: "GET" | "POST" | "DELETE"
  /** The path template, as in errors and spans; each `{name}` is one path parameter. */
  readonly pathTemplate: string
  /** The error statuses it documents besides the common ones (see DESIGN.md's table). */
  readonly documented: ReadonlyArray<DocumentedTag>
  /** Okta's rate-limit family: `/api/v1/sessions*` or `/api/v1/users*`. */
  readonly rateLimitFamily: "sessions" | "users"
  /** Whether a transient failure may be retried: not for a single-use session token. */
  readonly retrySafe: boolean
  /** What authenticates the call: the API credential, or the browser's session cookie (`/me`). */
  readonly credential: "apiToken" | "sessionCookie"
  /** What a 2xx answer holds: a `Session` to decode, or nothing to read (204). */
  readonly answer: "Session" | "none"
  /** The JSON body it sends, if any: `{ "sessionToken": ... }`. */
  readonly body?: "sessionToken"
  /** The optional query booleans it sends, by name. */
  readonly query?: ReadonlyArray<string>
}

/** The names of a template's `{parameters}`: `"/a/{x}/b/{y}"` gives `"x" | "y"`. */
export type PathParameters<Template extends string> = Template extends `${string}{${infer Name}}${infer Rest}`
  ? Name | PathParameters<Rest>
  : never

/** A row as the table keeps it: the spec as written, plus its parameter names and a path builder. */
export type Endpoint<Spec extends EndpointSpec> = Spec & {
  /** The template's parameter names, in order. */
  readonly pathParameters: ReadonlyArray<PathParameters<Spec["pathTemplate"]>>
  /** The path with each parameter filled in (percent-encoded, though a checked id needs none). */
  readonly path: (values: { readonly [K in PathParameters<Spec["pathTemplate"]>]: string }) => string
}

const parameterPattern = /\{([A-Za-z]+)\}/g

/** A template's parameter names, in order. */
const parametersOf = <Template extends string>(template: Template): ReadonlyArray<PathParameters<Template>> =>
  Array.from(template.matchAll(parameterPattern), (match) => match[1]).filter(
    (name): name is PathParameters<Template> => name !== undefined
  )

/** Compiles a template once into a function that fills it: literal parts and parameters alternate. */
const pathBuilder = <Template extends string>(template: Template) => {
  const parts = template.split(parameterPattern)
  return (values: { readonly [K in PathParameters<Template>]: string }): string => {
    const lookup: Readonly<Record<string, string>> = values
    let path = parts[0] ?? ""
    for (let i = 1; i < parts.length; i += 2) path += encodeURIComponent(lookup[parts[i] ?? ""] ?? "") + (parts[i + 1] ?? "")
    return path
  }
}

const endpoint = <const Spec extends EndpointSpec>(spec: Spec): Endpoint<Spec> => ({
  ...spec,
  pathParameters: parametersOf(spec.pathTemplate),
  path: pathBuilder(spec.pathTemplate)
})

/**
 * The eight endpoints, by operation name. Adding an endpoint is one row here plus its schemas: the
 * client's request (`Sessions.ts` has one line per operation), the operation's error union type,
 * the checks of its arguments (a new path parameter name needs its check in `operationArguments.ts`,
 * which the compiler asks for) and the route names an id may not take all follow from the row.
 */
export const endpoints = {
  createSession: endpoint({
    method: "POST",
    pathTemplate: "/api/v1/sessions",
    documented: ["BadRequest", "Forbidden", "TooManyRequests"],
    rateLimitFamily: "sessions",
    retrySafe: false,
    credential: "apiToken",
    answer: "Session",
    body: "sessionToken"
  }),
  getSession: endpoint({
    method: "GET",
    pathTemplate: "/api/v1/sessions/{sessionId}",
    documented: ["BadRequest", "Forbidden", "NotFound", "TooManyRequests"],
    rateLimitFamily: "sessions",
    retrySafe: true,
    credential: "apiToken",
    answer: "Session"
  }),
  refreshSession: endpoint({
    method: "POST",
    pathTemplate: "/api/v1/sessions/{sessionId}/lifecycle/refresh",
    documented: ["Forbidden", "NotFound", "TooManyRequests"],
    rateLimitFamily: "sessions",
    retrySafe: true,
    credential: "apiToken",
    answer: "Session"
  }),
  revokeSession: endpoint({
    method: "DELETE",
    pathTemplate: "/api/v1/sessions/{sessionId}",
    documented: ["Forbidden", "NotFound", "TooManyRequests"],
    rateLimitFamily: "sessions",
    retrySafe: true,
    credential: "apiToken",
    answer: "none"
  }),
  getCurrentSession: endpoint({
    method: "GET",
    pathTemplate: "/api/v1/sessions/me",
    documented: ["NotFound"],
    rateLimitFamily: "sessions",
    retrySafe: true,
    credential: "sessionCookie",
    answer: "Session"
  }),
  refreshCurrentSession: endpoint({
    method: "POST",
    pathTemplate: "/api/v1/sessions/me/lifecycle/refresh",
    documented: ["NotFound"],
    rateLimitFamily: "sessions",
    retrySafe: true,
    credential: "sessionCookie",
    answer: "Session"
  }),
  closeCurrentSession: endpoint({
    method: "DELETE",
    pathTemplate: "/api/v1/sessions/me",
    documented: ["NotFound"],
    rateLimitFamily: "sessions",
    retrySafe: true,
    credential: "sessionCookie",
    answer: "none"
  }),
  revokeUserSessions: endpoint({
    method: "DELETE",
    pathTemplate: "/api/v1/users/{userId}/sessions",
    documented: ["Forbidden", "NotFound", "TooManyRequests"],
    rateLimitFamily: "users",
    retrySafe: true,
    credential: "apiToken",
    answer: "none",
    query: ["oauthTokens", "forgetDevices"]
  })
}

/** The name of an operation. */
export type OperationName = keyof typeof endpoints

/** The row of an operation. */
export type EndpointOf<Op extends OperationName> = (typeof endpoints)[Op]

/** The tags an operation documents. */
export type DocumentedOf<Op extends OperationName> = EndpointOf<Op>["documented"][number]

/** Every path parameter name of the table: each needs its check at the operation boundary. */
export type PathParameter = { readonly [Op in OperationName]: PathParameters<EndpointOf<Op>["pathTemplate"]> }[OperationName]

/** The operations whose answer is a `Session`, and those that read nothing. */
export type SessionOperation = { readonly [Op in OperationName]: EndpointOf<Op>["answer"] extends "Session" ? Op : never }[
  OperationName
]
/** @see SessionOperation */
export type EmptyOperation = Exclude<OperationName, SessionOperation>
