/**
 * The ids the fake org hands out: users (`00u…`), sessions (`102…`), session tokens (`20111…`),
 * request ids, each unique within the org and distinct between orgs by a random prefix.
 */
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/** `length` characters of `[A-Za-z0-9]` drawn with Effect's `Random`. */
export const randomText = (length: number): Effect.Effect<string> =>
  Effect.map(
    Effect.forEach(Array.from({ length }), () => Random.nextIntBetween(0, alphabet.length)),
    (indexes) => indexes.map((i) => alphabet[i] ?? "A").join("")
  )

/** One org's id source. */
export class OrgIds {
  private sequence = 0
  constructor(readonly prefix: string) {}

  /** The org's own id (`00o…`), as its identity provider. */
  get orgId(): string {
    return `00o${this.prefix}fake`
  }

  /** The last sequence number handed out (a new user's default login uses it). */
  get last(): number {
    return this.sequence
  }

  /** A new id of the kind `head` (`00u`, `102`). */
  next(head: string): string {
    return `${head}${this.prefix}${(++this.sequence).toString(36).padStart(7, "0")}`
  }

  /** A new `X-Okta-Request-Id`. */
  nextRequestId(): string {
    return `${this.prefix}${(++this.sequence).toString(36).padStart(8, "0")}AAAA`
  }

  /** A new session token: random text then a unique suffix. */
  nextSessionToken(random: string): string {
    return `20111${random}${(++this.sequence).toString(36)}`
  }
}

/** A fresh id source with a random prefix. */
export const makeOrgIds: Effect.Effect<OrgIds> = Effect.map(randomText(6), (prefix) => new OrgIds(prefix))
