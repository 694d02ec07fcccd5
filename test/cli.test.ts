/**
 * The `okta-sessions` bin from a packed and installed tarball, against emulators started with the
 * bin's own `emulator` command on 127.0.0.1: every command, `--json` parsed, each exit code from a
 * real condition, standard input, the config sources in order, and SIGTERM during keepalive.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type BinResult, type Installed, installPackage, jsonLines, type RunningBin, runBin, startBin, waitFor } from "./cliInstalled.js"

let installed: Installed
/** A directory with no okta.yaml to run in, and an empty home. */
let work: string
let home: string

interface Emulator {
  readonly url: string
  readonly token: string
  readonly ids: ReadonlyArray<string>
  readonly process: RunningBin
}
let emulator: Emulator
/** A second emulator whose fault knobs the tests set. */
let faulty: Emulator
/** Everything the bin printed in this file, to check that no secret ever appears. */
const printed: Array<string> = []

const startEmulator = async (name: string, args: ReadonlyArray<string>): Promise<Emulator> => {
  const idsFile = join(installed.scratch, `${name}-ids.txt`)
  const process = startBin(installed.bin, ["emulator", "--json", "--ids-out", idsFile, ...args], { cwd: work, home, timeoutMs: 120_000 })
  await waitFor(() => process.output().stdout, /"event":"Listening"/, 30_000)
  const [listening] = jsonLines(process.output().stdout)
  const url = String(listening?.["url"])
  const token = String(listening?.["token"])
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  return { url, token, ids: readFileSync(idsFile, "utf8").trim().split("\n"), process }
}

const stopEmulator = async (running: Emulator) => {
  running.process.kill("SIGTERM")
  const result = await running.process.done
  printed.push(result.stdout, result.stderr)
  return result
}

/** Runs the bin in `work` with the emulator's settings in the environment (unless `env` says otherwise). */
const okta = async (
  args: ReadonlyArray<string>,
  options: { readonly env?: Record<string, string>; readonly stdin?: string; readonly cwd?: string; readonly target?: Emulator } = {}
): Promise<BinResult> => {
  const target = options.target ?? emulator
  const result = await runBin(installed.bin, args, {
    cwd: options.cwd ?? work,
    home,
    env: { OKTA_CLIENT_ORGURL: target.url, OKTA_CLIENT_TOKEN: target.token, ...options.env },
    ...(options.stdin === undefined ? {} : { stdin: options.stdin })
  })
  printed.push(result.stdout, result.stderr)
  return result
}

