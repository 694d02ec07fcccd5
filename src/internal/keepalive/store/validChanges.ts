/**
 * Checking a batch of changes before any of it is applied, so that a bad change refuses the whole
 * batch (all or nothing) with a typed error instead of storing half of it. The error names the
 * change's position and field, never its values (a session id is not quoted back).
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { type Change, KeepaliveStoreError } from "../../../KeepaliveStore.js"
import { SessionId } from "../../../Session.js"

/** Epoch milliseconds, or `undefined` when not known. */
const OptionalTime = Schema.UndefinedOr(Schema.Number.pipe(Schema.finite()))

/** The outcomes a store keeps; the same list as `Outcome`. */
export const OutcomeSchema = Schema.Literal("Added", "Refreshed", "Retrying", "Throttled")

const ChangeSchema = Schema.Union(
  Schema.Struct({
    _tag: Schema.Literal("Put"),
    session: Schema.Struct({
      sessionId: SessionId,
      expiresAt: OptionalTime,
      nextRefreshAt: OptionalTime,
      lastOutcome: OutcomeSchema
    })
  }),
  Schema.Struct({ _tag: Schema.Literal("Remove"), sessionId: SessionId })
)

const isChange = Schema.is(ChangeSchema)
const validate = Schema.validateEither(ChangeSchema, { errors: "first" })

/**
 * `undefined` when every change is valid, otherwise the error for the first one that is not. The
 * fast check (`Schema.is`) runs for each change; the full validation only for the one it refuses,
 * to find the field to name.
 */
export const invalidChange = (changes: ReadonlyArray<Change>): KeepaliveStoreError | undefined => {
  for (let index = 0; index < changes.length; index++) {
    const change = changes[index]
    if (isChange(change)) continue
    const path = Either.match(validate(change), {
      onLeft: (error) => ParseResult.ArrayFormatter.formatErrorSync(error)[0]?.path.map(String).join(".") ?? "",
      onRight: () => ""
    })
    return new KeepaliveStoreError({
      reason: "Failed",
      detail: `change ${index} was refused (nothing of the batch was written): ${path === "" ? "not a Put or a Remove" : `${path} is not valid`}`
    })
  }
  return undefined
}
