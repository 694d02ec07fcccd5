/**
 * Cold start of the official SDK (cache off, as in the throughput runs): get one Session, then
 * report the time since the process started (`performance.now()`) on stdout and exit.
 */
import * as Okta from "@okta/okta-sdk-nodejs"

const orgUrl = process.env["BENCH_ORG_URL"] ?? "http://127.0.0.1:9"
const client = new Okta.Client({
  orgUrl,
  token: "00benchTokenThatIsNotASecret0000000000000",
  cacheMiddleware: null,
  requestExecutor: new Okta.DefaultRequestExecutor({ maxRetries: 2, requestTimeout: 30_000 })
})
const ok = await client.sessionApi.getSession({ sessionId: "102benchColdStart000000001" }).then(
  (session) => session.id === "102benchColdStart000000001",
  () => false
)
process.stdout.write(`${JSON.stringify({ ok, firstResponseMillis: performance.now() })}\n`)
process.exit(ok ? 0 : 1)
