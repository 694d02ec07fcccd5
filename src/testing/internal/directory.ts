/**
 * The org's users and their sessions. A session is an immutable `SessionView`: a refresh replaces it,
 * so a reply can hold one without a copy. An expired session is forgotten when it is next looked at
 * (or by `activeCount`); no timer runs.
 */
import type { AuthenticationMethod, IdentityProviderType } from "../../Session.js"
import { SessionId, UserId } from "../../Session.js"
import type { OrgIds } from "./orgIds.js"
import type { SessionView } from "./protocol.js"
import type { SessionLifetime } from "./sessionLifetime.js"

/** A user of the fake org. */
export interface User {
  readonly id: UserId
  readonly login: string
}

interface UserEntry {
  readonly user: User
  /** Usually one or two: an array is lighter than a Set at a million users. */
  sessions: Array<string>
}

/** Every session the org starts signs in with a password at the org's own identity provider. */
const passwordOnly: ReadonlyArray<AuthenticationMethod> = ["pwd"]

/** The users and sessions of one org. */
export class Directory {
  private readonly users = new Map<string, UserEntry>()
  private readonly sessions = new Map<string, SessionView>()
  private readonly idp: { readonly id: string; readonly type: IdentityProviderType }

  constructor(
    private readonly ids: OrgIds,
    private readonly lifetime: SessionLifetime
  ) {
    this.idp = { id: ids.orgId, type: "OKTA" }
  }

  /** Adds a user; the login defaults to `user<n>@example.com`. */
  newUser(login: string | undefined): User {
    const id = UserId.make(this.ids.next("00u"), true)
    const user: User = { id, login: login ?? `user${this.ids.last}@example.com` }
    this.users.set(id, { user, sessions: [] })
    return user
  }

  user(userId: string): User | undefined {
    return this.users.get(userId)?.user
  }

  /** Starts a session for `user` at `at`, as a sign-in would. */
  newSession(user: User, at: number): SessionView {
    const session: SessionView = {
      id: SessionId.make(this.ids.next("102"), true),
      userId: user.id,
      login: user.login,
      status: "ACTIVE",
      createdAt: at,
      expiresAt: this.lifetime.expiryAt(at, at),
      lastPasswordVerification: at,
      lastFactorVerification: undefined,
      amr: passwordOnly,
      idp: this.idp,
      origin: {}
    }
    this.sessions.set(session.id, session)
    this.users.get(user.id)?.sessions.push(session.id)
    return session
  }

  /** The session if it is alive at `at`; an expired one is forgotten on the way. */
  alive(sessionId: string, at: number): SessionView | undefined {
    const session = this.sessions.get(sessionId)
    if (session === undefined) return undefined
    if (session.expiresAt <= at) {
      this.forget(session)
      return undefined
    }
    return session
  }

  /** Refreshes a live session at `at`: the new view, with a later `expiresAt`. */
  refresh(session: SessionView, at: number): SessionView {
    const refreshed: SessionView = { ...session, expiresAt: this.lifetime.expiryAt(session.createdAt, at) }
    this.sessions.set(session.id, refreshed)
    return refreshed
  }

  /** Ends a session (revoked, closed or expired). */
  forget(session: SessionView): void {
    this.sessions.delete(session.id)
    const owner = this.users.get(session.userId)
    if (owner !== undefined) owner.sessions = owner.sessions.filter((id) => id !== session.id)
  }

  /** Ends every live session of a user; how many were alive, or `undefined` for no such user. */
  forgetUserSessions(userId: string, at: number): number | undefined {
    const owner = this.users.get(userId)
    if (owner === undefined) return undefined
    let alive = 0
    for (const sessionId of owner.sessions) {
      const session = this.sessions.get(sessionId)
      if (session !== undefined && session.expiresAt > at) alive++
      this.sessions.delete(sessionId)
    }
    owner.sessions = []
    return alive
  }

  /** How many sessions are alive at `at`; the expired ones are forgotten. O(sessions). */
  activeCount(at: number): number {
    for (const session of this.sessions.values()) if (session.expiresAt <= at) this.forget(session)
    return this.sessions.size
  }
}
