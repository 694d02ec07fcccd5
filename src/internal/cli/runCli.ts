/**
 * Runs the CLI as the process: provides `StopSignal` from SIGINT / SIGTERM, and ends the process
 * with the exit code the program returns (130 when it was interrupted, 1 on a defect).
 *
 * Written by hand rather than with `NodeRuntime.runMain` because that interrupts the program on
 * the first signal and maps every failure to 1: here the first signal is a stop request that
 * `keepalive` answers by finishing in-flight refreshes and printing its summary, and the exit
 * code says which family of error ended the run.
 *
 * @since 0.2.0
 */
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import { ExitCode } from "./exitCodes.js"
import { StopSignal } from "./stopSignal.js"

/** How long the process may take to end by itself once the program is done (open handles). */
const exitGrace = 2000

/**
 * Runs `program` to its exit code and ends the process with it.
 *
 * @since 0.2.0
 * @category running
 */
export const runCli = (program: Effect.Effect<number, never, StopSignal>): void => {
  const stop = Deferred.unsafeMake<string>(FiberId.none)
  let waiting = 0
  const stopped = Effect.acquireUseRelease(
    Effect.sync(() => waiting++),
    () => Deferred.await(stop),
    () => Effect.sync(() => waiting--)
  )
  const fiber = Effect.runFork(Effect.provideService(program, StopSignal, { stopped }))
  let signals = 0
  const onSignal = (name: NodeJS.Signals) => {
    signals++
    if (signals === 1 && waiting > 0) Deferred.unsafeDone(stop, Exit.succeed(name))
    else fiber.unsafeInterruptAsFork(FiberId.none)
  }
  process.on("SIGINT", onSignal)
  process.on("SIGTERM", onSignal)
  // the program may wait on nothing Node counts (a Deferred): keep the process up until it is done
  const keepAlive = setInterval(() => {}, 2 ** 31 - 1)
  fiber.addObserver((exit) => {
    clearInterval(keepAlive)
    process.off("SIGINT", onSignal)
    process.off("SIGTERM", onSignal)
    let code: number = ExitCode.Failed
    if (Exit.isSuccess(exit)) code = exit.value
    else if (Cause.isInterruptedOnly(exit.cause)) code = ExitCode.Interrupted
    else process.stderr.write(`okta-sessions: internal error: ${Cause.pretty(exit.cause)}\n`)
    process.exitCode = code
    setTimeout(() => process.exit(code), exitGrace).unref()
  })
}
