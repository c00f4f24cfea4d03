/**
 * Request and response schemas for the OKX RFQ cancellation family (`/api/v5/rfq/cancel-*`), plus
 * `GET /api/v5/public/time` and `GET /api/v5/rfq/quotes`.
 *
 * Every request schema has `Type` = the validated user-facing request and `Encoded` = the exact JSON object OKX
 * documents (numbers as strings, absent optional fields omitted, `{}` for no parameters). Encoding validates, so bad
 * input never reaches the wire. Every `...Data` schema describes ONE element of the envelope's `data[]`.
 *
 * @since 0.1.0
 */
import * as Arbitrary from "effect/Arbitrary"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import { identity } from "effect/Function"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import {
  EpochMillisString,
  dateTimeFromMillis,
  optionalField,
  parseDigits,
  isEpochSeconds,
  showValue
} from "./internal/fields.js"

// -----------------------------------------------------------------------------
// ids
// -----------------------------------------------------------------------------

const venueId = (identifier: string) =>
  Schema.String.pipe(
    Schema.filter((s) => /^\S+$/.test(s) || `must be a non-empty id without whitespace, got ${showValue(s)}`, {
      identifier,
      arbitrary: () => (fc) => fc.stringMatching(/^[1-9][0-9]{0,18}$/)
    })
  )

const clientId = (identifier: string) =>
  Schema.String.pipe(
    Schema.filter(
      (s) =>
        /^[A-Za-z0-9]{1,32}$/.test(s) || `must be 1 to 32 letters or digits (^[A-Za-z0-9]{1,32}$), got ${showValue(s)}`,
      { identifier, arbitrary: () => (fc) => fc.stringMatching(/^[A-Za-z0-9]{1,32}$/) }
    )
  )

/**
 * A venue-assigned quote id: a non-empty string without whitespace.
 *
 * @since 0.1.0
 * @category ids
 */
export const QuoteId = venueId("QuoteId")

/**
 * A client-supplied quote id: 1 to 32 case-sensitive letters and digits (`^[A-Za-z0-9]{1,32}$`).
 *
 * @since 0.1.0
 * @category ids
 */
export const ClQuoteId = clientId("ClQuoteId")

/**
 * A venue-assigned RFQ id: a non-empty string without whitespace.
 *
 * @since 0.1.0
 * @category ids
 */
export const RfqId = venueId("RfqId")

/**
 * A client-supplied RFQ id: 1 to 32 case-sensitive letters and digits (`^[A-Za-z0-9]{1,32}$`).
 *
 * @since 0.1.0
 * @category ids
 */
export const ClRfqId = clientId("ClRfqId")

/**
 * The most ids OKX accepts in one batch cancel.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxBatchSize = 100

const idList = <A>(item: Schema.Schema<A, string>, identifier: string) =>
  Schema.Array(item).pipe(
    Schema.filter(
      (ids) =>
        (ids.length >= 1 && ids.length <= maxBatchSize) || `must hold 1 to ${maxBatchSize} ids, got ${ids.length}`
    ),
    Schema.filter(
      (ids) => {
        const seen = new Set<A>()
        for (const id of ids) {
          if (seen.has(id)) return `must not contain duplicates, got ${showValue(id)} more than once`
          seen.add(id)
        }
        return true
      },
      {
        identifier,
        arbitrary: () => (fc) => fc.uniqueArray(Arbitrary.make(item), { minLength: 1, maxLength: maxBatchSize })
      }
    )
  )

// -----------------------------------------------------------------------------
// cancel-quote / cancel-rfq
// -----------------------------------------------------------------------------

/**
 * `POST /api/v5/rfq/cancel-quote`. At least one of `quoteId` / `clQuoteId` is required; when both are sent OKX uses
 * `quoteId`. `rfqId` is optional.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { RfqCancel } from "@okx-rfq/schema"
 *
 * Schema.encodeSync(RfqCancel.CancelQuoteRequest)({ clQuoteId: "Bond007" }) // { clQuoteId: "Bond007" }
 * ```
 *
 * @since 0.1.0
 * @category requests
 */
