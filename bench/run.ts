/**
 * The benchmark suite: raw `undici.request` (the floor), Okta's official Node SDK and this client
 * (on its lean `OktaUndici` layer, over `NodeHttpClient.layerUndici` and over `FetchHttpClient`),
 * each in its own process, against one fake Okta in its own process on 127.0.0.1. Ratios are taken
 * against the floor (and the official SDK) in the same round; figures are medians over rounds. The
 * report ends with one PASS/FAIL line per target of issue 15 (`issueVerdicts`), and gives bytes
 * allocated per call and the GC share per client (bench/allocation.ts).
 *
 * `npm run bench` runs the full suite; `npm run bench -- --only heap` the 1,000,000-call heap run;
 * `npm run bench -- --help` lists the options. With `--write` the results replace the generated
 * part of BENCHMARKS.md.
 */
import { spawn } from "node:child_process"
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Os from "node:os"
import { pathToFileURL } from "node:url"
import { type ColdStartClient, type ColdStartMode, prepareColdStart, runColdStart } from "./coldStart.js"
import { runKeepalive, type KeepaliveResult } from "./keepalive.js"
import { runKeepaliveStoreBench } from "./keepalive-store.js"
import {
  benchFile,
  buildScripts,
  cacheDirectory,
  Channel,
  forkScript,
  removeRunDirectory,
  runDirectory,
  scriptPath
} from "./processes.js"
import { formatProfileSummary, summariseProfile } from "./profileSummary.js"
import {
  type ClientMessage,
  type ClientName,
  decodeClientMessage,
  type HeapSample,
  decodeServerMessage,
  type ParentMessage,
  type RateLimitMode,
  type Scenario,
  type ScenarioResult,
  type ServerCommand,
  type ServerMessage,
  type ServerStats
} from "./protocol.js"

/** What to run. `defaultOptions` is the full suite; the smoke test passes tiny numbers. */
export interface BenchOptions {
  readonly rounds: number
  readonly clients: ReadonlyArray<ClientName>
  readonly scenarios: ReadonlyArray<Scenario>
  readonly rateLimit?: {
    readonly clients: ReadonlyArray<ClientName>
    readonly rounds: number
    readonly scenario: Scenario & { readonly rateLimit: RateLimitMode }
  } | undefined
  readonly coldStart?: {
    readonly clients: ReadonlyArray<ColdStartClient>
    readonly modes: ReadonlyArray<ColdStartMode>
    readonly rounds: number
  } | undefined
  readonly keepalive?: { readonly sessions: ReadonlyArray<number> } | undefined
  /** The heap run: many calls of one client, heap used after a full collection sampled between batches. */
  readonly heap?: HeapOptions | undefined
  /** The fake Okta sends Session bodies chunked, without Content-Length. */
  readonly chunked?: boolean | undefined
  /** Node/V8 flags given to every client process of the throughput scenarios (`--client-node-flags`). */
  readonly clientNodeFlags?: ReadonlyArray<string> | undefined
  readonly log: (line: string) => void
}

/** The heap run (`--only heap`): `calls` calls at `concurrency`, sampled every `sampleEvery` calls. */
export interface HeapOptions {
  readonly client: ClientName
  readonly operation: Scenario["operation"]
  readonly concurrency: number
  readonly calls: number
  readonly warmup: number
  readonly sampleEvery: number
  /** Samples taken before this many calls are left out of the slope (JIT, pools and caches settle). */
  readonly settleCalls: number
}

/**
 * The heap run of issue 15: 1,000,000 calls at 64 on the lean layer. Not part of the default run
 * (it takes several minutes); `npm run bench -- --only heap`.
 */
export const heapDefaults: HeapOptions = {
  client: "effect-lean",
  operation: "get",
  concurrency: 64,
  calls: 1_000_000,
  warmup: 20_000,
  sampleEvery: 50_000,
  settleCalls: 100_000
}

/** The full suite. */
export const defaultOptions: BenchOptions = {
  rounds: 3,
  clients: ["undici", "fetch", "platform-undici", "platform-fetch", "okta-sdk", "effect-lean", "effect-undici", "effect-fetch"],
  scenarios: [
    // 2,000 warm-up calls, not 500: after 500 every client was still warming up (at C=1 raw undici
    // spent 281 µs of CPU per call and the lean layer 414 µs, against 105–112 and 144–152 µs after
    // 2,000 in profile.ts), so p50 at C=1 measured the warm-up more than the client.
    { name: "get c=1", operation: "get", concurrency: 1, requests: 5_000, warmup: 2_000, maxMillis: 10_000 },
    { name: "get c=64", operation: "get", concurrency: 64, requests: 10_000, warmup: 2_000, maxMillis: 10_000 },
    { name: "refresh c=64", operation: "refresh", concurrency: 64, requests: 10_000, warmup: 2_000, maxMillis: 10_000 }
  ],
  rateLimit: {
    clients: ["undici", "okta-sdk", "effect-lean", "effect-undici", "effect-fetch"],
    rounds: 3,
    scenario: {
      name: "refresh, 600 per 5 s, c=16",
      operation: "refresh",
      concurrency: 16,
      requests: 1_500,
      warmup: 0,
      maxMillis: 60_000,
      rateLimit: { limit: 600, windowMs: 5_000 }
    }
  },
  coldStart: { clients: ["undici", "effect-undici", "effect-fetch", "okta-sdk"], modes: ["tsx", "node", "bundle"], rounds: 5 },
  keepalive: { sessions: [100_000, 1_000_000] },
  log: (line) => process.stderr.write(`${line}\n`)
}

/** The machine and the moment, for the record. */
export interface MachineFacts {
  readonly date: string
  readonly nproc: number
  readonly cpuModel: string
  readonly memoryGiB: number
  readonly node: string
  readonly loadAverage: ReadonlyArray<number>
}

/** One scenario × client, medians over rounds; ratios are against the floor of the same round. */
export interface ThroughputRow {
  readonly scenario: string
  readonly client: ClientName
  readonly rounds: number
  readonly rps: number
  readonly rpsVsFloor: number
  readonly p50Millis: number
  readonly p99Millis: number
  readonly p99VsFloor: number
  readonly cpuMicrosPerRequest: number
  readonly cpuVsFloor: number
  readonly failed: number
  readonly firstFailure: string | undefined
  /** The fake Okta's CPU over the run, as a share of one core (median over rounds). */
  readonly serverCpuShare: number
  /** TCP connections opened per round, warm-up included (median): more than the concurrency means sockets are not reused. */
  readonly connections: number
  /** p50 ÷ the floor's p50, per round, median. */
  readonly p50VsFloor: number
  /** rps ÷ the official SDK's rps in the same round, median (NaN when the SDK did not run). */
  readonly rpsVsSdk: number
  /**
   * Client CPU per call ÷ that of the bare `@effect/platform` client it runs over, in the same round,
   * median: `effect-undici` against `platform-undici`, `effect-fetch` against `platform-fetch` (NaN
   * for the others, or when that client did not run).
   */
  readonly cpuVsBarePlatform: number
  /** V8 heap bytes allocated per call (bench/allocation.ts says how, and what it leaves out), median. */
  readonly bytesPerCall: number
  /** Main-thread GC pauses as a share of the main thread's busy time (bench/allocation.ts), median. */
  readonly gcShare: number
}

