/**
 * The two-column table the CLI prints on a terminal (and without `--json`).
 *
 * @since 0.2.0
 */

/**
 * Label / value rows in a box, labels left-aligned and values right-aligned when `alignValues` is
 * `"right"` (numbers), left otherwise.
 *
 * @since 0.2.0
 * @category formatting
 */
export const formatTable = (
  rows: ReadonlyArray<readonly [string, string]>,
  alignValues: "left" | "right" = "left"
): string => {
  const width = Math.max(0, ...rows.map(([label]) => label.length))
  const valueWidth = Math.max(0, ...rows.map(([, value]) => value.length))
  const rule = `+${"-".repeat(width + 2)}+${"-".repeat(valueWidth + 2)}+`
  const cell = (value: string) => (alignValues === "right" ? value.padStart(valueWidth) : value.padEnd(valueWidth))
  return [rule, ...rows.map(([label, value]) => `| ${label.padEnd(width)} | ${cell(value)} |`), rule, ""].join("\n")
}
