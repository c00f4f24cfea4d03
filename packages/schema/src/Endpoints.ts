/**
 * The endpoint table (path, method, request schema, `data[]` item schema) for the seven RFQ cancellation endpoints,
 * `GET /api/v5/public/time` and `GET /api/v5/rfq/quotes`, and `interpret`: one total function from an HTTP response
 * to a typed result or a typed `OkxError`.
 *
 * @since 0.1.0
 */
import type * as DateTime from "effect/DateTime"
import * as Either from "effect/Either"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import { showValue } from "./internal/fields.js"
import { formatIssues } from "./internal/format.js"
import * as OkxEnvelope from "./OkxEnvelope.js"
import * as OkxError from "./OkxError.js"
import * as RfqCancel from "./RfqCancel.js"

/**
 * @since 0.1.0
 * @category models
 */
export type Method = "GET" | "POST"

/**
 * Describes one endpoint. `request` has `Type` = the validated user-facing request and `Encoded` = the exact JSON
 * object (POST body) or query record (GET); `data` is the schema of ONE element of `data[]`. `successCodes` are the
 * envelope codes that yield a `Result` (everything else is an `OkxError`) and `interpretSuccess` builds the `Result`
 * from such an envelope (or returns a decode problem); use `interpret` rather than calling it directly.
 *
 * @since 0.1.0
 * @category models
 */
export interface Endpoint<
  Name extends string,
  M extends Method,
  Path extends string,
  Req extends Schema.Schema.AnyNoContext,
  Data extends Schema.Schema.AnyNoContext,
  Result
> {
  readonly name: Name
  readonly method: M
  readonly path: Path
  readonly request: Req
  readonly data: Data
  readonly successCodes: ReadonlyArray<string>
  readonly interpretSuccess: (envelope: OkxEnvelope.RawEnvelope) => Either.Either<Result, string>
}

/**
 * Any endpoint (every descriptor here is assignable to it), for code that handles endpoints generically.
 *
 * @since 0.1.0
 * @category models
 */
export type AnyEndpoint = Endpoint<
  string,
  Method,
  string,
  Schema.Schema.AnyNoContext,
  Schema.Schema.AnyNoContext,
  unknown
>

/**
 * The result of a single or batch cancel: the `code` (`"0"` all cancelled, `"1"` all failed, `"2"` partial), its
 * `msg`, and EVERY item of `data[]` with its ids and tagged `outcome`, in the venue's order. `interpret` gives the
 * envelope's code; `accountForQuotes` / `accountForRfqs` (which the client applies) make it the one the items say
 * (`withItems`).
 *
 * @since 0.1.0
 * @category results
 */
export interface ItemsResult<Item> {
  readonly _tag: "Items"
  readonly code: OkxEnvelope.BatchCode
  readonly msg: string
  readonly items: ReadonlyArray<Item>
  /**
   * Set when the venue answered the whole request with an item's code in the envelope itself (`"70001"` quote does
   * not exist, `"70400"` cannot be cancelled in its state, …; see `itemCodes`) rather than per item: `code` is then
   * `"1"`, and `accountForQuotes` / `accountForRfqs` give the ids without an item this code's outcome.
   */
  readonly topLevel?: { readonly code: string; readonly msg: string }
  /**
   * Set by the client when an attempt of the same call before this answer may have reached the venue and acted on
   * it (its connection dropped, it timed out, its answer was unreadable, a gateway's 502): an item now
   * `AlreadyInactive` or `NotFound` may be that attempt's cancel, not a fill, an expiry or a wrong id. Absent when
   * every earlier attempt was answered, or there was none. It is per call, not per item: a batch split into requests
   * of 100 is marked when an attempt of any of them was lost.
   */
  readonly earlierAttemptMayHaveActed?: true
}

/**
 * The item codes a venue may answer a whole single or batch cancel with, in the envelope's `code`: 70000 / 70001
 * (does not exist), 70008 (MMP), 70200 / 70400 (cannot be cancelled in its state). They give an `ItemsResult`, not
 * an error, so that a cancel reads the same whether the venue put the code in the item or at the top.
 *
 * @since 0.1.0
 * @category results
 */
export const itemCodes: ReadonlyArray<string> = ["70000", "70001", "70008", "70200", "70400"]

