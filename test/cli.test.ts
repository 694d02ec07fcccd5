/**
 * The `okta-sessions` bin from a packed and installed tarball, against emulators on 127.0.0.1 (two
 * in this process, started while the package builds, and one run by the bin's own `emulator`
 * command): every command, `--json` parsed, each exit code from a
 * real condition, standard input, the config sources in order, and SIGTERM during keepalive.
 */
import { createServer } from "node:http"
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Context, Effect, Exit, Layer, Option, Redacted, Scope } from "effect"
import { Session } from "effect-okta-sessions"
import { FakeOkta, OktaEmulator } from "effect-okta-sessions/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type BinResult, type Installed, installPackage, jsonLines, runBin, startBin, waitFor } from "./cliInstalled.js"

let installed: Installed
/** A directory with no okta.yaml to run in, and an empty home. */
let work: string
let home: string

interface Emulator {
  readonly url: string
  readonly token: string
  readonly ids: ReadonlyArray<string>
}
/** An emulator in this process, with its fake org at hand. */
interface InProcess extends Emulator {
  readonly okta: FakeOkta.FakeOkta.Service
  readonly close: () => Promise<void>
}
let emulator: InProcess
/** A second emulator whose fault knobs the tests set; one-second rate windows keep 429 retries short. */
let faulty: InProcess
/** Everything the bin printed in this file, to check that no secret ever appears. */
const printed: Array<string> = []

