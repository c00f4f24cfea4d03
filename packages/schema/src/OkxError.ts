/**
 * The typed error taxonomy over OKX envelope codes and HTTP statuses, each error carrying a machine-readable retry
 * rule. Every decision is made on `code` (or HTTP status), never on `msg` text.
 *
 * @since 0.1.0
 */
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { firstKey, formatIssues } from "./internal/format.js"

/**
 * How an error may be retried:
 * - `"backoff"`: retry with exponential backoff (cancels are idempotent);
 * - `"resync-then-retry-once"`: re-sync server time, re-sign and retry exactly once;
 * - `"never"`: final.
 *
 * @since 0.1.0
 * @category models
 */
export type RetryRule = "backoff" | "resync-then-retry-once" | "never"

const describe = (
  tag: string,
  fields: {
    readonly endpoint: string
    readonly code?: string | undefined
    readonly httpStatus?: number | undefined
    readonly msg: string
  },
  hint?: string
): string => {
  const code = fields.code === undefined ? "" : ` code=${fields.code}`
  const status = fields.httpStatus === undefined ? "" : ` http=${fields.httpStatus}`
  const msg = fields.msg === "" ? "" : `: ${fields.msg}`
  const extra = hint === undefined ? "" : ` (${hint})`
  return `${tag} on ${fields.endpoint}${code}${status}${msg}${extra}`
}

/**
 * Formats a `ParseError` as one line: `path: message` for every issue, joined with `"; "`. The path names the field
 * (`clQuoteIds[3]: must be 1 to 32 letters or digits ..., got "a-b"`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const formatParseError = (error: ParseResult.ParseError): string => formatIssues(error)

const envelopeFields = {
  endpoint: Schema.String,
  code: Schema.String,
  msg: Schema.String,
  httpStatus: Schema.Number
}

const optionalCodeFields = {
  endpoint: Schema.String,
  code: Schema.optional(Schema.String),
  msg: Schema.String,
  httpStatus: Schema.optional(Schema.Number),
  body: Schema.optional(Schema.Unknown)
}

/**
 * 50011 (HTTP 200 or 429), or HTTP 429 without an OKX envelope (`code` absent). Back off at least the endpoint's
 * window, then retry.
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimited extends Schema.TaggedError<RateLimited>("@okx-rfq/schema/RateLimited")(
  "RateLimited",
  optionalCodeFields
) {
  /**
   * @since 0.1.0
   */
  get retry(): "backoff" {
    return "backoff"
  }
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return describe(this._tag, this)
  }
}

/** The statuses a gateway answers after it may have passed the request on: see `Unavailable.mayHaveActed`. */
const forwardedStatuses: ReadonlySet<number> = new Set([500, 502, 504, 520, 524])

/**
 * Busy or unavailable: 50001, 50013, 50026, 70208, or HTTP 5xx or 408 without an OKX envelope (`code` absent).
 * Retry with backoff. `mayHaveActed` says whether the request may have reached the venue first.
 *
 * @since 0.1.0
 * @category errors
 */
export class Unavailable extends Schema.TaggedError<Unavailable>("@okx-rfq/schema/Unavailable")(
  "Unavailable",
  optionalCodeFields
) {
  /**
   * @since 0.1.0
   */
  get retry(): "backoff" {
    return "backoff"
  }
  /**
   * Whether the venue may have acted on the request before this answer: true for an HTTP 500, 502 or 504 without
   * an OKX envelope (and Cloudflare's 520 "unknown error" and 524 "a timeout occurred"), which a gateway sends when
   * the origin failed or was too slow after it may have passed the request on, and for 50026 "system error", which
   * does not say how far the request got. False for the venue's busy codes (50001, 50013, 70208), which refuse a
   * request, and for a 503, a 408 or Cloudflare's 521–523 (the origin down or unreachable), which say the request
   * was not passed on or not taken.
   *
   * @since 0.1.0
   */
  get mayHaveActed(): boolean {
    return this.code === undefined ? forwardedStatuses.has(this.httpStatus ?? 0) : this.code === "50026"
  }
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return describe(this._tag, this)
  }
}

/**
 * The outcome is unknown: 50004 (the endpoint timed out), or a 2xx answer without a readable OKX envelope (`code`
 * absent; keeps `httpStatus` and the raw `body`): a truncated or non-JSON body, an HTML page from a proxy. Cancels
 * are idempotent, so retry with backoff (or confirm the state with `GET /api/v5/rfq/quotes`).
 *
 * @since 0.1.0
 * @category errors
 */