export const CancelQuoteRequest = Schema.Struct({
  quoteId: optionalField(QuoteId),
  clQuoteId: optionalField(ClQuoteId),
  rfqId: optionalField(RfqId)
}).pipe(
  Schema.filter(
    (r) =>
      r.quoteId !== undefined ||
      r.clQuoteId !== undefined || {
        path: ["quoteId"],
        message: "either quoteId or clQuoteId is required, got neither"
      },
    { identifier: "CancelQuoteRequest" }
  )
)

/**
 * @since 0.1.0
 * @category requests
 */
export type CancelQuoteRequest = typeof CancelQuoteRequest.Type

/**
 * `POST /api/v5/rfq/cancel-rfq`. At least one of `rfqId` / `clRfqId` is required; when both are sent OKX uses
 * `rfqId`.
 *
 * @since 0.1.0
 * @category requests
 */
export const CancelRfqRequest = Schema.Struct({
  rfqId: optionalField(RfqId),
  clRfqId: optionalField(ClRfqId)
}).pipe(
  Schema.filter(
    (r) =>
      r.rfqId !== undefined ||
      r.clRfqId !== undefined || { path: ["rfqId"], message: "either rfqId or clRfqId is required, got neither" },
    { identifier: "CancelRfqRequest" }
  )
)

/**
 * @since 0.1.0
 * @category requests
 */
export type CancelRfqRequest = typeof CancelRfqRequest.Type

// -----------------------------------------------------------------------------
// batches
// -----------------------------------------------------------------------------

/**
 * `POST /api/v5/rfq/cancel-batch-quotes`. `quoteIds` and/or `clQuoteIds`, each 1 to 100 distinct ids. When both are
 * sent OKX uses `quoteIds`.
 *
 * @since 0.1.0
 * @category requests
 */
export const CancelBatchQuotesRequest = Schema.Struct({
  quoteIds: optionalField(idList(QuoteId, "QuoteIds")),
  clQuoteIds: optionalField(idList(ClQuoteId, "ClQuoteIds"))
}).pipe(
  Schema.filter(
    (r) =>
      r.quoteIds !== undefined ||
      r.clQuoteIds !== undefined || {
        path: ["quoteIds"],
        message: "either quoteIds or clQuoteIds is required, got neither"
      },
    { identifier: "CancelBatchQuotesRequest" }
  )
)

/**
 * @since 0.1.0
 * @category requests
 */
export type CancelBatchQuotesRequest = typeof CancelBatchQuotesRequest.Type

/**
 * `POST /api/v5/rfq/cancel-batch-rfqs`. `rfqIds` and/or `clRfqIds`, each 1 to 100 distinct ids. When both are sent
 * OKX uses `rfqIds`.
 *
 * @since 0.1.0
 * @category requests
 */
export const CancelBatchRfqsRequest = Schema.Struct({
  rfqIds: optionalField(idList(RfqId, "RfqIds")),
  clRfqIds: optionalField(idList(ClRfqId, "ClRfqIds"))
}).pipe(
  Schema.filter(
    (r) =>
      r.rfqIds !== undefined ||
      r.clRfqIds !== undefined || { path: ["rfqIds"], message: "either rfqIds or clRfqIds is required, got neither" },
    { identifier: "CancelBatchRfqsRequest" }
  )
)

/**
 * @since 0.1.0
 * @category requests
 */
export type CancelBatchRfqsRequest = typeof CancelBatchRfqsRequest.Type

// -----------------------------------------------------------------------------
// no-parameter requests
// -----------------------------------------------------------------------------

/**
 * A request without parameters: every object is accepted and it always encodes to `{}` (OKX rejects an empty POST body
 * with 50000, so `{}` is what must be sent and signed).
 *
 * @since 0.1.0
 * @category requests
 */
export const EmptyRequest = Schema.transform(Schema.Struct({}), Schema.Struct({}), {
  strict: true,
  decode: () => ({}),
  encode: () => ({})
}).annotations({ identifier: "EmptyRequest" })

/**
 * @since 0.1.0
 * @category requests
 */
export type EmptyRequest = typeof EmptyRequest.Type

