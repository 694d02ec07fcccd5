/**
 * Every export of every public module (src/*.ts, src/testing/*.ts) has a doc comment with `@since`
 * and `@category`: what `npm run docgen` needs (it checks `@since` only) and what the docs group by.
 */
import { describe, expect, it } from "@effect/vitest"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

const src = fileURLToPath(new URL("../src", import.meta.url))

const publicModules = (): Array<string> => [
  ...readdirSync(src).filter((name) => name.endsWith(".ts")).map((name) => join(src, name)),
  ...readdirSync(join(src, "testing")).filter((name) => name.endsWith(".ts")).map((name) => join(src, "testing", name))
]

const isExported = (node: ts.Node): boolean =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)

const nameOf = (node: ts.Node): string => {
  if (ts.isVariableStatement(node)) return node.declarationList.declarations.map((d) => d.name.getText()).join(", ")
  if (ts.isExportDeclaration(node)) return node.exportClause?.getText() ?? node.moduleSpecifier?.getText() ?? "export"
  const named = node as ts.Node & { readonly name?: ts.Node }
  return named.name?.getText() ?? ts.SyntaxKind[node.kind]
}

/** `file: name` for each export whose doc comment lacks `tag`. */
const missing = (tag: "since" | "category"): Array<string> => {
  const found: Array<string> = []
  for (const file of publicModules()) {
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true)
    const visit = (statements: ts.NodeArray<ts.Statement>, prefix: string) => {
      for (const statement of statements) {
        // `export { /** doc */ a, /** doc */ b } from "..."`: each name carries its own doc comment
        if (ts.isExportDeclaration(statement) && statement.exportClause !== undefined && ts.isNamedExports(statement.exportClause)) {
          for (const element of statement.exportClause.elements) {
            const docs = (ts.getLeadingCommentRanges(source.text, element.pos) ?? []).map((r) => source.text.slice(r.pos, r.end)).join("\n")
            if (!docs.includes(`@${tag}`)) found.push(`${file.slice(src.length + 1)}: ${prefix}${element.name.text}`)
          }
          continue
        }
        const exported = isExported(statement) || (ts.isExportDeclaration(statement) && statement.exportClause !== undefined)
        if (!exported) continue
        const tags = ts.getJSDocTags(statement).map((t) => t.tagName.text)
        const docs = ts.isExportDeclaration(statement)
          ? (ts.getLeadingCommentRanges(source.text, statement.pos) ?? []).map((r) => source.text.slice(r.pos, r.end)).join("\n")
          : ""
        const has = tags.includes(tag) || docs.includes(`@${tag}`)
        if (!has) found.push(`${file.slice(src.length + 1)}: ${prefix}${nameOf(statement)}`)
        if (ts.isModuleDeclaration(statement) && statement.body !== undefined && ts.isModuleBlock(statement.body)) {
          visit(statement.body.statements, `${nameOf(statement)}.`)
        }
      }
    }
    visit(source.statements, "")
  }
  return found
}

describe("doc tags of public exports", () => {
  it("every export has @since", () => {
    expect(missing("since")).toEqual([])
  })

  it("every export has @category", () => {
    expect(missing("category")).toEqual([])
  })
})
