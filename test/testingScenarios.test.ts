/**
 * One table of scenarios run against both faces of effect-okta-sessions/testing: the in-memory
 * `Sessions` layer, and the real client over loopback HTTP to the emulator (with fetch and with
 * undici). Every face must give the same observations. The fake's clock is the TestClock on every
 * face (the emulator's handlers run in the test's runtime), so expiry is tested without waiting;
 * only the sockets are real.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Either, Fiber, Layer, Redacted, TestClock } from "effect"
import { Session, Sessions } from "effect-okta-sessions"
import { FakeOkta, InMemorySessions, OktaEmulator } from "effect-okta-sessions/testing"

interface Context {
  readonly sessions: Sessions.Sessions.Service
  readonly okta: FakeOkta.FakeOkta.Service
  /** Records the outcome of a call, with ids replaced by labels and times made relative to the start. */
  readonly observe: <A, E>(label: string, effect: Effect.Effect<A, E>) => Effect.Effect<Either.Either<A, E>>
  /** Gives an id a label, so observations do not depend on the ids a face generated. */
  readonly name: (id: string, label: string) => void
  /** Records a value as it is (a summary the scenario made itself). */
  readonly record: (label: string, value: unknown) => Effect.Effect<void>
}

/** Waits (polling the org, in real time) until it has counted `n` requests: they are all in, on any face. */
const requestsArrived = (okta: FakeOkta.FakeOkta.Service, n: number) =>
  Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5))).pipe(
    Effect.zipRight(okta.counters),
    Effect.repeat({ until: (counters) => counters.requests >= n })
  )

/** An outcome in a word: `ok` or the error's tag and status. */
const outcome = (result: Either.Either<unknown, unknown>) =>
  Either.match(result, {
    onRight: () => "ok",
    onLeft: (error) =>
      typeof error === "object" && error !== null && "_tag" in error && "status" in error
        ? `${String(error._tag)} ${String(error.status)}`
        : String(error)
  })

interface Scenario {
  readonly name: string
  readonly org?: FakeOkta.FakeOkta.Options
  readonly run: (context: Context) => Effect.Effect<void, unknown>
  /** The observations every face must make, by label. */
  readonly expected: Record<string, unknown>
}

type Face = (org: FakeOkta.FakeOkta.Options) => Layer.Layer<Sessions.Sessions | FakeOkta.FakeOkta, unknown>

const inMemory: Face = (org) => InMemorySessions.layer.pipe(Layer.provideMerge(FakeOkta.layer(org)))

const emulator = (http: Layer.Layer<HttpClient.HttpClient>): Face => (org) =>
  OktaEmulator.layerClient({ maxRetries: 0, throttle: false }).pipe(
    Layer.provideMerge(OktaEmulator.layerWithFakeOkta(undefined, org)),
    Layer.provide(http)
  )

const faces: ReadonlyArray<readonly [string, Face]> = [
  ["in-memory", inMemory],
  ["emulator over fetch", emulator(FetchHttpClient.layer)],
  ["emulator over undici", emulator(NodeHttpClient.layerUndici)]
]

const minutes = (n: number) => Duration.toMillis(Duration.minutes(n))

/** A session as an observation: labels for ids, times relative to the scenario's start, link paths. */
const sessionView = (session: Session.Session, label: (id: string) => string, start: number) => ({
  id: label(session.id),
  userId: label(session.userId),
  login: session.login,
  status: session.status,
  createdAt: session.createdAt.epochMillis - start,
  expiresAt: session.expiresAt.epochMillis - start,
  amr: session.amr,
  idpType: session.idp?.type,
  links: Object.fromEntries(
    Object.entries(session._links ?? {}).map(([rel, link]) => [
      rel,
      typeof link === "string" ? link : label(new URL(link?.href ?? "").pathname)
    ])
  )
})

