/**
 * The main job (`npm start`): the keepalive demo on the embedded emulator.
 * Placeholder until the keepalive worker lands; it says so and exits cleanly.
 */
console.log("effect-okta-sessions: the keepalive demo is not built yet (see issue 5). Run `npm test` for the test suite.")
