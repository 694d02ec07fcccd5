/**
 * Reads `okta.yaml` files for the CLI: parses them with the `yaml` package (`yamlParser.ts`; a
 * devDependency bundled into the bin, so it never becomes a dependency of the library) and turns them into
 * settings with `OktaYaml.settings`. A file that does not exist gives no setting; one that is not
 * YAML, or not shaped like `okta: client: ...`, is a `UsageError` naming the file and the line,
 * never quoting it (it holds the token).
 *
 * @since 0.2.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as OktaYaml from "../config/oktaYaml.js"
import { UsageError } from "./usageError.js"

/** The largest okta.yaml read: a config file is a few hundred bytes. */
const maxBytes = 1024 * 1024

/**
 * The settings in the okta.yaml at `path` (labelled `label` in messages), by environment name;
 * empty when there is no such file.
 *
 * @since 0.2.0
 * @category config
 */
export const readOktaYaml = (
  path: string,
  label: string
): Effect.Effect<ReadonlyMap<string, string>, UsageError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const unreadable = (reason: string) => new UsageError({ detail: `${label}: ${reason}` })
    const info = yield* fs.stat(path).pipe(Effect.option)
    if (info._tag === "None") return new Map<string, string>()
    if (info.value.type !== "File") return yield* unreadable("is not a file")
    if (Number(info.value.size) > maxBytes) return yield* unreadable(`is larger than ${maxBytes} bytes`)
    const text = yield* fs.readFileString(path).pipe(Effect.mapError((error) => unreadable(`cannot be read (${error._tag === "SystemError" ? error.reason : error._tag})`)))
    // loaded only when there is a file to read: `yaml` is the largest part of the bin
    const { parseYaml } = yield* Effect.promise(() => import("./yamlParser.js"))
    const document = parseYaml(text)
    if (Either.isLeft(document)) return yield* unreadable(`is not valid YAML: ${document.left}`)
    return yield* Either.match(OktaYaml.settings(document.right), {
      onLeft: (reason) => Effect.fail(unreadable(reason)),
      onRight: Effect.succeed
    })
  })
