/**
 * The session ids of `keepalive --ids FILE|-`: one per line, blank lines and `#` comments skipped,
 * duplicates kept once. A bad line is a `UsageError` naming its line number.
 *
 * @since 0.2.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Arr from "effect/Array"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { Session } from "../../index.js"
import { CliProcess } from "./cliProcess.js"
import { UsageError } from "./usageError.js"

/**
 * Limits on `--ids -`: standard input must end within this time and hold at most `idsMaxBytes`
 * (about 9 million ids of Okta's usual length).
 *
 * @since 0.2.0
 * @category limits
 */
export const idsStdinTimeout: Duration.Duration = Duration.minutes(5)

/**
 * The most `--ids -` reads from standard input.
 *
 * @since 0.2.0
 * @category limits
 */
export const idsMaxBytes = 256 * 1024 * 1024

const decodeId = Schema.decodeUnknownOption(Session.SessionId)

/**
 * The ids in a text, in order, each once.
 *
 * @since 0.2.0
 * @category input
 */
export const parseIds = (text: string, source: string): Effect.Effect<ReadonlyArray<Session.SessionId>, UsageError> =>
  Effect.gen(function*() {
    const ids: Array<Session.SessionId> = []
    for (const [index, raw] of text.split(/\r?\n/).entries()) {
      const line = raw.trim()
      if (line === "" || line.startsWith("#")) continue
      const decoded = decodeId(line)
      if (Option.isNone(decoded)) {
        return yield* new UsageError({
          detail: `${source} line ${index + 1}: ${JSON.stringify(line.slice(0, 60))} is not a session id (1 to 128 letters, digits, '-' or '_')`
        })
      }
      ids.push(decoded.value)
    }
    if (ids.length === 0) return yield* new UsageError({ detail: `${source} holds no session id` })
    return Arr.dedupe(ids)
  })

/**
 * The ids of a file, or of standard input for `-`.
 *
 * @since 0.2.0
 * @category input
 */
export const readIds = (
  file: string
): Effect.Effect<ReadonlyArray<Session.SessionId>, UsageError, CliProcess | FileSystem.FileSystem> =>
  Effect.gen(function*() {
    if (file === "-") {
      const cli = yield* CliProcess
      const text = yield* cli.readStdin({ what: "the session ids", maxBytes: idsMaxBytes, timeout: idsStdinTimeout })
      return yield* parseIds(text, "standard input")
    }
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(file).pipe(
      Effect.mapError((error) =>
        new UsageError({ detail: `--ids ${file}: cannot be read (${error._tag === "SystemError" ? error.reason : error._tag})` })
      )
    )
    return yield* parseIds(text, file)
  })
