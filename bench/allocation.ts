/**
 * Allocation and garbage collection of one measured run, in the process that makes the calls.
 *
 * How it is measured: a `v8.GCProfiler` runs over the measured part and reports every collection
 * with the V8 heap's used size before and after it, and what it cost on the main thread. Bytes
 * allocated over the run are then
 *
 *   (heap used at the end − heap used at the start) + Σ over collections (used before − used after)
 *
 * i.e. what the heap grew by plus what every collection took back. GC time is the sum of the
 * collections' costs (main-thread pauses, wall clock); its share is taken of the main thread's busy
 * time over the same part, the event loop's active (not idle) time from
 * `performance.eventLoopUtilization()`, also wall clock. Both stretch alike when the thread waits for
 * a core on a loaded machine, so the share holds up under load where a share of CPU time (pauses
 * in wall time over CPU time) would not: at load 10 on 2 cores that one read 70 % for the lean
 * client at C=64, where this one reads 12 % and its CPU profile puts 15–22 % of its busy samples in
 * the collector (module loading included).
 *
 * Limits, so the figures are read for what they are:
 * - V8 heap only: `Buffer`/`ArrayBuffer` backing stores (socket reads, undici's body chunks) live
 *   outside it and are not counted; every client reads the same bytes off the socket, so this
 *   leaves out roughly the same amount for each.
 * - Everything the process allocates is counted, the harness's own per-call bookkeeping (the
 *   worker loop, the latency record) included; it is the same small loop for every client.
 * - "Used after" a major collection is what V8 reports when the pause ends; memory it sweeps
 *   concurrently afterwards shows up as freed at the next collection instead, so a single run's
 *   figure can be off by a fraction of the old generation, which averages out over thousands of calls.
 * - GC cost is the main thread's pause; work V8's helper threads do concurrently (marking,
 *   sweeping) is in neither figure, so the share is a lower bound of what collection costs.
 * - Collections V8 runs while the loop is idle count as GC but not as busy time; at a steady load
 *   of calls there are few. Bytes per call do not depend on the load at all; the share somewhat.
 * - The profiler itself adds a little per collection (it reads the heap statistics twice).
 */
import { performance } from "node:perf_hooks"
import { GCProfiler, getHeapStatistics } from "node:v8"

/** What one run allocated and collected. */
export interface AllocationFigures {
  /** Bytes allocated on the V8 heap over the run. */
  readonly allocatedBytes: number
  /** Main-thread time spent in garbage collection, in microseconds. */
  readonly gcMicros: number
  /** Collections over the run (scavenges and mark-compacts alike). */
  readonly gcCount: number
  /** The main thread's busy (event loop not idle) time over the run, in milliseconds. */
  readonly busyMillis: number
}

/** Starts measuring at construction; `finish` stops and returns the figures. */
export class AllocationMeter {
  private profiler = new GCProfiler()
  private readonly usedAtStart: number
  private readonly loopAtStart = performance.eventLoopUtilization()
  private freed = 0
  private gcMicros = 0
  private gcCount = 0
  private excludedMillis = 0

  constructor() {
    this.usedAtStart = getHeapStatistics().used_heap_size
    this.profiler.start()
  }

  private collect(): void {
    for (const collection of this.profiler.stop().statistics) {
      this.freed += collection.beforeGC.heapStatistics.usedHeapSize - collection.afterGC.heapStatistics.usedHeapSize
      this.gcMicros += collection.cost
      this.gcCount++
    }
  }

  /**
   * Runs `work` (the heap run's forced collections) outside the GC and busy-time figures: the
   * profiler is stopped around it. What it frees still counts as allocated during the run.
   */
  exclude(work: () => void): void {
    this.collect()
    const started = performance.now()
    const usedBefore = getHeapStatistics().used_heap_size
    work()
    this.freed += usedBefore - getHeapStatistics().used_heap_size
    this.excludedMillis += performance.now() - started
    this.profiler = new GCProfiler()
    this.profiler.start()
  }

  finish(): AllocationFigures {
    const usedAtEnd = getHeapStatistics().used_heap_size
    const loop = performance.eventLoopUtilization(this.loopAtStart)
    this.collect()
    return {
      allocatedBytes: Math.max(0, usedAtEnd - this.usedAtStart + this.freed),
      gcMicros: this.gcMicros,
      gcCount: this.gcCount,
      busyMillis: Math.max(0, loop.active - this.excludedMillis)
    }
  }
}
