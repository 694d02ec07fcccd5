import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import type { IssuedToken } from "./tokenEndpoint.js"
import type { TokenError } from "./tokenError.js"

/**
 * The access token of a process, renewed ahead of its expiry. `get` answers the cached token while
 * it is fresh; once its renewal time has passed, the first caller starts one renewal and everyone
 * (that caller included) keeps using the still-valid token until the new one arrives; a caller
 * that finds no usable token waits for the renewal in flight. However many fibers ask, at most one
 * token request is in flight, and no token is handed out at or past its expiry.
 */
export interface TokenCache {
  readonly get: Effect.Effect<IssuedToken, TokenError>
  /** Forgets this token (the server refused it), so the next `get` renews. */
  readonly invalidate: (token: { readonly accessToken: Redacted.Redacted<string> }) => Effect.Effect<void>
}

/** A token is no longer handed out this close to its expiry, for the time the request is in transit. */
export const expiryMarginMillis = 1000

/** After a failed background renewal, the still-valid token is used this long before trying again. */
export const renewalRetryMillis = 5000

interface Cached {
  readonly token: IssuedToken
  readonly renewAtMillis: number
}

interface State {
  readonly current: Cached | undefined
  readonly inFlight: Deferred.Deferred<IssuedToken, TokenError> | undefined
  /** No background renewal starts before this (after a failed one). */
  readonly nextAttemptMillis: number
}

type Step =
  | { readonly _tag: "Use"; readonly token: IssuedToken }
  | { readonly _tag: "Await"; readonly renewal: Deferred.Deferred<IssuedToken, TokenError> }
  | { readonly _tag: "Start"; readonly renewal: Deferred.Deferred<IssuedToken, TokenError>; readonly token: IssuedToken | undefined }

/**
 * When to renew: the lead (at most half the token's lifetime) stretched by a random share up to
 * `jitter`, before the expiry.
 */
const renewalTime = (token: IssuedToken, lead: Duration.Duration, jitter: number, draw: number): number => {
  const lifetimeMillis = Duration.toMillis(token.lifetime)
  const leadMillis = Math.min(Duration.toMillis(lead), lifetimeMillis / 2) * (1 + jitter * draw)
  return token.expiresAtMillis - Math.min(leadMillis, lifetimeMillis)
}

/**
 * Builds the cache over a token request.
 *
 * Hand-written single flight over a `Ref` and a `Deferred` rather than `Effect.cachedInvalidateWithTTL`:
 * the TTL comes from each answer's `expires_in` (not fixed), and callers must keep using the old
 * token while the renewal runs instead of all waiting on it, which a TTL cache cannot express.
 * The renewal runs in a daemon fiber, so an interrupted caller does not cancel it for the others;
 * it ends on its own within the token request's bounds (timeout and retry schedules).
 */
export const makeTokenCache = (
  request: Effect.Effect<IssuedToken, TokenError>,
  options: { readonly lead: Duration.Duration; readonly jitter: number }
): Effect.Effect<TokenCache> =>
  Effect.gen(function*() {
    const state = yield* Ref.make<State>({ current: undefined, inFlight: undefined, nextAttemptMillis: 0 })

    const renew = (renewal: Deferred.Deferred<IssuedToken, TokenError>) =>
      Effect.gen(function*() {
        const exit = yield* Effect.exit(request)
        const draw = yield* Random.next
        const now = yield* Clock.currentTimeMillis
        yield* Ref.update(state, (s) =>
          exit._tag === "Success"
            ? {
              current: { token: exit.value, renewAtMillis: renewalTime(exit.value, options.lead, options.jitter, draw) },
              inFlight: undefined,
              nextAttemptMillis: 0
            }
            : { ...s, inFlight: undefined, nextAttemptMillis: now + renewalRetryMillis })
        if (exit._tag === "Success") {
          yield* Effect.logDebug(`OktaAuth: access token renewed, valid for ${Duration.format(exit.value.lifetime)}`)
        }
        yield* Deferred.done(renewal, exit)
      })

    const get: Effect.Effect<IssuedToken, TokenError> = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.flatMap(
        Ref.modify(state, (s): [Step, State] => {
          const usable = s.current !== undefined && now < s.current.token.expiresAtMillis - expiryMarginMillis
            ? s.current
            : undefined
          if (usable !== undefined && now < usable.renewAtMillis) return [{ _tag: "Use", token: usable.token }, s]
          if (s.inFlight !== undefined) {
            return [usable === undefined ? { _tag: "Await", renewal: s.inFlight } : { _tag: "Use", token: usable.token }, s]
          }
          if (usable !== undefined && now < s.nextAttemptMillis) return [{ _tag: "Use", token: usable.token }, s]
          const renewal = Deferred.unsafeMake<IssuedToken, TokenError>(FiberId.none)
          return [{ _tag: "Start", renewal, token: usable?.token }, { ...s, inFlight: renewal }]
        }),
        (step) => {
          switch (step._tag) {
            case "Use":
              return Effect.succeed(step.token)
            case "Await":
              return Deferred.await(step.renewal)
            case "Start":
              return Effect.zipRight(
                Effect.forkDaemon(renew(step.renewal)),
                step.token === undefined ? Deferred.await(step.renewal) : Effect.succeed(step.token)
              )
          }
        }
      ))

    const invalidate = (token: { readonly accessToken: Redacted.Redacted<string> }) =>
      Ref.update(state, (s) =>
        s.current !== undefined &&
          Redacted.value(s.current.token.accessToken) === Redacted.value(token.accessToken)
          ? { ...s, current: undefined }
          : s)

    return { get, invalidate }
  })
