/**
 * The CLI's exit codes: one per outcome a script may want to branch on. `--help` and the README
 * list the same table (`exitCodeTable`).
 *
 * @since 0.2.0
 */
import type { OktaError } from "../../index.js"

/**
 * Exit codes by outcome.
 *
 * @since 0.2.0
 * @category exit codes
 */
export const ExitCode = {
  /** The command did what it was asked (keepalive: stopped by its duration, Ctrl-C or SIGTERM). */
  Ok: 0,
  /** Anything else that went wrong: Okta refused the request as invalid (400), an unexpected status, an answer that is not a Session. */
  Failed: 1,
  /** Bad arguments, or a missing or bad setting (org URL, token, okta.yaml, an ids file, a keepalive --store file that is corrupt, locked or cannot be opened). */
  Usage: 2,
  /** 404: no such session or user (or it expired, or was revoked). */
  NotFound: 3,
  /** 401 or 403: the token is wrong, expired, or lacks the permission. */
  Unauthorized: 4,
  /** 429 after the client's retries. */
  RateLimited: 5,
  /** 5xx after the client's retries. */
  ServerError: 6,
  /** No answer: connection refused or reset, timeout, answer too large. */
  Transport: 7,
  /** Interrupted (Ctrl-C, SIGTERM) before it finished, except keepalive, for which that is the normal end. */
  Interrupted: 130
} as const

/**
 * One of `ExitCode`'s values.
 *
 * @since 0.2.0
 * @category exit codes
 */
export type ExitCode = typeof ExitCode[keyof typeof ExitCode]

/**
 * The exit code of an Okta error, by family.
 *
 * @since 0.2.0
 * @category exit codes
 */
export const exitCodeOfOktaError = (error: OktaError.OktaError): ExitCode => {
  switch (error._tag) {
    case "NotFound":
      return ExitCode.NotFound
    case "Unauthorized":
    case "Forbidden":
      return ExitCode.Unauthorized
    case "TooManyRequests":
      return ExitCode.RateLimited
    case "ServerError":
      return ExitCode.ServerError
    case "TransportError":
      return ExitCode.Transport
    case "TokenError":
      // the org refused the service app's credential (invalid_client, invalid_scope, ...)
      return ExitCode.Unauthorized
    case "InvalidArgument":
      // refused before any request: the operator's input, as a bad flag is
      return ExitCode.Usage
    case "BadRequest":
    case "UnexpectedStatus":
    case "DecodeError":
      return ExitCode.Failed
  }
}

/**
 * The table printed by `--help` and the README.
 *
 * @since 0.2.0
 * @category exit codes
 */
export const exitCodeTable: ReadonlyArray<readonly [ExitCode, string]> = [
  [ExitCode.Ok, "success (keepalive: stopped by --duration, Ctrl-C or SIGTERM)"],
  [ExitCode.Failed, "other failure (400, unexpected status, undecodable answer)"],
  [ExitCode.Usage, "usage or configuration error (bad argument, missing or bad setting; keepalive: a --store file that is corrupt, locked by another process or cannot be opened)"],
  [ExitCode.NotFound, "not found (404): no such session or user, expired or revoked"],
  [ExitCode.Unauthorized, "unauthorized or forbidden (401, 403)"],
  [ExitCode.RateLimited, "rate limited (429) after retries"],
  [ExitCode.ServerError, "server error (5xx) after retries"],
  [ExitCode.Transport, "transport: no answer (connection refused or reset, timeout)"],
  [ExitCode.Interrupted, "interrupted before the command finished"]
]