export class OutcomeUnknown extends Schema.TaggedError<OutcomeUnknown>("@okx-rfq/schema/OutcomeUnknown")(
  "OutcomeUnknown",
  optionalCodeFields
) {
  /**
   * @since 0.1.0
   */
  get retry(): "backoff" {
    return "backoff"
  }
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return describe(this._tag, this)
  }
}

/**
 * 50102: the request timestamp is more than 30 s away from the server clock. Re-sync server time, re-sign and retry
 * once.
 *
 * @since 0.1.0
 * @category errors
 */
export class TimestampExpired extends Schema.TaggedError<TimestampExpired>("@okx-rfq/schema/TimestampExpired")(
  "TimestampExpired",
  envelopeFields
) {
  /**
   * @since 0.1.0
   */
  get retry(): "resync-then-retry-once" {
    return "resync-then-retry-once"
  }
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return describe(this._tag, this, "re-sync server time and re-sign")
  }
}

const authenticationHints: Readonly<Record<string, string>> = {
  "50101":
    "the API key does not match the environment: demo keys need x-simulated-trading: 1, live keys must not send it",
  "50103": "the OK-ACCESS-KEY header is empty",
  "50104": "the OK-ACCESS-PASSPHRASE header is empty",
  "50105": "the passphrase is wrong",
  "50106": "the OK-ACCESS-SIGN header is empty",
  "50107": "the OK-ACCESS-TIMESTAMP header is empty",
  "50111": "the API key is invalid",
  "50112": "the OK-ACCESS-TIMESTAMP format is invalid (ISO 8601 UTC with milliseconds expected)",
  "50113": "invalid signature: check that the secret key and the passphrase are not swapped",
  "50114": "invalid authorization"
}

/**
 * Authentication failed: 50101, 50103–50107, 50111–50114. Never retried. `hint` says what to check (on 50113: a
 * swapped secret key / passphrase).
 *
 * @since 0.1.0
 * @category errors
 */
export class AuthenticationFailed extends Schema.TaggedError<AuthenticationFailed>(
  "@okx-rfq/schema/AuthenticationFailed"
)("AuthenticationFailed", envelopeFields) {
  /**
   * @since 0.1.0
   */
  get retry(): "never" {
    return "never"
  }
  /**
   * @since 0.1.0
   */
  get hint(): string {
    return authenticationHints[this.code] ?? "check the API key, secret key and passphrase"
  }
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return describe(this._tag, this, this.hint)
  }
}

/**
 * The key lacks the permission or the IP is not allowed: 50030, 50100, 50110, 50120 (from OKX's general v5 error
 * list). Never retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class PermissionDenied extends Schema.TaggedError<PermissionDenied>("@okx-rfq/schema/PermissionDenied")(
  "PermissionDenied",
  envelopeFields
) {
  /**
   * @since 0.1.0
   */
  get retry(): "never" {
    return "never"
  }
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return describe(this._tag, this)
  }
}

/**
 * The request is invalid. Either the venue said so (`code` 50000, 50002, 50014, 50015, 50025, 51000, 70203, 70408)
 * or local validation rejected it before the wire (`code` absent, `field` names the offending field when known and
 * `msg` is a one-line description naming the field, the value and the allowed range). Never retried as is (70203 /
 * 70408: split into smaller batches).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>("@okx-rfq/schema/InvalidRequest")(
  "InvalidRequest",
  {
    endpoint: Schema.String,
    code: Schema.optional(Schema.String),
    msg: Schema.String,
    httpStatus: Schema.optional(Schema.Number),
    field: Schema.optional(Schema.String)
  }
) {
  /**
   * @since 0.1.0
   */
  get retry(): "never" {
    return "never"
  }
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return describe(this._tag, this)
  }
  /**
   * Builds the local validation error from a `ParseError` raised while encoding or decoding a request.
   *
   * @since 0.1.0
   */
  static fromParseError(endpoint: string, error: ParseResult.ParseError): InvalidRequest {
    const field = firstKey(error)
    return new InvalidRequest({
      endpoint,
      msg: formatParseError(error),
      ...(field === undefined ? {} : { field })
    })
  }
}

/**
 * 70207 / 70409: there was nothing active to cancel. `Endpoints.interpret` turns this into a success-like
 * `NothingToCancel` result for cancel-all-quotes and cancel-all-rfqs; on any other endpoint it is this error.
 * Never retried (there is nothing left to do).
 *
 * @since 0.1.0
 * @category errors
 */
export class NothingToCancel extends Schema.TaggedError<NothingToCancel>("@okx-rfq/schema/NothingToCancel")(
  "NothingToCancel",
  envelopeFields
) {
  /**
   * @since 0.1.0
   */
  get retry(): "never" {
    return "never"
  }
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return describe(this._tag, this)
  }
}

