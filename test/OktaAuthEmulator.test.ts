/**
 * OAuth 2.0 over loopback HTTP against the emulator: private-key client credentials with RS256 and
 * ES256 keys, DPoP with the nonce exchange on the token endpoint and on API calls, scopes, a revoked
 * key, a stale token renewed and replayed once, the PrivateKey settings, and a leak test.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Exit, Layer, Logger, LogLevel, Option, Redacted, Schedule, Tracer } from "effect"
import { OktaConfig, Sessions } from "effect-okta-sessions"
import { FakeOkta, FakeOktaAuth, OktaEmulator } from "effect-okta-sessions/testing"

const clientId = "0oa-emulator-test"
const allScopes = ["okta.sessions.read", "okta.sessions.manage", "okta.users.manage"]

interface App {
  readonly algorithm: "RS256" | "ES256"
  /** Scopes the app is granted in the org. Default all three. */
  readonly granted?: ReadonlyArray<string>
  /** Scopes the client asks for. Default the granted ones. */
  readonly scopes?: ReadonlyArray<string>
  readonly dpop?: boolean
}

/** What the client sent, header by header, as the test's HttpClient saw it. */
interface Sent {
  readonly url: string
  readonly authorization: string | undefined
  readonly dpop: string | undefined
  /** The client assertion of a token request. */
  readonly assertion: string | undefined
}

/**
 * Registers an app with the emulator's authorization server and builds the real `Sessions` client
 * for it (PrivateKey mode, over fetch, recording every request it sends).
 */
const appOnEmulator = (app: App, extra: Partial<OktaConfig.OktaConfig.Options> = {}) =>
  Effect.gen(function*() {
    const emulator = yield* OktaEmulator.OktaEmulator
    const auth = yield* FakeOktaAuth.FakeOktaAuth
    const okta = yield* FakeOkta.FakeOkta
    const key = yield* FakeOktaAuth.generateClientKey(app.algorithm)
    const granted = app.granted ?? allScopes
    yield* auth.registerClient({ clientId, publicKey: key.publicJwk, keyId: key.keyId, scopes: granted, requireDpop: app.dpop ?? false })
    const sent: Array<Sent> = []
    const recording = Layer.effect(
      HttpClient.HttpClient,
      Effect.map(HttpClient.HttpClient, (client) =>
        HttpClient.tapRequest(client, (request) =>
          Effect.sync(() =>
            sent.push({
              url: request.url,
              authorization: request.headers["authorization"],
              dpop: request.headers["dpop"],
              assertion: request.body._tag === "Uint8Array"
                ? new URLSearchParams(new TextDecoder().decode(request.body.body)).get("client_assertion") ?? undefined
                : undefined
            }))))
    ).pipe(Layer.provide(FetchHttpClient.layer))
    const context = yield* Layer.build(
      Sessions.layer.pipe(
        Layer.provide(OktaConfig.layer({
          orgUrl: emulator.url,
          authorizationMode: "PrivateKey",
          clientId,
          scopes: app.scopes ?? granted,
          privateKey: key.privateKey,
          keyId: key.keyId,
          dpop: app.dpop ?? false,
          ...extra
        })),
        Layer.provide(recording)
      )
    )
    const [session] = yield* okta.seedSessions(1)
    return { sessions: Context.get(context, Sessions.Sessions), auth, okta, key, sent, session: session! }
  })

const emulatorWithAuth = (options?: FakeOktaAuth.FakeOktaAuth.Options) =>
  OktaEmulator.layer().pipe(Layer.provideMerge(Layer.merge(FakeOkta.layer(), FakeOktaAuth.layer(options))))

const tokenUrlOf = (sent: Sent) => sent.url.endsWith("/oauth2/v1/token")

