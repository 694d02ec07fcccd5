/**
 * The org's one-time session tokens: issued for a user with a lifetime, exchanged once for a session
 * by `createSession`. Expired tokens are swept when the map has doubled since the last sweep, so a
 * long run that issues tokens it never uses holds only the live ones (amortised O(1) per token).
 */
import type { UserId } from "../../Session.js"

interface Issued {
  readonly userId: UserId
  readonly expiresAt: number
}

/** The tokens of one org. */
export class SessionTokens {
  private readonly tokens = new Map<string, Issued>()
  private sweepAt = 1024

  /** Records `token` for `userId`, valid until `expiresAt`. */
  issue(token: string, userId: UserId, expiresAt: number, at: number): void {
    this.tokens.set(token, { userId, expiresAt })
    if (this.tokens.size >= this.sweepAt) {
      for (const [key, issued] of this.tokens) if (issued.expiresAt <= at) this.tokens.delete(key)
      this.sweepAt = Math.max(1024, this.tokens.size * 2)
    }
  }

  /** Uses the token up: its user, if it was issued and has not expired at `at`. */
  exchange(token: string, at: number): UserId | undefined {
    const issued = this.tokens.get(token)
    if (issued === undefined) return undefined
    this.tokens.delete(token)
    return issued.expiresAt > at ? issued.userId : undefined
  }
}
