/**
 * The clients under test, each as a `Driver` that runs one scenario's calls into a `Recorder`.
 *
 * Every client does the same work per call: send the request, read the whole body, parse it. The
 * floor (raw `undici.request`), raw `fetch` and the bare `@effect/platform` clients stop at
 * `JSON.parse`; the official SDK and this client also build their models, which is part of what
 * they cost.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Okta from "@okta/okta-sdk-nodejs"
import { Cause, Effect, Exit, Layer, ManagedRuntime, Redacted } from "effect"
import * as Undici from "undici"
import { OktaConfig, Session, Sessions } from "../src/index.js"
import * as OktaUndici from "../src/OktaUndici.js"
import { AllocationMeter } from "./allocation.js"
import { type ClientName, type HeapSample, type Scenario, type ScenarioResult, sessionIds } from "./protocol.js"

const token = "00benchTokenThatIsNotASecret0000000000000"

/** Bookkeeping of one measured run: hands out call indexes, records latencies and outcomes. */
export class Recorder {
  private next = 0
  private count = 0
  private succeeded = 0
  private failed = 0
  private firstFailure: string | undefined
  private readonly latencies: Float64Array
  private readonly startedAt = performance.now()
  private readonly deadline: number
  private readonly cpuAtStart = process.cpuUsage()
  /**
   * Runs from construction to `finish`; a recorder that is never finished (a warm-up) must not
   * have one, or its GC profiler would go on recording every collection for the life of the process.
   */
  private readonly allocation: AllocationMeter | undefined
  /** Calls are handed out up to this index only (the heap run lets them out batch by batch). */
  private limit: number
  private readonly heapSamples: Array<HeapSample> = []
  /** CPU time of the heap samples' forced collections, taken out of the run's CPU figure. */
  private forcedCollectionCpuMicros = 0

  /** `measureAllocation: false` for a warm-up, whose recorder is not finished. */
  constructor(
    readonly client: ClientName,
    readonly scenario: Scenario,
    readonly total: number,
    options: { readonly measureAllocation: boolean } = { measureAllocation: true }
  ) {
    this.latencies = new Float64Array(total)
    this.deadline = this.startedAt + scenario.maxMillis
    this.limit = total
    this.allocation = options.measureAllocation ? new AllocationMeter() : undefined
  }

  /** The index of the next call, or `undefined` when the count, the batch or the time is used up. */
  take(): number | undefined {
    if (this.next >= this.limit || this.next >= this.total || performance.now() >= this.deadline) return undefined
    return this.next++
  }

  /** Calls handed out so far. */
  get taken(): number {
    return this.next
  }

  /** Whether calls remain (count and time) beyond the current batch. */
  get exhausted(): boolean {
    return this.next >= this.total || performance.now() >= this.deadline
  }

  /** Lets calls out up to index `limit` (exclusive), for the next batch. */
  allowUpTo(limit: number): void {
    this.limit = Math.min(this.total, limit)
  }

  /**
   * Forces full collections with `collect` (the global `gc` of `--expose-gc`) and records the heap
   * used after them. Called between batches, when no call is in flight, so the sample holds only
   * what outlives calls. Its CPU time is taken out of the run's CPU figure, and the collections out
   * of the GC and busy-time figures (`AllocationMeter.exclude`).
   */
  sampleHeap(collect: () => void): void {
    const cpuBefore = process.cpuUsage()
    const collectTwice = () => {
      // Twice: the first may leave objects that only a finalizer or weak reference released.
      collect()
      collect()
    }
    if (this.allocation === undefined) collectTwice()
    else this.allocation.exclude(collectTwice)
    const cpu = process.cpuUsage(cpuBefore)
    this.forcedCollectionCpuMicros += cpu.user + cpu.system
    const memory = process.memoryUsage()
    this.heapSamples.push({ calls: this.next, heapUsedBytes: memory.heapUsed, rssBytes: memory.rss, atMillis: performance.now() - this.startedAt })
  }

  record(startedAt: number, failure: string | undefined): void {
    const latency = performance.now() - startedAt
    if (this.count < this.latencies.length) this.latencies[this.count++] = latency
    if (failure === undefined) {
      this.succeeded++
    } else {
      this.failed++
      this.firstFailure ??= failure.slice(0, 300)
    }
  }