describe("OktaAuth over HTTP against the emulator", () => {
  for (const algorithm of ["RS256", "ES256"] as const) {
    it.scoped(`${algorithm} client assertion: one token for many calls, sent as Bearer`, () =>
      Effect.gen(function*() {
        const { auth, sent, session, sessions } = yield* appOnEmulator({ algorithm })
        const got = yield* sessions.getSession(session.id)
        expect(got.id).toBe(session.id)
        yield* sessions.refreshSession(session.id)
        yield* sessions.getSession(session.id)
        const counters = yield* auth.counters
        expect(counters.tokenRequests).toBe(1)
        expect(counters.grantedCalls).toBe(3)
        const api = sent.filter((request) => !tokenUrlOf(request))
        expect(api).toHaveLength(3)
        expect(api.every((request) => /^Bearer oat\.\S+$/.test(request.authorization ?? ""))).toBe(true)
        expect(api.every((request) => request.dpop === undefined)).toBe(true)
      }).pipe(Effect.provide(emulatorWithAuth())))
  }

  it.scoped("the token request's span is a child of the call's Sessions span", () =>
    Effect.gen(function*() {
      const { session, sessions } = yield* appOnEmulator({ algorithm: "ES256" })
      const spans: Array<{ readonly name: string; readonly parent: string }> = []
      const native = yield* Effect.tracer
      const tracer = Tracer.make({
        span: (name, parent, context, links, startTime, kind, options) => {
          spans.push({ name, parent: Option.match(parent, { onNone: () => "none", onSome: (span) => span._tag === "Span" ? span.name : "external" }) })
          return native.span(name, parent, context, links, startTime, kind, options)
        },
        context: (f) => f()
      })
      yield* sessions.getSession(session.id).pipe(Effect.withTracer(tracer))
      expect(spans.find((span) => span.name === "OktaAuth.requestToken")?.parent).toBe("Sessions.getSession")
    }).pipe(Effect.provide(emulatorWithAuth())))

  it.scoped("DPoP: the nonce exchange on the token endpoint and on an API call, a bound token, a proof per call", () =>
    Effect.gen(function*() {
      const { auth, sent, session, sessions } = yield* appOnEmulator({ algorithm: "RS256", dpop: true })
      yield* sessions.getSession(session.id)
      let counters = yield* auth.counters
      // token endpoint: without a nonce (400 use_dpop_nonce), then with it; API: the same once more
      expect(counters.tokenErrors["use_dpop_nonce"]).toBe(1)
      expect(counters.tokensIssued).toBe(1)
      expect(counters.nonceChallenges).toBe(2)
      expect(sent.map((request) => tokenUrlOf(request) ? "token" : "api")).toEqual(["token", "token", "api", "api"])
      const api = sent.filter((request) => !tokenUrlOf(request))
      expect(api.every((request) => /^DPoP oat\.\S+$/.test(request.authorization ?? ""))).toBe(true)
      // a new proof per request (fresh jti), for the same bound token
      expect(new Set(api.map((request) => request.dpop)).size).toBe(api.length)
      // the latest nonce is kept: the next calls need no exchange
      yield* sessions.refreshSession(session.id)
      yield* sessions.getSession(session.id)
      counters = yield* auth.counters
      expect(counters.nonceChallenges).toBe(2)
      expect(counters.grantedCalls).toBe(3)
      // a new nonce on the server: one more exchange on the next API call, no new token
      yield* auth.rotateDpopNonces
      yield* sessions.getSession(session.id)
      counters = yield* auth.counters
      expect(counters.nonceChallenges).toBe(3)
      expect(counters.tokenRequests).toBe(2)
    }).pipe(Effect.provide(emulatorWithAuth())))

  it.scoped("an app that requires DPoP refuses a token request without a proof (typed, not retried)", () =>
    Effect.gen(function*() {
      const { auth, session, sessions } = yield* appOnEmulator({ algorithm: "ES256", dpop: false })
      yield* auth.registerClient({ clientId, publicKey: (yield* FakeOktaAuth.generateClientKey("ES256")).publicJwk, keyId: "other", scopes: [], requireDpop: true })
      const error = yield* Effect.flip(sessions.getSession(session.id))
      expect(error._tag).toBe("TokenError")
      expect(error._tag === "TokenError" && error.error).toBe("invalid_dpop_proof")
      expect((yield* auth.counters).tokenRequests).toBe(1)
    }).pipe(Effect.provide(emulatorWithAuth())))

  it.scoped("a token without the operation's scope gets Forbidden (403 E0000006); with it, the call works", () =>
    Effect.gen(function*() {
      const { okta, session, sessions } = yield* appOnEmulator({ algorithm: "ES256", scopes: ["okta.sessions.read"] })
      const got = yield* sessions.getSession(session.id)
      expect(got.id).toBe(session.id)
      const refused = yield* Effect.flip(sessions.refreshSession(session.id))
      expect(refused._tag).toBe("Forbidden")
      expect(refused._tag === "Forbidden" && refused.errorCode).toBe("E0000006")
      const revokeUser = yield* Effect.flip(sessions.revokeUserSessions(session.userId))
      expect(revokeUser._tag).toBe("Forbidden")
      expect((yield* okta.counters).byStatus[403]).toBe(2)
    }).pipe(Effect.provide(emulatorWithAuth())))

  it.scoped("asking for a scope the app is not granted: TokenError invalid_scope", () =>
    Effect.gen(function*() {
      const { session, sessions } = yield* appOnEmulator({ algorithm: "ES256", granted: ["okta.sessions.read"], scopes: allScopes })
      const error = yield* Effect.flip(sessions.getSession(session.id))
      expect(error._tag === "TokenError" && error.error).toBe("invalid_scope")
      expect(error._tag === "TokenError" && error.status).toBe(400)
    }).pipe(Effect.provide(emulatorWithAuth())))

  it.scoped("a revoked client key: a typed invalid_client error, one token request per call, no retry loop", () =>
    Effect.gen(function*() {
      const { auth, key, session, sessions } = yield* appOnEmulator({ algorithm: "RS256" }, { maxRetries: 2 })
      yield* auth.revokeClientKey(clientId, key.keyId)
      const first = yield* Effect.flip(sessions.getSession(session.id))
      expect(first._tag).toBe("TokenError")
      expect(first._tag === "TokenError" && first.error).toBe("invalid_client")
      expect(first._tag === "TokenError" && first.status).toBe(401)
      expect((yield* auth.counters).tokenRequests).toBe(1)
      yield* Effect.flip(sessions.getSession(session.id))
      expect((yield* auth.counters).tokenRequests).toBe(2)
    }).pipe(Effect.provide(emulatorWithAuth())))

  it.scoped("a 401 to a stale token: renewed once and the call replayed once", () =>
    Effect.gen(function*() {
      const { auth, okta, session, sessions } = yield* appOnEmulator({ algorithm: "ES256" })
      yield* sessions.getSession(session.id)
      yield* auth.revokeAccessTokens
      const got = yield* sessions.getSession(session.id)
      expect(got.id).toBe(session.id)
      expect((yield* auth.counters).tokenRequests).toBe(2)
      expect((yield* okta.counters).byStatus[401]).toBe(1)
      expect((yield* okta.counters).byOperation.getSession).toBe(3)
    }).pipe(Effect.provide(emulatorWithAuth())))
})

