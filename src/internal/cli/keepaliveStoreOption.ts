/**
 * Where `okta-sessions keepalive` (and `npm start`) keeps its tracked set: `--store FILE`, a SQLite
 * file through `KeepaliveStoreSqlite.layer` (a later run on the same file resumes its sessions), or
 * without it memory (`KeepaliveStore.layerMemory`: nothing survives the process).
 *
 * @since 0.2.0
 */
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { KeepaliveStore } from "../../index.js"
import { UsageError } from "./usageError.js"

/**
 * The `--store FILE` flag.
 *
 * @since 0.2.0
 * @category options
 */
export const storeOption = Options.text("store").pipe(
  Options.optional,
  Options.withDescription(
    "A SQLite file that keeps the tracked set (created when missing; its directory must exist): a later run on the same " +
      "file resumes its sessions. Without it the set is kept in memory and lost when the program ends. A file that is " +
      "corrupt, locked by another process or cannot be opened is exit 2."
  )
)

/**
 * The store of `--store`: the SQLite file, or memory without it.
 *
 * @since 0.2.0
 * @category layers
 */
export const storeLayer = (
  file: Option.Option<string>
): Layer.Layer<KeepaliveStore.KeepaliveStore, KeepaliveStore.KeepaliveStoreError | UsageError> =>
  Option.match(file, {
    onNone: () => KeepaliveStore.layerMemory,
    onSome: (filename) =>
      // Loaded only with --store (its own chunk of the bin): @effect/sql-sqlite-node and better-sqlite3
      // are optional peers that a user without --store need not install.
      Layer.unwrapEffect(
        Effect.map(
          Effect.tryPromise({
            try: () => import("../../KeepaliveStoreSqlite.js"),
            catch: (cause) =>
              new KeepaliveStore.KeepaliveStoreError({
                reason: "Unavailable",
                setting: "--store",
                detail: `the SQLite store needs @effect/sql@0.52, @effect/sql-sqlite-node@0.53 and better-sqlite3@12 installed: ${
                  cause instanceof Error ? cause.message.split("\n", 1)[0] : String(cause)
                }`
              })
          }),
          (KeepaliveStoreSqlite) => KeepaliveStoreSqlite.layer({ filename })
        )
      ).pipe(
        Layer.catchAll((error) =>
          Layer.fail(error._tag === "InvalidOptions" ? new UsageError({ detail: `--store: ${error.message}` }) : error)
        )
      )
  })

/**
 * How the summary names the store: `memory` or `sqlite FILE`.
 *
 * @since 0.2.0
 * @category options
 */
export const storeName = (file: Option.Option<string>): string =>
  Option.match(file, { onNone: () => "memory", onSome: (filename) => `sqlite ${filename}` })

