/**
 * The cluster entity of the fleet: one per partition of the tracked set (entity ids `"0"` .. `"K-1"`),
 * hosted by whichever runner owns its shard. Its messages: `Ensure` (start the partition if it is not
 * running: the warden sends it to every partition so that a moved shard's partition starts on its new
 * owner without waiting for a user's message), `Add`, `Remove` and `Stats`.
 */
import * as Entity from "@effect/cluster/Entity"
import * as Rpc from "@effect/rpc/Rpc"
import * as Schema from "effect/Schema"
import { KeepaliveStoreError } from "../../KeepaliveStore.js"
import { Session, SessionId } from "../../Session.js"

/** What a partition reports of itself: the worker's counters that add up across partitions. */
export class PartitionStats extends Schema.Class<PartitionStats>("PartitionStats")({
  partition: Schema.Int,
  runner: Schema.String,
  /** Sessions this partition restored from the store when it last started here. */
  restored: Schema.Int,
  tracked: Schema.Int,
  requests: Schema.Int,
  refreshed: Schema.Int,
  gone: Schema.Int,
  expired: Schema.Int,
  failed: Schema.Int,
  retried: Schema.Int,
  throttled: Schema.Int,
  worstLagMillis: Schema.Number
}) {}

/** A session to add: a bare id (refreshed promptly to learn its expiry) or a `Session` (planned from its `expiresAt`). */
export const SessionInput = Schema.Union(SessionId, Session)

const Ensure = Rpc.make("Ensure", { success: Schema.Int })
const Add = Rpc.make("Add", {
  payload: { sessions: Schema.Array(SessionInput) },
  success: Schema.Int,
  error: KeepaliveStoreError
})
const Remove = Rpc.make("Remove", {
  payload: { sessionIds: Schema.Array(SessionId) },
  success: Schema.Int,
  error: KeepaliveStoreError
})
const Stats = Rpc.make("Stats", { success: PartitionStats })

/** The partition entity. */
export const PartitionEntity = Entity.make("OktaKeepalivePartition", [Ensure, Add, Remove, Stats])
