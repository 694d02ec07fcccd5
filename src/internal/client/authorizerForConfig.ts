import type * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { OktaConfig } from "../../OktaConfig.js"
import { type Authorizer, staticAuthorizer } from "./authorizer.js"
import { makeOAuth } from "./oauth/oauthAuthorizer.js"

/**
 * The authorizer a configuration asks for: the static header for SSWS and Bearer, the OAuth
 * private-key client (its own token cache, DPoP key and nonces) for PrivateKey.
 */
export const authorizerFor = (config: OktaConfig.Service, client: HttpClient.HttpClient): Effect.Effect<Authorizer> =>
  Option.match(config.privateKey, {
    onNone: () => Effect.succeed(staticAuthorizer(config.authorization)),
    onSome: (settings) => Effect.map(makeOAuth({ ...config, settings }, client), (oauth) => oauth.authorizer)
  })
