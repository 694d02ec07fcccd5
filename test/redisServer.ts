/**
 * A redis-server of a test's own on a free 127.0.0.1 port, for the tests that stop and start Redis
 * (the shared one at 6379 is never stopped).
 */
import { spawn, type ChildProcess } from "node:child_process"
import { createServer } from "node:net"
import { Effect } from "effect"
import { Redis } from "ioredis"

/** A port nothing listens on (bound once by the OS, then freed). */
export const freePort = Effect.promise(() =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
)

/** Starts `redis-server` on `port` (no persistence) and waits until it answers. */
export const startRedis = (port: number) =>
  Effect.gen(function*() {
    const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: "ignore"
    })
    const probe = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    probe.on("error", () => {})
    for (let tries = 0; tries < 100; tries++) {
      const up = yield* Effect.promise(() => probe.connect().then(() => probe.ping()).then(() => true, () => false))
      if (up) break
      yield* Effect.sleep("50 millis")
    }
    probe.disconnect()
    return child
  })

/** Kills the server (SIGKILL) and waits for its exit. */
export const stopRedis = (child: ChildProcess) =>
  Effect.promise(() =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once("exit", () => resolve())
      child.kill("SIGKILL")
    })
  )
