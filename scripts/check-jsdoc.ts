/**
 * Checks that every public export of every published package has JSDoc: each name reachable from a package's
 * `src/index.ts` (through `export * from` and into `export * as Namespace` modules), and each namespace re-export
 * itself. Reports `file:line name` for each one without a comment.
 *
 * Run with `pnpm check-jsdoc` (part of `pnpm check`); exits 1 on any missing comment.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const packagesDir = path.join(root, "packages")

/** The entry points of the packages that are published (not `private`). */
const entries = fs
  .readdirSync(packagesDir)
  .filter((name) => {
    const manifest = path.join(packagesDir, name, "package.json")
    return fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, "utf8")).private !== true
  })
  .map((name) => path.join(packagesDir, name, "src", "index.ts"))

const program = ts.createProgram(entries, {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  strict: true,
  noEmit: true,
  customConditions: ["source"]
})
const checker = program.getTypeChecker()

/** The node whose leading comment documents a declaration (a variable's statement, not the variable itself). */
const documented = (declaration: ts.Declaration): ts.Node =>
  ts.isVariableDeclaration(declaration) ? declaration.parent.parent : declaration

const hasJsDoc = (node: ts.Node): boolean => ts.getJSDocCommentsAndTags(node).length > 0

const where = (node: ts.Node): string => {
  const file = node.getSourceFile()
  const { line } = file.getLineAndCharacterOfPosition(node.getStart())
  return `${path.relative(root, file.fileName)}:${line + 1}`
}

const problems = new Set<string>()
const visited = new Set<ts.Symbol>()
let checked = 0

const checkModule = (moduleSymbol: ts.Symbol, prefix: string): void => {
  if (visited.has(moduleSymbol)) return
  visited.add(moduleSymbol)
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const name = `${prefix}${exported.getName()}`
    // `export * as Name from "./Module.js"`: the re-export carries the namespace's comment
    const namespaceExport = exported.declarations?.find(ts.isNamespaceExport)
    if (namespaceExport !== undefined) {
      if (!hasJsDoc(namespaceExport.parent)) problems.add(`${where(namespaceExport)} ${name}`)
      const target = checker.getAliasedSymbol(exported)
      checkModule(target, `${name}.`)
      continue
    }
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
    const declarations = (symbol.declarations ?? []).filter((d) => !d.getSourceFile().isDeclarationFile)
    if (declarations.length === 0) continue
    checked++
    // a type and a value of one name (a schema and its type, say): one comment on either documents the name
    if (!declarations.some((d) => hasJsDoc(documented(d)))) problems.add(`${where(declarations[0]!)} ${name}`)
  }
}

for (const entry of entries) {
  const file = program.getSourceFile(entry)
  const moduleSymbol = file === undefined ? undefined : checker.getSymbolAtLocation(file)
  if (moduleSymbol === undefined) {
    problems.add(`${path.relative(root, entry)}: not found`)
    continue
  }
  checkModule(moduleSymbol, `${path.basename(path.dirname(path.dirname(entry)))}: `)
}

for (const problem of problems) process.stderr.write(`no JSDoc: ${problem}\n`)
if (problems.size > 0) {
  process.stderr.write(`${problems.size} public export(s) without JSDoc\n`)
  process.exit(1)
}
process.stdout.write(`check-jsdoc: all ${checked} public exports of ${entries.length} packages have JSDoc\n`)
