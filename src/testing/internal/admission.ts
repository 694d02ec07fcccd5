/**
 * Whether the org takes a request: the concurrent-request limit (requests in flight at once, else a
 * 429 with Limit = Remaining = 0) and one fixed rate-limit window per family, aligned to the epoch so
 * that `X-Rate-Limit-Reset` is the end of the current window.
 */
import * as Record from "effect/Record"
import type { WindowSetting } from "./orgOptions.js"
import { type Family, familyOf, type Operation } from "./operation.js"
import type { RateLimitState } from "./protocol.js"

/** One family's window while it is counted. */
class Window {
  start = -1
  used = 0
  constructor(public setting: WindowSetting) {}

  /** Counts a request at `at` if the window has room; the state to report either way. */
  admit(at: number): { readonly allowed: boolean; readonly state: RateLimitState } {
    const { limit, windowMillis } = this.setting
    const start = Math.floor(at / windowMillis) * windowMillis
    if (start !== this.start) {
      this.start = start
      this.used = 0
    }
    const allowed = this.used < limit
    if (allowed) this.used++
    return {
      allowed,
      state: { limit, remaining: limit - this.used, resetEpochSeconds: Math.ceil((start + windowMillis) / 1000) }
    }
  }
}

/** The org's windows and its in-flight count. */
export class Admission {
  private readonly windows = new Map<Family, Window>()
  private readonly windowOf: { readonly [K in Operation]: Window }
  /** Requests holding an in-flight slot now (those that wait on latency or chance). */
  inFlight = 0

  constructor(windows: ReadonlyMap<Family, WindowSetting>, public concurrencyLimit: number) {
    const windowFor = (family: Family): Window => {
      const known = this.windows.get(family)
      if (known !== undefined) return known
      const made = new Window(windows.get(family) ?? { limit: 600, windowMillis: 60_000 })
      this.windows.set(family, made)
      return made
    }
    this.windowOf = Record.map(familyOf, windowFor)
  }

  /** Whether one more request would be over the concurrent-request limit. */
  get saturated(): boolean {
    return this.inFlight >= this.concurrencyLimit
  }

  /** Counts a request of `operation` in its family's window at `at`. */
  admit(operation: Operation, at: number): { readonly allowed: boolean; readonly state: RateLimitState } {
    return this.windowOf[operation].admit(at)
  }

  /** The family's window setting. */
  setting(family: Family): WindowSetting {
    return this.windows.get(family)?.setting ?? { limit: 600, windowMillis: 60_000 }
  }

  /** Changes a family's window; the current window starts counting afresh. */
  setSetting(family: Family, setting: WindowSetting): void {
    const window = this.windows.get(family)
    if (window === undefined) return
    window.setting = setting
    window.start = -1
    window.used = 0
  }
}
