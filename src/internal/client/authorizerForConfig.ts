/** The authorizer a configuration asks for. */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import type { OktaConfig } from "../../OktaConfig.js"
import { type Authorizer, staticAuthorizer } from "./authorizer.js"
import { makeOAuth } from "./oauth/oauthAuthorizer.js"

/**
 * The static header for SSWS and Bearer; for PrivateKey the OAuth private-key client (its own
 * token cache, DPoP key and nonces) over the user's `HttpClient`.
 */
export const authorizerFor = (config: OktaConfig.Service, client: HttpClient.HttpClient): Effect.Effect<Authorizer> =>
  config.credential._tag === "ApiToken"
    ? Effect.succeed(staticAuthorizer(config.credential.authorization))
    : Effect.map(makeOAuth({ ...config, settings: config.credential.settings }, client), (oauth) => oauth.authorizer)
