/**
 * effect-okta-sessions/testing: a fake Okta org for tests and demos, with two faces: an in-memory
 * `Sessions` layer and an Okta-compatible HTTP emulator.
 *
 * @since 0.1.0
 */

/**

 * The fake org: users, sessions, tokens, windows, rate limits, counters and fault knobs.

 *

 * @since 0.1.0

 * @category modules

 */
export * as FakeOkta from "./FakeOkta.js"

/**

 * The `Sessions` service on the fake org, with no HTTP.

 *

 * @since 0.1.0

 * @category modules

 */
export * as InMemorySessions from "./InMemorySessions.js"

/**

 * The Okta-compatible HTTP emulator on the fake org, with its admin routes.

 *

 * @since 0.1.0

 * @category modules

 */
export * as OktaEmulator from "./OktaEmulator.js"

/**

 * The fake org's OAuth 2.0 authorization server (client assertions, DPoP, scopes).

 *

 * @since 0.2.0

 * @category modules

 */
export * as FakeOktaAuth from "./FakeOktaAuth.js"
