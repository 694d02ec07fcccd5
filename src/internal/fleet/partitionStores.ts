/**
 * Where the partitions keep their sessions: a function from a partition (and the partition count)
 * to the `KeepaliveStore` view of only that partition's sessions. The fleet layer fills it from
 * `KeepaliveStorePg.partition`; every process of a fleet must see the same stores.
 */
import * as Context from "effect/Context"
import type { KeepaliveStore } from "../../KeepaliveStore.js"

/** The partitions' stores. */
export class PartitionStores extends Context.Tag("effect-okta-sessions/internal/fleet/PartitionStores")<
  PartitionStores,
  {
    readonly partition: (index: number, count: number) => KeepaliveStore.Service
    /** The partition (0 to `count - 1`) that owns a session. */
    readonly partitionOf: (sessionId: string, count: number) => number
  }
>() {}