/**
 * `POST /api/v5/rfq/cancel-all-quotes`: no parameters, sends `{}`.
 *
 * @since 0.1.0
 * @category requests
 */
export const CancelAllQuotesRequest = EmptyRequest

/**
 * `POST /api/v5/rfq/cancel-all-rfqs`: no parameters, sends `{}`.
 *
 * @since 0.1.0
 * @category requests
 */
export const CancelAllRfqsRequest = EmptyRequest

/**
 * `GET /api/v5/public/time`: no parameters.
 *
 * @since 0.1.0
 * @category requests
 */
export const ServerTimeRequest = EmptyRequest

// -----------------------------------------------------------------------------
// cancel-all-after
// -----------------------------------------------------------------------------

const timeoutProblem = (d: Duration.Duration): string | undefined => {
  if (!Duration.isFinite(d)) return "got an infinite duration"
  const millis = Duration.toMillis(d)
  if (millis % 1000 !== 0) return `got ${Duration.format(d)}, which is not a whole number of seconds`
  const seconds = millis / 1000
  if (seconds === 0 || (seconds >= 10 && seconds <= 120)) return undefined
  return `got ${seconds} seconds`
}

/**
 * The cancel-all-after countdown, as a `Duration` (decoded type). Valid values: `Duration.zero` (disables the
 * countdown) or a whole number of seconds in [10, 120]. Build one with `Duration.seconds(60)` or `"60 seconds"` via
 * `Duration.decode`.
 *
 * @since 0.1.0
 * @category cancel-all-after
 */
export const CancelAllAfterTimeout = Schema.DurationFromSelf.pipe(
  Schema.filter(
    (d) => {
      const problem = timeoutProblem(d)
      return problem === undefined || `must be 0 (disabled) or a whole number of seconds in [10, 120], ${problem}`
    },
    {
      identifier: "CancelAllAfterTimeout",
      arbitrary: () => (fc) => fc.oneof(fc.constant(0), fc.integer({ min: 10, max: 120 })).map(Duration.seconds)
    }
  )
)

/**
 * @since 0.1.0
 * @category cancel-all-after
 */
export type CancelAllAfterTimeout = Duration.Duration

/**
 * The timeout that disables cancel-all-after (`timeOut: "0"`).
 *
 * @since 0.1.0
 * @category cancel-all-after
 */
export const disabledTimeout: CancelAllAfterTimeout = Duration.zero

/**
 * `timeOut` on the wire: the string `"0"` or an integer string in [10, 120], decoded to a `CancelAllAfterTimeout`.
 *
 * @since 0.1.0
 * @category cancel-all-after
 */
export const TimeOutFromString = Schema.transformOrFail(Schema.String, CancelAllAfterTimeout, {
  strict: true,
  decode: (input, _, ast) => {
    const seconds = parseDigits(input)
    return seconds === undefined
      ? ParseResult.fail(
          new ParseResult.Type(
            ast,
            input,
            `must be "0" (disabled) or an integer number of seconds in [10, 120], got ${showValue(input)}`
          )
        )
      : ParseResult.succeed(Duration.seconds(seconds))
  },
  encode: (d) => ParseResult.succeed(String(Duration.toMillis(d) / 1000))
}).annotations({ identifier: "TimeOutFromString" })

/**
 * `POST /api/v5/rfq/cancel-all-after`. `timeOut` is a `Duration` (`Duration.zero` disables); it is encoded as
 * `"0"` or an integer string in [10, 120].
 *
 * @example
 * ```ts
 * import { Duration, Schema } from "effect"
 * import { RfqCancel } from "@okx-rfq/schema"
 *
 * Schema.encodeSync(RfqCancel.CancelAllAfterRequest)({ timeOut: Duration.seconds(60) }) // { timeOut: "60" }
 * ```
 *
 * @since 0.1.0
 * @category requests
 */
export const CancelAllAfterRequest = Schema.Struct({ timeOut: TimeOutFromString }).annotations({
  identifier: "CancelAllAfterRequest"
})

/**
 * @since 0.1.0
 * @category requests
 */
export type CancelAllAfterRequest = typeof CancelAllAfterRequest.Type

