/**
 * Markdown tables for benchmark output.
 */

/** A Markdown table from rows of equal keys; numbers right-aligned. */
export const markdownTable = (rows: ReadonlyArray<Readonly<Record<string, string | number>>>): string => {
  if (rows.length === 0) return ""
  const headers = Object.keys(rows[0]!)
  const cells = rows.map((row) => headers.map((h) => String(row[h] ?? "")))
  const numeric = headers.map((h) => rows.every((row) => typeof row[h] === "number"))
  const widths = headers.map((h, i) => Math.max(h.length, 3, ...cells.map((c) => c[i]!.length)))
  const line = (values: ReadonlyArray<string>) =>
    `| ${values.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join(" | ")} |`
  const rule = `| ${widths.map((w, i) => (numeric[i] ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`
  return [line(headers), rule, ...cells.map(line)].join("\n")
}
