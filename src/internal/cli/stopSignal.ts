/**
 * Ctrl-C and SIGTERM as the CLI sees them. A command that runs until stopped (`keepalive`,
 * `emulator`) waits on `StopSignal.stopped`: while it waits, the first signal asks it to stop (it
 * finishes its work, prints its summary and exits 0). Any other command, or a second signal, is
 * interrupted at once (exit 130).
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"

/**
 * The stop request of the running command.
 *
 * @since 0.2.0
 * @category services
 */
export class StopSignal extends Context.Tag("effect-okta-sessions/cli/StopSignal")<StopSignal, {
  /** Waits for SIGINT or SIGTERM and succeeds with its name; while waiting, a signal does not interrupt. */
  readonly stopped: Effect.Effect<string>
}>() {}