/**
 * cancel-all-quotes / cancel-all-rfqs succeeded at `ts`.
 *
 * @since 0.1.0
 * @category results
 */
export interface AllCancelled {
  readonly _tag: "AllCancelled"
  readonly ts: DateTime.Utc
}

/**
 * cancel-all-quotes answered 70409, or cancel-all-rfqs 70207: there was nothing active to cancel. This is a
 * success-like outcome (the postcondition "nothing of mine is active" holds), so it is a result, not an error. Each
 * endpoint takes only its own code: the other one (an RFQ's "nothing active" for quotes) is the `NothingToCancel`
 * error.
 *
 * @since 0.1.0
 * @category results
 */
export interface NothingToCancel {
  readonly _tag: "NothingToCancel"
  readonly code: string
  readonly msg: string
  /**
   * Set by the client when an attempt of the same call before this answer may have reached the venue and acted on
   * it: what it finds inactive may be that attempt's doing (see `ItemsResult.earlierAttemptMayHaveActed`).
   */
  readonly earlierAttemptMayHaveActed?: true
}

/**
 * @since 0.1.0
 * @category results
 */
export type CancelAllResult = AllCancelled | NothingToCancel

const decodeItems = <A, I>(item: Schema.Schema<A, I>) => {
  const decode = Schema.decodeUnknownEither(Schema.Array(item))
  return (envelope: OkxEnvelope.RawEnvelope): Either.Either<ReadonlyArray<A>, string> =>
    envelope.data === undefined
      ? Either.left("data: is missing")
      : Either.mapLeft(decode(envelope.data, { errors: "all" }), (error) => formatIssues(error, "data"))
}

const decodeOne = <A, I>(item: Schema.Schema<A, I>) => {
  const decode = decodeItems(item)
  return (envelope: OkxEnvelope.RawEnvelope): Either.Either<A, string> =>
    Either.flatMap(decode(envelope), (items) =>
      items.length === 1 ? Either.right(items[0]) : Either.left(`data: expected exactly one item, got ${items.length}`)
    )
}

const batchCodes: ReadonlyArray<OkxEnvelope.BatchCode> = ["0", "1", "2"]
const isBatchCode = Schema.is(OkxEnvelope.BatchCode)

const itemsEndpoint = <
  const Name extends string,
  const Path extends string,
  Req extends Schema.Schema.AnyNoContext,
  A,
  I
>(
  name: Name,
  path: Path,
  request: Req,
  data: Schema.Schema<A, I>
): Endpoint<Name, "POST", Path, Req, Schema.Schema<A, I>, ItemsResult<A>> => {
  const decode = decodeItems(data)
  return {
    name,
    method: "POST",
    path,
    request,
    data,
    successCodes: [...batchCodes, ...itemCodes],
    interpretSuccess: (envelope) => {
      const { code, msg } = envelope
      if (isBatchCode(code)) {
        return Either.map(decode(envelope), (items): ItemsResult<A> => ({ _tag: "Items", code, msg, items }))
      }
      // an item's code for the whole request: whatever items came with it (usually none: absent, null or []), and
      // the code
      return itemCodes.includes(code)
        ? Either.map(
            envelope.data === undefined || envelope.data === null ? Either.right([]) : decode(envelope),
            (items): ItemsResult<A> => ({ _tag: "Items", code: "1", msg, items, topLevel: { code, msg } })
          )
        : Either.left(`unexpected code ${code}`)
    }
  }
}

/**
 * `result` with `items` in its place and the code they say: `"0"` when every item is `Cancelled`, `"1"` when none
 * is, else `"2"` (no items: the code stays). When the code changes, the venue's `msg` and `topLevel` go: they
 * described its own code. A venue answering `"0"` beside an item it did not cancel must not pass for a complete
 * cancel.
 *
 * @since 0.1.0
 * @category results
 */
export const withItems = <Item extends { readonly outcome: RfqCancel.ItemOutcome }>(
  result: ItemsResult<Item>,
  items: ReadonlyArray<Item>
): ItemsResult<Item> => {
  if (items.length === 0) return items === result.items ? result : { ...result, items }
  let cancelled = 0
  for (const item of items) if (item.outcome._tag === "Cancelled") cancelled++
  const code = cancelled === items.length ? "0" : cancelled === 0 ? "1" : "2"
  if (code !== result.code) {
    // the venue's msg and topLevel were about the code it gave; the client's mark is about the call, and stays
    const mark = result.earlierAttemptMayHaveActed ? { earlierAttemptMayHaveActed: true as const } : {}
    return { _tag: "Items", code, msg: "", items, ...mark }
  }
  return items === result.items ? result : { ...result, items }
}

