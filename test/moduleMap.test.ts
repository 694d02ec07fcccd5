/**
 * The README's module map is the tree of src/: one line per file, indented two spaces per folder.
 * A file added, moved or removed without its line fails here, so the map cannot drift.
 */
import { describe, expect, it } from "@effect/vitest"
import { readdirSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))

/** Every .ts file under src/, as `src/a/b.ts`. */
const sourceFiles = (): Array<string> =>
  readdirSync(join(root, "src"), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort()

/** The files the README's map names: the fenced block after `## Module map`, folders ending in `/`. */
const mappedFiles = (): Array<string> => {
  const readme = readFileSync(join(root, "README.md"), "utf8")
  const section = readme.slice(readme.indexOf("## Module map"))
  const block = /```text\n([\s\S]*?)```/.exec(section)?.[1] ?? ""
  const folders: Array<string> = []
  const files: Array<string> = []
  for (const line of block.split("\n")) {
    if (line.trim() === "") continue
    const depth = (line.length - line.trimStart().length) / 2
    const name = line.trim().split(/\s+/)[0] ?? ""
    folders.length = depth
    if (name.endsWith("/")) folders.push(name.slice(0, -1))
    else files.push([...folders, name].join("/"))
  }
  return files.sort()
}

describe("README module map", () => {
  it("names every file under src/ once, where it is, and nothing else", () => {
    expect(mappedFiles()).toEqual(sourceFiles())
  })

  it("gives every file a line that says what it is", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8")
    const block = /```text\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf("## Module map")))?.[1] ?? ""
    const bare = block.split("\n").filter((line) => line.trim().endsWith(".ts"))
    expect(bare).toEqual([])
  })
})
