/**
 * The emulator's routes of the Okta API, derived from the endpoint table: each endpoint's `method`
 * and `pathTemplate` (`{sessionId}` becomes the router's `:sessionId`) route to one handler that
 * reads what its operation needs from the request and answers it on the org. Adding an endpoint to
 * the table needs only its reader here (the type asks for one per operation). A path of the table
 * with a method it does not have answers 405 E0000022, any other path 404 E0000007.
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Record from "effect/Record"
import * as Schema from "effect/Schema"
import { endpoints } from "../../internal/client/endpoints.js"
import { answer } from "./answerRequest.js"
import type { FakeOktaAuth } from "../FakeOktaAuth.js"
import { credentialOf } from "./credential.js"
import { oauthCredential } from "./oauth/emulatorAccess.js"
import { isCurrentOperation, isRefreshOperation, type Operation, operations } from "./operation.js"
import type { Org } from "./org.js"
import type { Request } from "./protocol.js"
import { render } from "./wireReply.js"

type Params = Readonly<Record<string, string | undefined>>

/** What an operation reads from its request, besides the credential and (for `/me`) the cookie. */
type Reader = (request: HttpServerRequest.HttpServerRequest, params: Params) => Effect.Effect<Partial<Request>>

const CreateBody = Schema.parseJson(Schema.Struct({ sessionToken: Schema.optional(Schema.Unknown) }))
const decodeCreateBody = Schema.decodeUnknownOption(CreateBody)

/** The path's ids, by the template's parameter names. */
const pathIds: Reader = (_, params) => Effect.succeed({ sessionId: params["sessionId"], userId: params["userId"] })

/** `createSession`'s body: `{"sessionToken": "..."}`; anything else is a request without one. */
const sessionTokenBody: Reader = (request) =>
  request.text.pipe(
    Effect.map((text) => {
      const body = decodeCreateBody(text)
      const value = Option.isSome(body) ? body.value.sessionToken : undefined
      return { sessionToken: typeof value === "string" ? value : undefined }
    }),
    Effect.orElseSucceed(() => ({}))
  )

const readers: { readonly [K in Operation]: Reader } = {
  createSession: sessionTokenBody,
  getSession: pathIds,
  refreshSession: pathIds,
  revokeSession: pathIds,
  getCurrentSession: pathIds,
  refreshCurrentSession: pathIds,
  closeCurrentSession: pathIds,
  revokeUserSessions: pathIds
}

/** A template's `{name}` parameters as the router's `:name`. */
const routerPath = (template: string): HttpRouter.PathInput => {
  const path = template.replace(/\{([^}]+)\}/g, ":$1")
  return path.startsWith("/") ? `/${path.slice(1)}` : "*"
}

/** A matcher of the table's paths, any method: a template's parameter matches one path segment. */
const knownPath = new RegExp(
  `^(?:${
    [...new Set(Record.values(endpoints).map((endpoint) => endpoint.pathTemplate))]
      .map((template) => template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+"))
      .join("|")
  })$`
)

const minimal = /(^|[,;\s])return=minimal\b/

/**
 * The API routes of an emulator at `baseUrl` on `org`, accepting `apiToken`, and with a
 * `FakeOktaAuth` the OAuth tokens it issued (scopes, DPoP) on every operation but `/me`.
 */
export const apiRoutes = (org: Org, baseUrl: string, apiToken: string, auth: Option.Option<FakeOktaAuth.Service>) => {
  const handler = (operation: Operation) =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const fields = yield* readers[operation](request, yield* HttpRouter.params)
      let credential = credentialOf(request.headers["authorization"], apiToken)
      if (Option.isSome(auth) && !isCurrentOperation[operation]) {
        const oauth = yield* oauthCredential(auth.value, operation, request, baseUrl)
        if (HttpServerResponse.isServerResponse(oauth)) return oauth
        if (oauth !== undefined) credential = oauth
      }
      const reply = yield* answer(org, {
        ...fields,
        operation,
        credential,
        ...(isCurrentOperation[operation] ? { cookie: request.cookies["sid"] ?? request.cookies["idx"] } : {}),
        wire: true
      })
      const preferMinimal = isRefreshOperation[operation] && reply.status === 200 &&
        minimal.test(request.headers["prefer"] ?? "")
      return yield* render(request, reply, baseUrl, preferMinimal)
    })
  return HttpRouter.fromIterable(
    operations.map((operation) =>
      HttpRouter.makeRoute(endpoints[operation].method, routerPath(endpoints[operation].pathTemplate), handler(operation))
    )
  )
}

/** The answer to a path the API does not have (404 E0000007) or a method its path does not take (405 E0000022). */
export const notFound = Effect.map(HttpServerRequest.HttpServerRequest, (request) => {
  const path = request.url.split("?")[0] ?? request.url
  const known = knownPath.test(path)
  const code = known ? "E0000022" : "E0000007"
  return HttpServerResponse.unsafeJson({
    errorCode: code,
    errorSummary: known
      ? `The endpoint does not support the provided HTTP method: ${request.method}`
      : `Not found: Resource not found: ${path}`,
    errorLink: code,
    errorId: "oaeEmulator",
    errorCauses: []
  }, { status: known ? 405 : 404 })
})
