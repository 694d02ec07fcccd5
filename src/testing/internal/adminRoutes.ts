/**
 * The emulator's admin routes (never on Okta): the fault knobs, the counters, seeding, users and
 * session tokens, and revoking behind the client's back. They need the API token, are not counted
 * and not rate-limited; bad input answers 400 with what was wrong.
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { InvalidOptions } from "../../InvalidOptions.js"
import { type Session, SessionId, UserId } from "../../Session.js"
import { credentialOf } from "./credential.js"
import { type FakeOktaService, UnknownUser } from "./fakeOktaService.js"
import { FaultSettings } from "./faults.js"
import { sessionJson } from "./wireFormat.js"
import type { makeStamp } from "./wireReply.js"

const SeedBody = Schema.parseJson(Schema.Struct({ count: Schema.Int.pipe(Schema.between(0, 1_000_000)) }))
const UserBody = Schema.parseJson(Schema.Struct({ login: Schema.optional(Schema.String) }))
const FaultBody = Schema.parseJson(FaultSettings)

const adminError = (status: number, summary: string) =>
  HttpServerResponse.unsafeJson({ errorCode: "E0000001", errorSummary: summary, errorCauses: [] }, { status })

const bodyOf = <A, I>(schema: Schema.Schema<A, I>) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
    Effect.flatMap(request.text, (text) => Schema.decodeUnknown(schema)(text === "" ? "{}" : text)))

/** A path parameter decoded with `schema` (a branded id). */
const param = <A, I>(name: string, schema: Schema.Schema<A, I>) =>
  Effect.flatMap(HttpRouter.params, (params) => Schema.decodeUnknown(schema)(params[name] ?? ""))

/** What went wrong, for the 400's summary. */
const describe = (error: unknown): string =>
  ParseResult.isParseError(error)
    ? ParseResult.TreeFormatter.formatErrorSync(error)
    : error instanceof InvalidOptions || error instanceof UnknownUser
    ? error.message
    : "the request could not be read"

/** The admin routes on `okta` for an emulator at `baseUrl` that accepts `apiToken`. */
export const adminRoutes = (
  okta: FakeOktaService,
  baseUrl: string,
  apiToken: string,
  stamp: ReturnType<typeof makeStamp>
) => {
  const admin = <E>(
    handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, HttpServerRequest.HttpServerRequest | HttpRouter.RouteContext>
  ) =>
    stamp(Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
      credentialOf(request.headers["authorization"], apiToken) === "valid"
        ? Effect.catchAll(handler, (error) => Effect.succeed(adminError(400, describe(error))))
        : Effect.succeed(HttpServerResponse.unsafeJson(
          { errorCode: "E0000011", errorSummary: "Invalid token provided", errorCauses: [] },
          { status: 401 }
        ))))

  const json = (value: unknown) => HttpServerResponse.unsafeJson(value)

  const wireSessions = (sessions: ReadonlyArray<Session>) =>
    sessions.map((session) =>
      sessionJson(baseUrl, {
        id: session.id,
        userId: session.userId,
        login: session.login,
        status: session.status,
        createdAt: session.createdAt.epochMillis,
        expiresAt: session.expiresAt.epochMillis,
        lastPasswordVerification: session.lastPasswordVerification?.epochMillis ?? session.createdAt.epochMillis,
        lastFactorVerification: session.lastFactorVerification?.epochMillis,
        amr: session.amr,
        idp: { id: session.idp?.id ?? "", type: session.idp?.type ?? "OKTA" },
        origin: session
      }, false, false)
    )

  return HttpRouter.empty.pipe(
    HttpRouter.get("/__admin/faults", admin(Effect.map(okta.faults, json))),
    HttpRouter.patch("/__admin/faults", admin(Effect.flatMap(bodyOf(FaultBody), (settings) => Effect.map(okta.setFaults(settings), json)))),
    HttpRouter.del("/__admin/faults", admin(Effect.as(okta.clearFaults, HttpServerResponse.empty({ status: 204 })))),
    HttpRouter.get("/__admin/counters", admin(Effect.map(okta.counters, json))),
    HttpRouter.get("/__admin/windows", admin(Effect.map(okta.windowCounts, json))),
    HttpRouter.del("/__admin/counters", admin(Effect.as(okta.resetCounters, HttpServerResponse.empty({ status: 204 })))),
    HttpRouter.post(
      "/__admin/sessions",
      admin(Effect.flatMap(bodyOf(SeedBody), ({ count }) => Effect.map(okta.seedSessions(count), (seeded) => json(wireSessions(seeded)))))
    ),
    HttpRouter.post(
      "/__admin/users",
      admin(Effect.flatMap(bodyOf(UserBody), ({ login }) => Effect.map(okta.createUser({ login }), (user) => json({ id: user.id, login: user.login }))))
    ),
    HttpRouter.post(
      "/__admin/users/:userId/session-tokens",
      admin(Effect.flatMap(param("userId", UserId), (userId) =>
        Effect.map(okta.issueSessionToken(userId), (token) => json({ sessionToken: Redacted.value(token) }))))
    ),
    HttpRouter.del(
      "/__admin/sessions/:sessionId",
      admin(Effect.flatMap(param("sessionId", SessionId), (sessionId) =>
        Effect.map(okta.revokeSession(sessionId), (revoked) => json({ revoked: revoked ? 1 : 0 }))))
    ),
    HttpRouter.del(
      "/__admin/users/:userId/sessions",
      admin(Effect.flatMap(param("userId", UserId), (userId) => Effect.map(okta.revokeUserSessions(userId), (revoked) => json({ revoked }))))
    )
  )
}