/**
 * `result` with an item for every requested id (`accountForQuotes`); `keyOf` reads the id field the request used.
 */
const accountFor = <Item extends { readonly outcome: RfqCancel.ItemOutcome }>(
  result: ItemsResult<Item>,
  ids: ReadonlyArray<string>,
  keyOf: (item: Item) => string,
  itemFor: (id: string, outcome: RfqCancel.ItemOutcome) => Item,
  named: (item: Item, id: string) => Item
): ItemsResult<Item> => {
  // the common case, one id answered by its item, without building a set
  if (ids.length === 1 && result.items.length > 0 && keyOf(result.items[0]!) === ids[0])
    return withItems(result, result.items)
  const keys = new Set(result.items.map(keyOf))
  const missing = ids.filter((id) => !keys.has(id))
  if (missing.length === 0) return withItems(result, result.items)
  // items without the asked field (a venue that leaves it out) stand for the ids no item names when that is
  // unambiguous: one such item for one such id is that id's; several, as many as such ids and all with the same
  // outcome, say that outcome for each id, but not which item is whose, so the ids get items of their own
  const anonymous = result.items.filter((item) => keyOf(item) === "")
  const first = anonymous[0]
  if (first !== undefined && anonymous.length === missing.length) {
    if (missing.length === 1) {
      return withItems(
        result,
        result.items.map((item) => (item === first ? named(item, missing[0]!) : item))
      )
    }
    const { outcome } = first
    if (anonymous.every((item) => item.outcome._tag === outcome._tag && item.outcome.sCode === outcome.sCode)) {
      return withItems(result, [
        ...result.items.filter((item) => keyOf(item) !== ""),
        ...missing.map((id) => itemFor(id, outcome))
      ])
    }
  }
  const top = result.topLevel
  // the venue's code for the whole request says what became of its only id; of several, it does not say which
  const outcome: RfqCancel.ItemOutcome =
    anonymous.length > 0
      ? {
          _tag: "Unanswered",
          sCode: "",
          sMsg: "the venue's answer has items without an id: which is this id's is unknown"
        }
      : top === undefined
        ? { _tag: "Unanswered", sCode: "", sMsg: "the venue's answer has no item for this id" }
        : ids.length === 1
          ? RfqCancel.itemOutcome(top.code, top.msg)
          : { _tag: "Rejected", sCode: top.code, sMsg: top.msg }
  return withItems(result, [...result.items, ...missing.map((id) => itemFor(id, outcome))])
}

/**
 * The ids a single or batch cancel asked for, and whether by client id (`clQuoteId(s)` / `clRfqId(s)`) or by the
 * venue's id; OKX goes by the venue's id when both are sent.
 *
 * @since 0.1.0
 * @category results
 */
export interface Requested {
  readonly ids: ReadonlyArray<string>
  readonly byClientId: boolean
}

/**
 * Makes a cancel-quote or cancel-batch-quotes result account for every id it asked for: an id the venue's answer
 * has no item for gets an item with outcome `Unanswered` (appended in request order), so that a venue answering
 * with fewer items than ids, or with items for other ids, cannot pass for a complete cancel. Items the venue sent
 * are all kept. When the venue answered the whole request with an item's code (`topLevel`, such as `"70001"`), a
 * single id gets that code's outcome (`NotFound`), several ids get `Rejected` with it. Items without the asked field
 * (`quoteId`, or `clQuoteId` when cancelling by client id) stand for the ids no item names when that is unambiguous:
 * one such item for one such id is named by it; as many as such ids, all with the same outcome, give each id an item
 * of its own with that outcome (which item was whose is not known); otherwise those ids are `Unanswered`.
 * The result's `code` is the one its items say (`"0"` only when every item is `Cancelled`), whatever the envelope
 * said.
 *
 * @since 0.1.0
 * @category results
 */