/** The heap run: the samples, the slope after the settling calls, and whether the heap stayed flat. */
export interface HeapRow {
  readonly client: ClientName
  readonly operation: Scenario["operation"]
  readonly concurrency: number
  readonly calls: number
  readonly failed: number
  readonly firstFailure: string | undefined
  readonly wallSeconds: number
  readonly cpuMicrosPerCall: number
  readonly bytesPerCall: number
  readonly gcShare: number
  /** Main-thread GC pauses as a share of the run's wall time (less inflated than `gcShare` on a busy machine). */
  readonly gcWallShare: number
  readonly samples: ReadonlyArray<HeapSample>
  readonly settleCalls: number
  /** Least-squares slope of heap used over calls, samples from `settleCalls` on, in bytes per call. */
  readonly slopeBytesPerCall: number
  /** Heap used at the last sample minus at the first sample from `settleCalls` on. */
  readonly growthBytes: number
}

/** The rate-limited scenario for one client, medians over rounds. */
export interface RateLimitRow {
  readonly scenario: string
  readonly requests: number
  readonly client: ClientName
  readonly rounds: number
  readonly wallSeconds: number
  /** The earliest the last request can be served: when its window opens, from the first request. */
  readonly floorSeconds: number
  readonly wallVsFloor: number
  readonly tooManyRequests: number
  readonly maxTooManyRequestsPerWindow: number
  readonly windows: number
  readonly succeeded: number
  readonly failed: number
  readonly firstFailure: string | undefined
}

/** Cold start of one client in one mode, medians over rounds. */
export interface ColdStartRow {
  readonly client: ColdStartClient | "node alone"
  readonly mode: ColdStartMode
  readonly rounds: number
  readonly ok: boolean
  readonly firstResponseMillis: number
  readonly spawnToResponseMillis: number
  readonly bundleBytes: number | undefined
}

/** Everything one run measured. */
export interface BenchReport {
  readonly chunked: boolean
  /** The flags the throughput clients ran with (none by default). */
  readonly clientNodeFlags: ReadonlyArray<string>
  readonly machine: MachineFacts
  readonly machineAfter: MachineFacts
  readonly throughput: ReadonlyArray<ThroughputRow>
  readonly rateLimit: ReadonlyArray<RateLimitRow>
  readonly coldStart: ReadonlyArray<ColdStartRow>
  readonly keepalive: ReadonlyArray<KeepaliveResult>
  readonly heap?: HeapRow | undefined
}

const machineFacts = (): MachineFacts => ({
  date: new Date().toISOString(),
  nproc: Os.availableParallelism(),
  cpuModel: Os.cpus()[0]?.model ?? "unknown",
  memoryGiB: Math.round((Os.totalmem() / 1024 ** 3) * 10) / 10,
  node: process.version,
  loadAverage: Os.loadavg().map((value) => Math.round(value * 100) / 100)
})

export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? sorted[middle] ?? Number.NaN
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2
}

/** The fake Okta as a child process, with a request/answer helper. */
class FakeOkta {
  private constructor(readonly channel: Channel<ServerMessage, ServerCommand>, readonly orgUrl: string) {}

  static async start(maxSeconds: number, chunked: boolean): Promise<FakeOkta> {
    const channel = new Channel<ServerMessage, ServerCommand>(
      forkScript("fakeOkta", maxSeconds, chunked ? ["--chunked"] : []),
      decodeServerMessage,
      "fake Okta"
    )
    const listening = await channel.next(30_000)
    if (listening._tag !== "Listening") throw new Error(`fake Okta said ${listening._tag} first`)
    return new FakeOkta(channel, `http://127.0.0.1:${listening.port}`)
  }

  async stats(): Promise<ServerStats> {
    this.channel.send({ _tag: "GetStats" })
    const answer = await this.channel.next(10_000)
    if (answer._tag !== "Stats") throw new Error(`fake Okta answered ${answer._tag} to GetStats`)
    return answer.stats
  }

  async setMode(rateLimit: RateLimitMode | null): Promise<void> {
    this.channel.send({ _tag: "SetMode", rateLimit })
    const answer = await this.channel.next(10_000)
    if (answer._tag !== "ModeSet") throw new Error(`fake Okta answered ${answer._tag} to SetMode`)
  }

  stop(): Promise<void> {
    return this.channel.stop()
  }
}

/** One client process, set up for the fake Okta. */
class ClientProcess {
  private constructor(readonly channel: Channel<ClientMessage, ParentMessage>, readonly client: ClientName) {}

  static async start(client: ClientName, orgUrl: string, maxSeconds: number, nodeFlags: ReadonlyArray<string> = []): Promise<ClientProcess> {
    const channel = new Channel<ClientMessage, ParentMessage>(
      forkScript("client", maxSeconds, [], nodeFlags),
      decodeClientMessage,
      `client ${client}`
    )
    channel.send({ _tag: "Setup", client, orgUrl })
    const ready = await channel.next(60_000)
    if (ready._tag !== "Ready") throw new Error(`client ${client} said ${ready._tag} first`)
    return new ClientProcess(channel, client)
  }

  async run(scenario: Scenario): Promise<ScenarioResult> {
    this.channel.send({ _tag: "Run", scenario })
    const answer = await this.channel.next(scenario.maxMillis * 3 + 30_000)
    if (answer._tag !== "Result") throw new Error(`client ${this.client} answered ${answer._tag} to Run`)
    return answer.result
  }

  stop(): Promise<void> {
    return this.channel.stop()
  }
}

/** The clients in a different order each round, so none always runs first. */
const rotate = <A>(items: ReadonlyArray<A>, by: number): ReadonlyArray<A> =>
  items.map((_, index) => items[(index + by) % items.length]).filter((item): item is A => item !== undefined)

interface Measured {
  readonly round: number
  readonly result: ScenarioResult
  readonly serverCpuShare: number
  /** TCP connections the fake Okta accepted during the scenario (warm-up included). */
  readonly connections: number
}

