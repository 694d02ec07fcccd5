/**
 * The fleet service's tag (re-exported by `KeepaliveFleet`).
 */
import * as Context from "effect/Context"
import type { FleetService } from "./fleetService.js"

/**
 * The fleet service: `add` / `remove` from any process, fleet-wide `stats`, and on a worker its
 * `local` counts and `events`.
 *
 * @since 0.3.0
 * @category tags
 */
export class KeepaliveFleet extends Context.Tag("effect-okta-sessions/KeepaliveFleet")<KeepaliveFleet, FleetService>() {}
