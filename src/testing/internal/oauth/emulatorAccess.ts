import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { Credential, Operation } from "../../FakeOkta.js"
import type { FakeOktaAuth } from "../../FakeOktaAuth.js"

let answers = 0

/** `POST /oauth2/v1/token` on the emulator: the form and the DPoP header to the fake authorization server. */
export const tokenRoute = (auth: FakeOktaAuth.Service, url: string, request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function*() {
    const text = yield* Effect.orElseSucceed(request.text, () => "")
    const answer = yield* auth.tokenEndpoint({ form: new URLSearchParams(text), dpop: request.headers["dpop"], tokenUrl: `${url}/oauth2/v1/token` })
    const now = yield* Clock.currentTimeMillis
    return HttpServerResponse.unsafeJson(answer.body, {
      status: answer.status,
      headers: {
        ...answer.headers,
        "cache-control": "no-store",
        date: new Date(now).toUTCString(),
        "x-okta-request-id": `emuoauth${(++answers).toString(36).padStart(6, "0")}`
      }
    })
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
