import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

const Probability = Schema.Number.pipe(Schema.between(0, 1))
const NonNegative = Schema.Number.pipe(Schema.nonNegative())

/** @internal */
export const Latency = Schema.Union(
  NonNegative,
  Schema.Struct({ min: NonNegative, max: NonNegative }),
  Schema.Struct({ p50: NonNegative, p99: NonNegative })
)

/** @internal */
export const EndpointFaults = Schema.Struct({
  latencyMs: Schema.optional(Latency),
  error: Schema.optional(
    Schema.Struct({
      code: Schema.String,
      probability: Schema.optional(Probability),
      msg: Schema.optional(Schema.String),
      httpStatus: Schema.optional(Schema.Int)
    }).pipe(
      // "0" with a 2xx status would answer a success the venue did not perform (with a 502, it is a gateway's page)
      Schema.filter(
        (error) =>
          error.code !== "0" ||
          (error.httpStatus !== undefined && (error.httpStatus < 200 || error.httpStatus > 299)) ||
          'an injected error\'s code cannot be "0" with a 2xx status (that is a success the venue did not perform)'
      )
    )
  ),
  itemError: Schema.optional(
    Schema.Struct({
      // "0" would report an item cancelled while it stays active
      code: Schema.String.pipe(Schema.filter((code) => code !== "0" || 'an item\'s refusal code cannot be "0"')),
      probability: Schema.optional(Probability),
      msg: Schema.optional(Schema.String)
    })
  ),
  drop: Schema.optional(Probability),
  malformed: Schema.optional(Probability),
  gateway: Schema.optional(Probability),
  drift: Schema.optional(Schema.Literal("extra", "missing"))
})

/** @internal */
export const Faults = Schema.Struct({
  clockOffsetMs: Schema.optional(Schema.Number),
  countdownUnit: Schema.optional(Schema.Literal("milliseconds", "seconds")),
  endpoints: Schema.optional(Schema.Record({ key: Schema.String, value: EndpointFaults }))
})

/** @internal */
export const QuoteState = Schema.Literal("active", "canceled", "pending_fill", "filled", "expired", "failed")

/** @internal */
export const RfqState = Schema.Literal(
  "active",
  "canceled",
  "pending_fill",
  "filled",
  "expired",
  "traded_away",
  "failed"
)

const Id = Schema.String.pipe(Schema.minLength(1))

/** A client-supplied id as OKX allows it (1 to 32 letters and digits), or `""` for none. */
const ClientId = Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9]{0,32}$/))

/** How long a quote or RFQ stays valid, in ms from its creation: it expires then (a positive integer). */
const ValidForMs = Schema.Int.pipe(Schema.positive())

/** @internal */
export const QuoteSpec = Schema.Struct({
  quoteId: Schema.optional(Id),
  clQuoteId: Schema.optional(ClientId),
  rfqId: Schema.optional(Id),
  userId: Schema.optional(Id),
  state: Schema.optional(QuoteState),
  validForMs: Schema.optional(ValidForMs)
})

/** @internal */
export const RfqSpec = Schema.Struct({
  rfqId: Schema.optional(Id),
  clRfqId: Schema.optional(ClientId),
  userId: Schema.optional(Id),
  state: Schema.optional(RfqState),
  validForMs: Schema.optional(ValidForMs)
})

const Count = Schema.Int.pipe(Schema.between(0, 100_000))

/** @internal */
export const CreateQuotes = Schema.Union(
  Schema.Struct({
    count: Count,
    userId: Schema.optional(Id),
    rfqId: Schema.optional(Id),
    validForMs: Schema.optional(ValidForMs)
  }),
  Schema.Struct({ quotes: Schema.Array(QuoteSpec) })
)

/** @internal */
export const CreateRfqs = Schema.Union(
  Schema.Struct({ count: Count, userId: Schema.optional(Id), validForMs: Schema.optional(ValidForMs) }),
  Schema.Struct({ rfqs: Schema.Array(RfqSpec) })
)

const step = (key: PropertyKey): string =>
  typeof key === "number"
    ? `[${key}]`
    : typeof key === "string" && /^[A-Za-z_$][\w$]*$/.test(key)
      ? `.${key}`
      : `[${JSON.stringify(String(key))}]`

/**
 * A control input's parse error in a few words: each issue as `<field>: <message>`, the field named from `root`
 * (`faults.endpoints["*"].drop`), at most three.
 *
 * @internal
 */
export const problemOf = (root: string, error: ParseResult.ParseError): string => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const shown = issues.slice(0, 3).map(({ message, path }) => `${root}${path.map(step).join("")}: ${message}`)
  return issues.length > 3 ? `${shown.join("; ")}; and ${issues.length - 3} more` : shown.join("; ")
}
