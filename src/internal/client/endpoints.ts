import type { DocumentedTag } from "../../OktaError.js"

/**
 * One endpoint of the Sessions API as every part of this package sees it: the real client sends
 * it, the fake org answers it, and both derive its error union from `documented`.
 */
export interface Endpoint<Documented extends DocumentedTag> {
  readonly method: "GET" | "POST" | "DELETE"
  /** The path template, as in errors and spans. */
  readonly pathTemplate: string
  /** The error statuses it documents besides the common ones (see DESIGN.md's table). */
  readonly documented: ReadonlyArray<Documented>
  /** Okta's rate-limit family: `/api/v1/sessions*` or `/api/v1/users*`. */
  readonly rateLimitFamily: "sessions" | "users"
  /** Whether a transient failure may be retried: not for a single-use session token. */
  readonly retrySafe: boolean
}

const endpoint = <const Documented extends DocumentedTag>(spec: Endpoint<Documented>): Endpoint<Documented> => spec

/** The eight endpoints, by operation name. */
export const endpoints = {
  createSession: endpoint({
    method: "POST",
    pathTemplate: "/api/v1/sessions",
    documented: ["BadRequest", "Forbidden", "TooManyRequests"],
    rateLimitFamily: "sessions",
    retrySafe: false
  }),
  getSession: endpoint({
    method: "GET",
    pathTemplate: "/api/v1/sessions/{sessionId}",
    documented: ["BadRequest", "Forbidden", "NotFound", "TooManyRequests"],
    rateLimitFamily: "sessions",
    retrySafe: true
  }),
  refreshSession: endpoint({
    method: "POST",
    pathTemplate: "/api/v1/sessions/{sessionId}/lifecycle/refresh",
    documented: ["Forbidden", "NotFound", "TooManyRequests"],
    rateLimitFamily: "sessions",
    retrySafe: true
  }),
  revokeSession: endpoint({
    method: "DELETE",
    pathTemplate: "/api/v1/sessions/{sessionId}",
    documented: ["Forbidden", "NotFound", "TooManyRequests"],
    rateLimitFamily: "sessions",
    retrySafe: true
  }),
  getCurrentSession: endpoint({
    method: "GET",
    pathTemplate: "/api/v1/sessions/me",
    documented: ["NotFound"],
    rateLimitFamily: "sessions",
    retrySafe: true
  }),
  refreshCurrentSession: endpoint({
    method: "POST",
    pathTemplate: "/api/v1/sessions/me/lifecycle/refresh",
    documented: ["NotFound"],
    rateLimitFamily: "sessions",
    retrySafe: true
  }),
  closeCurrentSession: endpoint({
    method: "DELETE",
    pathTemplate: "/api/v1/sessions/me",
    documented: ["NotFound"],
    rateLimitFamily: "sessions",
    retrySafe: true
  }),
  revokeUserSessions: endpoint({
    method: "DELETE",
    pathTemplate: "/api/v1/users/{userId}/sessions",
    documented: ["Forbidden", "NotFound", "TooManyRequests"],
    rateLimitFamily: "users",
    retrySafe: true
  })
}

/** The name of an operation. */
export type OperationName = keyof typeof endpoints
