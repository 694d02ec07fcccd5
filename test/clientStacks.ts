/**
 * The three ways to run the client, for the tests that must hold on each: `Sessions` and
 * `OktaHttpClient` over `FetchHttpClient`, over `NodeHttpClient.layerUndici`, and on the lean
 * `OktaUndici` layer (undici with no platform client in between).
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Layer } from "effect"
import { type OktaConfig, OktaHttpClient, Sessions } from "effect-okta-sessions"
import * as OktaUndici from "effect-okta-sessions/OktaUndici"

/** Builds `Sessions` and `OktaHttpClient` (one shared service) over a config layer. */
export type ClientStack = <E, R>(
  config: Layer.Layer<OktaConfig.OktaConfig, E, R>
) => Layer.Layer<Sessions.Sessions | OktaHttpClient.OktaHttpClient, E, R>

const overPlatform = (client: Layer.Layer<HttpClient.HttpClient>): ClientStack => (config) =>
  Layer.effect(Sessions.Sessions, Sessions.make).pipe(
    Layer.provideMerge(OktaHttpClient.layer),
    Layer.provide(config),
    Layer.provide(client)
  )

const lean: ClientStack = (config) =>
  Layer.effect(Sessions.Sessions, Sessions.make).pipe(
    Layer.provideMerge(OktaUndici.layerHttpClient()),
    Layer.provide(config)
  )

/** Each stack with its name. */
export const clientStacks: ReadonlyArray<readonly [string, ClientStack]> = [
  ["FetchHttpClient", overPlatform(FetchHttpClient.layer)],
  ["NodeHttpClient.layerUndici", overPlatform(NodeHttpClient.layerUndici)],
  ["OktaUndici", lean]
]
