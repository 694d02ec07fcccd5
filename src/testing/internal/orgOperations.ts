/**
 * What each operation does to the org once it is admitted: the status and body Okta would answer.
 * One handler per operation of the endpoint table (the type makes a new row need its handler).
 */
import type { OktaErrorBody } from "../../OktaError.js"
import type { Directory } from "./directory.js"
import { isCurrentOperation, type Operation } from "./operation.js"
import type { ReplyBody, Request } from "./protocol.js"
import type { SessionTokens } from "./sessionTokens.js"

/** A status and a body. */
export interface Outcome {
  readonly status: number
  readonly body: ReplyBody
}

/** What the handlers work on. */
export interface OrgState {
  readonly directory: Directory
  readonly tokens: SessionTokens
}

/** Okta's error body with this request's error id. */
export const errorBody = (requestId: string, errorCode: string, errorSummary: string): ReplyBody => ({
  _tag: "Error",
  error: { errorCode, errorSummary, errorLink: errorCode, errorId: `oae${requestId}`, errorCauses: [] } satisfies OktaErrorBody
})

const empty: Outcome = { status: 204, body: { _tag: "Empty" } }

const notFound = (requestId: string, id: string, kind: string): Outcome => ({
  status: 404,
  body: errorBody(requestId, "E0000007", `Not found: Resource not found: ${id} (${kind})`)
})

const invalidToken = (requestId: string): Outcome => ({
  status: 401,
  body: errorBody(requestId, "E0000011", "Invalid token provided")
})

const insufficientScope = (requestId: string): Outcome => ({
  status: 403,
  body: errorBody(requestId, "E0000006", "You do not have permission to perform the requested action")
})

type Handler = (state: OrgState, request: Request, requestId: string, at: number) => Outcome

/** The session named by the request's id, or by its cookie for `/me` (which must come without a credential). */
const target = (state: OrgState, request: Request, at: number) =>
  isCurrentOperation[request.operation]
    ? request.credential === "none" && request.cookie !== undefined ? state.directory.alive(request.cookie, at) : undefined
    : state.directory.alive(request.sessionId ?? "", at)

const missing = (request: Request, requestId: string): Outcome =>
  isCurrentOperation[request.operation] ? notFound(requestId, "me", "Session") : notFound(requestId, request.sessionId ?? "", "Session")

const read: Handler = (state, request, requestId, at) => {
  const session = target(state, request, at)
  return session === undefined
    ? missing(request, requestId)
    : { status: 200, body: { _tag: "Session", session, current: isCurrentOperation[request.operation] } }
}

const refresh: Handler = (state, request, requestId, at) => {
  const session = target(state, request, at)
  if (session === undefined) return missing(request, requestId)
  const refreshed = state.directory.refresh(session, at)
  return { status: 200, body: { _tag: "Session", session: refreshed, current: isCurrentOperation[request.operation] } }
}

const end: Handler = (state, request, requestId, at) => {
  const session = target(state, request, at)
  if (session === undefined) return missing(request, requestId)
  state.directory.forget(session)
  return empty
}

const handlers: { readonly [K in Operation]: Handler } = {
  createSession: (state, request, requestId, at) => {
    const token = request.sessionToken
    if (token === undefined || token === "") {
      return { status: 400, body: errorBody(requestId, "E0000001", "Api validation failed: sessionToken") }
    }
    const userId = state.tokens.exchange(token, at)
    const user = userId === undefined ? undefined : state.directory.user(userId)
    if (user === undefined) return invalidToken(requestId)
    return { status: 200, body: { _tag: "Session", session: state.directory.newSession(user, at), current: false } }
  },
  getSession: read,
  refreshSession: refresh,
  revokeSession: end,
  getCurrentSession: read,
  refreshCurrentSession: refresh,
  closeCurrentSession: end,
  revokeUserSessions: (state, request, requestId, at) => {
    const id = request.userId ?? ""
    return state.directory.forgetUserSessions(id, at) === undefined ? notFound(requestId, id, "User") : empty
  }
}

/**
 * Carries out an admitted request (so a refused one is counted and carries the rate-limit headers).
 * The `/me` operations are looked up by the cookie alone; every other one needs a valid API
 * credential (else 401 E0000011), and an OAuth token without the operation's scope gets 403 E0000006.
 */
export const carryOut = (state: OrgState, request: Request, requestId: string, at: number): Outcome =>
  isCurrentOperation[request.operation] || request.credential === "valid"
    ? handlers[request.operation](state, request, requestId, at)
    : request.credential === "insufficientScope"
    ? insufficientScope(requestId)
    : invalidToken(requestId)
