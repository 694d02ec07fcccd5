/**
 * The worker's side of the `KeepaliveStore`: the refresh outcomes of a tick are collected (the
 * last change per session wins) and written in one `write` at most one tick after the first of
 * them (`runFlusher`), so the store sees one transaction per tick, not one per refresh, and what a
 * refresh learned is on disk within a tick of it: a kill loses at most that tick's outcomes. (It
 * used to be written only by the scheduler's next pass, which can be seconds away: a kill in that
 * gap left stale `expiresAt`s behind.) A failed write is logged and kept for the next tick; `add`
 * and `remove` write directly (durable once they return) and do not pass through here.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import { Change, type KeepaliveStore, type Outcome } from "../../KeepaliveStore.js"
import type { SessionId } from "../../Session.js"
import type { RefreshQueue } from "./refreshQueue.js"

/** The pending changes of one worker. */
export class StoreWriter {
  private pending = new Map<SessionId, Change>()

  constructor(private readonly store: KeepaliveStore.Service, private readonly dirty: Queue.Queue<void>) {}

  get size(): number {
    return this.pending.size
  }

  /** Records a session's current plan and outcome. */
  put(records: RefreshQueue<SessionId>, slot: number, sessionId: SessionId, due: number, outcome: Outcome): void {
    const expiresAt = records.expiresAt(slot)
    this.pending.delete(sessionId) // re-inserted last: the store applies changes in order
    this.pending.set(sessionId, Change.put({
      sessionId,
      expiresAt: Number.isNaN(expiresAt) ? undefined : expiresAt,
      nextRefreshAt: due,
      lastOutcome: outcome
    }))
    this.dirty.unsafeOffer(undefined)
  }

  /** Records that a session is no longer tracked. */
  remove(sessionId: SessionId): void {
    this.pending.delete(sessionId)
    this.pending.set(sessionId, Change.remove(sessionId))
    this.dirty.unsafeOffer(undefined)
  }

  /**
   * Writes what is pending in one `write`; on failure it is logged and kept for the next flush.
   * Uninterruptible: a batch taken from `pending` is written (or put back), never dropped halfway.
   */
  readonly flush: Effect.Effect<void> = Effect.uninterruptible(Effect.suspend(() => {
    if (this.pending.size === 0) return Effect.void
    const batch = this.pending
    this.pending = new Map()
    return this.store.write(Array.from(batch.values())).pipe(
      Effect.catchAll((error) =>
        Effect.zipRight(
          Effect.logWarning("Keepalive: writing refresh outcomes to the store failed; kept for the next tick", error),
          Effect.sync(() => {
            // newer changes made meanwhile win over the failed batch
            for (const [id, change] of batch) if (!this.pending.has(id)) this.pending.set(id, change)
            this.dirty.unsafeOffer(undefined)
          })
        )
      )
    )
  }))

  /**
   * The flusher fiber's loop (runs until interrupted): once a change is pending, waits one `tick`
   * for the rest of that tick's changes, then writes them in one batch. Idle while nothing changes.
   */
  runFlusher(tick: number): Effect.Effect<never> {
    return Queue.take(this.dirty).pipe(
      Effect.zipRight(Effect.sleep(Duration.millis(tick))),
      Effect.zipRight(Queue.takeAll(this.dirty)),
      Effect.zipRight(this.flush),
      Effect.forever
    )
  }
}
