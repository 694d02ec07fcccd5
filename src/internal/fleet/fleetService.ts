/**
 * The fleet's operations from any process (a worker or a client): `add` and `remove` reach the
 * partition that owns each session (grouped, one message per partition), `stats` asks every
 * partition for its counters and sums them, `partitionStats` gives them one by one. A worker also
 * has `local` (what this process hosts and has counted) and `events` (its partitions' events).
 */
import { AlreadyProcessingMessage, MailboxFull, PersistenceError } from "@effect/cluster/ClusterError"
import type { Sharding } from "@effect/cluster/Sharding"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type { KeepaliveStoreError } from "../../KeepaliveStore.js"
import type { Session, SessionId } from "../../Session.js"
import { KeepaliveFleetError } from "./fleetError.js"
import type { FleetEvent } from "./fleetEvent.js"
import type { LocalPartitions, LocalStats } from "./localPartitions.js"
import { PartitionEntity, type PartitionStats } from "./partitionEntity.js"
import { partitionEntityIds } from "./partitionIds.js"
import { shardGroup } from "./clusterRunner.js"

/** The longest a fleet call waits for a partition's owner (a shard that is moving can take this long). */
export const callTimeout = Duration.seconds(60)
/** Sessions per `Add` message. */
const batchSize = 5_000

/** What the cluster answers a call it could not deliver. */
type ClusterCallError = MailboxFull | AlreadyProcessingMessage | PersistenceError

const isClusterCallError = (error: unknown): error is ClusterCallError =>
  error instanceof MailboxFull || error instanceof AlreadyProcessingMessage || error instanceof PersistenceError

/** The fleet's counters: the partitions' sums, and the partitions themselves. */
export interface FleetStats {
  readonly partitions: ReadonlyArray<PartitionStats>
  /** Runners hosting at least one partition. */
  readonly runners: ReadonlyArray<string>
  readonly tracked: number
  /** Sessions the partitions restored from the store when they started on their current owners (moved in, or resumed). */
  readonly restored: number
  readonly requests: number
  readonly refreshed: number
  readonly gone: number
  readonly expired: number
  readonly failed: number
  readonly retried: number
  readonly throttled: number
  readonly worstLagMillis: number
}

/**
 * The fleet's operations.
 *
 * @since 0.3.0
 * @category models
 */
export interface FleetService {
  /** Adds sessions, each to the partition that owns it; returns how many were newly tracked. Durable once it returns. */
  readonly add: (sessions: Iterable<SessionId | Session>) => Effect.Effect<number, KeepaliveFleetError | KeepaliveStoreError>
  /** Removes sessions from the partitions that own them; returns how many were tracked. */
  readonly remove: (sessionIds: Iterable<SessionId>) => Effect.Effect<number, KeepaliveFleetError | KeepaliveStoreError>
  /** The whole fleet's counters (every partition asked). */
  readonly stats: Effect.Effect<FleetStats, KeepaliveFleetError>
  /** This process's partitions and counts; none for a client that hosts nothing. */
  readonly local: Effect.Effect<Option.Option<LocalStats>>
  /** This process's events (its partitions' keepalive events, partitions started and stopped); none for a client. */
  readonly events: Stream.Stream<FleetEvent>
}

const sum = (stats: ReadonlyArray<PartitionStats>, key: "tracked" | "restored" | "requests" | "refreshed" | "gone" | "expired" | "failed" | "retried" | "throttled") =>
  stats.reduce((total, partition) => total + partition[key], 0)

