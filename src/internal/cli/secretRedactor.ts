/**
 * The secrets a run has read (the API token, a session token, a session cookie), so that no line
 * the CLI prints can carry one, whatever a server echoes back in an error summary.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/**
 * Collects secrets and blanks them out of text.
 *
 * @since 0.2.0
 * @category services
 */
export class SecretRedactor extends Context.Tag("effect-okta-sessions/cli/SecretRedactor")<SecretRedactor, {
  /** Remembers a secret; values under 4 characters are ignored (they would blank out ordinary text). */
  readonly add: (secret: string) => Effect.Effect<void>
  /** The text with every remembered secret replaced by `<redacted>`. */
  readonly redact: (text: string) => Effect.Effect<string>
}>() {}

/**
 * A fresh redactor for one run.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: Layer.Layer<SecretRedactor> = Layer.sync(SecretRedactor, () => {
  const secrets = new Set<string>()
  return SecretRedactor.of({
    add: (secret) => Effect.sync(() => void (secret.trim().length >= 4 && secrets.add(secret.trim()))),
    redact: (text) =>
      Effect.sync(() => {
        let out = text
        // the longest first, so a secret that contains another is blanked whole
        for (const secret of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join("<redacted>")
        return out
      })
  })
})
