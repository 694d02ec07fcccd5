import type { Operation } from "../operation.js"

/**
 * The OAuth scope each API-token operation needs, as Okta documents it; the `/me` operations take
 * the browser cookie only, and `createSession` takes no OAuth token here (`okta.sessions.manage`).
 */
export const requiredScope: Readonly<Record<Operation, string | undefined>> = {
  createSession: "okta.sessions.manage",
  getSession: "okta.sessions.read",
  refreshSession: "okta.sessions.manage",
  revokeSession: "okta.sessions.manage",
  getCurrentSession: undefined,
  refreshCurrentSession: undefined,
  closeCurrentSession: undefined,
  revokeUserSessions: "okta.users.manage"
}