/** The fleet's operations over a `Sharding` (runner or client) and, on a worker, its registry. */
export const makeFleetService = (
  sharding: Sharding["Type"],
  partitions: number,
  partitionOf: (sessionId: SessionId, count: number) => number,
  local: LocalPartitions | undefined
): Effect.Effect<FleetService> =>
  Effect.gen(function*() {
    const ids = partitionEntityIds(sharding, partitions, shardGroup)
    const client = yield* sharding.makeClient(PartitionEntity)
    const entity = (partition: number) => client(ids[partition] ?? String(partition))
    /**
     * One call to a partition, bounded by `callTimeout`. A call whose runner died answers with an
     * interruption (the cluster interrupts requests to an unavailable runner): that, and a full
     * mailbox, are retried every half second until the partition's new owner answers; Add, Remove
     * and Stats are idempotent.
     */
    const bounded = <A, E>(partition: number, call: Effect.Effect<A, E | ClusterCallError>): Effect.Effect<A, E | KeepaliveFleetError> =>
      Effect.exit(call).pipe(
        Effect.flatMap((exit): Effect.Effect<A, E | ClusterCallError | KeepaliveFleetError> =>
          Exit.isSuccess(exit) || !Cause.isInterruptedOnly(exit.cause)
            ? exit
            : Effect.fail(new KeepaliveFleetError({ reason: "Unavailable", detail: `partition ${partition}: its runner went away` }))
        ),
        Effect.mapError((error: E | ClusterCallError | KeepaliveFleetError): E | KeepaliveFleetError => {
          if (error instanceof KeepaliveFleetError) return error
          if (isClusterCallError(error)) {
            return new KeepaliveFleetError({ reason: "Unavailable", detail: `partition ${partition}: ${error._tag}: ${error.message}` })
          }
          return error
        }),
        Effect.retry({
          while: (error) => error instanceof KeepaliveFleetError,
          schedule: Schedule.spaced(Duration.millis(500))
        }),
        Effect.timeoutFail({
          duration: callTimeout,
          onTimeout: () =>
            new KeepaliveFleetError({ reason: "Timeout", detail: `partition ${partition} did not answer within ${Duration.format(callTimeout)}` })
        })
      )

    const byPartition = <A>(items: Iterable<A>, idOf: (item: A) => SessionId) => {
      const groups = new Map<number, Array<A>>()
      for (const item of items) {
        const partition = partitionOf(idOf(item), partitions)
        const group = groups.get(partition)
        if (group === undefined) groups.set(partition, [item])
        else group.push(item)
      }
      return Array.from(groups.entries())
    }

    const add = Effect.fn("KeepaliveFleet.add")(function*(sessions: Iterable<SessionId | Session>) {
      const counts = yield* Effect.forEach(
        byPartition(sessions, (session) => typeof session === "string" ? session : session.id),
        ([partition, group]) =>
          Effect.forEach(
            Array.from({ length: Math.ceil(group.length / batchSize) }, (_, i) => group.slice(i * batchSize, (i + 1) * batchSize)),
            (batch) =>
              bounded(partition, entity(partition).Add({ sessions: batch }))
          ),
        { concurrency: 4 }
      )
      return counts.flat().reduce((total, n) => total + n, 0)
    })

    const remove = Effect.fn("KeepaliveFleet.remove")(function*(sessionIds: Iterable<SessionId>) {
      const counts = yield* Effect.forEach(
        byPartition(sessionIds, (id) => id),
        ([partition, group]) =>
          bounded(partition, entity(partition).Remove({ sessionIds: group })),
        { concurrency: 4 }
      )
      return counts.reduce((total, n) => total + n, 0)
    })

    const stats = Effect.forEach(
      Array.from({ length: partitions }, (_, partition) => partition),
      (partition) =>
        bounded<PartitionStats, never>(partition, entity(partition).Stats()),
      { concurrency: "unbounded" }
    ).pipe(
      Effect.map((all): FleetStats => ({
        partitions: all,
        runners: Array.from(new Set(all.map((partition) => partition.runner))).sort(),
        tracked: sum(all, "tracked"),
        restored: sum(all, "restored"),
        requests: sum(all, "requests"),
        refreshed: sum(all, "refreshed"),
        gone: sum(all, "gone"),
        expired: sum(all, "expired"),
        failed: sum(all, "failed"),
        retried: sum(all, "retried"),
        throttled: sum(all, "throttled"),
        worstLagMillis: all.reduce((worst, partition) => Math.max(worst, partition.worstLagMillis), 0)
      })),
      Effect.withSpan("KeepaliveFleet.stats")
    )

    return {
      add,
      remove,
      stats,
      local: local === undefined ? Effect.succeedNone : Effect.map(local.stats, Option.some),
      events: local === undefined ? Stream.empty : Stream.fromPubSub(local.events)
    }
  })