const admin = async (target: Emulator, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${target.url}${path}`, {
    method,
    headers: { authorization: `SSWS ${target.token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  expect(response.status).toBeLessThan(300)
  return response.status === 204 ? undefined : (await response.json()) as Record<string, unknown>
}

/** The one line on stderr, parsed when it is JSON. */
const errorLine = (result: BinResult) => {
  const lines = result.stderr.trim().split("\n")
  expect(lines).toHaveLength(1)
  return lines[0] ?? ""
}

beforeAll(async () => {
  installed = await installPackage()
  work = join(installed.scratch, "work")
  home = join(installed.scratch, "home")
  mkdirSync(work)
  mkdirSync(home)
  ;[emulator, faulty] = await Promise.all([
    startEmulator("main", ["--sessions", "8"]),
    startEmulator("faulty", ["--sessions", "2", "--rate-window", "1 second"])
  ])
}, 240_000)

afterAll(async () => {
  try {
    await Promise.all([emulator, faulty].filter((e) => e !== undefined).map(stopEmulator))
    // no line the bin printed carries a token, except the emulator's own announcement of its token
    const others = printed.filter((text) => !text.includes(`"event":"Listening"`))
    for (const target of [emulator, faulty]) {
      for (const text of others) expect(text).not.toContain(target.token)
    }
  } finally {
    installed?.remove()
  }
}, 60_000)

describe("okta-sessions (installed from the packed tarball)", () => {
  it("--version, --help with the commands and exit codes, and shell completions", async () => {
    const version: unknown = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
    const [v, help, getHelp, completions] = await Promise.all([
      okta(["--version"]),
      okta(["--help"]),
      okta(["get", "--help"]),
      okta(["--completions", "bash"])
    ])
    expect(v.code).toBe(0)
    expect(v.stdout.trim()).toBe(typeof version === "object" && version !== null && "version" in version ? version.version : "?")
    expect(help.code).toBe(0)
    for (const command of ["get", "refresh", "revoke", "revoke-user", "create", "current", "keepalive", "emulator"]) {
      expect(help.stdout).toContain(`- ${command}`)
    }
    for (const text of [help.stdout, getHelp.stdout]) {
      expect(text).toContain("Exit codes: 0 success")
      expect(text).toMatch(/3 not found.*4 unauthorized or forbidden.*5 rate limited.*6 server error.*7 transport/s)
    }
    expect(getHelp.stdout).toContain("--token-file")
    expect(completions.code).toBe(0)
    expect(completions.stdout).toContain("okta-sessions")
    expect(completions.stdout).toContain("complete")
  })

  it("get, refresh and revoke: tables, --json, and exit 3 with one error line for a revoked session", async () => {
    const id = emulator.ids[0] ?? ""
    const table = await okta(["get", id])
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(new RegExp(`\\| id +\\| ${id} +\\|`))
    expect(table.stdout).toMatch(/\| status +\| ACTIVE +\|/)

    const got = await okta(["get", "--json", id])
    expect(got.code).toBe(0)
    const [session] = jsonLines(got.stdout)
    expect(session).toMatchObject({ id, status: "ACTIVE" })
    const refreshed = await okta(["refresh", id, "--json"])
    expect(refreshed.code).toBe(0)
    const [after] = jsonLines(refreshed.stdout)
    expect(Date.parse(String(after?.["expiresAt"]))).toBeGreaterThanOrEqual(Date.parse(String(session?.["expiresAt"])))

    const revoked = await okta(["revoke", "--json", id])
    expect(revoked.code).toBe(0)
    expect(jsonLines(revoked.stdout)).toEqual([{ sessionId: id, revoked: true }])

    const [gone, goneJson] = await Promise.all([okta(["get", id]), okta(["get", id, "--json"])])
    expect(gone.code).toBe(3)
    expect(gone.stdout).toBe("")
    expect(errorLine(gone)).toMatch(/^okta-sessions get: NotFound E0000007: Not found: .* \(request \S+\)$/)
    expect(goneJson.code).toBe(3)
    expect(JSON.parse(errorLine(goneJson))).toMatchObject({
      command: "get",
      error: "NotFound",
      status: 404,
      errorCode: "E0000007",
      exitCode: 3,
      requestId: expect.stringMatching(/\S+/)
    })
  })

  it("revoke-user revokes every session of a user; a bad id is a usage error (exit 2)", async () => {
    const id = emulator.ids[1] ?? ""
    const [session] = jsonLines((await okta(["get", id, "--json"])).stdout)
    const userId = String(session?.["userId"])
    const result = await okta(["revoke-user", userId, "--oauth-tokens", "--json"])
    expect(result.code).toBe(0)
    expect(jsonLines(result.stdout)).toEqual([{ userId, revoked: true, oauthTokens: true, forgetDevices: null }])
    expect((await okta(["get", id])).code).toBe(3)
    const bad = await okta(["get", "../users/x"])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("letters, digits")
    const both = await okta(["revoke-user", userId, "--forget-devices", "--keep-devices"])
    expect(both.code).toBe(2)
    expect(errorLine(both)).toContain("--forget-devices and --keep-devices cannot both be given")
  })

  it("create reads the one-time session token from stdin; used again it is Unauthorized (exit 4)", async () => {
    const user = await admin(emulator, "POST", "/__admin/users", {})
    const issued = await admin(emulator, "POST", `/__admin/users/${String(user?.["id"])}/session-tokens`)
    const sessionToken = String(issued?.["sessionToken"])
    const created = await okta(["create", "--json"], { stdin: `${sessionToken}\n` })
    expect(created.code).toBe(0)
    expect(jsonLines(created.stdout)[0]).toMatchObject({ userId: user?.["id"], status: "ACTIVE" })
    const again = await okta(["create"], { stdin: sessionToken })
    expect(again.code).toBe(4)
    expect(errorLine(again)).toMatch(/^okta-sessions create: Unauthorized E0000011: /)
    expect(again.stderr).not.toContain(sessionToken)
    const empty = await okta(["create"], { stdin: "" })
    expect(empty.code).toBe(2)
    expect(errorLine(empty)).toContain("the session token: nothing on standard input")
  })

  it("current get / refresh / close with the cookie from stdin or OKTA_SESSION_COOKIE, no API token needed", async () => {
    const id = emulator.ids[2] ?? ""
    const noToken = { OKTA_CLIENT_TOKEN: "" }
    const got = await okta(["current", "get", "--json"], { stdin: `sid=${id}\n`, env: noToken })
    expect(got.code).toBe(0)
    expect(jsonLines(got.stdout)[0]).toMatchObject({ id, status: "ACTIVE" })
    const refreshed = await okta(["current", "refresh"], { env: { ...noToken, OKTA_SESSION_COOKIE: id } })
    expect(refreshed.code).toBe(0)
    expect(refreshed.stdout).toMatch(new RegExp(`\\| id +\\| ${id} +\\|`))
    const closed = await okta(["current", "close", "--json", "--cookie-name", "idx"], { stdin: id, env: noToken })
    expect(closed.code).toBe(0)
    expect(jsonLines(closed.stdout)).toEqual([{ closed: true }])
    const gone = await okta(["current", "get"], { stdin: `sid=${id}`, env: noToken })
    expect(gone.code).toBe(3)
    expect(errorLine(gone)).toMatch(/^okta-sessions current get: NotFound /)
    const bad = await okta(["current", "get"], { stdin: "sid=a b;c" })
    expect(bad.code).toBe(2)
    expect(errorLine(bad)).toContain("the session cookie is not a sid cookie value")
  })

  it("a wrong token is exit 4 and is never printed", async () => {
    const result = await okta(["get", emulator.ids[3] ?? "", "--json"], { env: { OKTA_CLIENT_TOKEN: "00wrongWrongWrong" } })
    expect(result.code).toBe(4)
    expect(JSON.parse(errorLine(result))).toMatchObject({ error: "Unauthorized", status: 401, errorCode: "E0000011", exitCode: 4 })
    expect(result.stderr).not.toContain("00wrongWrongWrong")
  })

  it("settings: flags, then OKTA_CLIENT_*, then ./okta.yaml, then ~/.okta/okta.yaml; a missing or bad one is exit 2 naming it", async () => {
    const id = emulator.ids[3] ?? ""
    const yaml = (orgUrl: string, token: string) => `okta:\n  client:\n    orgUrl: ${orgUrl}\n    token: "${token}"\n`
    const dir = (name: string) => mkdtempSync(join(installed.scratch, `${name}-`))
    const yamlHome = dir("home")
    mkdirSync(join(yamlHome, ".okta"))
    writeFileSync(join(yamlHome, ".okta", "okta.yaml"), yaml(emulator.url, emulator.token))
    const localDir = dir("local")
    writeFileSync(join(localDir, "okta.yaml"), yaml(emulator.url, emulator.token))
    const badHome = dir("badhome")
    mkdirSync(join(badHome, ".okta"))
    writeFileSync(join(badHome, ".okta", "okta.yaml"), yaml("http://example.com", "00homeToken"))
    const wrongLocal = dir("wronglocal")
    writeFileSync(join(wrongLocal, "okta.yaml"), yaml(faulty.url, "00notTheToken"))
    const brokenLocal = dir("broken")
    writeFileSync(join(brokenLocal, "okta.yaml"), `okta:\n  client:\n    token: "00secretInBrokenFile\n  orgUrl: [\n`)
    const tokenFile = join(installed.scratch, "token.txt")
    writeFileSync(tokenFile, `${emulator.token}\n`)
    const none = { OKTA_CLIENT_ORGURL: "", OKTA_CLIENT_TOKEN: "" }
    const run = (args: ReadonlyArray<string>, cwd: string, runHome: string, env: Record<string, string>) =>
      runBin(installed.bin, args, { cwd, home: runHome, env }).then((result) => {
        printed.push(result.stdout, result.stderr)
        return result
      })
    const [fromHome, localOverHome, envOverLocal, flagsOverEnv, missing, missingToken, badFromHome, broken] = await Promise.all([
      run(["get", id, "--json"], work, yamlHome, none),
      run(["get", id, "--json"], localDir, badHome, none),
      run(["get", id, "--json"], wrongLocal, home, { OKTA_CLIENT_ORGURL: emulator.url, OKTA_CLIENT_TOKEN: emulator.token }),
      run(["get", id, "--json", "--org-url", emulator.url, "--token-file", tokenFile], work, home, {
        OKTA_CLIENT_ORGURL: faulty.url,
        OKTA_CLIENT_TOKEN: "00envToken"
      }),
      run(["get", id], work, home, none),
      run(["get", id], work, home, { OKTA_CLIENT_ORGURL: emulator.url }),
      run(["get", id], work, badHome, none),
      run(["get", id], brokenLocal, home, none)
    ])
    for (const ok of [fromHome, localOverHome, envOverLocal, flagsOverEnv]) {
      expect(ok.stderr).toBe("")
      expect(ok.code).toBe(0)
      expect(jsonLines(ok.stdout)[0]).toMatchObject({ id })
    }
    expect(missing.code).toBe(2)
    expect(errorLine(missing)).toMatch(/^okta-sessions get: missing setting OKTA_CLIENT_ORGURL: give --org-url, set OKTA_CLIENT_ORGURL, or okta\.client\.orgUrl in/)
    expect(missingToken.code).toBe(2)
    expect(errorLine(missingToken)).toContain("missing setting OKTA_CLIENT_TOKEN: give --token-file FILE")
    expect(badFromHome.code).toBe(2)
    expect(errorLine(badFromHome)).toMatch(/bad setting OKTA_CLIENT_ORGURL \(from ~\/\.okta\/okta\.yaml\): orgUrl must use https/)
    expect(broken.code).toBe(2)
    expect(errorLine(broken)).toMatch(/\.\/okta\.yaml: is not valid YAML: \S+ at line \d+/)
    expect(broken.stderr).not.toContain("00secretInBrokenFile")
  })

  it("429 on every answer is exit 5 after the client's retries; 500 on every answer is exit 6", async () => {
    const id = faulty.ids[0] ?? ""
    await admin(faulty, "DELETE", "/__admin/counters")
    await admin(faulty, "PATCH", "/__admin/faults", { tooManyRequestsRate: 1 })
    const limited = await okta(["get", id, "--json"], { target: faulty })
    expect(limited.code).toBe(5)
    expect(JSON.parse(errorLine(limited))).toMatchObject({ error: "TooManyRequests", status: 429, errorCode: "E0000047", exitCode: 5 })
    // one request and the two retries of the default OKTA_CLIENT_RATELIMIT_MAXRETRIES
    const counters = await admin(faulty, "GET", "/__admin/counters")
    expect(counters?.["tooManyRequests"]).toBe(3)

    await admin(faulty, "PATCH", "/__admin/faults", { tooManyRequestsRate: 0, serverErrorRate: 1, serverErrorStatuses: [500] })
    const failed = await okta(["refresh", id], { target: faulty })
    expect(failed.code).toBe(6)
    expect(errorLine(failed)).toMatch(/^okta-sessions refresh: ServerError E0000009: .*\(request \S+\)$/)
    await admin(faulty, "DELETE", "/__admin/faults")
  })

  it("the emulator command stops on SIGTERM with exit 0; against the stopped emulator, exit 7", async () => {
    const stopped = await startEmulator("stopped", ["--sessions", "1"])
    const result = await stopEmulator(stopped)
    expect(result.code).toBe(0)
    expect(jsonLines(result.stdout).at(-1)).toEqual({ event: "Stopped", signal: "SIGTERM" })
    const unreachable = await okta(["get", stopped.ids[0] ?? "", "--json"], { target: stopped })
    expect(unreachable.code).toBe(7)
    expect(JSON.parse(errorLine(unreachable))).toMatchObject({ error: "TransportError", exitCode: 7 })
  })

  it("keepalive --ids - --json: events per refresh, then SIGTERM ends it with the summary and exit 0", async () => {
    const ids = emulator.ids.slice(4, 8)
    const running = startBin(installed.bin, ["keepalive", "--ids", "-", "--json", "--progress-every", "200 millis"], {
      cwd: work,
      home,
      env: { OKTA_CLIENT_ORGURL: emulator.url, OKTA_CLIENT_TOKEN: emulator.token },
      stdin: `# the sessions to keep\n${ids.join("\n")}\n\n${ids[0]}\n`
    })
    for (const id of ids) await waitFor(() => running.output().stdout, new RegExp(`"event":"Refreshed","sessionId":"${id}"`), 30_000)
    await waitFor(() => running.output().stdout, /"event":"Progress"/, 10_000)
    running.kill("SIGTERM")
    const result = await running.done
    printed.push(result.stdout, result.stderr)
    expect(result.stderr).toBe("")
    expect(result.code).toBe(0)
    const lines = jsonLines(result.stdout)
    expect(lines.filter((line) => line["event"] === "Refreshed").map((line) => line["sessionId"]).sort()).toEqual([...ids].sort())
    expect(lines.at(-1)).toMatchObject({
      event: "Summary",
      mode: "okta",
      endedBy: "SIGTERM",
      sessionsAtStart: 4,
      trackedAtEnd: 4,
      refreshed: 4,
      gone: 0,
      expiredWhileTracked: 0
    })
  })

  it("keepalive --ids FILE as text: progress lines, a gone session named, the summary table; a bad line is exit 2", async () => {
    const ids = emulator.ids.slice(4, 8)
    const file = join(installed.scratch, "keepalive-ids.txt")
    writeFileSync(file, `${ids.join("\n")}\n${emulator.ids[0]}\n`) // ids[0] was revoked above
    const result = await okta(["keepalive", "--ids", file, "--duration", "2", "--progress-every", "500 millis"])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/\[\ds\/2s\] tracked \d+ {2}refreshed \d+ {2}gone \d+/)
    expect(result.stdout).toContain(`gone ${emulator.ids[0]}: NotFound E0000007`)
    expect(result.stdout).toMatch(/\| sessions at start +\| +5 \|/)
    expect(result.stdout).toMatch(/\| gone \(404\) +\| +1 \|/)
    expect(result.stdout).toMatch(/\| still tracked +\| +4 \|/)
    const bad = await okta(["keepalive", "--ids", "-"], { stdin: `${ids[0]}\nnot/an/id\n` })
    expect(bad.code).toBe(2)
    expect(errorLine(bad)).toContain(`standard input line 2: "not/an/id" is not a session id`)
  })
})