  finish(): ScenarioResult {
    const wallMillis = performance.now() - this.startedAt
    const cpu = process.cpuUsage(this.cpuAtStart)
    const allocation = this.allocation?.finish() ?? { allocatedBytes: 0, gcMicros: 0, gcCount: 0, busyMillis: 0 }
    const sorted = this.latencies.subarray(0, this.count).sort()
    const percentile = (p: number) => sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0
    return {
      scenario: this.scenario.name,
      client: this.client,
      succeeded: this.succeeded,
      failed: this.failed,
      ...(this.firstFailure === undefined ? {} : { firstFailure: this.firstFailure }),
      wallMillis,
      cpuMicros: Math.max(0, cpu.user + cpu.system - this.forcedCollectionCpuMicros),
      p50Millis: percentile(0.5),
      p99Millis: percentile(0.99),
      allocatedBytes: allocation.allocatedBytes,
      gcMicros: allocation.gcMicros,
      gcCount: allocation.gcCount,
      busyMillis: allocation.busyMillis,
      ...(this.heapSamples.length === 0 ? {} : { heapSamples: this.heapSamples })
    }
  }
}

const sessionIdAt = (index: number): string => sessionIds[index % sessionIds.length] ?? "102bench"

export const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : String(error)

/** A client whose calls are Promises: `concurrency` async workers share one recorder. */
const runPromiseWorkers = async (
  recorder: Recorder,
  concurrency: number,
  call: (sessionId: string) => Promise<unknown>
): Promise<void> => {
  const worker = async () => {
    for (let index = recorder.take(); index !== undefined; index = recorder.take()) {
      const startedAt = performance.now()
      try {
        await call(sessionIdAt(index))
        recorder.record(startedAt, undefined)
      } catch (error) {
        recorder.record(startedAt, describe(error))
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
}

/** A client whose calls are Effects: `concurrency` fibers share one recorder. */
const effectWorkers = <A, E>(
  recorder: Recorder,
  concurrency: number,
  call: (index: number) => Effect.Effect<A, E>
): Effect.Effect<void> => {
  const worker = Effect.gen(function*() {
    for (let index = recorder.take(); index !== undefined; index = recorder.take()) {
      const startedAt = performance.now()
      const exit = yield* Effect.exit(call(index))
      recorder.record(startedAt, Exit.isSuccess(exit) ? undefined : Cause.pretty(exit.cause))
    }
  })
  return Effect.all(Array.from({ length: concurrency }, () => worker), { concurrency: "unbounded", discard: true })
}

export interface Driver {
  /** Runs the calls of one scenario into the recorder. */
  readonly run: (recorder: Recorder, operation: Scenario["operation"], concurrency: number) => Promise<void>
}

/** A Promise client's driver: `once` sends a getSession (GET) or refreshSession (POST) to its URL. */
const promiseDriver = (orgUrl: string, once: (method: "GET" | "POST", url: string) => Promise<unknown>): Driver => ({
  run: (recorder, operation, concurrency) =>
    runPromiseWorkers(recorder, concurrency, (id) =>
      operation === "get"
        ? once("GET", `${orgUrl}/api/v1/sessions/${id}`)
        : once("POST", `${orgUrl}/api/v1/sessions/${id}/lifecycle/refresh`))
})

/** The floor: `undici.request`, body read and parsed, nothing else; waits out a 429 until its reset. */
const undiciDriver = (orgUrl: string): Driver => {
  const headers = { accept: "application/json", authorization: `SSWS ${token}` }
  const once = async (method: "GET" | "POST", url: string, attempt: number): Promise<unknown> => {
    const response = await Undici.request(url, { method, headers })
    const text = await response.body.text()
    if (response.statusCode === 429 && attempt < 5) {
      const reset = Number(response.headers["x-rate-limit-reset"])
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, reset * 1000 - Date.now()) + 20))
      return once(method, url, attempt + 1)
    }
    if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`)
    return JSON.parse(text)
  }
  return promiseDriver(orgUrl, (method, url) => once(method, url, 0))
}

/**
 * Node's own `fetch` (undici's), body read and parsed, nothing else: the floor of any client over
 * `FetchHttpClient`, so its figures can be read against what `fetch` itself costs.
 */
const fetchDriver = (orgUrl: string): Driver => {
  const headers = { accept: "application/json", authorization: `SSWS ${token}` }
  const once = async (method: "GET" | "POST", url: string): Promise<unknown> => {
    const response = await fetch(url, { method, headers, redirect: "manual" })
    const text = await response.text()
    if (response.status !== 200) throw new Error(`status ${response.status}`)
    return JSON.parse(text)
  }
  return promiseDriver(orgUrl, once)
}

/**
 * The `@effect/platform` `HttpClient` alone over `layer`, as its docs show it: `execute` a GET or
 * POST, read the body with `response.json`, the client's own span off (the tracer disabled once for
 * the whole worker, not per request). No decode, no throttle, no timeout: the floor of any client on
 * the composable path, so the figures of this client over the same layer can be read against it.
 */
const platformDriver = async (
  orgUrl: string,
  layer: typeof NodeHttpClient.layerUndici | typeof FetchHttpClient.layer
): Promise<Driver> => {
  const runtime = ManagedRuntime.make(layer)
  const client = await runtime.runPromise(HttpClient.HttpClient)
  const headers = { accept: "application/json", authorization: `SSWS ${token}` }
  return {
    run: (recorder, operation, concurrency) => {
      const call = (id: string) =>
        client.execute(
          operation === "get"
            ? HttpClientRequest.get(`${orgUrl}/api/v1/sessions/${id}`, { headers })
            : HttpClientRequest.post(`${orgUrl}/api/v1/sessions/${id}/lifecycle/refresh`, { headers })
        ).pipe(
          Effect.flatMap((response) =>
            response.status === 200 ? response.json : Effect.fail(new Error(`status ${response.status}`))
          )
        )
      return runtime.runPromise(Effect.withTracerEnabled(effectWorkers(recorder, concurrency, (index) => call(sessionIdAt(index))), false))
    }
  }
}

/** The official SDK as its users configure it: response cache off, retries through its request executor. */
const oktaSdkDriver = (orgUrl: string): Driver => {
  const client = new Okta.Client({
    orgUrl,
    token,
    cacheMiddleware: null,
    requestExecutor: new Okta.DefaultRequestExecutor({ maxRetries: 2, requestTimeout: 30_000 })
  })
  return {
    run: (recorder, operation, concurrency) =>
      runPromiseWorkers(recorder, concurrency, (sessionId) =>
        operation === "get"
          ? client.sessionApi.getSession({ sessionId })
          : client.sessionApi.refreshSession({ sessionId }))
  }
}

/** This client, over the given `HttpClient` layer or on the lean `OktaUndici` layer; the workers are fibers. */
const effectDriver = async (
  orgUrl: string,
  httpClient: typeof NodeHttpClient.layerUndici | typeof FetchHttpClient.layer | "lean"
): Promise<Driver> => {
  const config = OktaConfig.layer({ orgUrl, token: Redacted.make(token) })
  const runtime = ManagedRuntime.make(
    httpClient === "lean"
      ? OktaUndici.layerSessions().pipe(Layer.provide(config))
      : Sessions.layer.pipe(Layer.provide(config), Layer.provide(httpClient))
  )
  const sessions = await runtime.runPromise(Sessions.Sessions)
  const ids = sessionIds.map((id) => Session.SessionId.make(id))
  return {
    run: (recorder, operation, concurrency) => {
      const call = operation === "get" ? sessions.getSession : sessions.refreshSession
      return runtime.runPromise(
        effectWorkers(recorder, concurrency, (index) => call(ids[index % ids.length] ?? Session.SessionId.make("102bench")))
      )
    }
  }
}

/** Builds the named client for the org. */
export const makeDriver = (client: ClientName, orgUrl: string): Promise<Driver> => {
  switch (client) {
    case "undici":
      return Promise.resolve(undiciDriver(orgUrl))
    case "fetch":
      return Promise.resolve(fetchDriver(orgUrl))
    case "platform-undici":
      return platformDriver(orgUrl, NodeHttpClient.layerUndici)
    case "platform-fetch":
      return platformDriver(orgUrl, FetchHttpClient.layer)
    case "okta-sdk":
      return Promise.resolve(oktaSdkDriver(orgUrl))
    case "effect-lean":
      return effectDriver(orgUrl, "lean")
    case "effect-undici":
      return effectDriver(orgUrl, NodeHttpClient.layerUndici)
    case "effect-fetch":
      return effectDriver(orgUrl, FetchHttpClient.layer)
  }
}
