import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterEach, describe, expect, it } from "vitest"
import { waitFor } from "./cliInstalled.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const temporary: Array<string> = []
afterEach(() => {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe("npm run emulator (examples/emulator.ts)", () => {
  it("serves seeded sessions on 127.0.0.1 with the token it prints, and stops cleanly on SIGINT", async () => {
    const dir = mkdtempSync(join(tmpdir(), "okta-emulator-"))
    temporary.push(dir)
    const idsFile = join(dir, "ids.txt")
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "examples/emulator.ts", "--port", "0", "--sessions", "3", "--ids-out", idsFile],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] }
    )
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    try {
      const [, url] = await waitFor(() => output, /listening on (http:\/\/127\.0\.0\.1:\d+) with 3 sessions/, 20_000)
      const [, token] = await waitFor(() => output, /OKTA_CLIENT_TOKEN=(\S+)/, 5_000)
      const ids = readFileSync(idsFile, "utf8").trim().split("\n")
      expect(ids).toHaveLength(3)

      const found = await fetch(`${url}/api/v1/sessions/${ids[0]}`, { headers: { authorization: `SSWS ${token}` } })
      expect(found.status).toBe(200)
      expect(await found.json()).toMatchObject({ id: ids[0], status: "ACTIVE" })
      const refused = await fetch(`${url}/api/v1/sessions/${ids[0]}`, { headers: { authorization: "SSWS wrong" } })
      expect(refused.status).toBe(401)

      child.kill("SIGINT")
      const code = await Promise.race([exited, new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), 10_000))])
      expect(code).toBe(0) // a stop request, not a failure (nor "hung")
      expect(output).toMatch(/Okta emulator stopped/)
      await expect(fetch(`${url}/api/v1/sessions/${ids[0]}`)).rejects.toThrow()
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL")
    }
  }, 40_000)
})