export const accountForQuotes = (
  result: ItemsResult<RfqCancel.QuoteCancellation>,
  { byClientId, ids }: Requested
): ItemsResult<RfqCancel.QuoteCancellation> =>
  accountFor(
    result,
    ids,
    (item) => (byClientId ? item.clQuoteId : item.quoteId),
    (id, outcome) => (byClientId ? { quoteId: "", clQuoteId: id, outcome } : { quoteId: id, clQuoteId: "", outcome }),
    (item, id) => (byClientId ? { ...item, clQuoteId: id } : { ...item, quoteId: id })
  )

/**
 * `accountForQuotes` for cancel-rfq and cancel-batch-rfqs.
 *
 * @since 0.1.0
 * @category results
 */
export const accountForRfqs = (
  result: ItemsResult<RfqCancel.RfqCancellation>,
  { byClientId, ids }: Requested
): ItemsResult<RfqCancel.RfqCancellation> =>
  accountFor(
    result,
    ids,
    (item) => (byClientId ? item.clRfqId : item.rfqId),
    (id, outcome) => (byClientId ? { rfqId: "", clRfqId: id, outcome } : { rfqId: id, clRfqId: "", outcome }),
    (item, id) => (byClientId ? { ...item, clRfqId: id } : { ...item, rfqId: id })
  )

/**
 * A cancel-all endpoint; `nothingCode` is its own "nothing active" code (70409 for quotes, 70207 for RFQs). The
 * other one is an error there: a cancel-all-quotes answered "no active RFQ" says nothing about the quotes.
 */
const cancelAllEndpoint = <const Name extends string, const Path extends string>(
  name: Name,
  path: Path,
  nothingCode: "70409" | "70207"
): Endpoint<Name, "POST", Path, typeof RfqCancel.EmptyRequest, typeof RfqCancel.CancelAllData, CancelAllResult> => {
  const decode = decodeOne(RfqCancel.CancelAllData)
  return {
    name,
    method: "POST",
    path,
    request: RfqCancel.EmptyRequest,
    data: RfqCancel.CancelAllData,
    successCodes: ["0", nothingCode],
    interpretSuccess: (envelope) =>
      envelope.code === "0"
        ? Either.map(decode(envelope), ({ ts }): CancelAllResult => ({ _tag: "AllCancelled", ts }))
        : Either.right({ _tag: "NothingToCancel", code: envelope.code, msg: envelope.msg })
  }
}

const singleEndpoint = <
  const Name extends string,
  const M extends Method,
  const Path extends string,
  Req extends Schema.Schema.AnyNoContext,
  A,
  I
>(
  name: Name,
  method: M,
  path: Path,
  request: Req,
  data: Schema.Schema<A, I>
): Endpoint<Name, M, Path, Req, Schema.Schema<A, I>, A> => ({
  name,
  method,
  path,
  request,
  data,
  successCodes: ["0"],
  interpretSuccess: decodeOne(data)
})

/**
 * `POST /api/v5/rfq/cancel-quote` (50 / 2 s). Result: `ItemsResult<RfqCancel.QuoteCancellation>`.
 *
 * @since 0.1.0
 * @category endpoints
 */
export const cancelQuote = itemsEndpoint(
  "cancel-quote",
  "/api/v5/rfq/cancel-quote",
  RfqCancel.CancelQuoteRequest,
  RfqCancel.QuoteCancellation
)

/**
 * `POST /api/v5/rfq/cancel-batch-quotes` (2 / 2 s). Result: `ItemsResult<RfqCancel.QuoteCancellation>`.
 *
 * @since 0.1.0
 * @category endpoints
 */
export const cancelBatchQuotes = itemsEndpoint(
  "cancel-batch-quotes",
  "/api/v5/rfq/cancel-batch-quotes",
  RfqCancel.CancelBatchQuotesRequest,
  RfqCancel.QuoteCancellation
)

/**
 * `POST /api/v5/rfq/cancel-all-quotes` (2 / 2 s), body `{}`. Result: `CancelAllResult`.
 *
 * @since 0.1.0
 * @category endpoints
 */
export const cancelAllQuotes = cancelAllEndpoint("cancel-all-quotes", "/api/v5/rfq/cancel-all-quotes", "70409")

/**
 * `POST /api/v5/rfq/cancel-rfq` (5 / 2 s). Result: `ItemsResult<RfqCancel.RfqCancellation>`.
 *
 * @since 0.1.0
 * @category endpoints
 */
