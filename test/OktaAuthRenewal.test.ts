/**
 * Token renewal on the TestClock, through the in-memory face with the fake org's authorization
 * server: one token request however many fibers need a token at its expiry, never a call with an
 * expired token, and a keepalive run that meets no 401 over hours of 5-minute tokens.
 */
import { expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Layer, Queue, TestClock } from "effect"
import { Keepalive, KeepaliveStore, OktaAuth, OktaConfig, Sessions } from "effect-okta-sessions"
import { FakeOkta, FakeOktaAuth, InMemorySessions } from "effect-okta-sessions/testing"

const clientId = "0oa-renewal-test"

/** OktaConfig in PrivateKey mode for an app registered with the fake org's authorization server. */
const registeredApp = (options: Partial<OktaConfig.OktaConfig.Options>) =>
  Layer.unwrapEffect(Effect.gen(function*() {
    const auth = yield* FakeOktaAuth.FakeOktaAuth
    const okta = yield* FakeOkta.FakeOkta
    const key = yield* FakeOktaAuth.generateClientKey("ES256")
    yield* auth.registerClient({ clientId, publicKey: key.publicJwk, keyId: key.keyId, scopes: ["okta.sessions.read", "okta.sessions.manage"] })
    return OktaConfig.layer({
      orgUrl: okta.orgUrl,
      authorizationMode: "PrivateKey",
      clientId,
      scopes: "okta.sessions.read okta.sessions.manage",
      privateKey: key.privateKey,
      keyId: key.keyId,
      ...options
    })
  }))

/** The in-memory Sessions presenting OAuth tokens of 5 minutes, over the in-process token endpoint. */
const inMemoryOAuth = (config: Partial<OktaConfig.OktaConfig.Options>, org: FakeOkta.FakeOkta.Options = {}) =>
  InMemorySessions.layer.pipe(
    Layer.provideMerge(OktaAuth.layer.pipe(Layer.provide(FakeOktaAuth.layerTokenClient), Layer.provide(registeredApp(config)))),
    Layer.provideMerge(Layer.merge(FakeOkta.layer(org), FakeOktaAuth.layer({ tokenLifetime: "5 minutes" })))
  )

/** No rate limit or concurrency limit in the way of 1,000 calls at once. */
const roomy: FakeOkta.FakeOkta.Options = { rateLimits: { sessions: { limit: 1_000_000, window: "1 minute" } }, concurrencyLimit: 100_000 }

it.effect("1,000 concurrent calls across the token's expiry: one token request, no call with an expired token", () =>
  Effect.gen(function*() {
    const okta = yield* FakeOkta.FakeOkta
    const auth = yield* FakeOktaAuth.FakeOktaAuth
    const sessions = yield* Sessions.Sessions
    const [session] = yield* okta.seedSessions(1)
    yield* sessions.getSession(session!.id) // the first token, issued at t = 0 for 300 s
    expect((yield* auth.counters).tokenRequests).toBe(1)
    // 1,000 calls from t = 298.5 s to 299.499 s: the token stops being handed out at 299 s (1 s
    // before its expiry), so the later half must wait for the one renewal the first of them starts
    const calls = yield* Effect.forEach(
      Array.from({ length: 1000 }, (_, i) => i),
      (i) => Effect.fork(Effect.zipRight(Effect.sleep(Duration.millis(298_500 + i)), sessions.getSession(session!.id))),
      { concurrency: "unbounded" }
    )
    yield* TestClock.adjust("301 seconds")
    const results = yield* Effect.forEach(calls, Fiber.await)
    expect(results.filter(Exit.isFailure)).toEqual([])
    const counters = yield* auth.counters
    expect(counters.tokenRequests).toBe(2)
    expect(counters.expiredTokenUses).toBe(0)
    expect(counters.grantedCalls).toBe(1001)
    expect((yield* okta.counters).byStatus[401]).toBeUndefined()
  }).pipe(Effect.provide(inMemoryOAuth({ tokenRenewalLead: 0 }, roomy))))

it.effect("1,000 calls at one instant with no usable token share one renewal", () =>
  Effect.gen(function*() {
    const okta = yield* FakeOkta.FakeOkta
    const auth = yield* FakeOktaAuth.FakeOktaAuth
    const sessions = yield* Sessions.Sessions
    const [session] = yield* okta.seedSessions(1)
    yield* sessions.getSession(session!.id)
    // past 299 s the 300 s token is no longer handed out: every one of these calls needs the renewal
    yield* TestClock.adjust("299500 millis")
    const results = yield* Effect.forEach(
      Array.from({ length: 1000 }),
      () => Effect.exit(sessions.getSession(session!.id)),
      { concurrency: "unbounded" }
    )
    expect(results.filter(Exit.isFailure)).toEqual([])
    const counters = yield* auth.counters
    expect(counters.tokenRequests).toBe(2)
    expect(counters.expiredTokenUses).toBe(0)
  }).pipe(Effect.provide(inMemoryOAuth({ tokenRenewalLead: 0 }, roomy))))