const runScenario = (scenario: Scenario, face: Face) =>
  Effect.gen(function*() {
    const sessions = yield* Sessions.Sessions
    const okta = yield* FakeOkta.FakeOkta
    const start = yield* Clock.currentTimeMillis
    const labels = new Map<string, string>()
    const label = (text: string) => {
      let out = text
      for (const [id, name] of labels) out = out.split(id).join(name)
      return out
    }
    const observations: Record<string, unknown> = {}
    /** Ids no scenario named get a label in order of appearance. */
    const autoName = (id: string) => {
      if (!labels.has(id)) labels.set(id, `#${labels.size + 1}`)
    }
    const observe: Context["observe"] = (name, effect) =>
      Effect.tap(Effect.either(effect), (result) => {
        observations[name] = Either.match(result, {
          onRight: (value) => {
            if (!(value instanceof Session.Session)) return "ok"
            autoName(value.id)
            autoName(value.userId)
            return sessionView(value, label, start)
          },
          onLeft: (error) =>
            typeof error === "object" && error !== null && "_tag" in error
              ? {
                error: error._tag,
                status: "status" in error ? error.status : undefined,
                errorCode: "errorCode" in error ? error.errorCode : undefined,
                errorSummary: "errorSummary" in error && typeof error.errorSummary === "string"
                  ? label(error.errorSummary)
                  : undefined,
                rateLimit: "rateLimit" in error && typeof error.rateLimit === "object" && error.rateLimit !== null
                  ? { limit: Reflect.get(error.rateLimit, "limit"), remaining: Reflect.get(error.rateLimit, "remaining") }
                  : undefined
              }
              : { defect: String(error) }
        })
      })
    const record: Context["record"] = (name, value) =>
      Effect.sync(() => {
        observations[name] = value
      })
    yield* scenario.run({ sessions, okta, observe, record, name: (id, name) => labels.set(id, name) })
    return observations
  }).pipe(Effect.provide(face(scenario.org ?? {})))