// -----------------------------------------------------------------------------
// per-item outcomes
// -----------------------------------------------------------------------------

/**
 * The item was cancelled (`sCode` `"0"`).
 *
 * @since 0.1.0
 * @category outcomes
 */
export const Cancelled = Schema.TaggedStruct("Cancelled", { sCode: Schema.String, sMsg: Schema.String })

/**
 * @since 0.1.0
 * @category outcomes
 */
export type Cancelled = typeof Cancelled.Type

/**
 * The RFQ or quote does not exist (`sCode` 70000 / 70001). Final for that item.
 *
 * @since 0.1.0
 * @category outcomes
 */
export const NotFound = Schema.TaggedStruct("NotFound", { sCode: Schema.String, sMsg: Schema.String })

/**
 * @since 0.1.0
 * @category outcomes
 */
export type NotFound = typeof NotFound.Type

/**
 * The RFQ or quote is in a state that cannot be cancelled, i.e. already inactive (`sCode` 70200 / 70400). Final.
 *
 * @since 0.1.0
 * @category outcomes
 */
export const AlreadyInactive = Schema.TaggedStruct("AlreadyInactive", { sCode: Schema.String, sMsg: Schema.String })

/**
 * @since 0.1.0
 * @category outcomes
 */
export type AlreadyInactive = typeof AlreadyInactive.Type

/**
 * Any other non-zero `sCode`. Use `OkxError.retryRuleForCode(sCode)` to decide whether the item may be retried.
 *
 * @since 0.1.0
 * @category outcomes
 */
export const Rejected = Schema.TaggedStruct("Rejected", { sCode: Schema.String, sMsg: Schema.String })

/**
 * @since 0.1.0
 * @category outcomes
 */
export type Rejected = typeof Rejected.Type

/**
 * The venue's answer has no item for this id (fewer items than ids, or items for other ids), so whether it was
 * cancelled is not known: cancel it again (cancels are idempotent) or confirm with `GET /api/v5/rfq/quotes`. Never
 * decoded from the wire: the client adds it (`Endpoints.accountForQuotes` / `accountForRfqs`), with `sCode` `""`.
 *
 * @since 0.1.0
 * @category outcomes
 */
export const Unanswered = Schema.TaggedStruct("Unanswered", { sCode: Schema.String, sMsg: Schema.String })

/**
 * @since 0.1.0
 * @category outcomes
 */
export type Unanswered = typeof Unanswered.Type

/**
 * The outcome of one item of a single or batch cancel.
 *
 * @since 0.1.0
 * @category outcomes
 */
export const ItemOutcome = Schema.Union(Cancelled, NotFound, AlreadyInactive, Rejected, Unanswered)

/**
 * @since 0.1.0
 * @category outcomes
 */
export type ItemOutcome = typeof ItemOutcome.Type

/**
 * Classifies an item's `sCode` (never its `sMsg`).
 *
 * @since 0.1.0
 * @category outcomes
 */
export const itemOutcome = (sCode: string, sMsg: string): ItemOutcome => {
  // plain literals of the tagged structs: `make` would copy and re-validate two strings on every decoded item
  switch (sCode) {
    case "0":
      return { _tag: "Cancelled", sCode, sMsg }
    case "70000":
    case "70001":
      return { _tag: "NotFound", sCode, sMsg }
    case "70200":
    case "70400":
      return { _tag: "AlreadyInactive", sCode, sMsg }
    default:
      return { _tag: "Rejected", sCode, sMsg }
  }
}

/**
 * True when the item is no longer active at the venue: `Cancelled`, `NotFound` or `AlreadyInactive`.
 *
 * @since 0.1.0
 * @category outcomes
 */
export const isInactive = (outcome: ItemOutcome): outcome is Cancelled | NotFound | AlreadyInactive =>
  outcome._tag !== "Rejected" && outcome._tag !== "Unanswered"

// -----------------------------------------------------------------------------
// response data
// -----------------------------------------------------------------------------

