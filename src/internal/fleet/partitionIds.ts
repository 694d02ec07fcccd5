/**
 * Which entity id carries which partition. With `shardsPerGroup` equal to the partition count, the
 * fleet gives partition `p` an entity id that hashes to shard `p + 1` (`"p"`, or `"p.n"` for the
 * first `n` that does), so that every partition has a shard of its own and the cluster's balanced
 * shard assignment balances partitions. Plain ids `"0".."K-1"` were tried first: their hashes put
 * several partitions on one shard and left other shards empty (a runner could own 7 of 16
 * partitions while another owned 3).
 */
import * as EntityId from "@effect/cluster/EntityId"
import type { Sharding } from "@effect/cluster/Sharding"

/** The longest search for an id of a shard before falling back to the plain id. */
const maxTries = 100_000

/** The entity ids of partitions `0 .. count - 1`, in partition order. */
export const partitionEntityIds = (sharding: Sharding["Type"], count: number, group: string): ReadonlyArray<string> =>
  Array.from({ length: count }, (_, partition) => {
    for (let n = 0; n < maxTries; n++) {
      const id = n === 0 ? String(partition) : `${partition}.${n}`
      if (sharding.getShardId(EntityId.make(id), group).id === partition + 1) return id
    }
    return String(partition)
  })

/** The partition an entity id carries (`"3"` and `"3.17"` are partition 3); NaN for an id that is not one. */
export const partitionOfEntityId = (entityId: string): number => {
  const head = entityId.split(".")[0] ?? ""
  return /^\d+$/.test(head) ? Number(head) : Number.NaN
}
