/**
 * The emulator's HTTP server: Node's, on 127.0.0.1, with its automatic `Date` off (every answer
 * writes its own from the `Clock`, or none as a fault), and every open connection closed with the
 * scope, hung ones included. Its options are decoded into `InvalidOptions` (module `OktaEmulator`).
 */
import * as Http from "node:http"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type { InvalidOptions } from "../../InvalidOptions.js"
import { decodeOptions } from "../../internal/options/decodeOptions.js"
import { randomText } from "./orgIds.js"

/** Options of `OktaEmulator.layer` and `OktaEmulator.make`. */
export interface EmulatorOptions {
  /** The port on 127.0.0.1. Default 0: a free port chosen by the system. */
  readonly port?: number | undefined
  /** The API token to accept. Default: a random one, read it from the service. */
  readonly apiToken?: Redacted.Redacted<string> | undefined
}

const Options = Schema.Struct({
  port: Schema.optionalWith(
    Schema.Number.pipe(Schema.filter((n) =>
      Number.isInteger(n) && n >= 0 && n <= 65535 || `expected a whole number from 0 to 65535, got ${n}`
    )),
    { default: () => 0 }
  ),
  apiToken: Schema.optional(
    Schema.RedactedFromSelf(
      Schema.String.pipe(Schema.filter((token) =>
        /^[\x21-\x7e]{1,512}$/.test(token) || "expected 1 to 512 visible ASCII characters"
      ))
    )
  )
})

const decode = decodeOptions("OktaEmulator", Options)

/** A started server: the platform's, its URL and port, and the token it accepts. */
export interface StartedServer {
  readonly server: Effect.Effect.Success<ReturnType<typeof NodeHttpServer.make>>
  readonly url: string
  readonly port: number
  readonly apiToken: Redacted.Redacted<string>
}

/** Starts the server in the scope; a port in use is a `ServeError`. */
export const startServer = (
  options: EmulatorOptions
): Effect.Effect<StartedServer, HttpServerError.ServeError | InvalidOptions, Scope.Scope> =>
  Effect.gen(function*() {
    const decoded = yield* decode(options)
    const apiToken = decoded.apiToken ?? Redacted.make(`00${yield* randomText(40)}`)
    let nodeServer: Http.Server | undefined
    const server = yield* NodeHttpServer.make(() => {
      nodeServer = Http.createServer((_request, response) => {
        response.sendDate = false
      })
      return nodeServer
    }, { host: "127.0.0.1", port: decoded.port })
    yield* Effect.addFinalizer(() => Effect.sync(() => nodeServer?.closeAllConnections()))
    const address = server.address
    const port = address._tag === "TcpAddress" ? address.port : 0
    return { server, url: `http://127.0.0.1:${port}`, port, apiToken }
  })