/**
 * A response field that only informs (an id, a rejection message): OKX sends `""` when it has no value, and its
 * documentation describes `sMsg` as set only when the request failed, so a venue may also leave it out. Absent
 * decodes as `""`, never as a `DecodeError` that would hide a cancel that succeeded; encoding always writes it. An
 * item's ids are informational too: the item is matched by the id the request used, and one without it stands for
 * the id no other item names (`Endpoints.accountForQuotes`), so a venue that leaves out the id the request did not
 * use (the `quoteId` of a cancel by `clQuoteId`) has still answered.
 */
const informational = Schema.optional(Schema.String)

/**
 * One element of `data[]` for cancel-quote and cancel-batch-quotes: the ids and the item's outcome, decoded from
 * `{ quoteId, clQuoteId, sCode, sMsg }`. `sCode` is required; an absent `quoteId`, `clQuoteId` or `sMsg` is `""`.
 * Unknown extra fields are ignored.
 *
 * @since 0.1.0
 * @category responses
 */
export const QuoteCancellation = Schema.transform(
  Schema.Struct({ quoteId: informational, clQuoteId: informational, sCode: Schema.String, sMsg: informational }),
  Schema.Struct({ quoteId: Schema.String, clQuoteId: Schema.String, outcome: Schema.typeSchema(ItemOutcome) }),
  {
    strict: true,
    decode: ({ clQuoteId = "", quoteId = "", sCode, sMsg = "" }) => ({
      quoteId,
      clQuoteId,
      outcome: itemOutcome(sCode, sMsg)
    }),
    encode: ({ clQuoteId, outcome, quoteId }) => ({ quoteId, clQuoteId, sCode: outcome.sCode, sMsg: outcome.sMsg })
  }
).annotations({ identifier: "QuoteCancellation" })

/**
 * @since 0.1.0
 * @category responses
 */
export type QuoteCancellation = typeof QuoteCancellation.Type

/**
 * One element of `data[]` for cancel-rfq and cancel-batch-rfqs, decoded from `{ rfqId, clRfqId, sCode, sMsg }`.
 * `sCode` is required; an absent `rfqId`, `clRfqId` or `sMsg` is `""`.
 *
 * @since 0.1.0
 * @category responses
 */
export const RfqCancellation = Schema.transform(
  Schema.Struct({ rfqId: informational, clRfqId: informational, sCode: Schema.String, sMsg: informational }),
  Schema.Struct({ rfqId: Schema.String, clRfqId: Schema.String, outcome: Schema.typeSchema(ItemOutcome) }),
  {
    strict: true,
    decode: ({ clRfqId = "", rfqId = "", sCode, sMsg = "" }) => ({ rfqId, clRfqId, outcome: itemOutcome(sCode, sMsg) }),
    encode: ({ clRfqId, outcome, rfqId }) => ({ rfqId, clRfqId, sCode: outcome.sCode, sMsg: outcome.sMsg })
  }
).annotations({ identifier: "RfqCancellation" })

/**
 * @since 0.1.0
 * @category responses
 */
export type RfqCancellation = typeof RfqCancellation.Type

/**
 * One element of `data[]` for cancel-all-quotes and cancel-all-rfqs: `ts` (Unix ms) as a `DateTime.Utc`.
 *
 * @since 0.1.0
 * @category responses
 */
export const CancelAllData = Schema.Struct({ ts: EpochMillisString }).annotations({ identifier: "CancelAllData" })

/**
 * @since 0.1.0
 * @category responses
 */
export type CancelAllData = typeof CancelAllData.Type

/**
 * `triggerTime` `"0"`: cancel-all-after is disabled.
 *
 * @since 0.1.0
 * @category cancel-all-after
 */
export const Disabled = Schema.TaggedStruct("Disabled", {})

/**
 * @since 0.1.0
 * @category cancel-all-after
 */
export type Disabled = typeof Disabled.Type

/**
 * The unit OKX used for cancel-all-after's `triggerTime` and `ts` (undocumented; the example uses seconds).
 *
 * @since 0.1.0
 * @category cancel-all-after
 */
export const EpochUnit = Schema.Literal("seconds", "milliseconds")

/**
 * @since 0.1.0
 * @category cancel-all-after
 */
export type EpochUnit = typeof EpochUnit.Type

