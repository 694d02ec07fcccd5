/**
 * effect-okta-sessions: an Effect client for the Okta Sessions API.
 *
 * @since 0.1.0
 */

/**

 * Wire schemas: `Session`, its enums and links, branded ids and the session cookie.

 *

 * @since 0.1.0

 * @category modules

 */
export * as Session from "./Session.js"

/**

 * One tagged error per HTTP status, plus `TransportError` and `DecodeError`.

 *

 * @since 0.1.0

 * @category modules

 */
export * as OktaError from "./OktaError.js"

/**

 * The configuration service and its layers.

 *

 * @since 0.1.0

 * @category modules

 */
export * as OktaConfig from "./OktaConfig.js"

/**

 * Okta's HTTP client over the user's `HttpClient`.

 *

 * @since 0.1.0

 * @category modules

 */
export * as OktaHttpClient from "./OktaHttpClient.js"

/**

 * Rate limits: headers, the 429 retry `Schedule` and the throttle's settings.

 *

 * @since 0.1.0

 * @category modules

 */
export * as RateLimit from "./RateLimit.js"

/**

 * The transient-failure retry `Schedule` (502, 503, 504, no answer).

 *

 * @since 0.1.0

 * @category modules

 */
export * as Retry from "./Retry.js"

/**

 * The `Sessions` service: one Effect per endpoint.

 *

 * @since 0.1.0

 * @category modules

 */
export * as Sessions from "./Sessions.js"

/**

 * The keepalive worker: sessions refreshed ahead of expiry inside a share of the rate budget.

 *

 * @since 0.1.0

 * @category modules

 */
export * as Keepalive from "./Keepalive.js"

/**

 * Where the keepalive worker keeps its tracked set: in memory or a SQLite file.

 *

 * @since 0.2.0

 * @category modules

 */
export * as KeepaliveStore from "./KeepaliveStore.js"

/**

 * The keepalive's budget and 429 pause as a service that several Keepalives share (in-process
 * here; across processes with `effect-okta-sessions/KeepaliveBudgetRedis`).

 *

 * @since 0.3.0

 * @category modules

 */
export * as KeepaliveBudget from "./KeepaliveBudget.js"

/**

 * The one error of options that cannot work.

 *

 * @since 0.2.0

 * @category modules

 */
export * as InvalidOptions from "./InvalidOptions.js"

/**

 * OAuth 2.0 for service apps: private-key client credentials, DPoP, the token endpoint's error.

 *

 * @since 0.2.0

 * @category modules

 */
export * as OktaAuth from "./OktaAuth.js"
