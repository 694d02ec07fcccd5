/**
 * The `@effect/cluster` runner of a fleet process over the PostgreSQL `SqlClient` in context: socket
 * transport between runners (msgpack), runner and message storage in tables named by the fleet's
 * prefix, shard leases in the prefixed locks table, runner health by ping. A client-only variant
 * routes messages without hosting shards.
 *
 * Why the locks table and not PostgreSQL advisory locks (the cluster's default): in 0.60.2 the
 * advisory lock numbers are `1_000_000 * (group index + 1) + shard`, the same for every table
 * prefix, so two fleets on one database (two test runs, a demo beside a test) would hold each
 * other's shards. The lease table is per prefix; a dead runner's leases expire after
 * `shardLockExpiration`, which is also how long its heartbeat stays valid, so failover waits for
 * that either way.
 */
import * as RunnerHealth from "@effect/cluster/RunnerHealth"
import * as Runners from "@effect/cluster/Runners"
import * as RunnerAddress from "@effect/cluster/RunnerAddress"
import * as ShardingConfig from "@effect/cluster/ShardingConfig"
import * as SocketRunner from "@effect/cluster/SocketRunner"
import * as SqlMessageStorage from "@effect/cluster/SqlMessageStorage"
import * as SqlRunnerStorage from "@effect/cluster/SqlRunnerStorage"
import * as NodeClusterSocket from "@effect/platform-node/NodeClusterSocket"
import * as RpcSerialization from "@effect/rpc/RpcSerialization"
import * as Duration from "effect/Duration"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { FleetSettings } from "./fleetSettings.js"

/** The shard group of the fleet's partitions. */
export const shardGroup = "default"

/** The cluster's configuration for the fleet's settings; `port` none: a client that hosts no shard. */
export const shardingConfig = (settings: FleetSettings, port: number | undefined): ShardingConfig.ShardingConfig["Type"] => ({
  ...ShardingConfig.defaults,
  runnerAddress: port === undefined ? Option.none() : Option.some(RunnerAddress.make(settings.host, port)),
  runnerListenAddress: Option.none(),
  shardsPerGroup: settings.partitions,
  availableShardGroups: [shardGroup],
  assignedShardGroups: [shardGroup],
  shardLockExpiration: settings.shardLockExpiration,
  shardLockRefreshInterval: settings.shardLockRefreshInterval,
  shardLockDisableAdvisory: true,
  refreshAssignmentsInterval: settings.refreshAssignmentsInterval,
  runnerHealthCheckInterval: settings.runnerHealthCheckInterval,
  // a partition stops when its shard moves, never for being idle
  entityMaxIdleTime: Duration.infinity,
  // a stopping partition finishes its in-flight refreshes and flushes the store
  entityTerminationTimeout: Duration.seconds(15),
  // Add and Remove are not persisted: they are answered by the owner, or fail and are retried by the caller
  entityMessagePollInterval: Duration.seconds(5),
  simulateRemoteSerialization: false
})

const storage = (settings: FleetSettings) =>
  Layer.merge(
    SqlMessageStorage.layerWith({ prefix: settings.tablePrefix }),
    SqlRunnerStorage.layerWith({ prefix: settings.tablePrefix })
  )

const serialization = RpcSerialization.layerMsgPack
const clientProtocol = NodeClusterSocket.layerClientProtocol.pipe(Layer.provide(serialization))

/** A runner that hosts shards, listening on `settings.port`. */
export const runnerLayer = (settings: FleetSettings, port: number) => {
  const config = ShardingConfig.layer(shardingConfig(settings, port))
  return SocketRunner.layer.pipe(
    Layer.provide([NodeClusterSocket.layerSocketServer, clientProtocol, serialization]),
    Layer.provide(RunnerHealth.layerPing.pipe(Layer.provide(Runners.layerRpc), Layer.provide(clientProtocol))),
    Layer.provide(storage(settings)),
    Layer.provide(config)
  )
}

/** A client of the fleet: routes messages to the owners of the partitions, hosts none. */
export const clientLayer = (settings: FleetSettings) => {
  const config = ShardingConfig.layer(shardingConfig(settings, undefined))
  return SocketRunner.layerClientOnly.pipe(
    Layer.provide(clientProtocol),
    Layer.provide(storage(settings)),
    Layer.provide(config)
  )
}