const rpsOf = (result: ScenarioResult): number => result.succeeded / (result.wallMillis / 1000)
const cpuPerRequestOf = (result: ScenarioResult): number => result.cpuMicros / Math.max(1, result.succeeded + result.failed)
const bytesPerCallOf = (result: ScenarioResult): number => result.allocatedBytes / Math.max(1, result.succeeded + result.failed)
const gcShareOf = (result: ScenarioResult): number => result.busyMillis > 0 ? result.gcMicros / 1000 / result.busyMillis : Number.NaN

const runThroughput = async (
  options: BenchOptions,
  server: FakeOkta,
  maxSeconds: number
): Promise<ReadonlyArray<ThroughputRow>> => {
  const measured: Array<Measured> = []
  for (let round = 0; round < options.rounds; round++) {
    // Start this round's processes together (starting is the slow part), then measure one at a time.
    const started = await Promise.allSettled(
      rotate(options.clients, round).map((client) => ClientProcess.start(client, server.orgUrl, maxSeconds, options.clientNodeFlags))
    )
    const processes = started.flatMap((outcome) => outcome.status === "fulfilled" ? [outcome.value] : [])
    const failure = started.find((outcome) => outcome.status === "rejected")
    if (failure !== undefined) {
      await Promise.all(processes.map((clientProcess) => clientProcess.stop()))
      throw failure.reason
    }
    try {
      for (const clientProcess of processes) {
        for (const scenario of options.scenarios) {
          const before = await server.stats()
          const startedAt = performance.now()
          const result = await clientProcess.run(scenario)
          const after = await server.stats()
          const serverCpuShare = (after.cpuMicros - before.cpuMicros) / 1000 / (performance.now() - startedAt)
          const connections = after.connections - before.connections
          measured.push({ round, result, serverCpuShare, connections })
          options.log(
            `round ${round + 1} ${scenario.name} ${clientProcess.client}: ${rpsOf(result).toFixed(0)} rps, p99 ${
              result.p99Millis.toFixed(2)
            } ms, ${cpuPerRequestOf(result).toFixed(0)} µs CPU/req, ${(bytesPerCallOf(result) / 1024).toFixed(1)} KiB/req allocated, GC ${
              (gcShareOf(result) * 100).toFixed(0)
            }% of busy time, server CPU ${(serverCpuShare * 100).toFixed(0)}%, ${connections} new connections`
          )
        }
        await clientProcess.stop()
      }
    } finally {
      await Promise.all(processes.map((clientProcess) => clientProcess.stop()))
    }
  }
  const rows: Array<ThroughputRow> = []
  for (const scenario of options.scenarios) {
    for (const client of options.clients) {
      const mine = measured.filter((entry) => entry.result.scenario === scenario.name && entry.result.client === client)
      const ratios = mine.flatMap((entry) => {
        const floor = measured.find((other) =>
          other.round === entry.round && other.result.scenario === scenario.name && other.result.client === "undici"
        )
        return floor === undefined ? [] : [{
          rps: rpsOf(entry.result) / rpsOf(floor.result),
          p50: entry.result.p50Millis / floor.result.p50Millis,
          p99: entry.result.p99Millis / floor.result.p99Millis,
          cpu: cpuPerRequestOf(entry.result) / cpuPerRequestOf(floor.result)
        }]
      })
      /** `of(mine) ÷ of(other's)` per round, for the rounds `other` ran in too. */
      const perRoundAgainst = (other: ClientName, of: (result: ScenarioResult) => number) =>
        mine.flatMap((entry) => {
          const theirs = measured.find((candidate) =>
            candidate.round === entry.round && candidate.result.scenario === scenario.name && candidate.result.client === other
          )
          return theirs === undefined ? [] : [of(entry.result) / of(theirs.result)]
        })
      const vsSdk = perRoundAgainst("okta-sdk", rpsOf)
      const bare = barePlatformOf[client]
      rows.push({
        scenario: scenario.name,
        client,
        rounds: mine.length,
        rps: median(mine.map((entry) => rpsOf(entry.result))),
        rpsVsFloor: median(ratios.map((ratio) => ratio.rps)),
        p50Millis: median(mine.map((entry) => entry.result.p50Millis)),
        p99Millis: median(mine.map((entry) => entry.result.p99Millis)),
        p99VsFloor: median(ratios.map((ratio) => ratio.p99)),
        cpuMicrosPerRequest: median(mine.map((entry) => cpuPerRequestOf(entry.result))),
        cpuVsFloor: median(ratios.map((ratio) => ratio.cpu)),
        failed: mine.reduce((sum, entry) => sum + entry.result.failed, 0),
        firstFailure: mine.find((entry) => entry.result.firstFailure !== undefined)?.result.firstFailure,
        serverCpuShare: median(mine.map((entry) => entry.serverCpuShare)),
        connections: median(mine.map((entry) => entry.connections)),
        p50VsFloor: median(ratios.map((ratio) => ratio.p50)),
        rpsVsSdk: median(vsSdk),
        cpuVsBarePlatform: median(bare === undefined ? [] : perRoundAgainst(bare, cpuPerRequestOf)),
        bytesPerCall: median(mine.map((entry) => bytesPerCallOf(entry.result))),
        gcShare: median(mine.map((entry) => gcShareOf(entry.result)))
      })
    }
  }
  return rows
}

/** The bare `@effect/platform` client each client of the composable path runs over. */
const barePlatformOf: Partial<Record<ClientName, ClientName>> = {
  "effect-undici": "platform-undici",
  "effect-fetch": "platform-fetch"
}

/** When the window holding request `requests` opens, counted from the first request, in ms. */
export const windowFloorMillis = (stats: ServerStats, mode: RateLimitMode, requests: number): number => {
  const first = stats.windows[0]
  if (first === undefined || stats.firstRequestAt === null) return Number.NaN
  const lastWindow = Math.ceil(requests / mode.limit) - 1
  if (lastWindow <= 0) return 0
  return first.endsAt - stats.firstRequestAt + (lastWindow - 1) * mode.windowMs
}

