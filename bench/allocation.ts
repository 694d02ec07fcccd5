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
 * collections' costs; its share is taken of the process's CPU time (user + system) over the same part.
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
 *   sweeping) is in the process's CPU time but not in the cost, so on an idle machine the share is
 *   a lower bound.
 * - The pause is wall-clock time: on an oversubscribed machine (load well above the core count) a
 *   pause stretches while the thread waits for a core, and the share of CPU time is inflated, for
 *   every client alike. Compare it within a round; bytes per call do not depend on the load.
 * - The profiler itself adds a little per collection (it reads the heap statistics twice).
 */
import { GCProfiler, getHeapStatistics } from "node:v8"

/** What one run allocated and collected. */
export interface AllocationFigures {
  /** Bytes allocated on the V8 heap over the run. */
  readonly allocatedBytes: number
  /** Main-thread time spent in garbage collection, in microseconds. */
  readonly gcMicros: number
  /** Collections over the run (scavenges and mark-compacts alike). */
  readonly gcCount: number
}

/** Starts measuring at construction; `finish` stops and returns the figures. */
export class AllocationMeter {
  private readonly profiler = new GCProfiler()
  private readonly usedAtStart: number

  constructor() {
    this.usedAtStart = getHeapStatistics().used_heap_size
    this.profiler.start()
  }

  finish(): AllocationFigures {
    const usedAtEnd = getHeapStatistics().used_heap_size
    const { statistics } = this.profiler.stop()
    let freed = 0
    let gcMicros = 0
    for (const collection of statistics) {
      freed += collection.beforeGC.heapStatistics.usedHeapSize - collection.afterGC.heapStatistics.usedHeapSize
      gcMicros += collection.cost
    }
    return { allocatedBytes: Math.max(0, usedAtEnd - this.usedAtStart + freed), gcMicros, gcCount: statistics.length }
  }
}
