/**
 * The messages the benchmark processes exchange over Node's IPC channel, as schemas, so every
 * message that crosses a process boundary is checked rather than trusted.
 */
import { Schema } from "effect"

/** The clients under test; `undici` is the floor. */
export const ClientName = Schema.Literal("undici", "fetch", "platform-undici", "platform-fetch", "okta-sdk", "effect-lean", "effect-undici", "effect-fetch")
export type ClientName = typeof ClientName.Type

/** A fixed window the fake Okta enforces: `limit` requests per `windowMs`, answering 429 past it. */
export const RateLimitMode = Schema.Struct({
  limit: Schema.Int,
  windowMs: Schema.Int
})
export type RateLimitMode = typeof RateLimitMode.Type

/** One workload: `requests` calls of `operation`, `concurrency` at a time, after `warmup` unmeasured calls. */
export const Scenario = Schema.Struct({
  name: Schema.String,
  operation: Schema.Literal("get", "refresh"),
  concurrency: Schema.Int,
  requests: Schema.Int,
  warmup: Schema.Int,
  /** Stop early (and report fewer requests) when the measured part runs this long. */
  maxMillis: Schema.Int,
  /** When set, the parent switches the server to this fixed window before the scenario runs. */
  rateLimit: Schema.optional(RateLimitMode),
  /**
   * When set (the heap run), the measured calls run in batches of this many; before the first and
   * after each batch, with no call in flight, the client forces a full collection and records the
   * heap used (the client process must run with `--expose-gc`).
   */
  heapSampleEvery: Schema.optional(Schema.Int)
})
export type Scenario = typeof Scenario.Type

/** What the parent asks a client process to do first: build its client for this org. */
export const ClientSetup = Schema.TaggedStruct("Setup", {
  client: ClientName,
  orgUrl: Schema.String
})
export type ClientSetup = typeof ClientSetup.Type

/** Heap used after a forced full collection, with no call in flight, after `calls` measured calls. */
export const HeapSample = Schema.Struct({
  calls: Schema.Int,
  heapUsedBytes: Schema.Number,
  rssBytes: Schema.Number,
  /** Since the start of the measured part. */
  atMillis: Schema.Number
})
export type HeapSample = typeof HeapSample.Type

/** The measured part of one scenario in one client process. */
export const ScenarioResult = Schema.Struct({
  scenario: Schema.String,
  client: ClientName,
  /** Calls that succeeded with a Session. */
  succeeded: Schema.Int,
  /** Calls that failed (after the client's own retries). */
  failed: Schema.Int,
  /** The first failure, for the report. */
  firstFailure: Schema.optional(Schema.String),
  wallMillis: Schema.Number,
  /** Client CPU (user + system) over the measured part, in microseconds. */
  cpuMicros: Schema.Number,
  p50Millis: Schema.Number,
  p99Millis: Schema.Number,
  /** V8 heap bytes allocated over the measured part (bench/allocation.ts says how and its limits). */
  allocatedBytes: Schema.Number,
  /** Main-thread garbage collection time over the measured part, in microseconds. */
  gcMicros: Schema.Number,
  /** Garbage collections over the measured part. */
  gcCount: Schema.Int,
  /** The main thread's busy (event loop active) time over the measured part, in milliseconds. */
  busyMillis: Schema.Number,
  /** The heap samples, when the scenario asked for them (`heapSampleEvery`). */
  heapSamples: Schema.optional(Schema.Array(HeapSample))
})
export type ScenarioResult = typeof ScenarioResult.Type

/** Messages from a client process to the parent. */
export const ClientMessage = Schema.Union(
  Schema.TaggedStruct("Ready", {}),
  Schema.TaggedStruct("Result", { result: ScenarioResult })
)
export type ClientMessage = typeof ClientMessage.Type

/** Messages from the parent to a client process: set up once, then run scenarios one by one. */
export const ParentMessage = Schema.Union(
  ClientSetup,
  Schema.TaggedStruct("Run", { scenario: Scenario })
)
export type ParentMessage = typeof ParentMessage.Type

/** Counters of one fixed window of the fake Okta. */
export const WindowStats = Schema.Struct({
  startedAt: Schema.Number,
  endsAt: Schema.Number,
  served: Schema.Int,
  rejected: Schema.Int
})
export type WindowStats = typeof WindowStats.Type

/** What the fake Okta reports when asked. */
export const ServerStats = Schema.Struct({
  /** Server CPU (user + system) since start, in microseconds. */
  cpuMicros: Schema.Number,
  /** Requests answered since start. */
  requests: Schema.Int,
  /** TCP connections accepted since start. */
  connections: Schema.Int,
  /** 429s sent since the rate-limit mode was last set. */
  rejected: Schema.Int,
  /** When the first request of the current rate-limit mode arrived (epoch ms), if any. */
  firstRequestAt: Schema.NullOr(Schema.Number),
  windows: Schema.Array(WindowStats)
})
export type ServerStats = typeof ServerStats.Type

/** Messages from the fake Okta to the parent. */
export const ServerMessage = Schema.Union(
  Schema.TaggedStruct("Listening", { port: Schema.Int }),
  Schema.TaggedStruct("Stats", { stats: ServerStats }),
  Schema.TaggedStruct("ModeSet", {})
)
export type ServerMessage = typeof ServerMessage.Type

/** Messages from the parent to the fake Okta. */
export const ServerCommand = Schema.Union(
  Schema.TaggedStruct("GetStats", {}),
  Schema.TaggedStruct("SetMode", { rateLimit: Schema.NullOr(RateLimitMode) })
)
export type ServerCommand = typeof ServerCommand.Type

/** Decodes an IPC message, or throws with the schema's explanation. */
export const decodeClientMessage = Schema.decodeUnknownSync(ClientMessage)
export const decodeParentMessage = Schema.decodeUnknownSync(ParentMessage)
export const decodeServerMessage = Schema.decodeUnknownSync(ServerMessage)
export const decodeServerCommand = Schema.decodeUnknownSync(ServerCommand)

/** The session ids the workloads cycle through: valid Okta-shaped ids. */
export const sessionIds: ReadonlyArray<string> = Array.from(
  { length: 1024 },
  (_, index) => `102bench${index.toString().padStart(17, "0")}`
)