const runRateLimit = async (
  options: BenchOptions,
  server: FakeOkta,
  maxSeconds: number
): Promise<ReadonlyArray<RateLimitRow>> => {
  const setup = options.rateLimit
  if (setup === undefined) return []
  const { scenario } = setup
  const warmup: Scenario = {
    name: "rate-limit warm-up",
    operation: scenario.operation,
    concurrency: scenario.concurrency,
    requests: Math.min(500, scenario.requests),
    warmup: 0,
    maxMillis: 10_000
  }
  const samples: Array<{ readonly result: ScenarioResult; readonly stats: ServerStats }> = []
  for (let round = 0; round < setup.rounds; round++) {
    for (const client of rotate(setup.clients, round)) {
      const clientProcess = await ClientProcess.start(client, server.orgUrl, maxSeconds)
      try {
        await server.setMode(null)
        await clientProcess.run(warmup)
        await server.setMode(scenario.rateLimit)
        const result = await clientProcess.run(scenario)
        const stats = await server.stats()
        samples.push({ result, stats })
        options.log(
          `round ${round + 1} ${scenario.name} ${client}: ${(result.wallMillis / 1000).toFixed(2)} s, floor ${
            (windowFloorMillis(stats, scenario.rateLimit, scenario.requests) / 1000).toFixed(2)
          } s, ${stats.rejected} × 429, ${result.succeeded} ok, ${result.failed} failed`
        )
      } finally {
        await server.setMode(null)
        await clientProcess.stop()
      }
    }
  }
  return setup.clients.map((client) => {
    const mine = samples.filter((sample) => sample.result.client === client)
    const floors = mine.map((sample) => windowFloorMillis(sample.stats, scenario.rateLimit, scenario.requests) / 1000)
    return {
      scenario: scenario.name,
      requests: scenario.requests,
      client,
      rounds: mine.length,
      wallSeconds: median(mine.map((sample) => sample.result.wallMillis / 1000)),
      floorSeconds: median(floors),
      wallVsFloor: median(mine.map((sample, index) => sample.result.wallMillis / 1000 / (floors[index] ?? Number.NaN))),
      tooManyRequests: median(mine.map((sample) => sample.stats.rejected)),
      maxTooManyRequestsPerWindow: Math.max(0, ...mine.flatMap((sample) => sample.stats.windows.map((window) => window.rejected))),
      windows: median(mine.map((sample) => sample.stats.windows.length)),
      succeeded: median(mine.map((sample) => sample.result.succeeded)),
      failed: mine.reduce((sum, sample) => sum + sample.result.failed, 0),
      firstFailure: mine.find((sample) => sample.result.firstFailure !== undefined)?.result.firstFailure
    }
  })
}

const runColdStarts = async (options: BenchOptions, server: FakeOkta): Promise<ReadonlyArray<ColdStartRow>> => {
  const setup = options.coldStart
  if (setup === undefined) return []
  const variants = await prepareColdStart(setup.clients, setup.modes)
  const samples = new Map<(typeof variants)[number], Array<Awaited<ReturnType<typeof runColdStart>>>>()
  for (let round = 0; round < setup.rounds; round++) {
    for (const variant of rotate(variants, round)) {
      const sample = await runColdStart(variant, server.orgUrl)
      const list = samples.get(variant) ?? []
      list.push(sample)
      samples.set(variant, list)
    }
  }
  return variants.map((variant) => {
    const mine = samples.get(variant) ?? []
    const row: ColdStartRow = {
      client: variant.client,
      mode: variant.mode,
      rounds: mine.length,
      ok: mine.every((sample) => sample.ok),
      firstResponseMillis: median(mine.map((sample) => sample.firstResponseMillis)),
      spawnToResponseMillis: median(mine.map((sample) => sample.spawnToResponseMillis)),
      bundleBytes: variant.bytes
    }
    options.log(`cold start ${row.client} (${row.mode}): ${row.firstResponseMillis.toFixed(0)} ms`)
    return row
  })
}

/** Least-squares slope of `y` over `x`; NaN with fewer than two distinct `x`. */
export const slope = (points: ReadonlyArray<{ readonly x: number; readonly y: number }>): number => {
  if (points.length < 2) return Number.NaN
  const meanX = points.reduce((sum, point) => sum + point.x, 0) / points.length
  const meanY = points.reduce((sum, point) => sum + point.y, 0) / points.length
  let covariance = 0
  let variance = 0
  for (const point of points) {
    covariance += (point.x - meanX) * (point.y - meanY)
    variance += (point.x - meanX) ** 2
  }
  return variance === 0 ? Number.NaN : covariance / variance
}

/** The heap samples of one run, summarised: slope and growth from `settleCalls` on. */
export const heapRowOf = (setup: HeapOptions, result: ScenarioResult): HeapRow => {
  const samples = result.heapSamples ?? []
  const settled = samples.filter((sample) => sample.calls >= setup.settleCalls)
  const first = settled[0]
  const last = settled[settled.length - 1]
  return {
    client: setup.client,
    operation: setup.operation,
    concurrency: setup.concurrency,
    calls: result.succeeded + result.failed,
    failed: result.failed,
    firstFailure: result.firstFailure,
    wallSeconds: result.wallMillis / 1000,
    cpuMicrosPerCall: cpuPerRequestOf(result),
    bytesPerCall: bytesPerCallOf(result),
    gcShare: gcShareOf(result),
    gcWallShare: result.wallMillis > 0 ? result.gcMicros / 1000 / result.wallMillis : Number.NaN,
    samples,
    settleCalls: setup.settleCalls,
    slopeBytesPerCall: slope(settled.map((sample) => ({ x: sample.calls, y: sample.heapUsedBytes }))),
    growthBytes: first === undefined || last === undefined ? Number.NaN : last.heapUsedBytes - first.heapUsedBytes
  }
}

/**
 * The heap run: one client process started with `--expose-gc`, `calls` calls in batches of
 * `sampleEvery`, the heap used after forced full collections between batches (no call in flight).
 */
const runHeap = async (
  setup: HeapOptions,
  server: FakeOkta,
  maxSeconds: number,
  log: (line: string) => void
): Promise<HeapRow> => {
  const clientProcess = await ClientProcess.start(setup.client, server.orgUrl, maxSeconds, ["--expose-gc"])
  try {
    const scenario: Scenario = {
      name: `heap ${setup.operation} c=${setup.concurrency}`,
      operation: setup.operation,
      concurrency: setup.concurrency,
      requests: setup.calls,
      warmup: setup.warmup,
      // Bounded: a run slower than this stops early and reports the calls it made.
      maxMillis: 1_200_000,
      heapSampleEvery: setup.sampleEvery
    }
    log(`heap run: ${setup.calls.toLocaleString("en-US")} calls of ${setup.client} ${scenario.name}, a sample every ${setup.sampleEvery.toLocaleString("en-US")}`)
    const row = heapRowOf(setup, await clientProcess.run(scenario))
    log(`heap run: ${row.calls} calls in ${row.wallSeconds.toFixed(0)} s, slope ${row.slopeBytesPerCall.toFixed(3)} bytes per call`)
    return row
  } finally {
    await clientProcess.stop()
  }
}

