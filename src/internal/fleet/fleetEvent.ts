/**
 * What a fleet worker process reports beside its partitions' own keepalive events: a partition
 * started here (with the sessions it restored from the store: moved in from another runner after a
 * failover or a rebalance, or resumed after a restart) and a partition stopped here (its shard moved
 * away, or the process is shutting down).
 */
import * as Data from "effect/Data"
import type { Event as KeepaliveEvent } from "../keepalive/event.js"

/**
 * A fleet worker's event:
 * - `PartitionStarted`: this process started partition `partition`, restoring `restored` sessions
 *   from the store (the sessions that moved in with it).
 * - `PartitionStopped`: this process stopped partition `partition` (flushed to the store, nothing
 *   deleted); `tracked` sessions leave with it.
 * - `Keepalive`: an event of one of this process's partitions.
 *
 * @since 0.3.0
 * @category events
 */
export type FleetEvent = Data.TaggedEnum<{
  PartitionStarted: { readonly partition: number; readonly restored: number; readonly at: number }
  PartitionStopped: { readonly partition: number; readonly tracked: number; readonly at: number }
  Keepalive: { readonly partition: number; readonly event: KeepaliveEvent }
}>

/**
 * Constructors and matchers of `FleetEvent`.
 *
 * @since 0.3.0
 * @category events
 */
export const FleetEvent = Data.taggedEnum<FleetEvent>()
