/**
 * A minimal fake Okta for the benchmarks, run in its own process (`fork` from bench/run.ts). It
 * answers `GET /api/v1/sessions/{id}` and `POST /api/v1/sessions/{id}/lifecycle/refresh` with an
 * Okta-shaped Session and Okta's headers, and anything else with Okta's 404. It does as little as
 * possible per request so that it is not the bottleneck: the body is built from two precomputed
 * halves around the id.
 *
 * In rate-limited mode it enforces one fixed window (`limit` per `windowMs`) and answers past it
 * with 429 E0000047 and `X-Rate-Limit-Reset`. The first window opens with the first request and
 * ends on a whole second, so the reset Okta reports in epoch seconds is exact; later windows are
 * `windowMs` long.
 *
 * It stops by itself when the parent goes away, and after `--max-seconds` in any case.
 */
import { randomBytes } from "node:crypto"
import * as Http from "node:http"
import { decodeServerCommand, type RateLimitMode, type ServerMessage, type WindowStats } from "./protocol.js"

const maxSeconds = Number(process.argv[process.argv.indexOf("--max-seconds") + 1] ?? "900")
const lifetime = setTimeout(() => process.exit(3), (Number.isFinite(maxSeconds) ? maxSeconds : 900) * 1000)
lifetime.unref()

/** `--chunked`: send Session bodies without Content-Length, as a chunked stream. */
const chunked = process.argv.includes("--chunked")

const sessionPath = /^\/api\/v1\/sessions\/([A-Za-z0-9_-]{1,128})(\/lifecycle\/refresh)?$/
const throughputLimit = 1_000_000
const org = "https://bench.okta.example"

/** The parts of a Session body that do not change between requests. */
const sessionBody = (id: string, expiresAt: string): string =>
  `{"id":"${id}","userId":"00u1benchuser0000001","login":"bench.user@example.com",` +
  `"createdAt":"2026-01-01T00:00:00.000Z","expiresAt":"${expiresAt}","status":"ACTIVE",` +
  `"lastPasswordVerification":"2026-01-01T00:00:00.000Z","lastFactorVerification":null,` +
  `"amr":["pwd"],"idp":{"id":"00o1benchorg00000001","type":"OKTA"},"mfaActive":false,` +
  `"_links":{"self":{"href":"${org}/api/v1/sessions/${id}","hints":{"allow":["GET","DELETE"]}},` +
  `"refresh":{"href":"${org}/api/v1/sessions/${id}/lifecycle/refresh","hints":{"allow":["POST"]}},` +
  `"user":{"name":"Bench User","href":"${org}/api/v1/users/00u1benchuser0000001","hints":{"allow":["GET"]}}}}`

const notFoundBody = JSON.stringify({
  errorCode: "E0000007",
  errorSummary: "Not found: Resource not found: (Session)",
  errorLink: "E0000007",
  errorId: "oaebench404",
  errorCauses: []
})
const tooManyBody = JSON.stringify({
  errorCode: "E0000047",
  errorSummary: "API call exceeded rate limit due to too many requests.",
  errorLink: "E0000047",
  errorId: "oaebench429",
  errorCauses: []
})

/** Request ids: a random prefix and a counter, cheaper than random bytes per request. */
const requestIdPrefix = randomBytes(6).toString("hex")
let requestCounter = 0

/** `expiresAt` two hours ahead, recomputed at most every 100 ms. */
let expiresAtText = ""
let expiresAtComputedAt = 0
const expiresAt = (now: number): string => {
  if (now - expiresAtComputedAt >= 100) {
    expiresAtText = new Date(now + 2 * 60 * 60 * 1000).toISOString()
    expiresAtComputedAt = now
  }
  return expiresAtText
}

let mode: RateLimitMode | null = null
/** A window while it is counted. */
type OpenWindow = { -readonly [K in keyof WindowStats]: WindowStats[K] }