/** Runs what `options` asks for and returns the figures. Every child process is stopped before it returns. */
export const runBench = async (options: BenchOptions): Promise<BenchReport> => {
  const machine = machineFacts()
  // Children are told to exit by themselves a while after the longest this run can take.
  const maxSeconds = 1800
  await buildScripts()
  const server = await FakeOkta.start(maxSeconds, options.chunked === true).catch((error: unknown) => {
    removeRunDirectory()
    throw error
  })
  try {
    const throughput = options.scenarios.length === 0 ? [] : await runThroughput(options, server, maxSeconds)
    const rateLimit = await runRateLimit(options, server, maxSeconds)
    const coldStart = await runColdStarts(options, server)
    const keepalive = options.keepalive === undefined ? [] : await runKeepalive(options.keepalive.sessions, options.log)
    if (options.keepalive !== undefined) await runKeepaliveStoreBench({ sessions: Math.max(...options.keepalive.sessions) }, options.log)
    const heap = options.heap === undefined ? undefined : await runHeap(options.heap, server, maxSeconds, options.log)
    return { chunked: options.chunked === true, clientNodeFlags: options.clientNodeFlags ?? [], machine, machineAfter: machineFacts(), throughput, rateLimit, coldStart, keepalive, heap }
  } finally {
    await server.stop()
    removeRunDirectory()
  }
}

const fixed = (value: number, digits: number): string => Number.isFinite(value) ? value.toFixed(digits) : "n/a"
const ratio = (value: number): string => Number.isFinite(value) ? `${value.toFixed(2)}×` : "n/a"

/** The results as Markdown: machine facts, the tables, and each target with met / missed. */
export const formatMarkdown = (report: BenchReport): string => {
  const { machine, machineAfter } = report
  const lines: Array<string> = []
  lines.push(
    `Measured ${machine.date.slice(0, 16).replace("T", " ")} UTC on ${machine.nproc} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}.`,
    `Load average (1/5/15 min) ${machine.loadAverage.join(" / ")} at the start, ${machineAfter.loadAverage.join(" / ")} at the end.`,
    ...(report.clientNodeFlags.length === 0 ? [] : [`Every throughput client (raw undici and okta-sdk included) ran with \`${report.clientNodeFlags.join(" ")}\`.`]),
    ""
  )
  if (report.throughput.length > 0) {
    lines.push(
      `### Throughput and latency${report.chunked ? " (Session bodies chunked, no Content-Length)" : ""}`,
      "",
      "| scenario | client | rps | rps ÷ floor | p50 ms | p99 ms | p99 ÷ floor | client CPU µs/req | CPU ÷ floor | KiB allocated/req | GC % of busy time | fake Okta CPU | connections | failed |",
      "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
    )
    for (const row of report.throughput) {
      lines.push(
        `| ${row.scenario} | ${row.client} | ${fixed(row.rps, 0)} | ${ratio(row.rpsVsFloor)} | ${fixed(row.p50Millis, 2)} | ${
          fixed(row.p99Millis, 2)
        } | ${ratio(row.p99VsFloor)} | ${fixed(row.cpuMicrosPerRequest, 0)} | ${ratio(row.cpuVsFloor)} | ${fixed(row.bytesPerCall / 1024, 1)} | ${
          fixed(row.gcShare * 100, 0)
        }% | ${fixed(row.serverCpuShare * 100, 0)}% | ${row.connections} | ${row.failed} |`
      )
    }
    lines.push("")
    lines.push(...formatIssueTable(report))
  }
  if (report.heap !== undefined) lines.push(...formatHeap(report.heap))
  const issue = issueVerdicts(report)
  if (issue.length > 0) {
    lines.push(
      "### Issue 15 verdicts",
      "",
      "Ratios are taken against raw undici (and the official SDK) in the same round, then the median over rounds.",
      "",
      ...issue.map(formatVerdict),
      ""
    )
  }
  const [firstRateLimit] = report.rateLimit
  if (firstRateLimit !== undefined) {
    lines.push(
      `### Rate limit: ${firstRateLimit.requests.toLocaleString("en-US")} calls, ${firstRateLimit.scenario}`,
      "",
      "| client | wall s | window floor s | wall ÷ floor | 429s | most 429s in one window | windows | succeeded | failed |",
      "|---|--:|--:|--:|--:|--:|--:|--:|--:|"
    )
    for (const row of report.rateLimit) {
      lines.push(
        `| ${row.client} | ${fixed(row.wallSeconds, 2)} | ${fixed(row.floorSeconds, 2)} | ${ratio(row.wallVsFloor)} | ${row.tooManyRequests} | ${row.maxTooManyRequestsPerWindow} | ${row.windows} | ${row.succeeded} | ${row.failed} |`
      )
    }
    lines.push("")
  }
  if (report.coldStart.length > 0) {
    lines.push(
      "### Cold start to the first Session",
      "",
      "| client | run as | first response, ms since process start | spawn to response, ms | bundle KiB | ok |",
      "|---|---|--:|--:|--:|---|"
    )
    for (const row of report.coldStart) {
      lines.push(
        `| ${row.client} | ${row.mode} | ${fixed(row.firstResponseMillis, 0)} | ${fixed(row.spawnToResponseMillis, 0)} | ${
          row.bundleBytes === undefined ? "" : fixed(row.bundleBytes / 1024, 0)
        } | ${row.ok ? "yes" : "NO"} |`
      )
    }
    lines.push("")
  }
  if (report.keepalive.length > 0) {
    lines.push(
      "### Keepalive: memory and idle CPU",
      "",
      "| tracked sessions | RSS MiB | heap used MiB | bytes per session | idle CPU % of a core | ok |",
      "|--:|--:|--:|--:|--:|---|"
    )
    for (const row of report.keepalive) {
      lines.push(
        `| ${row.sessions.toLocaleString("en-US")} | ${fixed(row.rssBytes / 1024 ** 2, 0)} | ${fixed(row.heapUsedBytes / 1024 ** 2, 0)} | ${
          fixed(row.bytesPerSession, 0)
        } | ${fixed(row.idleCpuShare * 100, 1)} | ${row.ok ? "yes" : `NO: ${row.detail}`} |`
      )
    }
    lines.push("")
  }
  const other = targets(report)
  if (other.length > 0) {
    lines.push(
      "### Targets of the first benchmark brief",
      "",
      ...other.map((target) => `- ${target.met ? "met" : "**missed**"}: ${target.text}`),
      ""
    )
  }
  return lines.join("\n")
}

/** The scenarios issue 15 sets targets on, by name. */
export const issueScenarios = { get: "get c=64", refresh: "refresh c=64", latency: "get c=1" } as const