describe("OktaConfig PrivateKey settings", () => {
  const pem = Effect.map(FakeOktaAuth.generateClientKey("ES256"), (key) => key.privateKey)
  const failure = (options: OktaConfig.OktaConfig.Options) =>
    Effect.map(Effect.exit(OktaConfig.make(options)), (exit) => Exit.isFailure(exit) ? String(exit.cause) : "no failure")

  it.effect("a missing client id, no scopes or a key that cannot be read fail naming the setting, never quoting the key", () =>
    Effect.gen(function*() {
      const privateKey = yield* pem
      const base = { orgUrl: "https://dev-1.okta.com", authorizationMode: "PrivateKey" as const, clientId, scopes: "okta.sessions.read", privateKey }
      expect(yield* failure({ ...base, clientId: " " })).toContain("OKTA_CLIENT_CLIENTID")
      expect(yield* failure({ ...base, scopes: " , " })).toContain("OKTA_CLIENT_SCOPES")
      const lines = Redacted.value(privateKey).trim().split("\n")
      const broken = Redacted.make([lines[0], "QUJDREVGR0g=", lines[lines.length - 1]].join("\n"))
      const bad = yield* failure({ ...base, privateKey: broken })
      expect(bad).toContain("OKTA_CLIENT_PRIVATEKEY")
      expect(bad).not.toContain("PRIVATE KEY")
      expect(yield* failure({ ...base, privateKey: Redacted.make("{\"kty\":\"oct\",\"k\":\"abc\"}") })).toContain("OKTA_CLIENT_PRIVATEKEY")
      const config = yield* OktaConfig.make(base)
      expect(config.credential._tag).toBe("PrivateKey")
      expect(JSON.stringify(config)).not.toContain(Redacted.value(privateKey).slice(40, 80))
    }))

  it.effect("read from the environment names of the official SDKs through Config", () =>
    Effect.gen(function*() {
      const privateKey = yield* pem
      const provider = ConfigProvider.fromMap(new Map([
        ["OKTA_CLIENT_ORGURL", "https://dev-1.okta.com"],
        ["OKTA_CLIENT_AUTHORIZATIONMODE", "PrivateKey"],
        ["OKTA_CLIENT_CLIENTID", clientId],
        ["OKTA_CLIENT_SCOPES", "okta.sessions.read,okta.sessions.manage"],
        ["OKTA_CLIENT_PRIVATEKEY", Redacted.value(privateKey)],
        ["OKTA_CLIENT_KEYID", "kid-1"],
        ["OKTA_CLIENT_DPOP", "true"]
      ]))
      const config = yield* OktaConfig.OktaConfig.pipe(
        Effect.provide(OktaConfig.layerConfig()),
        Effect.withConfigProvider(provider)
      )
      expect(config.authorizationMode).toBe("PrivateKey")
      expect(config.credential._tag === "PrivateKey" && config.credential.settings.scopes).toEqual(["okta.sessions.read", "okta.sessions.manage"])
      expect(config.credential._tag === "PrivateKey" && config.credential.settings.keyId).toBe("kid-1")
      expect(config.credential._tag === "PrivateKey" && config.credential.settings.dpop._tag).toBe("Some")
      expect(config.credential._tag === "PrivateKey" && config.credential.settings.tokenUrl).toBe("https://dev-1.okta.com/oauth2/v1/token")
    }))
})