/**
 * Decides the unit of an epoch number by magnitude: from `1e9` up to `1e12` it is seconds (1e12 ms is 2001-09-09;
 * 1e12 s is the year 33658), otherwise milliseconds (below `1e9` only a virtual clock such as the TestClock gives a
 * value, in milliseconds).
 *
 * @since 0.1.0
 * @category cancel-all-after
 */
export const epochUnitOf = (value: number): EpochUnit => (isEpochSeconds(value) ? "seconds" : "milliseconds")

const epochToDateTime = (value: number): DateTime.Utc | undefined =>
  dateTimeFromMillis(epochUnitOf(value) === "seconds" ? value * 1000 : value)

const encodeEpoch = (dateTime: DateTime.Utc, unit: EpochUnit): string | undefined => {
  const millis = DateTime.toEpochMillis(dateTime)
  if (unit === "milliseconds") return String(millis)
  return millis % 1000 === 0 ? String(millis / 1000) : undefined
}

/**
 * One element of `data[]` for cancel-all-after. `triggerTime` is `Disabled` (wire `"0"`) or the `DateTime.Utc` at
 * which the venue will cancel every quote; `ts` is when the request was received. The unit of both is decided by
 * the magnitude of each value (see `epochUnitOf`); `unit` records the unit of `ts` so encoding reproduces the wire.
 *
 * @since 0.1.0
 * @category responses
 */
export const CancelAllAfterData = Schema.transformOrFail(
  Schema.Struct({ triggerTime: Schema.String, ts: Schema.String }),
  Schema.Struct({
    triggerTime: Schema.Union(Disabled, Schema.DateTimeUtcFromSelf),
    ts: Schema.DateTimeUtcFromSelf,
    unit: EpochUnit
  }),
  {
    strict: true,
    decode: (wire, _, ast) => {
      const tsNumber = parseDigits(wire.ts)
      const ts = tsNumber === undefined ? undefined : epochToDateTime(tsNumber)
      if (tsNumber === undefined || ts === undefined) {
        return ParseResult.fail(
          new ParseResult.Pointer(
            "ts",
            wire,
            new ParseResult.Type(ast, wire.ts, `expected a Unix timestamp, got ${showValue(wire.ts)}`)
          )
        )
      }
      const triggerNumber = parseDigits(wire.triggerTime)
      const triggerTime =
        triggerNumber === 0
          ? Disabled.make({})
          : triggerNumber === undefined
            ? undefined
            : epochToDateTime(triggerNumber)
      if (triggerTime === undefined) {
        return ParseResult.fail(
          new ParseResult.Pointer(
            "triggerTime",
            wire,
            new ParseResult.Type(
              ast,
              wire.triggerTime,
              `expected "0" or a Unix timestamp, got ${showValue(wire.triggerTime)}`
            )
          )
        )
      }
      return ParseResult.succeed({ triggerTime, ts, unit: epochUnitOf(tsNumber) })
    },
    encode: (data, _, ast) => {
      const ts = encodeEpoch(data.ts, data.unit)
      const triggerTime = data.triggerTime._tag === "Disabled" ? "0" : encodeEpoch(data.triggerTime, data.unit)
      return ts === undefined || triggerTime === undefined
        ? ParseResult.fail(new ParseResult.Type(ast, data, "a seconds timestamp must be a whole number of seconds"))
        : ParseResult.succeed({ triggerTime, ts })
    }
  }
).annotations({ identifier: "CancelAllAfterData" })

/**
 * @since 0.1.0
 * @category responses
 */
export type CancelAllAfterData = typeof CancelAllAfterData.Type

/**
 * How long the countdown runs by the venue's own clock, in milliseconds: `triggerTime − ts` (each read in its own
 * unit), or 0 when it is disabled or `triggerTime` is not after `ts` (nothing armed). No server-time offset enters it.
 *
 * @since 0.1.0
 * @category cancel-all-after
 */
export const countdownMillis = (data: CancelAllAfterData): number =>
  data.triggerTime._tag === "Disabled"
    ? 0
    : Math.max(0, DateTime.toEpochMillis(data.triggerTime) - DateTime.toEpochMillis(data.ts))

