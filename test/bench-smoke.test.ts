/**
 * A smoke run of the benchmark suite (bench/) with tiny numbers, so that `npm run bench` cannot rot:
 * the fake Okta, every client process, the rate-limited window, a bundled cold start and the
 * Markdown report all run for real, on 127.0.0.1, in a few seconds. No figure is judged here.
 */
import { describe, expect, it } from "vitest"
import { formatMarkdown, issueVerdicts, runBench, slope, windowFloorMillis } from "../bench/run.js"

describe("benchmark suite, smoke run", () => {
  it("runs every client against the fake Okta and reports each part", { timeout: 180_000 }, async () => {
    const report = await runBench({
      rounds: 1,
      clients: ["undici", "fetch", "platform-undici", "platform-fetch", "okta-sdk", "effect-lean", "effect-undici", "effect-fetch"],
      // The scenarios the issue's verdicts read, by name, with tiny counts.
      scenarios: [
        { name: "get c=1", operation: "get", concurrency: 1, requests: 10, warmup: 2, maxMillis: 10_000 },
        { name: "get c=64", operation: "get", concurrency: 64, requests: 64, warmup: 0, maxMillis: 10_000 },
        { name: "refresh c=64", operation: "refresh", concurrency: 64, requests: 64, warmup: 0, maxMillis: 10_000 }
      ],
      rateLimit: {
        clients: ["undici", "effect-undici"],
        rounds: 1,
        scenario: {
          name: "refresh, 10 per 1 s, c=4",
          operation: "refresh",
          concurrency: 4,
          requests: 15,
          warmup: 0,
          maxMillis: 20_000,
          rateLimit: { limit: 10, windowMs: 1_000 }
        }
      },
      coldStart: { clients: ["effect-undici"], modes: ["bundle"], rounds: 1 },
      keepalive: undefined,
      heap: { client: "effect-lean", operation: "get", concurrency: 8, calls: 200, warmup: 0, sampleEvery: 100, settleCalls: 0 },
      log: () => {}
    })

    expect(report.throughput).toHaveLength(24)
    for (const row of report.throughput) {
      expect({ row: `${row.scenario} ${row.client}`, failed: row.failed, firstFailure: row.firstFailure }).toEqual({
        row: `${row.scenario} ${row.client}`,
        failed: 0,
        firstFailure: undefined
      })
      expect(row.rps).toBeGreaterThan(0)
      expect(row.p99Millis).toBeGreaterThanOrEqual(row.p50Millis)
      expect(row.cpuMicrosPerRequest).toBeGreaterThan(0)
      expect(row.bytesPerCall).toBeGreaterThan(0)
      expect(row.gcShare).toBeGreaterThanOrEqual(0)
      expect(row.gcShare).toBeLessThan(1)
    }
    const floor = report.throughput.find((row) => row.client === "undici")
    expect(floor?.rpsVsFloor).toBe(1)

    // The naive floor collects 429s from the window; every client gets all its calls through in the end.
    const [undici, effect] = report.rateLimit
    expect(undici?.client).toBe("undici")
    expect(undici?.tooManyRequests).toBeGreaterThan(0)
    expect(effect?.client).toBe("effect-undici")
    for (const row of report.rateLimit) {
      expect({ client: row.client, succeeded: row.succeeded, failed: row.failed }).toEqual({
        client: row.client,
        succeeded: 15,
        failed: 0
      })
      expect(row.windows).toBeGreaterThanOrEqual(2)
      expect(row.wallSeconds).toBeGreaterThanOrEqual(row.floorSeconds)
    }

    const [nodeAlone, coldStart] = report.coldStart
    expect(nodeAlone).toMatchObject({ client: "node alone", ok: true })
    expect(coldStart).toMatchObject({ client: "effect-undici", mode: "bundle", ok: true })
    expect(coldStart?.firstResponseMillis).toBeGreaterThan(0)
    expect(coldStart?.bundleBytes).toBeGreaterThan(0)

    // The heap run: a sample before the first batch and after each, no call failed.
    expect(report.heap?.samples.map((sample) => sample.calls)).toEqual([0, 100, 200])
    expect(report.heap?.failed).toBe(0)
    expect(report.heap?.samples.every((sample) => sample.heapUsedBytes > 0)).toBe(true)

    const markdown = formatMarkdown(report)
    expect(markdown).toContain("### Issue 15: the hot path")
    expect(markdown).toContain("### Heap: 200 calls, get c=8, effect-lean")
    // One well-formed verdict line per target of the issue, each with its measured figure; whether
    // they pass is not judged here (no timed assertion).
    const verdictLines = markdown.split("\n").filter((line) => /^- (PASS|FAIL) /.test(line))
    const wellFormed = /^- (PASS|FAIL) (get c=64|refresh c=64|get c=1|heap get c=8) [a-z-]+: [^:]+: -?\d+\.\d+(×| B\/call) \(target [≤≥] \d+\.\d\d(×| B\/call); .+\)$/
    expect(verdictLines.filter((line) => !wellFormed.test(line))).toEqual([])
    expect(verdictLines.map((line) => line.replace(/^- (PASS|FAIL) /, "").replace(/: [^:]+ \(target.*$/, ""))).toEqual([
      "get c=64 effect-lean: CPU per call vs raw undici",
      "get c=64 effect-lean: rps vs raw undici",
      "get c=64 effect-lean: rps vs okta-sdk",
      "get c=64 effect-undici: CPU per call vs raw undici",
      "get c=64 effect-fetch: CPU per call vs raw undici",
      "refresh c=64 effect-lean: CPU per call vs raw undici",
      "refresh c=64 effect-lean: rps vs raw undici",
      "refresh c=64 effect-lean: rps vs okta-sdk",
      "refresh c=64 effect-undici: CPU per call vs raw undici",
      "refresh c=64 effect-fetch: CPU per call vs raw undici",
      "get c=1 effect-lean: p50 vs raw undici",
      "heap get c=8 effect-lean: heap used after GC, slope"
    ])
    expect(verdictLines).toHaveLength(issueVerdicts(report).length)
    // On the composable path, the verdict also says what the layers underneath cost alone, in the same rounds.
    const bareAlone = /; the platform client alone \d+ µs, \d+\.\d\d× raw undici; this client \d+\.\d\d× it\)$/
    for (const line of verdictLines.filter((line) => line.includes("effect-undici"))) expect(line).toMatch(bareAlone)
    for (const line of verdictLines.filter((line) => line.includes("effect-fetch"))) {
      expect(line).toMatch(/; raw fetch alone \d+ µs, \d+\.\d\d× raw undici; the platform client alone/)
      expect(line).toMatch(bareAlone)
    }
    expect(markdown).toContain("| raw `fetch` + `JSON.parse` (what `FetchHttpClient` calls) |")
    expect(markdown).toContain("### Throughput and latency")
    expect(markdown).toContain("### Rate limit")
    expect(markdown).toContain("### Cold start")
    expect(markdown).toContain("### Targets")
  })

  it("fits the heap slope by least squares", () => {
    expect(slope([{ x: 0, y: 10 }, { x: 1, y: 12 }, { x: 2, y: 14 }])).toBe(2)
    expect(slope([{ x: 0, y: 0 }, { x: 10, y: 10 }, { x: 20, y: 0 }])).toBe(0)
    expect(slope([{ x: 5, y: 1 }])).toBeNaN()
  })

  it("puts the window floor where the window holding the last request opens", () => {
    const stats = {
      cpuMicros: 0,
      connections: 0,
      requests: 0,
      rejected: 0,
      firstRequestAt: 10_300,
      windows: [{ startedAt: 10_300, endsAt: 16_000, served: 600, rejected: 0 }]
    }
    const mode = { limit: 600, windowMs: 5_000 }
    expect(windowFloorMillis(stats, mode, 600)).toBe(0)
    expect(windowFloorMillis(stats, mode, 601)).toBe(5_700)
    expect(windowFloorMillis(stats, mode, 1_500)).toBe(10_700)
  })
})