const startInProcess = async (sessions: number, fakeOkta: FakeOkta.FakeOkta.Options): Promise<InProcess> => {
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(Layer.buildWithScope(OktaEmulator.layerWithFakeOkta({}, fakeOkta), scope))
  const okta = Context.get(context, FakeOkta.FakeOkta)
  const running = Context.get(context, OktaEmulator.OktaEmulator)
  const ids = await Effect.runPromise(okta.seedSessionIds(sessions))
  return {
    url: running.url,
    token: Redacted.value(running.apiToken),
    ids,
    okta,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

/** The bin's own `emulator` command. */
const startEmulatorCommand = async (name: string, args: ReadonlyArray<string>) => {
  const idsFile = join(installed.scratch, `${name}-ids.txt`)
  const process = startBin(installed.bin, ["emulator", "--json", "--ids-out", idsFile, ...args], { cwd: work, home, timeoutMs: 120_000 })
  await waitFor(() => process.output().stdout, /"event":"Listening"/, 30_000)
  const [listening] = jsonLines(process.output().stdout)
  const url = String(listening?.["url"])
  const token = String(listening?.["token"])
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  const emulator: Emulator = { url, token, ids: readFileSync(idsFile, "utf8").trim().split("\n") }
  return { emulator, process }
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

/** The one line on stderr, parsed when it is JSON. */
const errorLine = (result: BinResult) => {
  const lines = result.stderr.trim().split("\n")
  expect(lines).toHaveLength(1)
  return lines[0] ?? ""
}

beforeAll(async () => {
  ;[installed, emulator, faulty] = await Promise.all([
    installPackage(),
    startInProcess(8, {}),
    startInProcess(2, { rateLimits: { sessions: { limit: 600, window: "1 second" } } })
  ])
  work = join(installed.scratch, "work")
  home = join(installed.scratch, "home")
  mkdirSync(work)
  mkdirSync(home)
}, 240_000)

afterAll(async () => {
  try {
    await Promise.all([emulator, faulty].filter((e) => e !== undefined).map((e) => e.close()))
    // no line the bin printed carries a token, except the emulator command's announcement of its own
    const others = printed.filter((text) => !text.includes(`"event":"Listening"`))
    for (const target of [emulator, faulty]) {
      for (const text of others) expect(text).not.toContain(target.token)
    }
  } finally {
    installed?.remove()
  }
}, 60_000)

// one at a time: each spawns a few node processes at once already, and the machine has two cores
describe("okta-sessions (installed from the packed tarball)", { timeout: 90_000 }, () => {
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
    const [table, got] = await Promise.all([okta(["get", id]), okta(["get", "--json", id])])
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(new RegExp(`\\| id +\\| ${id} +\\|`))
    expect(table.stdout).toMatch(/\| status +\| ACTIVE +\|/)
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
    const userId = Option.getOrThrow(await Effect.runPromise(emulator.okta.lookupSession(Session.SessionId.make(id)))).userId
    const [result, bad, both] = await Promise.all([
      okta(["revoke-user", userId, "--oauth-tokens", "--json"]),
      okta(["get", "../users/x"]),
      okta(["revoke-user", userId, "--forget-devices", "--keep-devices"])
    ])
    expect(result.code).toBe(0)
    expect(jsonLines(result.stdout)).toEqual([{ userId, revoked: true, oauthTokens: true, forgetDevices: null }])
    expect(Option.isNone(await Effect.runPromise(emulator.okta.lookupSession(Session.SessionId.make(id))))).toBe(true)
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("letters, digits")
    expect(both.code).toBe(2)
    expect(errorLine(both)).toContain("--forget-devices and --keep-devices cannot both be given")
  })

  it("create reads the one-time session token from stdin; used again it is Unauthorized (exit 4)", async () => {
    const user = await Effect.runPromise(emulator.okta.createUser())
    const sessionToken = Redacted.value(await Effect.runPromise(emulator.okta.issueSessionToken(user.id)))
    const [created, empty] = await Promise.all([okta(["create", "--json"], { stdin: `${sessionToken}\n` }), okta(["create"], { stdin: "" })])
    expect(created.code).toBe(0)
    expect(jsonLines(created.stdout)[0]).toMatchObject({ userId: user.id, status: "ACTIVE" })
    const again = await okta(["create"], { stdin: sessionToken })
    expect(again.code).toBe(4)
    expect(errorLine(again)).toMatch(/^okta-sessions create: Unauthorized E0000011: /)
    expect(again.stderr).not.toContain(sessionToken)
    expect(empty.code).toBe(2)
    expect(errorLine(empty)).toContain("the session token: nothing on standard input")
  })

  it("current get / refresh / close with the cookie from stdin or OKTA_SESSION_COOKIE, no API token needed", async () => {
    const id = emulator.ids[2] ?? ""
    const noToken = { OKTA_CLIENT_TOKEN: "" }
    const [got, bad] = await Promise.all([
      okta(["current", "get", "--json"], { stdin: `sid=${id}\n`, env: noToken }),
      okta(["current", "get"], { stdin: "sid=a b;c" })
    ])
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
    expect(bad.code).toBe(2)
    expect(errorLine(bad)).toContain("the session cookie is not a sid cookie value")
  })

  it("a wrong token is exit 4 and is never printed", async () => {
    const result = await okta(["get", emulator.ids[3] ?? "", "--json"], { env: { OKTA_CLIENT_TOKEN: "00wrongWrongWrong" } })
    expect(result.code).toBe(4)
    expect(JSON.parse(errorLine(result))).toMatchObject({ error: "Unauthorized", status: 401, errorCode: "E0000011", exitCode: 4 })
    expect(result.stderr).not.toContain("00wrongWrongWrong")
  })

  it("a server that echoes the token and the cookie in its error summary: both are blanked out", async () => {
    const server = createServer((request, response) => {
      const echoed = [request.headers.authorization, request.headers.cookie].filter((header) => header !== undefined).join(" ")
      response.writeHead(request.url?.includes("/me") ? 404 : 401, { "content-type": "application/json", "x-okta-request-id": "echo1" })
      response.end(JSON.stringify({ errorCode: "E0000011", errorSummary: `you sent ${echoed}`, errorCauses: [] }))
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    try {
      const address = server.address()
      const url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
      const token = "00echoedSecretToken"
      const cookie = "echoedSecretCookie"
      const [api, me] = await Promise.all([
        okta(["get", "102abc"], { env: { OKTA_CLIENT_ORGURL: url, OKTA_CLIENT_TOKEN: token } }),
        okta(["current", "get", "--json"], { env: { OKTA_CLIENT_ORGURL: url, OKTA_SESSION_COOKIE: `sid=${cookie}` } })
      ])
      expect(api.code).toBe(4)
      expect(errorLine(api)).toBe("okta-sessions get: Unauthorized E0000011: you sent <redacted> (request echo1)")
      expect(me.code).toBe(3)
      expect(JSON.parse(errorLine(me))).toMatchObject({ error: "NotFound", errorSummary: "you sent sid=<redacted>" })
      for (const text of [api.stdout, api.stderr, me.stdout, me.stderr]) {
        expect(text).not.toContain(token)
        expect(text).not.toContain(cookie)
      }
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
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
    expect(errorLine(badFromHome)).toMatch(/bad setting OKTA_CLIENT_ORGURL \(from ~\/\.okta\/okta\.yaml\): (orgUrl:? )?must use https/)
    expect(broken.code).toBe(2)
    expect(errorLine(broken)).toMatch(/\.\/okta\.yaml: is not valid YAML: \S+ at line \d+/)
    expect(broken.stderr).not.toContain("00secretInBrokenFile")
  })

  it("429 on every answer is exit 5 after the client's retries; 500 on every answer is exit 6", async () => {
    const id = faulty.ids[0] ?? ""
    await Effect.runPromise(Effect.zipRight(faulty.okta.resetCounters, faulty.okta.setFaults({ tooManyRequestsRate: 1 })))
    const limited = await okta(["get", id, "--json"], { target: faulty })
    expect(limited.code).toBe(5)
    expect(JSON.parse(errorLine(limited))).toMatchObject({ error: "TooManyRequests", status: 429, errorCode: "E0000047", exitCode: 5 })
    // one request and the two retries of the default OKTA_CLIENT_RATELIMIT_MAXRETRIES
    const counters = await Effect.runPromise(faulty.okta.counters)
    expect(counters.tooManyRequests).toBe(3)

    await Effect.runPromise(faulty.okta.setFaults({ tooManyRequestsRate: 0, serverErrorRate: 1, serverErrorStatuses: [500] }))
    const failed = await okta(["refresh", id], { target: faulty })
    expect(failed.code).toBe(6)
    expect(errorLine(failed)).toMatch(/^okta-sessions refresh: ServerError E0000009: .*\(request \S+\)$/)
    await Effect.runPromise(faulty.okta.clearFaults)
  })

  it("the emulator command stops on SIGTERM with exit 0; against the stopped emulator, exit 7", async () => {
    const { emulator: stopped, process } = await startEmulatorCommand("stopped", ["--sessions", "1"])
    process.kill("SIGTERM")
    const result = await process.done
    printed.push(result.stderr)
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
      expired: 0,
      expiredByOrg: 0,
      store: "memory",
      resumed: 0
    })
  })

  it("keepalive --ids FILE as text: progress lines, a gone session named, the summary table; a bad line is exit 2", async () => {
    const ids = emulator.ids.slice(4, 8)
    const [revoked] = await Effect.runPromise(emulator.okta.seedSessionIds(1))
    if (revoked === undefined) throw new Error("no session was seeded")
    await Effect.runPromise(emulator.okta.revokeSession(revoked))
    const file = join(installed.scratch, "keepalive-ids.txt")
    writeFileSync(file, `${ids.join("\n")}\n${revoked}\n`)
    const [result, bad] = await Promise.all([
      okta(["keepalive", "--ids", file, "--duration", "2", "--progress-every", "500 millis"]),
      okta(["keepalive", "--ids", "-"], { stdin: `${ids[0]}\nnot/an/id\n` })
    ])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/\[\ds\/2s\] tracked \d+ {2}refreshed \d+ {2}gone \d+/)
    expect(result.stdout).toContain(`gone ${revoked}: NotFound E0000007`)
    expect(result.stdout).toMatch(/\| sessions at start +\| +5 \|/)
    expect(result.stdout).toMatch(/\| gone \(404, ended by Okta\) +\| +1 \|/)
    expect(result.stdout).toMatch(/\| still tracked +\| +4 \|/)
    expect(bad.code).toBe(2)
    expect(errorLine(bad)).toContain(`standard input line 2: "not/an/id" is not a session id`)
  })
})