/** The clients of the issue's table, in its order, with what each is. */
const issueClients: ReadonlyArray<{ readonly client: ClientName; readonly label: string }> = [
  { client: "undici", label: "raw `undici.request` + `JSON.parse`" },
  { client: "fetch", label: "raw `fetch` + `JSON.parse` (what `FetchHttpClient` calls)" },
  { client: "platform-undici", label: "`@effect/platform` `HttpClient` alone over `NodeHttpClient.layerUndici`, `response.json`" },
  { client: "platform-fetch", label: "`@effect/platform` `HttpClient` alone over `FetchHttpClient`, `response.json`" },
  { client: "okta-sdk", label: "@okta/okta-sdk-nodejs" },
  { client: "effect-lean", label: "this client, lean layer (`OktaUndici`)" },
  { client: "effect-undici", label: "this client over `NodeHttpClient.layerUndici`" },
  { client: "effect-fetch", label: "this client over `FetchHttpClient`" }
]

/** The table of issue 15: CPU per call, rps and p50 at C=1, each beside its ratio in the same round. */
const formatIssueTable = (report: BenchReport): ReadonlyArray<string> => {
  const find = (scenario: string, client: ClientName) =>
    report.throughput.find((row) => row.scenario === scenario && row.client === client)
  const present = issueClients.filter(({ client }) => report.throughput.some((row) => row.client === client))
  if (present.length === 0) return []
  const rounds = Math.max(0, ...report.throughput.map((row) => row.rounds))
  const lines = [
    `### Issue 15: the hot path (medians over ${rounds} round${rounds === 1 ? "" : "s"}, ratios to raw undici in the same round)`,
    "",
    "| client | get c=64 CPU µs/call | × raw | rps × raw | rps × okta-sdk | refresh c=64 CPU µs/call | × raw | rps × raw | rps × okta-sdk | get c=1 p50 ms | × raw | KiB allocated/call (get c=64) | GC % of busy time (get c=64) |",
    "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
  ]
  for (const { client, label } of present) {
    const get = find(issueScenarios.get, client)
    const refresh = find(issueScenarios.refresh, client)
    const latency = find(issueScenarios.latency, client)
    const load = (row: ThroughputRow | undefined) =>
      row === undefined
        ? "n/a | n/a | n/a | n/a"
        : `${fixed(row.cpuMicrosPerRequest, 0)} | ${ratio(row.cpuVsFloor)} | ${ratio(row.rpsVsFloor)} | ${ratio(row.rpsVsSdk)}`
    lines.push(
      `| ${label} | ${load(get)} | ${load(refresh)} | ${latency === undefined ? "n/a | n/a" : `${fixed(latency.p50Millis, 2)} | ${ratio(latency.p50VsFloor)}`} | ${
        get === undefined ? "n/a" : fixed(get.bytesPerCall / 1024, 1)
      } | ${get === undefined ? "n/a" : `${fixed(get.gcShare * 100, 0)}%`} |`
    )
  }
  lines.push("")
  return lines
}

/** Heap used after a full collection counts as flat when it grows by at most this many bytes per call. */
export const flatHeapBytesPerCall = 1

const formatHeap = (row: HeapRow): ReadonlyArray<string> => [
  `### Heap: ${row.calls.toLocaleString("en-US")} calls, ${row.operation} c=${row.concurrency}, ${row.client}`,
  "",
  `Heap used after forced full collections between batches (no call in flight); ${fixed(row.wallSeconds, 0)} s, ${
    fixed(row.cpuMicrosPerCall, 0)
  } µs CPU/call, ${fixed(row.bytesPerCall / 1024, 1)} KiB allocated/call, GC pauses ${fixed(row.gcShare * 100, 0)}% of busy time and ${
    fixed(row.gcWallShare * 100, 0)
  }% of wall time, ${row.failed} failed${
    row.firstFailure === undefined ? "" : ` (first: ${row.firstFailure.split("\n")[0] ?? ""})`
  }.`,
  "",
  "| calls | heap used MiB | RSS MiB | s since start |",
  "|--:|--:|--:|--:|",
  ...row.samples.map((sample) =>
    `| ${sample.calls.toLocaleString("en-US")} | ${fixed(sample.heapUsedBytes / 1024 ** 2, 2)} | ${fixed(sample.rssBytes / 1024 ** 2, 0)} | ${
      fixed(sample.atMillis / 1000, 1)
    } |`
  ),
  "",
  `Slope from ${row.settleCalls.toLocaleString("en-US")} calls on (least squares): ${fixed(row.slopeBytesPerCall, 3)} bytes per call; growth over that part ${
    fixed(row.growthBytes / 1024, 0)
  } KiB.`,
  ""
]

/** One verdict of issue 15. */
export interface Verdict {
  readonly pass: boolean
  /** What is judged, e.g. "get c=64 effect-lean: CPU per call". */
  readonly subject: string
  /** The measured figure as text, e.g. "1.85×". */
  readonly measured: string
  /** The target as text, e.g. "≤ 2.00×". */
  readonly target: string
  /** The figures behind the ratio. */
  readonly detail: string
}

/** `- PASS subject: measured (target …; detail)`; the smoke test checks this shape. */
export const formatVerdict = (verdict: Verdict): string =>
  `- ${verdict.pass ? "PASS" : "FAIL"} ${verdict.subject}: ${verdict.measured} (target ${verdict.target}; ${verdict.detail})`

/**
 * Each target of issue 15 against the report: on the lean layer, get and refresh at C=64 spend at
 * most 2.0× raw undici's CPU per call and reach at least 0.5× its rps and 2× the official SDK's, and
 * get at C=1 has a p50 at most 1.3× raw undici's; over `FetchHttpClient` and over a user-supplied
 * `@effect/platform` client (`NodeHttpClient.layerUndici`) the CPU per call is at most 2.6× raw
 * undici's; the heap run's heap stays flat. A target whose figures were not measured is a FAIL.
 * Beside each verdict of the composable path stands what the bare platform client under it (and,
 * under `FetchHttpClient`, raw `fetch`) costs alone in the same rounds.
 */