/**
 * A code this library does not classify, or a non-2xx HTTP status (other than 408, 429 and 5xx) without an OKX envelope
 * (`code` absent, `body` kept). Keeps `code` and `msg`. Never retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownCode extends Schema.TaggedError<UnknownCode>("@okx-rfq/schema/UnknownCode")(
  "UnknownCode",
  optionalCodeFields
) {
  /**
   * @since 0.1.0
   */
  get retry(): "never" {
    return "never"
  }
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return describe(this._tag, this)
  }
}

/**
 * The response body is not the expected shape: not an OKX envelope, or a required field is missing or malformed.
 * Keeps the raw `body` and a one-line `detail`; `code` is the envelope code when one was read. Never retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class DecodeError extends Schema.TaggedError<DecodeError>("@okx-rfq/schema/DecodeError")("DecodeError", {
  endpoint: Schema.String,
  code: Schema.optional(Schema.String),
  httpStatus: Schema.Number,
  detail: Schema.String,
  body: Schema.Unknown
}) {
  /**
   * @since 0.1.0
   */
  get retry(): "never" {
    return "never"
  }
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return describe(this._tag, { ...this, msg: this.detail })
  }
}

/**
 * Every error this package produces.
 *
 * @since 0.1.0
 * @category models
 */
export type OkxError =
  | RateLimited
  | Unavailable
  | OutcomeUnknown
  | TimestampExpired
  | AuthenticationFailed
  | PermissionDenied
  | InvalidRequest
  | NothingToCancel
  | UnknownCode
  | DecodeError

/**
 * The `_tag` of every `OkxError`.
 *
 * @since 0.1.0
 * @category models
 */
export type OkxErrorTag = OkxError["_tag"]

const errorClasses = [
  RateLimited,
  Unavailable,
  OutcomeUnknown,
  TimestampExpired,
  AuthenticationFailed,
  PermissionDenied,
  InvalidRequest,
  NothingToCancel,
  UnknownCode,
  DecodeError
] as const

/**
 * @since 0.1.0
 * @category guards
 */
export const isOkxError = (u: unknown): u is OkxError => errorClasses.some((Class) => u instanceof Class)

/**
 * True when the error may be retried (`retry` is not `"never"`).
 *
 * @since 0.1.0
 * @category guards
 */
export const isRetriable = (error: OkxError): boolean => error.retry !== "never"

/**
 * One row of the code table: an OKX code, the error (or item outcome) it maps to, and its retry rule.
 *
 * @since 0.1.0
 * @category models
 */
export interface CodeRow {
  readonly code: string
  readonly tag: OkxErrorTag | "Batch" | "Cancelled" | "NotFound" | "AlreadyInactive" | "Rejected"
  readonly retry: RetryRule
  readonly meaning: string
}

const row = (code: string, tag: CodeRow["tag"], retry: RetryRule, meaning: string): CodeRow => ({
  code,
  tag,
  retry,
  meaning
})

/**
 * Every OKX code this package classifies. `docs/errors.md` is this table. Codes not listed are `UnknownCode`
 * (never retried).
 *
 * @since 0.1.0
 * @category models
 */
