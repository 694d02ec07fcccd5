/**
 * The lean layers: `OktaHttpClient` and `Sessions` straight over undici, one keep-alive `Pool` per
 * layer (per org), with no `@effect/platform` `HttpClient`, request or response object in between.
 * Same errors, headers, retries, throttle, scrubbing, size caps and spans as `OktaHttpClient.layer`
 * over a platform client; about half its CPU per call (BENCHMARKS.md).
 *
 * This is the only module that loads `undici` (an optional peer dependency, which
 * `@effect/platform-node` brings along): a program that uses `FetchHttpClient` never imports it.
 *
 * @example
 * ```ts
 * import { OktaConfig } from "effect-okta-sessions"
 * import * as OktaUndici from "effect-okta-sessions/OktaUndici"
 * import { Layer } from "effect"
 *
 * const SessionsLive = OktaUndici.layerSessions().pipe(Layer.provide(OktaConfig.layerConfig()))
 * ```
 * @since 0.2.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Pool } from "undici"
import { authorizerFor } from "./internal/client/authorizerForConfig.js"
import { makeService } from "./internal/client/clientService.js"
import * as UndiciTransport from "./internal/client/undiciTransport.js"
import { OktaConfig } from "./OktaConfig.js"
import { OktaHttpClient } from "./OktaHttpClient.js"
import * as Sessions from "./Sessions.js"

/**
 * Options of the org's `Pool`.
 *
 * @since 0.2.0
 * @category models
 */
export interface PoolOptions {
  /**
   * The most connections the pool opens to the org. Default: no limit of its own (the throttle's
   * `maxConcurrency` bounds the calls in flight).
   */
  readonly connections?: number | undefined
  /** How long an idle connection is kept open, in milliseconds, unless the server says less. Default 4000. */
  readonly keepAliveTimeout?: number | undefined
}

/**
 * `OktaHttpClient` over an undici `Pool` to the configured org; the pool is closed (its connections
 * dropped) when the layer is released.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerHttpClient = (options: PoolOptions = {}): Layer.Layer<OktaHttpClient, never, OktaConfig> =>
  Layer.scoped(
    OktaHttpClient,
    Effect.gen(function*() {
      const config = yield* OktaConfig
      const pool = yield* Effect.acquireRelease(
        Effect.sync(() =>
          new Pool(config.orgUrl, {
            ...(options.connections === undefined ? {} : { connections: options.connections }),
            keepAliveTimeout: options.keepAliveTimeout ?? 4_000
          })
        ),
        // `destroy` does not wait for requests in flight: the calls of a released layer are over.
        (pool) => Effect.promise(() => pool.destroy())
      )
      // In PrivateKey mode the token endpoint is called over fetch (it is called once per token, not per request).
      const authorizer = yield* authorizerFor(config, yield* Effect.provide(HttpClient.HttpClient, FetchHttpClient.layer))
      return yield* makeService(config, (sweeper) =>
        UndiciTransport.make({ dispatcher: pool, origin: config.orgUrl, maxBodyBytes: config.maxResponseBytes, sweeper }), authorizer)
    })
  )

/**
 * `Sessions` over `layerHttpClient`: needs only `OktaConfig`.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerSessions = (options: PoolOptions = {}): Layer.Layer<Sessions.Sessions, never, OktaConfig> =>
  Layer.effect(Sessions.Sessions, Sessions.make).pipe(Layer.provide(layerHttpClient(options)))
