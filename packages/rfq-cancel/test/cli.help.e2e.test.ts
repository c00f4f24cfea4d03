import { readFileSync } from "node:fs"
import { assert, describe, it } from "vitest"
import { inParallel, plain, runCli } from "./utils/cliProcess.js"

/**
 * Each command's options as docs/cli.md lists them, the common ones added (every command but `demo` takes them);
 * `--help` and `--log-level` are @effect/cli's own.
 */
const documentedOptions = (() => {
  const doc = readFileSync(new URL("../../../docs/cli.md", import.meta.url), "utf8")
  const flags = (text: string) => [...text.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]).filter((f) => f !== "--help")
  const common = flags(doc.slice(doc.indexOf("Every command"), doc.indexOf("\n\n", doc.indexOf("Every command"))))
  const rows = doc.split("\n").flatMap((line) => {
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim())
    const name = /^`([a-z-]+)`$/.exec(cells[1] ?? "")?.[1]
    return name === undefined ? [] : [[name, flags(cells[2] ?? "")] as const]
  })
  return new Map(rows.map(([name, own]) => [name, name === "demo" ? own : [...common, ...own]]))
})()

describe("okx-rfq --help (real process)", () => {
  it("--help on every command shows the options docs/cli.md lists, and an example", async () => {
    const commands = [...documentedOptions.keys()]
    assert.lengthOf(commands, 9)
    const helps = await inParallel(commands.map((command) => () => runCli([command, "--help"])))
    commands.forEach((command, i) => {
      const help = helps[i]!
      assert.strictEqual(help.code, 0, `${command}: ${help.stderr}`)
      const text = plain(help.stdout)
      const usage = text.split("\n").find((line) => line.startsWith(`$ ${command}`))
      assert.isDefined(usage, `${command}: no usage line`)
      const shown = [...new Set([...usage!.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]))].sort()
      assert.deepStrictEqual(shown, [...new Set(documentedOptions.get(command))].sort(), command)
      for (const option of shown) assert.include(text, `\n${option}`, `${command}: ${option} is not described`)
      assert.match(text, new RegExp(`Example:\\n {2}okx-rfq ${command}\\b`), command)
    })
  })
}, 60_000)
