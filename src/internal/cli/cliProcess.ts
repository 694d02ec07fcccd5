/**
 * What the CLI sees of its process: the environment, the working and home directories, standard
 * output and error (and whether they are terminals) and standard input. The bin provides the real
 * process (`layerNode`); `npm start` and tests can provide their own.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { homedir } from "node:os"
import { UsageError } from "./usageError.js"

/**
 * The process, as the CLI uses it.
 *
 * @since 0.2.0
 * @category services
 */
export class CliProcess extends Context.Tag("effect-okta-sessions/cli/CliProcess")<CliProcess, CliProcess.Service>() {}

/** @since 0.2.0 */
export declare namespace CliProcess {
  /**
   * @since 0.2.0
   * @category services
   */
  export interface Service {
    /** The environment variables (only `OKTA_CLIENT_*`, `OKTA_SESSION_COOKIE` and `HOME` are read). */
    readonly env: Readonly<Record<string, string | undefined>>
    readonly cwd: string
    /** Where `~/.okta/okta.yaml` lives: `$HOME`, else the user's home directory. */
    readonly homeDir: string
    readonly stdoutIsTTY: boolean
    readonly stdinIsTTY: boolean
    readonly writeOut: (text: string) => Effect.Effect<void>
    readonly writeErr: (text: string) => Effect.Effect<void>
    /**
     * All of standard input as text, up to `maxBytes`, within `timeout` (the writer must close it
     * by then). Over either limit, or unreadable: a `UsageError` naming `what` is read.
     */
    readonly readStdin: (options: {
      readonly what: string
      readonly maxBytes: number
      readonly timeout: Duration.Duration
    }) => Effect.Effect<string, UsageError>
  }
}

/** Reads `process.stdin` to its end, or fails once it holds more than `maxBytes`. */
const readProcessStdin = (what: string, maxBytes: number) =>
  Effect.async<string, UsageError>((resume) => {
    const stdin = process.stdin
    const chunks: Array<Buffer> = []
    let size = 0
    const cleanup = () => {
      stdin.off("data", onData)
      stdin.off("end", onEnd)
      stdin.off("error", onError)
      stdin.pause()
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) {
        cleanup()
        stdin.destroy()
        resume(Effect.fail(new UsageError({ detail: `${what} on standard input is larger than ${maxBytes} bytes` })))
      } else chunks.push(chunk)
    }
    const onEnd = () => {
      cleanup()
      resume(Effect.succeed(Buffer.concat(chunks).toString("utf8")))
    }
    const onError = (error: Error) => {
      cleanup()
      resume(Effect.fail(new UsageError({ detail: `cannot read ${what} from standard input: ${error.message}` })))
    }
    stdin.on("data", onData)
    stdin.once("end", onEnd)
    stdin.once("error", onError)
    stdin.resume()
    return Effect.sync(cleanup)
  })

/**
 * The real process.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerNode: Layer.Layer<CliProcess> = Layer.sync(CliProcess, () =>
  CliProcess.of({
    env: process.env,
    cwd: process.cwd(),
    homeDir: process.env["HOME"] ?? homedir(),
    stdoutIsTTY: process.stdout.isTTY === true,
    stdinIsTTY: process.stdin.isTTY === true,
    writeOut: (text) => Effect.sync(() => void process.stdout.write(text)),
    writeErr: (text) => Effect.sync(() => void process.stderr.write(text)),
    readStdin: ({ maxBytes, timeout, what }) =>
      readProcessStdin(what, maxBytes).pipe(
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () =>
            new UsageError({ detail: `${what}: standard input did not end within ${Duration.format(timeout)}` })
        })
      )
  }))
