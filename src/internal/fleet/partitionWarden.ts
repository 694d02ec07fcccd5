/**
 * The warden: a cluster `Singleton` (one fiber in the whole fleet, on the runner that owns its shard,
 * moved like any shard) that asks every partition to be running, every `ensureInterval`. A
 * partition entity starts on the first message it gets; without the warden, a partition whose shard
 * moved would wait for a user's `add` before restoring its sessions. Each ask is bounded (a
 * partition whose shard is moving answers once its new owner has it).
 */
import * as Singleton from "@effect/cluster/Singleton"
import { Sharding } from "@effect/cluster/Sharding"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { shardGroup } from "./clusterRunner.js"
import { PartitionEntity } from "./partitionEntity.js"
import { partitionEntityIds } from "./partitionIds.js"

/** The longest one ask waits for its partition's answer. */
const askTimeout = Duration.seconds(10)

/** The warden's layer, for `partitions` partitions, asking every `interval`. */
export const partitionWardenLayer = (partitions: number, interval: Duration.Duration) =>
  Singleton.make(
    "OktaKeepaliveWarden",
    Effect.gen(function*() {
      const sharding = yield* Sharding
      const ids = partitionEntityIds(sharding, partitions, shardGroup)
      const client = yield* PartitionEntity.client
      yield* Effect.forEach(ids, (id) => client(id).Ensure().pipe(Effect.timeout(askTimeout), Effect.ignore), {
        concurrency: "unbounded",
        discard: true
      }).pipe(Effect.repeat(Schedule.spaced(interval)))
    }).pipe(Effect.withSpan("KeepaliveFleet.warden", { root: true }))
  )
