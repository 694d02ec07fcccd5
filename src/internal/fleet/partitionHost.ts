/**
 * The partition entity's behaviour on the runner that owns its shard: activating it builds a
 * keepalive worker (`Keepalive.make`) over that partition's store view, scoped to the entity's life.
 * Starting restores the partition's sessions from the store (planned from their stored `expiresAt`,
 * refreshed before it); stopping (the shard moved away, or the process shuts down) lets in-flight
 * refreshes finish and flushes to the store, deleting nothing, so the next owner resumes them.
 * It never idles out: a partition runs for as long as its shard is here.
 */
import * as Entity from "@effect/cluster/Entity"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as PubSub from "effect/PubSub"
import * as Stream from "effect/Stream"
import { KeepaliveStore } from "../../KeepaliveStore.js"
import type { Sessions } from "../../Sessions.js"
import { makeKeepalive } from "../keepalive/makeKeepalive.js"
import type { Options as KeepaliveOptions } from "../keepalive/settings.js"
import { FleetEvent } from "./fleetEvent.js"
import type { LocalPartitions } from "./localPartitions.js"
import { PartitionEntity, PartitionStats } from "./partitionEntity.js"
import { partitionOfEntityId } from "./partitionIds.js"
import { PartitionStores } from "./partitionStores.js"

/** What the host needs beside the stores: the partition count, each partition's keepalive options, the process registry. */
export class PartitionHostSettings extends Context.Tag("effect-okta-sessions/internal/fleet/PartitionHostSettings")<
  PartitionHostSettings,
  {
    readonly partitions: number
    readonly keepalive: KeepaliveOptions
    readonly local: LocalPartitions
  }
>() {}

/** The entity's handlers for the partition of the current address. */
const build = Effect.gen(function*() {
  const address = yield* Entity.CurrentAddress
  const { keepalive: options, local, partitions } = yield* PartitionHostSettings
  const stores = yield* PartitionStores
  const partition = partitionOfEntityId(address.entityId)
  if (!(partition >= 0 && partition < partitions)) {
    return yield* Effect.dieMessage(`not a partition entity id: ${address.entityId} (the fleet has ${partitions} partitions)`)
  }
  const keepalive = yield* makeKeepalive(options).pipe(
    Effect.provideService(KeepaliveStore, stores.partition(partition, partitions)),
    Effect.tapError((error) => Effect.logWarning(`keepalive partition ${partition} could not start: ${error.message}`)),
    // the entity's build retries a defect on the cluster's schedule
    Effect.orDie,
    Effect.withSpan("KeepaliveFleet.startPartition", { attributes: { "okta.keepalive.partition": partition } })
  )
  const restored = (yield* keepalive.stats).tracked
  yield* local.register(partition, keepalive, restored, yield* Clock.currentTimeMillis)
  yield* keepalive.events.pipe(
    Stream.runForEach((event) => PubSub.publish(local.events, FleetEvent.Keepalive({ partition, event }))),
    Effect.forkScoped
  )
  return PartitionEntity.of({
    Ensure: () => Effect.succeed(partition),
    Add: ({ payload }) => keepalive.addAll(payload.sessions),
    Remove: ({ payload }) =>
      Effect.map(Effect.forEach(payload.sessionIds, keepalive.remove), (removed) => removed.filter(Boolean).length),
    Stats: () =>
      Effect.map(keepalive.stats, (stats) =>
        new PartitionStats({
          partition,
          runner: local.runner,
          restored,
          tracked: stats.tracked,
          requests: stats.requests,
          refreshed: stats.refreshed,
          gone: stats.gone,
          expired: stats.expired,
          failed: stats.failed,
          retried: stats.retried,
          throttled: stats.throttled,
          worstLagMillis: Duration.toMillis(stats.worstLag)
        }))
  })
})

/** The partition entity's layer: registers it with the runner's `Sharding`. */
export const partitionHostLayer = PartitionEntity.toLayer(build, { maxIdleTime: Duration.infinity })

/** The keepalive worker needs `Sessions`; kept here so the fleet layer's requirement reads plainly. */
export type PartitionHostRequirements = Sessions | PartitionStores | PartitionHostSettings