/** A tracer that keeps every span's name and attributes. */
const recordingTracer = (spans: Array<{ readonly name: string; readonly attributes: ReadonlyMap<string, unknown> }>) =>
  Tracer.make({
    span: (name, parent, context, links, _startTime, kind) => {
      const attributes = new Map<string, unknown>()
      spans.push({ name, attributes })
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: `span${spans.length}`,
        traceId: "trace",
        parent,
        context,
        status: { _tag: "Started", startTime: 0n },
        attributes,
        links,
        sampled: true,
        kind,
        end: () => undefined,
        attribute: (key, value) => {
          attributes.set(key, value)
        },
        event: (eventName, _time, eventAttributes) => {
          attributes.set(`event:${eventName}`, eventAttributes)
        },
        addLinks: () => undefined
      }
      return span
    },
    context: (f) => f()
  })

it.scoped("leak test: the private key, the token, the assertion and the proofs appear in no error, log line or span", () =>
  Effect.gen(function*() {
    const spans: Array<{ readonly name: string; readonly attributes: ReadonlyMap<string, unknown> }> = []
    const logs: Array<string> = []
    const logger = Logger.make(({ annotations, cause, logLevel, message }) => {
      logs.push(`${logLevel.label} ${JSON.stringify(message)} ${String(cause)} ${JSON.stringify([...annotations])}`)
    })
    const errors: Array<unknown> = []
    const capture = <A, E>(effect: Effect.Effect<A, E>) =>
      Effect.catchAll(effect, (error) => Effect.sync(() => void errors.push(error)))

    const { auth, key, okta, sent, session, sessions } = yield* appOnEmulator(
      { algorithm: "ES256", dpop: true, scopes: ["okta.sessions.read"] },
      { maxRetries: 1, transientRetry: Schedule.recurs(1) }
    )
    const run = Effect.gen(function*() {
      yield* capture(sessions.getSession(session.id)) // token + API nonce exchanges
      yield* capture(sessions.refreshSession(session.id)) // Forbidden
      yield* auth.revokeAccessTokens
      yield* capture(sessions.getSession(session.id)) // 401, renewed, replayed
      yield* auth.rotateDpopNonces
      yield* okta.setFaults({ serverErrorRate: 1, serverErrorStatuses: [503] })
      yield* capture(sessions.getSession(session.id)) // retried 503
      yield* okta.clearFaults
      yield* auth.revokeAccessTokens
      yield* auth.revokeClientKey(clientId, key.keyId)
      yield* capture(sessions.getSession(session.id)) // 401, renewal refused: invalid_client
    })
    yield* run.pipe(
      Effect.withTracer(recordingTracer(spans)),
      Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
      Logger.withMinimumLogLevel(LogLevel.Debug)
    )

    const assertions = sent.flatMap((request) => request.assertion === undefined ? [] : [request.assertion])
    const tokens = new Set(sent.flatMap((request) => /^(?:DPoP|Bearer) (\S+)$/.exec(request.authorization ?? "")?.slice(1) ?? []))
    const proofs = sent.flatMap((request) => request.dpop === undefined ? [] : [request.dpop])
    const pemBody = Redacted.value(key.privateKey).split("\n").slice(1, -2).join("")
    const secrets = [
      ...[...tokens],
      ...proofs,
      ...assertions,
      ...assertions.map((assertion) => assertion.split(".")[2] ?? ""),
      ...proofs.map((proof) => proof.split(".")[2] ?? ""), // the signatures alone
      pemBody.slice(0, 40),
      pemBody.slice(-40)
    ].filter((secret) => secret.length >= 20)
    // the run did what it says: tokens and proofs were sent, errors and spans recorded
    expect(tokens.size).toBeGreaterThanOrEqual(2)
    expect([...tokens].every((token) => token.startsWith("LEAKCANARY."))).toBe(true)
    expect(proofs.length).toBeGreaterThanOrEqual(6)
    expect(assertions.length).toBeGreaterThanOrEqual(3)
    expect(errors.map((error) => typeof error === "object" && error !== null && "_tag" in error ? error._tag : undefined)).toEqual(["Forbidden", "ServerError", "TokenError"])
    expect(spans.some((span) => span.name === "OktaAuth.requestToken")).toBe(true)
    expect(logs.some((line) => line.includes("renewing it and replaying"))).toBe(true)

    const haystacks = [
      ...errors.flatMap((error) => [String(error), JSON.stringify(error), error instanceof Error ? `${error.message} ${error.stack ?? ""}` : ""]),
      ...logs,
      ...spans.map((span) => `${span.name} ${JSON.stringify([...span.attributes])}`)
    ]
    const leaks = secrets.filter((secret) => haystacks.some((text) => text.includes(secret)))
    expect(leaks).toEqual([])
  }).pipe(Effect.provide(emulatorWithAuth({ tokenPrefix: "LEAKCANARY." }))))
