/**
 * Writing a benchmark's results: `<dir>/<name>.md` (title, setup, tables) and `<dir>/<name>.json` (everything).
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { cpus } from "node:os"
import { join } from "node:path"

/** A benchmark's report. */
export interface Report {
  readonly title: string
  /** What was run and how: counts, versions, options. */
  readonly setup: Readonly<Record<string, unknown>>
  /** Markdown tables by heading. */
  readonly tables: Readonly<Record<string, string>>
  /** Raw figures, kept in the JSON only. */
  readonly data?: unknown
}

/** The machine, as a line for reports. */
export const machine = (): string =>
  `${cpus()[0]?.model.trim() ?? "unknown CPU"} × ${cpus().length}, ${process.platform}/${process.arch}, node ${process.version}`

/** Writes the report next to the bench (`dir` is usually `new URL("results", import.meta.url)` as a path). */
export const writeResults = (dir: string, name: string, report: Report): void => {
  mkdirSync(dir, { recursive: true })
  const setup = { machine: machine(), ...report.setup }
  const markdown = [
    `# ${report.title}`,
    "",
    ...Object.entries(setup).map(
      ([key, value]) => `- ${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`
    ),
    "",
    ...Object.entries(report.tables).flatMap(([heading, table]) => [`## ${heading}`, "", table, ""])
  ].join("\n")
  writeFileSync(join(dir, `${name}.md`), markdown)
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify({ ...report, setup }, null, 2)}\n`)
}