/**
 * How much longer or shorter than asked the venue's countdown may be in {@link countdownProblem}: its `triggerTime`
 * and `ts` may be whole seconds.
 *
 * @since 0.1.0
 * @category cancel-all-after
 */
export const countdownSlackMillis = 1000

/**
 * Why a cancel-all-after answer does not show the countdown asked for, if it does not (`undefined` when it does).
 * Asked 0 (disable): `triggerTime` must be `"0"`. Asked more: `triggerTime` must be `askedMillis` after the venue's
 * own `ts`, give or take {@link countdownSlackMillis}. A longer countdown would leave the quotes live for longer than
 * asked if nothing re-arms it; a shorter one cancels them sooner than planned (and is what an answer in seconds read
 * as milliseconds looks like). The reason reads after the request's name ("cancel-all-after --timeout 30 did not
 * arm the countdown: …").
 *
 * @example
 * ```ts
 * import { RfqCancel } from "@okx-rfq/schema"
 * import { DateTime } from "effect"
 *
 * const ts = DateTime.unsafeMake(1_700_000_000_000)
 * const answer = { ts, triggerTime: DateTime.add(ts, { seconds: 120 }), unit: "milliseconds" as const }
 * RfqCancel.countdownProblem(30_000, answer)
 * // "armed a longer countdown: the venue answered triggerTime 2023-11-14T22:15:20.000Z, 120 s after its own ts …"
 * ```
 *
 * @since 0.1.0
 * @category cancel-all-after
 */
export const countdownProblem = (askedMillis: number, data: CancelAllAfterData): string | undefined => {
  const ts = DateTime.formatIso(data.ts)
  const trigger = data.triggerTime
  if (askedMillis === 0) {
    return trigger._tag === "Disabled"
      ? undefined
      : `did not disable the countdown: the venue answered triggerTime ${DateTime.formatIso(trigger)} (ts ${ts}), not "0"`
  }
  if (trigger._tag === "Disabled") {
    return `did not arm the countdown: the venue answered triggerTime "0" (disabled, ts ${ts})`
  }
  const left = countdownMillis(data)
  if (left <= 0) {
    return `did not arm the countdown: the venue answered triggerTime ${DateTime.formatIso(trigger)}, not after its own ts ${ts}`
  }
  if (left > askedMillis + countdownSlackMillis) {
    return `armed a longer countdown: the venue answered triggerTime ${DateTime.formatIso(trigger)}, ${left / 1000} s after its own ts ${ts}`
  }
  return left < askedMillis - countdownSlackMillis
    ? `armed a shorter countdown: the venue answered triggerTime ${DateTime.formatIso(trigger)}, ${left / 1000} s after its own ts ${ts} (in ${data.unit})`
    : undefined
}

/**
 * One element of `data[]` for `GET /api/v5/public/time`: `ts` (Unix ms) as a `DateTime.Utc`.
 *
 * @since 0.1.0
 * @category responses
 */
export const ServerTimeData = Schema.Struct({ ts: EpochMillisString }).annotations({ identifier: "ServerTimeData" })

/**
 * @since 0.1.0
 * @category responses
 */
export type ServerTimeData = typeof ServerTimeData.Type

// -----------------------------------------------------------------------------
// GET /api/v5/rfq/quotes
// -----------------------------------------------------------------------------

/**
 * Quote states reported by `GET /api/v5/rfq/quotes`.
 *
 * @since 0.1.0
 * @category quotes
 */
export const QuoteState = Schema.Literal("active", "canceled", "pending_fill", "filled", "expired", "failed")

/**
 * @since 0.1.0
 * @category quotes
 */
export type QuoteState = typeof QuoteState.Type

const QuotesLimit = Schema.NumberFromString.pipe(
  Schema.filter(
    (n) => (Number.isInteger(n) && n >= 1 && n <= 100) || `must be an integer in [1, 100], got ${showValue(n)}`,
    { identifier: "QuotesLimit", arbitrary: () => (fc) => fc.integer({ min: 1, max: 100 }) }
  )
)

