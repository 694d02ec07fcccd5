/**
 * Cold start of the floor: one `undici.request` for a Session, then report the time since the
 * process started (`performance.now()`) on stdout and exit.
 */
import { request } from "undici"

const orgUrl = process.env["BENCH_ORG_URL"] ?? "http://127.0.0.1:9"
const response = await request(`${orgUrl}/api/v1/sessions/102benchColdStart000000001`, {
  headers: { accept: "application/json", authorization: "SSWS 00benchTokenThatIsNotASecret0000000000000" }
})
const session: unknown = JSON.parse(await response.body.text())
const ok = response.statusCode === 200 && typeof session === "object" && session !== null
process.stdout.write(`${JSON.stringify({ ok, firstResponseMillis: performance.now() })}\n`)
process.exit(ok ? 0 : 1)
