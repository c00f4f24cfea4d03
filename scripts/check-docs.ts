/**
 * Type-checks every TypeScript sample of the docs (`README.md`, `packages/*\/README.md` and `docs/**\/*.md`), so that
 * no sample drifts from the code.
 *
 * - Each ` ```ts ` / ` ```typescript ` block is a complete module: it is written to its own file in a gitignored
 *   folder inside `packages/rfq-cancel` (the package that depends on every `@okx-rfq` package, and can import
 *   itself by name; the folder is removed after a clean run, kept for inspection after a failed one), and the files
 *   are type-checked together with the repository's compiler options
 *   (`tsconfig.base.json`: strict, `exactOptionalPropertyTypes`, the `source` condition). Errors are reported as
 *   `docs/file.md:line:column`.
 * - A block preceded by `<!-- embed: path/to/file.ts#region -->` is not compiled on its own: it must equal the
 *   lines between `// #region region` and `// #endregion` of that file (compared without their common indentation).
 *   The file itself is type-checked and run by its package (the testing recipes are real tests). Every region of an
 *   embedded file must be embedded somewhere.
 * - Blocks that are not meant to compile use another fence (` ```sh `, ` ```text `, ` ```json `).
 *
 * Run with `pnpm check-docs` (part of `pnpm check`); exits 1 on any problem.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
// one folder per run, so that two runs in one checkout do not overwrite each other's samples
const samplesDir = path.join(root, "packages", "rfq-cancel", ".docs-samples", `run-${process.pid}`)
const compiledLanguages = new Set(["ts", "typescript"])

interface Block {
  /** The Markdown file, relative to the root. */
  readonly file: string
  /** The 1-based line of the opening fence. */
  readonly fenceLine: number
  readonly language: string
  readonly lines: ReadonlyArray<string>
  /** `path#region` when the block embeds a region of a source file. */
  readonly embed: string | undefined
}

interface Problem {
  readonly where: string
  readonly message: string
}

const relative = (file: string) => path.relative(root, file).split(path.sep).join("/")

const markdownFiles = (): ReadonlyArray<string> => {
  const found: Array<string> = []
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.name.endsWith(".md")) found.push(full)
    }
  }
  walk(path.join(root, "docs"))
  const packagesDir = path.join(root, "packages")
  const packageReadmes = fs
    .readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(packagesDir, entry.name, "README.md"))
    .filter((file) => fs.existsSync(file))
    .sort((a, b) => a.localeCompare(b))
  return [path.join(root, "README.md"), ...packageReadmes, ...found]
}

const embedMarker = /^\s*<!--\s*embed:\s*(\S+)\s*-->\s*$/

