import { Endpoints, OkxError, type RfqCancel } from "@okx-rfq/schema"
import * as Either from "effect/Either"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

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
 * The two id lists of a batch endpoint, the venue's ids first (OKX goes by them when both are sent), each with the
 * schema of one id.
 *
 * @internal
 */
export type IdLists = readonly [
  readonly [string, Schema.Schema<string, string>],
  readonly [string, Schema.Schema<string, string>]
]

/**
 * Splits a batch input into requests of at most 100 ids, validating what only the whole list shows; each chunk is
 * then validated by its schema before anything is sent. Both lists given are one request, rejected by `bothLists`
 * once its schema has passed it.
 *
 * A list longer than 100 has its ids checked here, so that a bad id is named by its index in the caller's list
 * (`quoteIds[120]`), not in its chunk; and so are duplicates across chunks.
 *
 * @internal
 */
export const planBatches = (
  endpoint: string,
  lists: IdLists,
  input: Readonly<Record<string, ReadonlyArray<string> | undefined>>
): Either.Either<ReadonlyArray<Chunk>, OkxError.InvalidRequest> => {
  const [[primary, primaryId], [secondary, secondaryId]] = lists
  const p = input[primary]
  const s = input[secondary]
  if (p !== undefined && s !== undefined) {
    // one request, whose schema names a bad field before `bothLists` is checked; too long for one request, only the
    // rule against giving both is worth telling
    return p.length > maxBatch || s.length > maxBatch
      ? Either.left(bothLists(endpoint, lists, input)!)
      : Either.right([{ input, ids: p }])
  }
  const key = p !== undefined ? primary : secondary
  const list = p ?? s
  if (list === undefined || list.length <= maxBatch) return Either.right([{ input, ids: list ?? [] }])
  const item = p !== undefined ? primaryId : secondaryId
  const checked = Schema.encodeUnknownEither(Schema.Struct({ [key]: Schema.Array(item) }))({ [key]: list })
  if (Either.isLeft(checked)) return Either.left(OkxError.InvalidRequest.fromParseError(endpoint, checked.left))
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
 * Both lists given, each valid on its own: rejected, naming the client-id list. OKX goes by the venue's ids and
 * ignores the client ids, so whatever only the client ids named would stay live while the call reported success.
 *
 * @internal
 */
export const bothLists = (
  endpoint: string,
  [[primary], [secondary]]: IdLists,
  input: Readonly<Record<string, ReadonlyArray<string> | undefined>>
): OkxError.InvalidRequest | undefined =>
  input[primary] !== undefined && input[secondary] !== undefined
    ? invalid(
        endpoint,
        secondary,
        `give ${primary} or ${secondary}, not both: OKX goes by ${primary} and would leave the ${secondary} uncancelled`
      )
    : undefined

/**
 * An item the venue refused for a passing reason: `Rejected` with an `sCode` whose rule is `backoff` (70208, or a
 * busy or rate-limit code given per item). Its quote or RFQ is still live, and sending it again may cancel it.
 *
 * @internal
 */
export const isPassing = (outcome: RfqCancel.ItemOutcome): boolean =>
  outcome._tag === "Rejected" && OkxError.retryRuleForCode(outcome.sCode) === "backoff"

/**
 * `result` with the items of `fresh` (the answer to a re-send of the ids `resent`) in place of those with the same id
 * (by `key`); an item of `fresh` for an id not re-sent replaces nothing.
 * `fresh` has been accounted for (`Endpoints.accountForQuotes`), so every id it asked for has an item named by it
 * (items the venue left without an id are named, or their ids made `Unanswered`); an item of `result` without an id
 * is never replaced. The code is made to match (`Endpoints.withItems`).
 *
 * @internal
 */
export const replaceItems = <Item extends { readonly outcome: RfqCancel.ItemOutcome }>(
  result: Endpoints.ItemsResult<Item>,
  fresh: Endpoints.ItemsResult<Item>,
  key: (item: Item) => string,
  resent: ReadonlySet<string>
): Endpoints.ItemsResult<Item> => {
  const byKey = new Map<string, Item>()
  for (const item of fresh.items) {
    const k = key(item)
    // only the ids the re-send asked for: an item for another id is no answer about it
    if (k !== "" && resent.has(k)) byKey.set(k, item)
  }
  const items = result.items.map((item) => {
    const k = key(item)
    return k === "" ? item : (byKey.get(k) ?? item)
  })
  return Endpoints.withItems(fresh.earlierAttemptMayHaveActed ? afterEarlierAttempt(result) : result, items)
}

/** Errors that ended a call after an earlier attempt of it may have acted (`afterEarlierActed`). */
const earlierActed = new WeakSet<object>()

/**
 * `error`, recorded as ending a call an earlier attempt of which may have acted (a drop, then 503s): `mayHaveActed`
 * then says so, whatever the error itself says.
 *
 * @internal
 */
export const afterEarlierActed = <E extends object>(error: E): E => {
  earlierActed.add(error)
  return error
}

/**
 * Whether the venue may have acted on a request that ended in `error`: the connection dropped or timed out after
 * it may have been sent (`TransportError.mayHaveActed`: not a refused connection), the answer was unreadable
 * (`OutcomeUnknown`) or had a deciding field missing or malformed (`DecodeError`: the venue answered, so it took the
 * request), or said the outcome is unknown, a gateway answered that the venue failed or was too slow after it may
 * have passed the request on, or the venue answered 50026 (`Unavailable.mayHaveActed`), the deadline came while the
 * outcome of a request was not known (`DeadlineExceeded.mayHaveActed`; not when every request was refused, or none
 * left the lane), or an earlier attempt of the call did one of these (`afterEarlierActed`). Public as
 * `RfqCancelError.mayHaveActed`.
 *
 * @internal
 */
export const mayHaveActed = (error: { readonly _tag: string }): boolean =>
  earlierActed.has(error) ||
  error._tag === "OutcomeUnknown" ||
  error._tag === "DecodeError" ||
  (error._tag === "Unavailable" && (error as { readonly mayHaveActed?: unknown }).mayHaveActed === true) ||
  ((error._tag === "TransportError" || error._tag === "DeadlineExceeded") &&
    (error as { readonly mayHaveActed?: unknown }).mayHaveActed !== false)

/**
 * `result` with the `again` items, whose re-send failed after the venue may have acted, made `Unanswered`: their
 * state is unknown.
 *
 * @internal
 */
export const unanswered = <Item extends { readonly outcome: RfqCancel.ItemOutcome }>(
  result: Endpoints.ItemsResult<Item>,
  again: ReadonlyArray<Item>,
  withOutcome: (item: Item, outcome: RfqCancel.ItemOutcome) => Item,
  reason: string
): Endpoints.ItemsResult<Item> => {
  const resent = new Set(again)
  const outcome: RfqCancel.ItemOutcome = {
    _tag: "Unanswered",
    sCode: "",
    sMsg: `sent again after ${again[0]?.outcome.sCode ?? "a refusal"}, outcome unknown: ${reason}`
  }
  return Endpoints.withItems(
    result,
    result.items.map((item) => (resent.has(item) ? withOutcome(item, outcome) : item))
  )
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
    items: results.flatMap((r) => r.items),
    ...(results.some((r) => r.earlierAttemptMayHaveActed) ? { earlierAttemptMayHaveActed: true } : {})
  }
}

/**
 * `result` marked as answered after an earlier attempt of its call may have acted
 * (`ItemsResult.earlierAttemptMayHaveActed`, `NothingToCancel`'s): only a cancel's items and a cancel-all's "nothing
 * to cancel" can be an earlier attempt's doing.
 *
 * @internal
 */
export const afterEarlierAttempt = <Result>(result: Result): Result => {
  const tag = (result as { readonly _tag?: unknown })._tag
  return tag === "Items" || tag === "NothingToCancel" ? { ...result, earlierAttemptMayHaveActed: true } : result
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
export const idAttributes = (ids: unknown): Record<string, string> => {
  const out: Record<string, string> = {}
  // a request that is not an object fails with InvalidRequest; its span has no ids
  if (!Predicate.isRecord(ids)) return out
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
