/**
 * Reads a secret (a one-time session token, a session cookie) the way the CLI allows: from an
 * environment variable when one is named and set, else from standard input (a hidden prompt on a
 * terminal), never from an argument, which would end up in shell history and `ps`. The secret is
 * handed to the run's `SecretRedactor` before anything else happens.
 *
 * @since 0.2.0
 */
import * as Prompt from "@effect/cli/Prompt"
import type * as CliApp from "@effect/cli/CliApp"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { CliProcess } from "./cliProcess.js"
import { SecretRedactor } from "./secretRedactor.js"
import { UsageError } from "./usageError.js"

/**
 * How long standard input may take to deliver a secret and close.
 *
 * @since 0.2.0
 * @category limits
 */
export const secretInputTimeout: Duration.Duration = Duration.seconds(30)

/** A secret is a short line; anything longer is a mistake (a file piped by accident). */
const maxSecretBytes = 64 * 1024

/**
 * The secret, trimmed. `what` names it in messages, e.g. `the session token`.
 *
 * @since 0.2.0
 * @category input
 */
export const readSecret = (options: {
  readonly what: string
  readonly envName?: string | undefined
}): Effect.Effect<Redacted.Redacted<string>, UsageError, CliProcess | SecretRedactor | CliApp.CliApp.Environment> =>
  Effect.gen(function*() {
    const cli = yield* CliProcess
    const fromEnv = options.envName === undefined ? undefined : cli.env[options.envName]
    const text = fromEnv !== undefined && fromEnv.trim() !== ""
      ? fromEnv
      : cli.stdinIsTTY
      ? Redacted.value(
        yield* Prompt.run(Prompt.password({ message: `${options.what} (not echoed)` })).pipe(
          Effect.mapError(() => new UsageError({ detail: `${options.what}: cancelled` }))
        )
      )
      : yield* cli.readStdin({ what: options.what, maxBytes: maxSecretBytes, timeout: secretInputTimeout })
    const secret = text.trim()
    if (secret === "") {
      const where = options.envName === undefined ? "standard input" : `${options.envName} or standard input`
      return yield* new UsageError({ detail: `${options.what}: nothing on ${where}` })
    }
    yield* Effect.flatMap(SecretRedactor, (redactor) => redactor.add(secret))
    return Redacted.make(secret)
  })