export const codeTable: ReadonlyArray<CodeRow> = [
  row("0", "Batch", "never", "success (item cancels: read each item's sCode)"),
  row("1", "Batch", "never", "all items failed (item cancels: read each item's sCode)"),
  row("2", "Batch", "never", "partial success (item cancels: read each item's sCode)"),
  row("50000", "InvalidRequest", "never", "POST body empty"),
  row("50001", "Unavailable", "backoff", "service temporarily unavailable"),
  row("50002", "InvalidRequest", "never", "JSON syntax error"),
  row("50004", "OutcomeUnknown", "backoff", "endpoint timeout, outcome unknown"),
  row("50011", "RateLimited", "backoff", "rate limit reached (HTTP 200 or 429)"),
  row("50013", "Unavailable", "backoff", "system busy"),
  row("50014", "InvalidRequest", "never", "parameter empty"),
  row("50015", "InvalidRequest", "never", "either parameter A or B is required"),
  row("50025", "InvalidRequest", "never", "batch count over the limit"),
  row("50026", "Unavailable", "backoff", "system error"),
  row("50030", "PermissionDenied", "never", "no permission to use this API"),
  row("50100", "PermissionDenied", "never", "API key frozen"),
  row("50101", "AuthenticationFailed", "never", "API key does not match the environment (demo vs live)"),
  row("50102", "TimestampExpired", "resync-then-retry-once", "timestamp expired (more than 30 s off)"),
  row("50103", "AuthenticationFailed", "never", "OK-ACCESS-KEY header empty"),
  row("50104", "AuthenticationFailed", "never", "OK-ACCESS-PASSPHRASE header empty"),
  row("50105", "AuthenticationFailed", "never", "wrong passphrase"),
  row("50106", "AuthenticationFailed", "never", "OK-ACCESS-SIGN header empty"),
  row("50107", "AuthenticationFailed", "never", "OK-ACCESS-TIMESTAMP header empty"),
  row("50110", "PermissionDenied", "never", "IP not in the API key's whitelist"),
  row("50111", "AuthenticationFailed", "never", "invalid OK-ACCESS-KEY"),
  row("50112", "AuthenticationFailed", "never", "invalid OK-ACCESS-TIMESTAMP format"),
  row("50113", "AuthenticationFailed", "never", "invalid signature (often secret key and passphrase swapped)"),
  row("50114", "AuthenticationFailed", "never", "invalid authorization"),
  row("50120", "PermissionDenied", "never", "API key lacks the permission for this endpoint"),
  row("51000", "InvalidRequest", "never", "parameter error"),
  row("70000", "NotFound", "never", "item sCode: RFQ does not exist"),
  row("70001", "NotFound", "never", "item sCode: quote does not exist"),
  row("70008", "Rejected", "never", "item sCode: operation failed under MMP status (reset MMP separately)"),
  row("70200", "AlreadyInactive", "never", "item sCode: RFQ cannot be cancelled in its state"),
  row("70203", "InvalidRequest", "never", "RFQ cancellation count over the limit (split into smaller batches)"),
  row("70207", "NothingToCancel", "never", "no active RFQ to cancel (cancel-all-rfqs: success-like result)"),
  row("70208", "Unavailable", "backoff", "cancellation service unavailable"),
  row("70400", "AlreadyInactive", "never", "item sCode: quote cannot be cancelled in its state"),
  row("70408", "InvalidRequest", "never", "quote cancellation count over the limit (split into smaller batches)"),
  row("70409", "NothingToCancel", "never", "no active quote to cancel (cancel-all-quotes: success-like result)")
]

const byCode: ReadonlyMap<string, CodeRow> = new Map(codeTable.map((r) => [r.code, r]))

/**
 * The retry rule for an envelope code or an item `sCode` (`"never"` for unknown codes and for success).
 *
 * @since 0.1.0
 * @category constructors
 */
export const retryRuleForCode = (code: string): RetryRule => byCode.get(code)?.retry ?? "never"

/**
 * Builds the error for a non-zero envelope code. Codes that are not errors at the envelope level (the batch codes
 * and the item-only codes) become `UnknownCode`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromCode = (options: {
  readonly endpoint: string
  readonly code: string
  readonly msg: string
  readonly httpStatus: number
}): OkxError => {
  switch (byCode.get(options.code)?.tag) {
    case "RateLimited":
      return new RateLimited(options)
    case "Unavailable":
      return new Unavailable(options)
    case "OutcomeUnknown":
      return new OutcomeUnknown(options)
    case "TimestampExpired":
      return new TimestampExpired(options)
    case "AuthenticationFailed":
      return new AuthenticationFailed(options)
    case "PermissionDenied":
      return new PermissionDenied(options)
    case "InvalidRequest":
      return new InvalidRequest(options)
    case "NothingToCancel":
      return new NothingToCancel(options)
    default:
      return new UnknownCode(options)
  }
}

/**
 * Builds the error for a non-2xx HTTP response without an OKX envelope: 429 → `RateLimited`, 5xx and 408 →
 * `Unavailable` (both retried with backoff; a 408 "Request Timeout" from a proxy or load balancer says the request
 * was not taken in whole, so sending it again is safe), anything else → `UnknownCode` (never; a 3xx's `msg` says the
 * base URL redirects, which OKX's API does not). The raw body is kept.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromHttpStatus = (options: {
  readonly endpoint: string
  readonly httpStatus: number
  readonly body: unknown
}): RateLimited | Unavailable | UnknownCode => {
  // a redirect is a base URL that is not the API's own (http for https, a web page's address): say so
  const redirect = options.httpStatus >= 300 && options.httpStatus <= 399
  const fields = {
    ...options,
    msg: `HTTP ${options.httpStatus} without an OKX envelope${redirect ? ": a redirect, so the base URL is not OKX's API (check https and the host)" : ""}`
  }
  if (options.httpStatus === 429) return new RateLimited(fields)
  if (options.httpStatus === 408 || (options.httpStatus >= 500 && options.httpStatus <= 599)) {
    return new Unavailable(fields)
  }
  return new UnknownCode(fields)
}