export const cancelRfq = itemsEndpoint(
  "cancel-rfq",
  "/api/v5/rfq/cancel-rfq",
  RfqCancel.CancelRfqRequest,
  RfqCancel.RfqCancellation
)

/**
 * `POST /api/v5/rfq/cancel-batch-rfqs` (2 / 2 s). Result: `ItemsResult<RfqCancel.RfqCancellation>`.
 *
 * @since 0.1.0
 * @category endpoints
 */
export const cancelBatchRfqs = itemsEndpoint(
  "cancel-batch-rfqs",
  "/api/v5/rfq/cancel-batch-rfqs",
  RfqCancel.CancelBatchRfqsRequest,
  RfqCancel.RfqCancellation
)

/**
 * `POST /api/v5/rfq/cancel-all-rfqs` (2 / 2 s), body `{}`. Result: `CancelAllResult`.
 *
 * @since 0.1.0
 * @category endpoints
 */
export const cancelAllRfqs = cancelAllEndpoint("cancel-all-rfqs", "/api/v5/rfq/cancel-all-rfqs", "70207")

/**
 * `POST /api/v5/rfq/cancel-all-after` (1 / 1 s). Result: `RfqCancel.CancelAllAfterData`
 * (`{ triggerTime: Disabled | DateTime.Utc, ts, unit }`).
 *
 * @since 0.1.0
 * @category endpoints
 */
export const cancelAllAfter = singleEndpoint(
  "cancel-all-after",
  "POST",
  "/api/v5/rfq/cancel-all-after",
  RfqCancel.CancelAllAfterRequest,
  RfqCancel.CancelAllAfterData
)

/**
 * `GET /api/v5/public/time` (public, 10 / 2 s per IP). Result: `RfqCancel.ServerTimeData` (`{ ts: DateTime.Utc }`).
 *
 * @since 0.1.0
 * @category endpoints
 */
export const serverTime = singleEndpoint(
  "public-time",
  "GET",
  "/api/v5/public/time",
  RfqCancel.ServerTimeRequest,
  RfqCancel.ServerTimeData
)

/**
 * `GET /api/v5/rfq/quotes` (2 / 2 s, Read), to confirm quote states. Result: `ReadonlyArray<RfqCancel.Quote>`.
 *
 * @since 0.1.0
 * @category endpoints
 */
export const quotes: Endpoint<
  "quotes",
  "GET",
  "/api/v5/rfq/quotes",
  typeof RfqCancel.QuotesRequest,
  typeof RfqCancel.Quote,
  ReadonlyArray<RfqCancel.Quote>
> = {
  name: "quotes",
  method: "GET",
  path: "/api/v5/rfq/quotes",
  request: RfqCancel.QuotesRequest,
  data: RfqCancel.Quote,
  successCodes: ["0"],
  interpretSuccess: decodeItems(RfqCancel.Quote)
}

/**
 * `GET /api/v5/rfq/rfqs` (2 / 2 s, Read), to confirm RFQ states. Result: `ReadonlyArray<RfqCancel.Rfq>`.
 *
 * @since 0.1.0
 * @category endpoints
 */
export const rfqs: Endpoint<
  "rfqs",
  "GET",
  "/api/v5/rfq/rfqs",
  typeof RfqCancel.RfqsRequest,
  typeof RfqCancel.Rfq,
  ReadonlyArray<RfqCancel.Rfq>
> = {
  name: "rfqs",
  method: "GET",
  path: "/api/v5/rfq/rfqs",
  request: RfqCancel.RfqsRequest,
  data: RfqCancel.Rfq,
  successCodes: ["0"],
  interpretSuccess: decodeItems(RfqCancel.Rfq)
}

/**
 * The seven cancellation endpoints.
 *
 * @since 0.1.0
 * @category endpoints
 */
export const cancellation = [
  cancelRfq,
  cancelBatchRfqs,
  cancelAllRfqs,
  cancelQuote,
  cancelBatchQuotes,
  cancelAllQuotes,
  cancelAllAfter
] as const

/**
 * Every endpoint described here.
 *
 * @since 0.1.0
 * @category endpoints
 */
export const all = [...cancellation, serverTime, quotes, rfqs] as const

