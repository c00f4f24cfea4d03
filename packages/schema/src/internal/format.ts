import * as ParseResult from "effect/ParseResult"

/** @internal */
export const formatPath = (path: ReadonlyArray<PropertyKey>, prefix = ""): string =>
  path.reduce<string>(
    (acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc === "" ? String(key) : `${acc}.${String(key)}`),
    prefix
  )

/** @internal */
export const formatIssues = (error: ParseResult.ParseError, prefix = ""): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .map((issue) => {
      const path = formatPath(issue.path, prefix)
      return path === "" ? issue.message : `${path}: ${issue.message}`
    })
    .join("; ")

/** @internal */
export const firstKey = (error: ParseResult.ParseError): string | undefined => {
  const key = ParseResult.ArrayFormatter.formatErrorSync(error)[0]?.path[0]
  return typeof key === "string" ? key : undefined
}