export const issueVerdicts = (report: BenchReport): ReadonlyArray<Verdict> => {
  const verdicts: Array<Verdict> = []
  const find = (scenario: string, client: ClientName) =>
    report.throughput.find((row) => row.scenario === scenario && row.client === client)
  const atMost = (value: number, limit: number) => Number.isFinite(value) && value <= limit
  const atLeast = (value: number, limit: number) => Number.isFinite(value) && value >= limit
  if (report.throughput.length > 0) {
    const floorOf = (scenario: string) => find(scenario, "undici")
    for (const scenario of [issueScenarios.get, issueScenarios.refresh]) {
      const floor = floorOf(scenario)
      const sdk = find(scenario, "okta-sdk")
      const lean = find(scenario, "effect-lean")
      const cpu = lean?.cpuVsFloor ?? Number.NaN
      verdicts.push({
        pass: atMost(cpu, 2.0),
        subject: `${scenario} effect-lean: CPU per call vs raw undici`,
        measured: ratio(cpu),
        target: "≤ 2.00×",
        detail: `${fixed(lean?.cpuMicrosPerRequest ?? Number.NaN, 0)} µs vs ${fixed(floor?.cpuMicrosPerRequest ?? Number.NaN, 0)} µs`
      })
      const rps = lean?.rpsVsFloor ?? Number.NaN
      verdicts.push({
        pass: atLeast(rps, 0.5),
        subject: `${scenario} effect-lean: rps vs raw undici`,
        measured: ratio(rps),
        target: "≥ 0.50×",
        detail: `${fixed(lean?.rps ?? Number.NaN, 0)} vs ${fixed(floor?.rps ?? Number.NaN, 0)} rps`
      })
      const vsSdk = lean?.rpsVsSdk ?? Number.NaN
      verdicts.push({
        pass: atLeast(vsSdk, 2.0),
        subject: `${scenario} effect-lean: rps vs okta-sdk`,
        measured: ratio(vsSdk),
        target: "≥ 2.00×",
        detail: `${fixed(lean?.rps ?? Number.NaN, 0)} vs ${fixed(sdk?.rps ?? Number.NaN, 0)} rps`
      })
      for (const client of ["effect-undici", "effect-fetch"] as const) {
        const row = find(scenario, client)
        const value = row?.cpuVsFloor ?? Number.NaN
        // What the layers underneath cost alone, in the same rounds: the target cannot be met when they are past it.
        const alone = (label: string, under: ThroughputRow | undefined) =>
          under === undefined ? "" : `; ${label} alone ${fixed(under.cpuMicrosPerRequest, 0)} µs, ${ratio(under.cpuVsFloor)} raw undici`
        const bare = barePlatformOf[client]
        const bareRow = bare === undefined ? undefined : find(scenario, bare)
        const underneath = (client === "effect-fetch" ? alone("raw fetch", find(scenario, "fetch")) : "") +
          alone("the platform client", bareRow) +
          (bareRow === undefined ? "" : `; this client ${ratio(row?.cpuVsBarePlatform ?? Number.NaN)} it`)
        verdicts.push({
          pass: atMost(value, 2.6),
          subject: `${scenario} ${client}: CPU per call vs raw undici`,
          measured: ratio(value),
          target: "≤ 2.60×",
          detail: `${fixed(row?.cpuMicrosPerRequest ?? Number.NaN, 0)} µs vs ${fixed(floor?.cpuMicrosPerRequest ?? Number.NaN, 0)} µs${underneath}`
        })
      }
    }
    const floor = floorOf(issueScenarios.latency)
    const lean = find(issueScenarios.latency, "effect-lean")
    const p50 = lean?.p50VsFloor ?? Number.NaN
    verdicts.push({
      pass: atMost(p50, 1.3),
      subject: `${issueScenarios.latency} effect-lean: p50 vs raw undici`,
      measured: ratio(p50),
      target: "≤ 1.30×",
      detail: `${fixed(lean?.p50Millis ?? Number.NaN, 3)} ms vs ${fixed(floor?.p50Millis ?? Number.NaN, 3)} ms`
    })
  }
  const heap = report.heap
  if (heap !== undefined) {
    verdicts.push({
      pass: atMost(heap.slopeBytesPerCall, flatHeapBytesPerCall) && heap.failed === 0,
      subject: `heap ${heap.operation} c=${heap.concurrency} ${heap.client}: heap used after GC, slope`,
      measured: `${fixed(heap.slopeBytesPerCall, 3)} B/call`,
      target: `≤ ${fixed(flatHeapBytesPerCall, 2)} B/call`,
      detail: `${heap.calls.toLocaleString("en-US")} calls, ${heap.failed} failed, growth ${fixed(heap.growthBytes / 1024, 0)} KiB from ${
        heap.settleCalls.toLocaleString("en-US")
      } calls on`
    })
  }
  return verdicts
}

/** Each target of the issue, checked against the report. */
export const targets = (report: BenchReport): ReadonlyArray<{ readonly met: boolean; readonly text: string }> => {
  const checks: Array<{ met: boolean; text: string }> = []
  for (const scenario of ["get c=64", "refresh c=64"]) {
    const sdk = report.throughput.find((row) => row.scenario === scenario && row.client === "okta-sdk")
    for (const client of ["effect-undici", "effect-fetch"] as const) {
      const row = report.throughput.find((candidate) => candidate.scenario === scenario && candidate.client === client)
      if (row === undefined) continue
      checks.push(
        { met: row.rpsVsFloor >= 0.8, text: `${scenario} ${client}: rps ${ratio(row.rpsVsFloor)} the floor (≥ 0.80×)` },
        { met: row.p99VsFloor <= 1.3, text: `${scenario} ${client}: p99 ${ratio(row.p99VsFloor)} the floor (≤ 1.30×)` },
        { met: row.cpuVsFloor <= 1.5, text: `${scenario} ${client}: CPU per request ${ratio(row.cpuVsFloor)} the floor (≤ 1.50×)` }
      )
      if (sdk !== undefined) {
        const vsSdk = row.rps / sdk.rps
        checks.push({ met: vsSdk >= 3, text: `${scenario} ${client}: rps ${ratio(vsSdk)} the official SDK (≥ 3×)` })
      }
    }
  }
  for (const row of report.rateLimit) {
    if (row.client !== "effect-undici" && row.client !== "effect-fetch") continue
    checks.push(
      { met: row.wallVsFloor <= 1.05, text: `rate limit ${row.client}: wall ${ratio(row.wallVsFloor)} the window floor (≤ 1.05×)` },
      {
        met: row.maxTooManyRequestsPerWindow <= 1,
        text: `rate limit ${row.client}: at most ${row.maxTooManyRequestsPerWindow} 429s in one window (≤ 1)`
      },
      { met: row.failed === 0, text: `rate limit ${row.client}: ${row.failed} calls failed (0)` }
    )
  }
  for (const row of report.keepalive) {
    if (row.sessions !== 1_000_000) continue
    checks.push({ met: row.ok && row.rssBytes <= 1024 ** 3, text: `keepalive 1,000,000 sessions: RSS ${fixed(row.rssBytes / 1024 ** 2, 0)} MiB (≤ 1024 MiB)` })
  }
  for (const row of report.coldStart) {
    if ((row.client !== "effect-undici" && row.client !== "effect-fetch") || row.mode !== "bundle") continue
    checks.push({
      met: row.ok && row.firstResponseMillis <= 150,
      text: `bundled cold start to the first Session, ${row.client}: ${fixed(row.firstResponseMillis, 0)} ms (≤ 150 ms)`
    })
  }
  return checks
}