/**
 * The query of `GET /api/v5/rfq/quotes`, used to confirm quote states. All filters are optional; `limit` is a number
 * in [1, 100] (a string on the wire). Encodes to a record of strings: build the query string with
 * `Endpoints.requestPath`.
 *
 * @since 0.1.0
 * @category requests
 */
export const QuotesRequest = Schema.Struct({
  rfqId: optionalField(RfqId),
  clRfqId: optionalField(ClRfqId),
  quoteId: optionalField(QuoteId),
  clQuoteId: optionalField(ClQuoteId),
  state: optionalField(QuoteState),
  beginId: optionalField(QuoteId),
  endId: optionalField(QuoteId),
  limit: optionalField(QuotesLimit)
}).annotations({ identifier: "QuotesRequest" })

/**
 * @since 0.1.0
 * @category requests
 */
export type QuotesRequest = typeof QuotesRequest.Type

/** An optional time: absent, or `""` (how OKX writes a field it has no value for), decodes as absent. */
const optionalEpoch = Schema.optionalToOptional(Schema.String, EpochMillisString, {
  decode: Option.filter((text) => text !== ""),
  encode: identity
})

/**
 * One element of `data[]` for `GET /api/v5/rfq/quotes`: the fields needed to confirm a quote's state. Times are Unix
 * ms decoded to `DateTime.Utc` (a time absent or `""` is absent); an absent `clQuoteId` is `""`; unknown extra fields
 * (legs, side, ...) are ignored.
 *
 * @since 0.1.0
 * @category responses
 */
export const Quote = Schema.Struct({
  quoteId: Schema.String,
  // informational, as in the cancel results: absent is ""
  clQuoteId: Schema.optionalWith(Schema.String, { default: () => "" }),
  rfqId: Schema.String,
  state: QuoteState,
  cTime: optionalEpoch,
  uTime: optionalEpoch,
  validUntil: optionalEpoch
}).annotations({ identifier: "Quote" })

/**
 * @since 0.1.0
 * @category responses
 */
export type Quote = typeof Quote.Type

// -----------------------------------------------------------------------------
// GET /api/v5/rfq/rfqs
// -----------------------------------------------------------------------------

/**
 * RFQ states reported by `GET /api/v5/rfq/rfqs`.
 *
 * @since 0.1.0
 * @category rfqs
 */
export const RfqState = Schema.Literal(
  "active",
  "canceled",
  "pending_fill",
  "filled",
  "expired",
  "traded_away",
  "failed"
)

/**
 * @since 0.1.0
 * @category rfqs
 */
export type RfqState = typeof RfqState.Type

/**
 * The query of `GET /api/v5/rfq/rfqs`, used to confirm RFQ states (after a cancel-rfq whose outcome is unknown). All
 * filters are optional; `limit` is a number in [1, 100] (a string on the wire); `endId` pages to older RFQs,
 * `beginId` to newer ones.
 *
 * @since 0.1.0
 * @category requests
 */
export const RfqsRequest = Schema.Struct({
  rfqId: optionalField(RfqId),
  clRfqId: optionalField(ClRfqId),
  state: optionalField(RfqState),
  beginId: optionalField(RfqId),
  endId: optionalField(RfqId),
  limit: optionalField(QuotesLimit)
}).annotations({ identifier: "RfqsRequest" })

/**
 * @since 0.1.0
 * @category requests
 */
export type RfqsRequest = typeof RfqsRequest.Type

/**
 * One element of `data[]` for `GET /api/v5/rfq/rfqs`: the fields needed to confirm an RFQ's state, as `Quote` does
 * for quotes; unknown extra fields (legs, counterparties, ...) are ignored.
 *
 * @since 0.1.0
 * @category responses
 */
export const Rfq = Schema.Struct({
  rfqId: Schema.String,
  clRfqId: Schema.optionalWith(Schema.String, { default: () => "" }),
  state: RfqState,
  cTime: optionalEpoch,
  uTime: optionalEpoch,
  validUntil: optionalEpoch
}).annotations({ identifier: "Rfq" })

/**
 * @since 0.1.0
 * @category responses
 */
export type Rfq = typeof Rfq.Type
