/**
 * The emulator's OAuth side, with a `FakeOktaAuth` in context: the `POST /oauth2/v1/token` route
 * (the form and the DPoP header handed to the fake authorization server), and the credential an
 * API request's OAuth token amounts to (scope, expiry, revocation, DPoP proof and nonce).
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { FakeOktaAuth } from "../../FakeOktaAuth.js"
import type { Operation } from "../operation.js"
import type { Credential } from "../protocol.js"
import type { makeStamp } from "../wireReply.js"

/** `POST /oauth2/v1/token` on the emulator at `url`; none without a `FakeOktaAuth` (the catch-all 404 answers). */
export const tokenRoutes = (auth: Option.Option<FakeOktaAuth.Service>, url: string, stamp: ReturnType<typeof makeStamp>) =>
  Option.match(auth, {
    onNone: () => HttpRouter.empty,
    onSome: (auth) =>
      HttpRouter.empty.pipe(HttpRouter.post(
        "/oauth2/v1/token",
        stamp(Effect.gen(function*() {
          const request = yield* HttpServerRequest.HttpServerRequest
          const text = yield* Effect.orElseSucceed(request.text, () => "")
          const answer = yield* auth.tokenEndpoint({
            form: new URLSearchParams(text),
            dpop: request.headers["dpop"],
            tokenUrl: `${url}/oauth2/v1/token`
          })
          return HttpServerResponse.unsafeJson(answer.body, {
            status: answer.status,
            headers: { ...answer.headers, "cache-control": "no-store" }
          })
        }))
      ))
  })

/**
 * The credential an API request presents when it carries an OAuth token: `valid`, `invalid` (401),
 * `insufficientScope` (403), or a ready 401 `use_dpop_nonce` challenge; `undefined` when it is not
 * an OAuth token (the API-token check decides).
 */
export const oauthCredential = (
  auth: FakeOktaAuth.Service,
  operation: Operation,
  request: HttpServerRequest.HttpServerRequest,
  url: string
): Effect.Effect<Credential | HttpServerResponse.HttpServerResponse | undefined> =>
  Effect.map(
    auth.checkAccess({
      operation,
      authorization: request.headers["authorization"],
      dpop: request.headers["dpop"],
      method: request.method,
      url: url + (request.url.split("?")[0] ?? request.url),
      proofless: false
    }),
    (check) => {
      switch (check._tag) {
        case "NotOAuth":
          return undefined
        case "Granted":
          return "valid"
        case "Invalid":
          return "invalid"
        case "InsufficientScope":
          return "insufficientScope"
        case "NonceRequired":
          return HttpServerResponse.unsafeJson(
            { errorCode: "E0000011", errorSummary: "Invalid token provided", errorCauses: [] },
            {
              status: 401,
              headers: {
                "www-authenticate": `DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"`,
                "dpop-nonce": check.nonce
              }
            }
          )
      }
    }
  )
