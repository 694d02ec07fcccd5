/**
 * A smoke run of bench/keepalive-store.ts with 10,000 sessions, so that the store's benchmark in
 * `npm run bench` cannot rot. No figure is judged here: only that every phase ran and the restart
 * loaded every session written.
 */
import { describe, expect, it } from "vitest"
import { formatStoreBench, runKeepaliveStoreBench } from "../bench/keepalive-store.js"

describe("keepalive store benchmark, smoke run", () => {
  it("writes, restarts and loads every session, and prints each figure", { timeout: 180_000 }, async () => {
    const result = await runKeepaliveStoreBench({ sessions: 10_000, batch: 2_500 })
    expect(result.loaded).toBe(10_000)
    expect(result.bytesOnDisk).toBeGreaterThan(0)
    for (const value of Object.values(result)) expect(Number.isFinite(value)).toBe(true)
    expect(formatStoreBench(result).join("\n")).toContain("10,000 sessions")
  })
})