/** The fenced blocks of a Markdown file (backtick or tilde fences, possibly indented, e.g. inside a list). */
const parseBlocks = (file: string): ReadonlyArray<Block> => {
  const lines = fs.readFileSync(file, "utf8").split(/\r?\n/)
  const blocks: Array<Block> = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]!)
    if (open === null) continue
    const [, indent = "", fence = "", language = ""] = open
    const body: Array<string> = []
    let j = i + 1
    for (; j < lines.length; j++) {
      const close = /^\s*(`{3,}|~{3,})\s*$/.exec(lines[j]!)
      if (close !== null && close[1]![0] === fence[0] && close[1]!.length >= fence.length) break
      body.push(lines[j]!.startsWith(indent) ? lines[j]!.slice(indent.length) : lines[j]!.trimStart())
    }
    const marker = i > 0 ? embedMarker.exec(lines[i - 1]!) : null
    blocks.push({
      file: relative(file),
      fenceLine: i + 1,
      language: language.toLowerCase(),
      lines: body,
      embed: marker === null ? undefined : marker[1]
    })
    i = j
  }
  return blocks
}

const dedent = (lines: ReadonlyArray<string>): ReadonlyArray<string> => {
  const indents = lines.filter((l) => l.trim() !== "").map((l) => /^\s*/.exec(l)![0].length)
  const common = indents.length === 0 ? 0 : Math.min(...indents)
  return lines.map((l) => (l.trim() === "" ? "" : l.slice(common)))
}

/** The regions of a source file: `// #region name` … `// #endregion`. */
const regionsOf = (file: string): Map<string, { readonly line: number; readonly lines: ReadonlyArray<string> }> => {
  const lines = fs.readFileSync(file, "utf8").split(/\r?\n/)
  const regions = new Map<string, { readonly line: number; readonly lines: ReadonlyArray<string> }>()
  for (let i = 0; i < lines.length; i++) {
    const start = /^\s*\/\/\s*#region\s+(\S+)/.exec(lines[i]!)
    if (start === null) continue
    let j = i + 1
    while (j < lines.length && !/^\s*\/\/\s*#endregion\b/.test(lines[j]!)) j++
    regions.set(start[1]!, { line: i + 1, lines: dedent(lines.slice(i + 1, j)) })
    i = j
  }
  return regions
}

/** Checks that embedded blocks equal their regions, and that every region of an embedded file is embedded. */
const checkEmbeds = (blocks: ReadonlyArray<Block>): ReadonlyArray<Problem> => {
  const problems: Array<Problem> = []
  const used = new Map<string, Set<string>>()
  for (const block of blocks) {
    if (block.embed === undefined) continue
    const where = `${block.file}:${block.fenceLine}`
    const [source = "", region = ""] = block.embed.split("#")
    const sourcePath = path.join(root, source)
    if (!fs.existsSync(sourcePath)) {
      problems.push({ where, message: `embeds ${source}, which does not exist` })
      continue
    }
    const regions = regionsOf(sourcePath)
    const found = regions.get(region)
    if (found === undefined) {
      problems.push({ where, message: `embeds ${block.embed}, but ${source} has no "// #region ${region}"` })
      continue
    }
    used.set(source, (used.get(source) ?? new Set()).add(region))
    const expected = found.lines
    const actual = dedent(block.lines)
    const length = Math.max(expected.length, actual.length)
    for (let k = 0; k < length; k++) {
      if (expected[k] !== actual[k]) {
        problems.push({
          where: `${block.file}:${block.fenceLine + 1 + k}`,
          message: `differs from ${source}:${found.line + 1 + k} (region ${region}): expected ${JSON.stringify(
            expected[k] ?? "<end of region>"
          )}, found ${JSON.stringify(actual[k] ?? "<end of block>")}`
        })
        break
      }
    }
  }
  for (const [source, regions] of used) {
    for (const [name, region] of regionsOf(path.join(root, source))) {
      if (!regions.has(name)) {
        problems.push({ where: `${source}:${region.line}`, message: `region ${name} is not embedded in any doc` })
      }
    }
  }
  return problems
}

/** Writes each compiled block to its own module and type-checks them all in one program. */
const typeCheck = (blocks: ReadonlyArray<Block>): ReadonlyArray<Problem> => {
  fs.rmSync(samplesDir, { recursive: true, force: true })
  fs.mkdirSync(samplesDir, { recursive: true })
  const origin = new Map<string, Block>()
  for (const block of blocks) {
    const name = `${block.file.replace(/[^A-Za-z0-9]+/g, "_")}_L${block.fenceLine}.ts`
    const file = path.join(samplesDir, name)
    // `export {}` makes every sample a module of its own, even one without imports.
    fs.writeFileSync(file, `${block.lines.join("\n")}\nexport {}\n`)
    origin.set(path.normalize(file), block)
  }
  const config = ts.parseJsonConfigFileContent(
    {
      extends: path.join(root, "tsconfig.base.json"),
      compilerOptions: { noEmit: true, sourceMap: false },
      files: [...origin.keys(), fileURLToPath(import.meta.url)]
    },
    ts.sys,
    samplesDir
  )
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options })
  const problems: Array<Problem> = config.errors.map((d) => ({
    where: "tsconfig",
    message: ts.flattenDiagnosticMessageText(d.messageText, "\n")
  }))
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n  ")}`
    if (diagnostic.file === undefined || diagnostic.start === undefined) {
      problems.push({ where: "tsc", message })
      continue
    }
    const { character, line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
    const block = origin.get(path.normalize(diagnostic.file.fileName))
    problems.push({
      where:
        block === undefined
          ? `${relative(diagnostic.file.fileName)}:${line + 1}:${character + 1}`
          : `${block.file}:${block.fenceLine + 1 + line}:${character + 1}`,
      message
    })
  }
  return problems
}

const files = markdownFiles()
const blocks = files.flatMap(parseBlocks)
const embedded = blocks.filter((b) => b.embed !== undefined)
const compiled = blocks.filter((b) => b.embed === undefined && compiledLanguages.has(b.language))
const problems = [...checkEmbeds(embedded), ...typeCheck(compiled)]

for (const problem of problems) process.stderr.write(`${problem.where} - ${problem.message}\n`)
if (problems.length === 0) fs.rmSync(samplesDir, { recursive: true, force: true })
else process.stderr.write(`the samples as compiled: ${relative(samplesDir)}\n`)
process.stdout.write(
  `check-docs: ${files.length} Markdown files, ${compiled.length} TypeScript samples type-checked, ${embedded.length} embedded blocks compared: ${
    problems.length === 0 ? "ok" : `${problems.length} problem(s)`
  }\n`
)
process.exitCode = problems.length === 0 ? 0 : 1