it.effect("renewal ahead of expiry: past the jittered lead the first caller renews once, the others keep the valid token", () =>
  Effect.gen(function*() {
    const okta = yield* FakeOkta.FakeOkta
    const auth = yield* FakeOktaAuth.FakeOktaAuth
    const sessions = yield* Sessions.Sessions
    const [session] = yield* okta.seedSessions(1)
    yield* sessions.getSession(session!.id)
    // a 5-minute token with the default lead (5 minutes, at most half the lifetime, plus up to 20%):
    // renewal is due between 120 and 150 s; at 119 s no renewal yet
    yield* TestClock.adjust("119 seconds")
    yield* Effect.forEach(Array.from({ length: 100 }), () => sessions.getSession(session!.id), { concurrency: "unbounded" })
    expect((yield* auth.counters).tokenRequests).toBe(1)
    yield* TestClock.adjust("31 seconds")
    // at 150 s the renewal is due: the 1,000 calls go on with the still-valid token, one renews
    yield* Effect.forEach(Array.from({ length: 1000 }), () => sessions.getSession(session!.id), { concurrency: "unbounded" })
    // the renewal runs in the background (signing is real async work): let it make progress
    for (let turn = 0; turn < 500 && (yield* auth.counters).tokensIssued < 2; turn++) yield* settle
    expect((yield* auth.counters).tokenRequests).toBe(2)
    // the renewed token lasts to 450 s: at 299.5 s (past the first token's expiry) nothing is renewed
    yield* TestClock.adjust("149500 millis")
    yield* Effect.forEach(Array.from({ length: 100 }), () => sessions.getSession(session!.id), { concurrency: "unbounded" })
    const counters = yield* auth.counters
    expect(counters.tokenRequests).toBe(2)
    expect(counters.expiredTokenUses).toBe(0)
    expect(counters.grantedCalls).toBe(1201)
  }).pipe(Effect.provide(inMemoryOAuth({}, roomy))))

/** One turn of Node's event loop (not a timer): lets real async work (crypto) progress. */
const settle = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

const SESSIONS = 10_000

it.scoped(`keepalive of ${SESSIONS} sessions for 6 simulated hours on 5-minute tokens meets no 401`, () =>
  Effect.gen(function*() {
    const okta = yield* FakeOkta.FakeOkta
    const auth = yield* FakeOktaAuth.FakeOktaAuth
    const seeded = yield* okta.seedSessions(SESSIONS)
    const keepalive = yield* Keepalive.make({
      concurrency: 8,
      budget: { limit: 6000, interval: "1 minute", algorithm: "fixed-window" },
      share: 0.5,
      tick: "5 minutes"
    }).pipe(Effect.provide(KeepaliveStore.layerMemory))
    const failures: Array<string> = []
    const subscription = yield* keepalive.subscribe
    yield* Queue.take(subscription).pipe(
      Effect.map((event) => {
        if (event._tag === "Failed") failures.push(`${event.reason} ${event.error.message}`)
      }),
      Effect.forever,
      Effect.forkScoped
    )
    yield* keepalive.addAll(seeded)
    // minute by minute, letting the background token renewal's signing (real async work) progress
    for (let minute = 0; minute < 6 * 60; minute++) {
      yield* TestClock.adjust("1 minute")
      yield* settle
    }
    const stats = yield* keepalive.stats
    const counters = yield* okta.counters
    const oauth = yield* auth.counters
    expect(counters.byStatus[401] ?? 0).toBe(0)
    expect(oauth.expiredTokenUses).toBe(0)
    expect(failures.slice(0, 3)).toEqual([])
    expect(stats.failed).toBe(0)
    expect(stats.expired).toBe(0)
    expect(stats.refreshed).toBeGreaterThan(2 * SESSIONS)
    // 6 hours of 5-minute tokens: renewed many times, never more often than every 150 s
    expect(oauth.tokenRequests).toBeGreaterThan(30)
    expect(oauth.tokenRequests).toBeLessThanOrEqual(6 * 60 * 60 / 150 + 1)
    expect(oauth.grantedCalls).toBe(counters.requests)
  }).pipe(Effect.provide(inMemoryOAuth({}, { idleWindow: "2 hours", rateLimits: { sessions: { limit: 6000, window: "1 minute" } } }))), 120_000)

it.effect("the in-memory face checks a token's scopes as the emulator does: Forbidden E0000006 without", () =>
  Effect.gen(function*() {
    const okta = yield* FakeOkta.FakeOkta
    const sessions = yield* Sessions.Sessions
    const [session] = yield* okta.seedSessions(1)
    const got = yield* sessions.getSession(session!.id)
    expect(got.id).toBe(session!.id)
    const refused = yield* Effect.flip(sessions.refreshSession(session!.id))
    expect(refused._tag === "Forbidden" && refused.errorCode).toBe("E0000006")
  }).pipe(Effect.provide(inMemoryOAuth({ scopes: "okta.sessions.read" }))))