/**
 * The name of a cancellation endpoint (`"cancel-quote"`, ...).
 *
 * @since 0.1.0
 * @category models
 */
export type CancellationName = (typeof cancellation)[number]["name"]

/**
 * The `Result` type `interpret` produces for an endpoint.
 *
 * @since 0.1.0
 * @category models
 */
export type ResultOf<E> =
  E extends Endpoint<string, Method, string, Schema.Schema.AnyNoContext, Schema.Schema.AnyNoContext, infer R>
    ? R
    : never

// -----------------------------------------------------------------------------
// requests
// -----------------------------------------------------------------------------

/**
 * A request that is not an object of fields (`undefined`, `null`, a number, a string, an array), as an
 * `OkxError.InvalidRequest` naming the field `request`; `undefined` for an object. A JavaScript caller's
 * `cancelQuote()` is told what is wrong, not Schema's "Expected Struct (Type side)". `encodeRequest` checks it first.
 *
 * @example
 * ```ts
 * import { Endpoints } from "@okx-rfq/schema"
 *
 * Endpoints.requestShapeProblem("cancel-quote", undefined)?.msg
 * // "request: expected an object of the request's fields, got undefined"
 * Endpoints.requestShapeProblem("cancel-quote", { quoteId: "007" }) // undefined
 * ```
 *
 * @since 0.1.0
 * @category requests
 */
export const requestShapeProblem = (endpoint: string, input: unknown): OkxError.InvalidRequest | undefined =>
  Predicate.isRecord(input)
    ? undefined
    : new OkxError.InvalidRequest({
        endpoint,
        field: "request",
        msg: `request: expected an object of the request's fields, got ${showValue(input)}`
      })

/**
 * Validates and encodes a request. Fails with `OkxError.InvalidRequest` naming the field, the value and the allowed
 * range (`request` when the input is not an object at all, `requestShapeProblem`).
 *
 * @since 0.1.0
 * @category requests
 */
export const encodeRequest = <Req extends Schema.Schema.AnyNoContext>(
  endpoint: { readonly name: string; readonly request: Req },
  input: Schema.Schema.Type<Req>
): Either.Either<Schema.Schema.Encoded<Req>, OkxError.InvalidRequest> => {
  const shape = requestShapeProblem(endpoint.name, input)
  return shape !== undefined
    ? Either.left(shape)
    : Either.mapLeft(Schema.encodeEither(endpoint.request)(input, { errors: "all" }), (error) =>
        OkxError.InvalidRequest.fromParseError(endpoint.name, error)
      )
}

/**
 * What to send: the method, the request path (for GET including the query string, exactly as it must be signed)
 * and the body (the JSON for POST, `""` for GET).
 *
 * @since 0.1.0
 * @category models
 */
export interface PreparedRequest {
  readonly method: Method
  readonly requestPath: string
  readonly body: string
}

/**
 * Validates, encodes and serialises a request.
 *
 * @example
 * ```ts
 * import { Endpoints } from "@okx-rfq/schema"
 *
 * Endpoints.prepare(Endpoints.cancelQuote, { quoteId: "007", clQuoteId: "Bond007" })
 * // Right({ method: "POST", requestPath: "/api/v5/rfq/cancel-quote", body: '{"quoteId":"007","clQuoteId":"Bond007"}' })
 * Endpoints.prepare(Endpoints.quotes, { quoteId: "007", state: "active" })
 * // Right({ method: "GET", requestPath: "/api/v5/rfq/quotes?quoteId=007&state=active", body: "" })
 * ```
 *
 * @since 0.1.0
 * @category requests
 */
export const prepare = <Req extends Schema.Schema.AnyNoContext>(
  endpoint: { readonly name: string; readonly method: Method; readonly path: string; readonly request: Req },
  input: Schema.Schema.Type<Req>
): Either.Either<PreparedRequest, OkxError.InvalidRequest> =>
  Either.map(encodeRequest(endpoint, input), (encoded): PreparedRequest => {
    if (endpoint.method === "POST") {
      return { method: "POST", requestPath: endpoint.path, body: JSON.stringify(encoded) }
    }
    const params = new URLSearchParams()
    for (const [key, value] of Object.entries(encoded as object)) {
      if (typeof value === "string") params.append(key, value)
    }
    const query = params.toString()
    return { method: "GET", requestPath: query === "" ? endpoint.path : `${endpoint.path}?${query}`, body: "" }
  })

