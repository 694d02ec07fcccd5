/**
 * A command's failure as the one line it prints on stderr and the exit code it ends with. The line
 * has the error's tag, Okta's errorCode and summary and the request id; with `--json` it is a JSON
 * object with the same fields. Secrets the run has read are blanked out of it.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import type { KeepaliveStore, OktaError } from "../../index.js"
import { CliProcess } from "./cliProcess.js"
import { type ExitCode, ExitCode as Codes, exitCodeOfOktaError } from "./exitCodes.js"
import { SecretRedactor } from "./secretRedactor.js"
import type { UsageError } from "./usageError.js"

/**
 * What a command can fail with: an Okta error, a usage error, or (keepalive) a store that cannot be
 * used (`--store` file corrupt, locked or unopenable: exit 2, as a bad setting).
 *
 * @since 0.2.0
 * @category errors
 */
export type CommandFailure = OktaError.OktaError | UsageError | KeepaliveStore.KeepaliveStoreError

/**
 * The fields of the report.
 *
 * @since 0.2.0
 * @category formatting
 */
export interface FailureFields {
  readonly error: string
  readonly exitCode: ExitCode
  readonly message: string
  readonly status?: number | undefined
  readonly errorCode?: string | undefined
  readonly errorSummary?: string | undefined
  readonly requestId?: string | undefined
}

/**
 * The report's fields and exit code for a failure.
 *
 * @since 0.2.0
 * @category formatting
 */
export const failureFields = (failure: CommandFailure): FailureFields => {
  if (failure._tag === "UsageError" || failure._tag === "KeepaliveStoreError") {
    return { error: failure._tag, exitCode: Codes.Usage, message: failure.message }
  }
  const fields = {
    error: failure._tag,
    exitCode: exitCodeOfOktaError(failure),
    message: failure.message,
    requestId: "requestId" in failure ? failure.requestId : undefined
  }
  if (failure._tag === "TokenError") {
    return { ...fields, status: failure.status, errorCode: failure.error, errorSummary: failure.errorDescription }
  }
  return "status" in failure && failure._tag !== "DecodeError"
    ? { ...fields, status: failure.status, errorCode: failure.errorCode, errorSummary: failure.errorSummary }
    : fields
}

const oneLine = (text: string) => text.replace(/[\r\n]+/g, " ")

/**
 * Prints the failure on stderr (as text, or JSON with `json`) and returns its exit code.
 *
 * @since 0.2.0
 * @category formatting
 */
export const reportFailure = (
  command: string,
  failure: CommandFailure,
  json: boolean
): Effect.Effect<ExitCode, never, CliProcess | SecretRedactor> =>
  Effect.gen(function*() {
    const cli = yield* CliProcess
    const redactor = yield* SecretRedactor
    const fields = failureFields(failure)
    const text = json
      ? JSON.stringify({ command, ...fields })
      : `okta-sessions ${command}: ${failure._tag === "UsageError" ? failure.message : fields.message}`
    yield* cli.writeErr(`${oneLine(yield* redactor.redact(text))}\n`)
    return fields.exitCode
  })