/**
 * Replaces a generated part of BENCHMARKS.md (between `<!-- bench:PART:start -->` and
 * `<!-- bench:PART:end -->`) with `markdown`: `results` for the suite, `heap` for the heap run.
 */
const writeResults = (markdown: string, part: "results" | "heap" = "results"): void => {
  const startMarker = `<!-- bench:${part}:start -->`
  const endMarker = `<!-- bench:${part}:end -->`
  const path = benchFile("../BENCHMARKS.md")
  const current = existsSync(path) ? readFileSync(path, "utf8") : `# Benchmarks\n\n${startMarker}\n${endMarker}\n`
  const start = current.indexOf(startMarker)
  const end = current.indexOf(endMarker)
  if (start < 0 || end < start) throw new Error(`BENCHMARKS.md has no ${startMarker} … ${endMarker} section`)
  writeFileSync(path, `${current.slice(0, start + startMarker.length)}\n${markdown}\n${current.slice(end)}`)
}

const usage = `npm run bench -- [options]
  --rounds N          rounds of the throughput scenarios (default ${defaultOptions.rounds})
  --scale X           multiply request counts by X (default 1)
  --only LIST         comma-separated parts: throughput,ratelimit,coldstart,keepalive (default all of
                      these) and heap (not in the default: ${heapDefaults.calls.toLocaleString("en-US")} calls of ${heapDefaults.client} at c=${heapDefaults.concurrency},
                      heap used after GC sampled every ${heapDefaults.sampleEvery.toLocaleString("en-US")} calls; several minutes)
  --clients LIST      comma-separated clients (default ${defaultOptions.clients.join(",")})
  --chunked           the fake Okta sends Session bodies chunked, without Content-Length
  --client-node-flags "FLAGS"
                      Node/V8 flags for every throughput client process, e.g.
                      "--no-allocation-site-pretenuring" (BENCHMARKS.md, "The young generation")
  --write             replace the generated part of BENCHMARKS.md with the results (the heap run
                      has its own part)
  --profile CLIENT OPERATION CONCURRENCY REQUESTS
                      instead: run one client under node --cpu-prof, print its top frames
                      and keep the profile as ./bench-CLIENT-OPERATION-CONCURRENCY.cpuprofile
  --json PATH         also write the raw report as JSON`

/** Runs bench/profile.ts (bundled) under `node --cpu-prof` and prints the summary of its profile. */
const profile = async (args: ReadonlyArray<string>): Promise<void> => {
  await buildScripts()
  const directory = cacheDirectory("profiles")
  mkdirSync(directory, { recursive: true })
  const script = scriptPath("profile")
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, ["--cpu-prof", "--cpu-prof-dir", directory, script, ...args], {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, BENCH_DIR: benchFile("."), BENCH_RUN_DIR: runDirectory }
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), 300_000)
    child.on("error", reject)
    child.on("exit", (exitCode) => {
      clearTimeout(timer)
      resolve(exitCode)
    })
  })
  if (code !== 0) throw new Error(`the profiled run exited with ${code}`)
  const [largest] = readdirSync(directory)
    .filter((name) => name.endsWith(".cpuprofile"))
    .map((name) => join(directory, name))
    .sort((a, b) => statSync(b).size - statSync(a).size)
  if (largest === undefined) throw new Error(`no profile in ${directory}`)
  const summary = formatProfileSummary(summariseProfile(largest, script))
  // Keep the profile (git ignores *.cpuprofile) and the bundle it refers to; drop the rest of the run.
  const kept = join(process.cwd(), `bench-${args.slice(0, 3).join("-")}.cpuprofile`)
  copyFileSync(largest, kept)
  removeRunDirectory()
  process.stdout.write(`${kept}\n${summary}\n`)
}

const main = async (argv: ReadonlyArray<string>): Promise<void> => {
  const value = (flag: string): string | undefined => {
    const index = argv.indexOf(flag)
    return index < 0 ? undefined : argv[index + 1]
  }
  if (argv.includes("--help")) {
    process.stdout.write(`${usage}\n`)
    return
  }
  const profileIndex = argv.indexOf("--profile")
  if (profileIndex >= 0) {
    await profile([...argv.slice(profileIndex + 1, profileIndex + 5), ...(argv.includes("--chunked") ? ["--chunked"] : [])])
    return
  }
  const scale = Number(value("--scale") ?? "1")
  const rounds = Number(value("--rounds") ?? String(defaultOptions.rounds))
  if (!(scale > 0) || !Number.isInteger(rounds) || rounds < 1) throw new Error(usage)
  const only = new Set((value("--only") ?? "throughput,ratelimit,coldstart,keepalive").split(","))
  const clientList = value("--clients")?.split(",")
  const clients = defaultOptions.clients.filter((client) => clientList === undefined || clientList.includes(client))
  const scaled = (count: number) => Math.max(1, Math.round(count * scale))
  const options: BenchOptions = {
    ...defaultOptions,
    rounds,
    clients,
    scenarios: only.has("throughput")
      ? defaultOptions.scenarios.map((scenario) => ({ ...scenario, requests: scaled(scenario.requests), warmup: scaled(scenario.warmup) }))
      : [],
    rateLimit: only.has("ratelimit") && defaultOptions.rateLimit !== undefined
      ? { ...defaultOptions.rateLimit, clients: defaultOptions.rateLimit.clients.filter((client) => clients.includes(client)) }
      : undefined,
    coldStart: only.has("coldstart") ? defaultOptions.coldStart : undefined,
    keepalive: only.has("keepalive") ? defaultOptions.keepalive : undefined,
    heap: only.has("heap")
      ? {
        ...heapDefaults,
        calls: scaled(heapDefaults.calls),
        warmup: scaled(heapDefaults.warmup),
        sampleEvery: scaled(heapDefaults.sampleEvery),
        settleCalls: scaled(heapDefaults.settleCalls)
      }
      : undefined,
    chunked: argv.includes("--chunked"),
    clientNodeFlags: value("--client-node-flags")?.split(" ").filter((flag) => flag !== "") ?? []
  }
  const report = await runBench(options)
  const markdown = formatMarkdown(report)
  process.stdout.write(`${markdown}\n`)
  const jsonPath = value("--json")
  if (jsonPath !== undefined) writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`)
  if (argv.includes("--write")) {
    const heapOnly = report.heap !== undefined && report.throughput.length === 0 && report.rateLimit.length === 0 &&
      report.coldStart.length === 0 && report.keepalive.length === 0
    writeResults(markdown, heapOnly ? "heap" : "results")
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
      process.exit(1)
    }
  )
}