// -----------------------------------------------------------------------------
// responses
// -----------------------------------------------------------------------------

/**
 * An HTTP response as the client saw it: the status and the body, parsed JSON or the raw text when it was not JSON.
 *
 * @since 0.1.0
 * @category models
 */
export interface HttpResponse {
  readonly httpStatus: number
  readonly body: unknown
}

const decodeRawEnvelope = Schema.decodeUnknownEither(OkxEnvelope.RawEnvelope)

/** The envelope of a body (parsed JSON, or text to parse), or why there is none. */
const readEnvelope = (body: unknown): Either.Either<OkxEnvelope.RawEnvelope, string> =>
  Either.flatMap(OkxEnvelope.parseAnswer(body), (json) =>
    Either.mapLeft(decodeRawEnvelope(json), (error) => formatIssues(error))
  )

/**
 * Interprets a response. Total: never throws, every failure is a typed `OkxError`.
 *
 * - 2xx with an envelope whose code is one of the endpoint's `successCodes` → the `Result` (single and batch cancels:
 *   `"0"`, `"1"` and `"2"` all give an `ItemsResult` with every item, and so does an item's code for the whole
 *   request, `itemCodes`, with `code` `"1"` and `topLevel`; cancel-all-quotes / cancel-all-rfqs: `"0"` →
 *   `AllCancelled`, its own `"70409"` / `"70207"` → `NothingToCancel`). A missing or malformed field → `DecodeError` with
 *   the raw body.
 * - any other envelope code (2xx or not) → the error for that code (`OkxError.fromCode`).
 * - non-2xx without an envelope (or with a success code) → `OkxError.fromHttpStatus` (429 → `RateLimited`, 5xx and
 *   408 → `Unavailable`, else `UnknownCode`), keeping the status and raw body.
 * - 2xx without a readable envelope (truncated, not JSON, an HTML page) → `OutcomeUnknown` without a `code`, keeping
 *   the raw body: the venue may have acted, so the request is retried like 50004 (cancels are idempotent). An
 *   envelope with a missing or malformed field that decides something stays a `DecodeError` (never retried: the
 *   same answer would come back).
 *
 * @example
 * ```ts
 * import { Endpoints } from "@okx-rfq/schema"
 *
 * const result = Endpoints.interpret(Endpoints.cancelBatchQuotes, {
 *   httpStatus: 200,
 *   body: { code: "2", msg: "", data: [{ quoteId: "1", clQuoteId: "", sCode: "70001", sMsg: "" }] }
 * })
 * // Right({ _tag: "Items", code: "2", items: [{ quoteId: "1", clQuoteId: "", outcome: { _tag: "NotFound", ... } }] })
 * ```
 *
 * @since 0.1.0
 * @category responses
 */
export const interpret = <
  Name extends string,
  M extends Method,
  Path extends string,
  Req extends Schema.Schema.AnyNoContext,
  Data extends Schema.Schema.AnyNoContext,
  Result
>(
  endpoint: Endpoint<Name, M, Path, Req, Data, Result>,
  response: HttpResponse
): Either.Either<Result, OkxError.OkxError> => {
  const { body, httpStatus } = response
  const ok = httpStatus >= 200 && httpStatus <= 299
  const raw = readEnvelope(body)
  if (Either.isLeft(raw)) {
    return Either.left(
      ok
        ? new OkxError.OutcomeUnknown({
            endpoint: endpoint.name,
            httpStatus,
            msg: `not an OKX envelope: ${raw.left}`,
            body
          })
        : OkxError.fromHttpStatus({ endpoint: endpoint.name, httpStatus, body })
    )
  }
  const envelope = raw.right
  if (!endpoint.successCodes.includes(envelope.code)) {
    return Either.left(
      OkxError.fromCode({ endpoint: endpoint.name, code: envelope.code, msg: envelope.msg, httpStatus })
    )
  }
  if (!ok) return Either.left(OkxError.fromHttpStatus({ endpoint: endpoint.name, httpStatus, body }))
  return Either.mapLeft(
    endpoint.interpretSuccess(envelope),
    (detail) => new OkxError.DecodeError({ endpoint: endpoint.name, code: envelope.code, httpStatus, detail, body })
  )
}