let windows: Array<OpenWindow> = []
let current: OpenWindow | undefined
let rejectedSinceMode = 0
let firstRequestAt: number | null = null
/**
 * In throughput mode, one-second windows of a million, reported as Okta would. They end on the next
 * whole second, so a rate-limited window set later always has a later reset than any seen before.
 */
let throughputWindowEnd = 0

/** Counts the request against the window; `true` when it is allowed. */
const admit = (now: number): { readonly allowed: boolean; readonly remaining: number; readonly limit: number; readonly reset: number } => {
  if (mode === null) {
    if (now >= throughputWindowEnd) throughputWindowEnd = Math.floor(now / 1000) * 1000 + 1000
    return { allowed: true, remaining: throughputLimit - 1, limit: throughputLimit, reset: throughputWindowEnd / 1000 }
  }
  if (current === undefined) {
    firstRequestAt = now
    current = { startedAt: now, endsAt: Math.ceil((now + mode.windowMs) / 1000) * 1000, served: 0, rejected: 0 }
    windows.push(current)
  } else if (now >= current.endsAt) {
    let startedAt = current.endsAt
    while (startedAt + mode.windowMs <= now) startedAt += mode.windowMs
    current = { startedAt, endsAt: startedAt + mode.windowMs, served: 0, rejected: 0 }
    windows.push(current)
  }
  const allowed = current.served < mode.limit
  if (allowed) {
    current.served++
  } else {
    current.rejected++
    rejectedSinceMode++
  }
  return { allowed, remaining: mode.limit - current.served, limit: mode.limit, reset: current.endsAt / 1000 }
}

let requests = 0

const server = Http.createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
  requests++
  const now = Date.now()
  const requestId = `${requestIdPrefix}${(requestCounter++).toString(36)}`
  const match = sessionPath.exec(request.url ?? "")
  const id = match?.[1]
  const isRefresh = match?.[2] !== undefined
  const known = id !== undefined && id !== "me" && (isRefresh ? request.method === "POST" : request.method === "GET")
  // Drain any request body without looking at it.
  request.resume()
  if (!known) {
    response.writeHead(404, {
      "content-type": "application/json",
      "x-okta-request-id": requestId
    })
    response.end(notFoundBody)
    return
  }
  const window = admit(now)
  const headers = {
    "content-type": "application/json",
    "x-okta-request-id": requestId,
    "x-rate-limit-limit": String(window.limit),
    "x-rate-limit-remaining": String(Math.max(0, window.remaining)),
    "x-rate-limit-reset": String(window.reset)
  }
  if (!window.allowed) {
    response.writeHead(429, headers)
    response.end(tooManyBody)
    return
  }
  const body = sessionBody(id, expiresAt(now))
  if (chunked) {
    response.writeHead(200, headers)
  } else {
    response.writeHead(200, { ...headers, "content-length": Buffer.byteLength(body) })
  }
  response.end(body)
})
let connections = 0
server.on("connection", () => {
  connections++
})
server.keepAliveTimeout = 60_000
server.headersTimeout = 61_000

const send = (message: ServerMessage): void => {
  process.send?.(message)
}

process.on("message", (raw) => {
  const command = decodeServerCommand(raw)
  switch (command._tag) {
    case "GetStats": {
      const cpu = process.cpuUsage()
      send({
        _tag: "Stats",
        stats: {
          cpuMicros: cpu.user + cpu.system,
          requests,
          connections,
          rejected: rejectedSinceMode,
          firstRequestAt,
          windows
        }
      })
      return
    }
    case "SetMode": {
      mode = command.rateLimit
      windows = []
      current = undefined
      rejectedSinceMode = 0
      firstRequestAt = null
      send({ _tag: "ModeSet" })
      return
    }
  }
})

process.on("disconnect", () => process.exit(0))

server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  if (address === null || typeof address === "string") {
    process.exit(4)
  }
  send({ _tag: "Listening", port: address.port })
})