const scenarios: ReadonlyArray<Scenario> = [
  {
    name: "create from a session token, get, refresh later, revoke, then 404",
    run: ({ name, observe, okta, sessions }) =>
      Effect.gen(function*() {
        const user = yield* okta.createUser({ login: "ada@example.com" })
        name(user.id, "ada")
        const token = yield* okta.issueSessionToken(user.id)
        const created = yield* sessions.createSession(token)
        name(created.id, "s1")
        yield* observe("create", Effect.succeed(created))
        yield* observe("get", sessions.getSession(created.id))
        yield* TestClock.adjust(Duration.minutes(30))
        yield* observe("refresh after 30 min", sessions.refreshSession(created.id))
        yield* observe("revoke", sessions.revokeSession(created.id))
        yield* observe("get after revoke", sessions.getSession(created.id))
        yield* observe("refresh after revoke", sessions.refreshSession(created.id))
        yield* observe("revoke again", sessions.revokeSession(created.id))
      }),
    expected: {
      create: {
        id: "s1",
        userId: "ada",
        login: "ada@example.com",
        status: "ACTIVE",
        createdAt: 0,
        expiresAt: minutes(120),
        amr: ["pwd"],
        idpType: "OKTA",
        links: { self: "/api/v1/sessions/s1", refresh: "/api/v1/sessions/s1/lifecycle/refresh", user: "/api/v1/users/ada" }
      },
      get: expect.objectContaining({ id: "s1", expiresAt: minutes(120) }),
      "refresh after 30 min": expect.objectContaining({ id: "s1", createdAt: 0, expiresAt: minutes(150) }),
      revoke: "ok",
      "get after revoke": expect.objectContaining({
        error: "NotFound",
        status: 404,
        errorCode: "E0000007",
        errorSummary: "Not found: Resource not found: s1 (Session)"
      }),
      "refresh after revoke": expect.objectContaining({ error: "NotFound", status: 404 }),
      "revoke again": expect.objectContaining({ error: "NotFound", status: 404 })
    }
  },
  {
    name: "a session token is single-use, expires, and must not be empty",
    run: ({ observe, okta, sessions }) =>
      Effect.gen(function*() {
        const user = yield* okta.createUser()
        const token = yield* okta.issueSessionToken(user.id)
        yield* observe("first use", Effect.asVoid(sessions.createSession(token)))
        yield* observe("second use", sessions.createSession(token))
        const late = yield* okta.issueSessionToken(user.id, { lifetime: "1 minute" })
        yield* TestClock.adjust(Duration.minutes(1))
        yield* observe("expired token", sessions.createSession(late))
        yield* observe("unknown token", sessions.createSession(Redacted.make("20111nothing")))
        yield* observe("empty token", sessions.createSession(Redacted.make("")))
      }),
    expected: {
      "first use": "ok",
      "second use": expect.objectContaining({ error: "Unauthorized", status: 401, errorCode: "E0000011" }),
      "expired token": expect.objectContaining({ error: "Unauthorized", status: 401, errorCode: "E0000011" }),
      "unknown token": expect.objectContaining({ error: "Unauthorized", status: 401 }),
      "empty token": expect.objectContaining({ error: "BadRequest", status: 400, errorCode: "E0000001" })
    }
  },
  {
    name: "a session expires after the idle window, on the clock",
    run: ({ name, observe, okta, sessions }) =>
      Effect.gen(function*() {
        const [seeded] = yield* okta.seedSessions(1)
        const id = seeded!.id
        name(id, "s1")
        yield* TestClock.adjust(Duration.minutes(119))
        yield* observe("at 119 min", sessions.getSession(id))
        yield* TestClock.adjust(Duration.minutes(1))
        yield* observe("at 120 min", sessions.getSession(id))
        yield* observe("refresh at 120 min", sessions.refreshSession(id))
      }),
    expected: {
      "at 119 min": expect.objectContaining({ id: "s1", expiresAt: minutes(120) }),
      "at 120 min": expect.objectContaining({ error: "NotFound", status: 404, errorCode: "E0000007" }),
      "refresh at 120 min": expect.objectContaining({ error: "NotFound", status: 404 })
    }
  },
  {
    name: "refresh is capped at the maximum lifetime, and a short idle window is honoured",
    org: { idleWindow: "2 minutes", maxLifetime: "5 minutes" },
    run: ({ name, observe, okta, sessions }) =>
      Effect.gen(function*() {
        const [seeded] = yield* okta.seedSessions(1)
        name(seeded!.id, "s1")
        name(seeded!.userId, "u1")
        yield* TestClock.adjust(Duration.minutes(1))
        yield* observe("refresh at 1 min", sessions.refreshSession(seeded!.id))
        yield* TestClock.adjust(Duration.seconds(90))
        yield* observe("refresh at 2.5 min", sessions.refreshSession(seeded!.id))
        yield* TestClock.adjust(Duration.minutes(1))
        yield* observe("refresh at 3.5 min", sessions.refreshSession(seeded!.id))
        yield* TestClock.adjust(Duration.seconds(90))
        yield* observe("get at 5 min", sessions.getSession(seeded!.id))
      }),
    expected: {
      "refresh at 1 min": expect.objectContaining({ expiresAt: minutes(3) }),
      "refresh at 2.5 min": expect.objectContaining({ expiresAt: minutes(4.5) }),
      "refresh at 3.5 min": expect.objectContaining({ expiresAt: minutes(5) }),
      "get at 5 min": expect.objectContaining({ error: "NotFound", status: 404 })
    }
  },
  {
    name: "revoked behind the client's back",
    run: ({ name, observe, okta, sessions }) =>
      Effect.gen(function*() {
        const [a, b] = yield* okta.seedSessions(2)
        name(a!.id, "a")
        name(b!.id, "b")
        expect(yield* okta.revokeSession(a!.id)).toBe(true)
        expect(yield* okta.revokeSession(a!.id)).toBe(false)
        yield* observe("get a", sessions.getSession(a!.id))
        yield* observe("refresh a", sessions.refreshSession(a!.id))
        yield* observe("refresh b", Effect.asVoid(sessions.refreshSession(b!.id)))
        expect(yield* okta.revokeUserSessions(b!.userId)).toBe(1)
        yield* observe("refresh b after its user's sessions were revoked", sessions.refreshSession(b!.id))
        expect(yield* okta.activeSessionCount).toBe(0)
      }),
    expected: {
      "get a": expect.objectContaining({ error: "NotFound", errorSummary: "Not found: Resource not found: a (Session)" }),
      "refresh a": expect.objectContaining({ error: "NotFound", status: 404 }),
      "refresh b": "ok",
      "refresh b after its user's sessions were revoked": expect.objectContaining({ error: "NotFound", status: 404 })
    }
  },
  {
    name: "/me by the sid or idx cookie: get, refresh, close",
    run: ({ name, observe, okta, sessions }) =>
      Effect.gen(function*() {
        const [seeded, other] = yield* okta.seedSessions(2)
        name(seeded!.id, "s1")
        name(seeded!.userId, "u1")
        yield* observe("get me", sessions.getCurrentSession(FakeOkta.cookieFor(seeded!.id)))
        yield* TestClock.adjust(Duration.minutes(10))
        yield* observe("refresh me by idx", sessions.refreshCurrentSession(FakeOkta.cookieFor(seeded!.id, "idx")))
        yield* observe("close me", sessions.closeCurrentSession(FakeOkta.cookieFor(seeded!.id)))
        yield* observe("get me after close", sessions.getCurrentSession(FakeOkta.cookieFor(seeded!.id)))
        yield* observe("get by id after close", sessions.getSession(seeded!.id))
        yield* observe(
          "unknown cookie",
          sessions.getCurrentSession(FakeOkta.cookieFor(Session.SessionId.make("102nothing")))
        )
        yield* observe("other session untouched", Effect.asVoid(sessions.getSession(other!.id)))
      }),
    expected: {
      "get me": expect.objectContaining({
        id: "s1",
        links: { self: "/api/v1/sessions/me", refresh: "/api/v1/sessions/me/lifecycle/refresh", user: "/api/v1/users/me" }
      }),
      "refresh me by idx": expect.objectContaining({ id: "s1", expiresAt: minutes(130) }),
      "close me": "ok",
      "get me after close": expect.objectContaining({
        error: "NotFound",
        status: 404,
        errorSummary: "Not found: Resource not found: me (Session)"
      }),
      "get by id after close": expect.objectContaining({ error: "NotFound", status: 404 }),
      "unknown cookie": expect.objectContaining({ error: "NotFound", status: 404 }),
      "other session untouched": "ok"
    }
  },
  {
    name: "revoke every session of a user, and only theirs",
    run: ({ name, observe, okta, sessions }) =>
      Effect.gen(function*() {
        const user = yield* okta.createUser()
        name(user.id, "u1")
        const first = yield* okta.startSession(user.id)
        const second = yield* okta.startSession(user.id)
        const [bystander] = yield* okta.seedSessions(1)
        name(first.id, "first")
        name(second.id, "second")
        yield* observe("revoke user", sessions.revokeUserSessions(user.id, { oauthTokens: true, forgetDevices: false }))
        yield* observe("first", sessions.getSession(first.id).pipe(Effect.asVoid))
        yield* observe("second", sessions.getSession(second.id).pipe(Effect.asVoid))
        yield* observe("bystander", sessions.getSession(bystander!.id).pipe(Effect.asVoid))
        yield* observe("revoke user again (no sessions left)", sessions.revokeUserSessions(user.id))
        yield* observe("unknown user", sessions.revokeUserSessions(Session.UserId.make("00unobody")))
      }),
    expected: {
      "revoke user": "ok",
      first: expect.objectContaining({ error: "NotFound", errorSummary: "Not found: Resource not found: first (Session)" }),
      second: expect.objectContaining({ error: "NotFound", errorSummary: "Not found: Resource not found: second (Session)" }),
      bystander: "ok",
      "revoke user again (no sessions left)": "ok",
      "unknown user": expect.objectContaining({
        error: "NotFound",
        errorSummary: "Not found: Resource not found: 00unobody (User)"
      })
    }
  },
  {
    name: "rate-limit windows per family, with the window's fields on the 429",
    org: { rateLimits: { sessions: { limit: 2, window: "10 seconds" }, users: { limit: 1, window: "10 seconds" } } },
    run: ({ name, observe, okta, sessions }) =>
      Effect.gen(function*() {
        const [seeded] = yield* okta.seedSessions(1)
        name(seeded!.id, "s1")
        yield* observe("1st", Effect.asVoid(sessions.getSession(seeded!.id)))
        yield* observe("2nd", Effect.asVoid(sessions.refreshSession(seeded!.id)))
        yield* observe("3rd", sessions.getSession(seeded!.id))
        yield* observe("/me in a spent window", sessions.getCurrentSession(FakeOkta.cookieFor(seeded!.id)))
        yield* observe("users family has its own window", sessions.revokeUserSessions(seeded!.userId))
        yield* TestClock.adjust(Duration.seconds(10))
        yield* observe("next window", sessions.getSession(seeded!.id).pipe(Effect.asVoid))
        const counters = yield* okta.counters
        expect(counters.tooManyRequests).toBe(2)
        expect(counters.byStatus[429]).toBe(2)
      }),
    expected: {
      "1st": "ok",
      "2nd": "ok",
      "3rd": expect.objectContaining({
        error: "TooManyRequests",
        status: 429,
        errorCode: "E0000047",
        rateLimit: { limit: 2, remaining: 0 }
      }),
      "/me in a spent window": expect.objectContaining({ error: "UnexpectedStatus", status: 429, errorCode: "E0000047" }),
      "users family has its own window": "ok",
      // the revoke above removed the session: the new window lets the call through to a 404
      "next window": expect.objectContaining({ error: "NotFound", status: 404 })
    }
  },
  {
    name: "latency on the TestClock and the concurrent-request limit: two wait, the third is refused at once",
    org: { concurrencyLimit: 2 },
    run: ({ okta, record, sessions }) =>
      Effect.gen(function*() {
        const [seeded] = yield* okta.seedSessions(1)
        yield* okta.setFaults({ latencyMillis: 1_000 })
        const fiber = yield* Effect.fork(
          Effect.all([1, 2, 3].map(() => Effect.either(sessions.getSession(seeded!.id))), { concurrency: "unbounded" })
        )
        yield* requestsArrived(okta, 3)
        yield* record("answered before the latency has passed", (yield* okta.counters).byStatus)
        yield* TestClock.adjust(Duration.millis(999))
        yield* record("answered at 999 ms", (yield* okta.counters).byStatus)
        yield* TestClock.adjust(Duration.millis(1))
        const results = yield* Fiber.join(fiber)
        yield* record("outcomes", results.map(outcome).sort())
        const counters = yield* okta.counters
        yield* record("counters", [counters.concurrencyRejections, counters.maxInFlight, counters.tooManyRequests])
        yield* okta.clearFaults
        yield* record("after, a slot is free", outcome(yield* Effect.either(sessions.getSession(seeded!.id))))
      }),
    expected: {
      "answered before the latency has passed": { 429: 1 },
      "answered at 999 ms": { 429: 1 },
      outcomes: ["TooManyRequests 429", "ok", "ok"],
      counters: [1, 2, 1],
      "after, a slot is free": "ok"
    }
  },
  {
    name: "5xx from a proxy carry no body; a 500 carries Okta's E0000009",
    run: ({ observe, okta, sessions }) =>
      Effect.gen(function*() {
        const [seeded] = yield* okta.seedSessions(1)
        for (const status of [502, 503, 504, 500] as const) {
          yield* okta.setFaults({ serverErrorRate: 1, serverErrorStatuses: [status] })
          yield* observe(`${status}`, sessions.refreshSession(seeded!.id))
        }
        yield* okta.clearFaults
        // nothing was carried out: the session still expires at two hours
        yield* observe("after", sessions.getSession(seeded!.id))
      }),
    expected: {
      "502": { error: "ServerError", status: 502, errorCode: undefined, errorSummary: undefined, rateLimit: undefined },
      "503": { error: "ServerError", status: 503, errorCode: undefined, errorSummary: undefined, rateLimit: undefined },
      "504": { error: "ServerError", status: 504, errorCode: undefined, errorSummary: undefined, rateLimit: undefined },
      "500": expect.objectContaining({ error: "ServerError", status: 500, errorCode: "E0000009" }),
      after: expect.objectContaining({ expiresAt: minutes(120) })
    }
  },
  {
    name: "a new idle window applies from the next refresh; a session already issued keeps its expiry",
    run: ({ name, observe, okta, sessions }) =>
      Effect.gen(function*() {
        const [a, b] = yield* okta.seedSessions(2)
        name(a!.id, "a")
        name(b!.id, "b")
        yield* okta.setIdleWindow("10 minutes")
        yield* TestClock.adjust(Duration.minutes(5))
        yield* observe("b untouched", sessions.getSession(b!.id))
        yield* observe("a refreshed at 5 min", sessions.refreshSession(a!.id))
        yield* TestClock.adjust(Duration.minutes(10))
        yield* observe("a at 15 min", sessions.getSession(a!.id))
        yield* observe("b at 15 min", sessions.getSession(b!.id).pipe(Effect.asVoid))
      }),
    expected: {
      "b untouched": expect.objectContaining({ id: "b", expiresAt: minutes(120) }),
      "a refreshed at 5 min": expect.objectContaining({ id: "a", expiresAt: minutes(15) }),
      "a at 15 min": expect.objectContaining({ error: "NotFound", status: 404 }),
      "b at 15 min": "ok"
    }
  },
  {
    name: "fault knobs shared by both faces: 500s and forced 429s",
    run: ({ observe, okta, sessions }) =>
      Effect.gen(function*() {
        const [seeded] = yield* okta.seedSessions(1)
        yield* okta.setFaults({ serverErrorRate: 1, serverErrorStatuses: [500] })
        yield* observe("500", sessions.refreshSession(seeded!.id))
        yield* okta.setFaults({ serverErrorRate: 0, tooManyRequestsRate: 1 })
        yield* observe("forced 429", sessions.getSession(seeded!.id))
        yield* okta.clearFaults
        yield* observe("after clearing", Effect.asVoid(sessions.getSession(seeded!.id)))
        const refused = yield* Effect.flip(okta.setFaults({ serverErrorRate: 2 }))
        expect(refused).toMatchObject({ _tag: "InvalidOptions", module: "FakeOkta", option: "faults.serverErrorRate" })
      }),
    expected: {
      "500": expect.objectContaining({ error: "ServerError", status: 500, errorCode: "E0000009" }),
      "forced 429": expect.objectContaining({ error: "TooManyRequests", status: 429, rateLimit: { limit: 600, remaining: 0 } }),
      "after clearing": "ok"
    }
  }
]

describe("effect-okta-sessions/testing: one table of scenarios on every face", () => {
  for (const scenario of scenarios) {
    it.effect(scenario.name, () =>
      Effect.gen(function*() {
        const results: Array<readonly [string, Record<string, unknown>]> = []
        for (const [faceName, face] of faces) {
          results.push([faceName, yield* runScenario(scenario, face)])
        }
        const [, reference] = results[0]!
        expect(reference).toEqual(scenario.expected)
        for (const [faceName, observations] of results.slice(1)) {
          expect({ face: faceName, observations }).toEqual({ face: faceName, observations: reference })
        }
      }))
  }
})
