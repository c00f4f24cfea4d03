import type { Endpoints } from "@okx-rfq/schema"
import { OkxError } from "@okx-rfq/schema"
import * as Either from "effect/Either"

/** @internal */
export const maxBatch = 100

/** @internal */
export interface Chunk {
  readonly input: Readonly<Record<string, ReadonlyArray<string> | undefined>>
  readonly ids: ReadonlyArray<string>
}

const invalid = (endpoint: string, field: string, msg: string) =>
  new OkxError.InvalidRequest({ endpoint, field, msg: `${field}: ${msg}` })

/**
 * Splits a batch input into requests of at most 100 ids, validating what only the whole list shows (duplicates
 * across chunks); each chunk is validated by its schema before anything is sent.
 *
 * @internal
 */
export const planBatches = (
  endpoint: string,
  [primary, secondary]: readonly [string, string],
  input: Readonly<Record<string, ReadonlyArray<string> | undefined>>
): Either.Either<ReadonlyArray<Chunk>, OkxError.InvalidRequest> => {
  const p = input[primary]
  const s = input[secondary]
  if (p !== undefined && s !== undefined) {
    if (p.length > maxBatch || s.length > maxBatch) {
      return Either.left(
        invalid(endpoint, primary, `give ${primary} or ${secondary}, not both, to cancel more than ${maxBatch} ids`)
      )
    }
    return Either.right([{ input, ids: p }])
  }
  const key = p !== undefined ? primary : secondary
  const list = p ?? s
  if (list === undefined || list.length <= maxBatch) return Either.right([{ input, ids: list ?? [] }])
  const seen = new Set<string>()
  for (const id of list) {
    if (seen.has(id)) return Either.left(invalid(endpoint, key, `duplicate id ${JSON.stringify(id)}`))
    seen.add(id)
  }
  const chunks: Array<Chunk> = []
  for (let i = 0; i < list.length; i += maxBatch) {
    const ids = list.slice(i, i + maxBatch)
    chunks.push({ input: { [key]: ids }, ids })
  }
  return Either.right(chunks)
}

/**
 * Merges the results of consecutive batches in order: code "0" if all were "0", "1" if all were "1", else "2".
 *
 * @internal
 */
export const mergeItems = <Item>(results: ReadonlyArray<Endpoints.ItemsResult<Item>>): Endpoints.ItemsResult<Item> => {
  if (results.length === 1) return results[0]!
  const codes = new Set(results.map((r) => r.code))
  const code = codes.size === 0 ? "0" : codes.size === 1 ? results[0]!.code : "2"
  return {
    _tag: "Items",
    code,
    msg: results.find((r) => r.msg !== "")?.msg ?? "",
    items: results.flatMap((r) => r.items)
  }
}

/**
 * A short outcome for a span attribute.
 *
 * @internal
 */
export const summarize = (result: unknown): string => {
  if (typeof result !== "object" || result === null) return String(result)
  if ("items" in result && Array.isArray(result.items)) {
    const counts = new Map<string, number>()
    for (const item of result.items as ReadonlyArray<{ readonly outcome?: { readonly _tag?: string } }>) {
      const tag = item.outcome?._tag ?? "Unknown"
      counts.set(tag, (counts.get(tag) ?? 0) + 1)
    }
    const code = "code" in result ? String(result.code) : "?"
    return `code ${code}: ${[...counts].map(([tag, n]) => `${n} ${tag}`).join(", ") || "no items"}`
  }
  if ("_tag" in result) return String(result._tag)
  if ("triggerTime" in result) {
    const t = result.triggerTime as { readonly _tag?: string; readonly epochMillis?: number }
    return t._tag === "Disabled" ? "disarmed" : `armed until ${t.epochMillis ?? "?"}`
  }
  return Array.isArray(result) ? `${result.length} rows` : "ok"
}

/**
 * Ids as span attributes, a long list cut to its first 20 and its length.
 *
 * @internal
 */
export const idAttributes = (ids: Readonly<Record<string, unknown>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(ids)) {
    if (value === undefined) continue
    if (Array.isArray(value)) {
      out[`okx.${key}`] = value.length > 20 ? `${value.slice(0, 20).join(",")},… (${value.length})` : value.join(",")
    } else {
      out[`okx.${key}`] = String(value)
    }
  }
  return out
}
