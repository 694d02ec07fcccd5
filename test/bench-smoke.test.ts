/**
 * A smoke run of the benchmark suite (bench/) with tiny numbers, so that `npm run bench` cannot rot:
 * the fake Okta, every client process, the rate-limited window, a bundled cold start and the
 * Markdown report all run for real, on 127.0.0.1, in a few seconds. No figure is judged here.
 */
import { describe, expect, it } from "vitest"
import { formatMarkdown, runBench, windowFloorMillis } from "../bench/run.js"

describe("benchmark suite, smoke run", () => {
  it("runs every client against the fake Okta and reports each part", { timeout: 120_000 }, async () => {
    const report = await runBench({
      rounds: 1,
      clients: ["undici", "okta-sdk", "effect-undici", "effect-fetch"],
      scenarios: [
        { name: "get c=1", operation: "get", concurrency: 1, requests: 10, warmup: 2, maxMillis: 10_000 },
        { name: "refresh c=4", operation: "refresh", concurrency: 4, requests: 20, warmup: 4, maxMillis: 10_000 }
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
      log: () => {}
    })

    expect(report.throughput).toHaveLength(8)
    for (const row of report.throughput) {
      expect({ row: `${row.scenario} ${row.client}`, failed: row.failed, firstFailure: row.firstFailure }).toEqual({
        row: `${row.scenario} ${row.client}`,
        failed: 0,
        firstFailure: undefined
      })
      expect(row.rps).toBeGreaterThan(0)
      expect(row.p99Millis).toBeGreaterThanOrEqual(row.p50Millis)
      expect(row.cpuMicrosPerRequest).toBeGreaterThan(0)
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

    const markdown = formatMarkdown(report)
    expect(markdown).toContain("### Throughput and latency")
    expect(markdown).toContain("### Rate limit")
    expect(markdown).toContain("### Cold start")
    expect(markdown).toContain("### Targets")
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
