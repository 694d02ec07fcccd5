/**
 * How long the org's sessions live: the idle window (a refresh sets `expiresAt` to now + idle) and
 * the optional maximum lifetime (no refresh goes past `createdAt` + lifetime). Both can change while
 * running; a session already issued keeps its `expiresAt` until it is refreshed.
 */
export class SessionLifetime {
  constructor(
    public idleMillis: number,
    public lifetimeMillis: number | undefined
  ) {}

  /** The `expiresAt` of a session created at `createdAt` and started or refreshed at `at`. */
  expiryAt(createdAt: number, at: number): number {
    const idle = at + this.idleMillis
    return this.lifetimeMillis === undefined ? idle : Math.min(idle, createdAt + this.lifetimeMillis)
  }
}
