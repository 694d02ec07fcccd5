/**
 * The partitions a fleet worker process hosts now, and what it has counted since it started: the
 * partitions it started and stopped and the sessions that moved in with them. The partition host
 * writes it; the process's `events` and `localStats` read it.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as PubSub from "effect/PubSub"
import type * as Scope from "effect/Scope"
import type { KeepaliveService } from "../keepalive/service.js"
import { FleetEvent } from "./fleetEvent.js"

/** What one process has counted. */
export interface LocalStats {
  /** The runner's address (`host:port`). */
  readonly runner: string
  /** Partitions running here now, sorted. */
  readonly partitions: ReadonlyArray<number>
  /** Partitions started here since the process started. */
  readonly partitionsStarted: number
  /** Partitions stopped here (moved away) since the process started. */
  readonly partitionsStopped: number
  /** Sessions restored from the store by the partitions started here (moved in, or resumed). */
  readonly sessionsMovedIn: number
  /** Sessions tracked by the partitions running here now. */
  readonly tracked: number
}

/** The process's registry of running partitions. */
export class LocalPartitions {
  private readonly running = new Map<number, KeepaliveService>()
  private started = 0
  private stopped = 0
  private movedIn = 0

  constructor(readonly runner: string, readonly events: PubSub.PubSub<FleetEvent>) {}

  /** Registers a started partition; it is unregistered (and reported stopped) when the scope closes. */
  register(partition: number, keepalive: KeepaliveService, restored: number, at: number): Effect.Effect<void, never, Scope.Scope> {
    return Effect.acquireRelease(
      Effect.suspend(() => {
        this.running.set(partition, keepalive)
        this.started++
        this.movedIn += restored
        return PubSub.publish(this.events, FleetEvent.PartitionStarted({ partition, restored, at }))
      }),
      () =>
        Effect.gen(this, function*() {
          const tracked = (yield* keepalive.stats).tracked
          const at = yield* Clock.currentTimeMillis
          if (this.running.get(partition) === keepalive) this.running.delete(partition)
          this.stopped++
          yield* PubSub.publish(this.events, FleetEvent.PartitionStopped({ partition, tracked, at }))
        })
    ).pipe(Effect.asVoid)
  }

  readonly stats: Effect.Effect<LocalStats> = Effect.suspend(() => {
    const entries = Array.from(this.running.entries()).sort(([a], [b]) => a - b)
    return Effect.map(
      Effect.forEach(entries, ([, keepalive]) => Effect.map(keepalive.stats, (stats) => stats.tracked)),
      (tracked): LocalStats => ({
        runner: this.runner,
        partitions: entries.map(([partition]) => partition),
        partitionsStarted: this.started,
        partitionsStopped: this.stopped,
        sessionsMovedIn: this.movedIn,
        tracked: tracked.reduce((sum, n) => sum + n, 0)
      })
    )
  })
}
