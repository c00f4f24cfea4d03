/**
 * The `{ code, msg, data }` envelope every OKX v5 REST response is wrapped in.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

/**
 * The envelope around `data[]` items described by `item`. Unknown extra fields are ignored.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { OkxEnvelope, RfqCancel } from "@okx-rfq/schema"
 *
 * const decode = Schema.decodeUnknownEither(OkxEnvelope.Envelope(RfqCancel.CancelAllData))
 * decode({ code: "0", msg: "", data: [{ ts: "1697026383085" }] })
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const Envelope = <A, I>(item: Schema.Schema<A, I>) =>
  Schema.Struct({ code: Schema.String, msg: Schema.String, data: Schema.Array(item) })

/**
 * A decoded envelope.
 *
 * @since 0.1.0
 * @category models
 */
export interface Envelope<A> {
  readonly code: string
  readonly msg: string
  readonly data: ReadonlyArray<A>
}

/**
 * The envelope read leniently, before its `data` is decoded: `code` is required, `msg` defaults to `""` and `data`
 * is left as unknown (absent when the venue omitted it). Used to classify a response by its code.
 *
 * @since 0.1.0
 * @category schemas
 */
export const RawEnvelope = Schema.Struct({
  code: Schema.String,
  msg: Schema.optionalWith(Schema.String, { default: () => "" }),
  data: Schema.optionalWith(Schema.Unknown, { exact: true })
}).annotations({ identifier: "RawEnvelope" })

/**
 * @since 0.1.0
 * @category models
 */
export type RawEnvelope = typeof RawEnvelope.Type

/**
 * `RawEnvelope` from a JSON string (for bodies kept as raw text).
 *
 * @since 0.1.0
 * @category schemas
 */
export const RawEnvelopeFromJson = Schema.parseJson(RawEnvelope)

/**
 * The success codes of a batch cancel: `"0"` all succeeded, `"1"` all failed, `"2"` partial. In every case each
 * item of `data[]` carries its own `sCode`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const BatchCode = Schema.Literal("0", "1", "2")

/**
 * @since 0.1.0
 * @category models
 */
export type BatchCode = typeof BatchCode.Type

/**
 * The deepest nesting of arrays and objects an answer is read at. OKX's answers nest five levels at most (the
 * envelope, `data[]`, an item, its `legs[]`, a leg); a deeper body is no OKX answer, and is read as an unreadable one
 * rather than walked (decoding, formatting or scrubbing a body thousands of levels deep overflows the stack).
 *
 * @since 0.1.0
 * @category constants
 */
export const maxDepth = 32

/**
 * Whether `value` (parsed JSON) nests arrays and objects deeper than {@link maxDepth}; walked without recursion.
 *
 * @example
 * ```ts
 * import { OkxEnvelope } from "@okx-rfq/schema"
 *
 * OkxEnvelope.tooDeep({ code: "0", msg: "", data: [] }) // false
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const tooDeep = (value: unknown): boolean => {
  if (typeof value !== "object" || value === null) return false
  const stack: Array<readonly [object, number]> = [[value, 1]]
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [node, depth] = next
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child !== "object" || child === null) continue
      if (depth === maxDepth) return true
      stack.push([child, depth + 1])
    }
  }
  return false
}

/**
 * An answer as JSON no deeper than {@link maxDepth}, or why it is not: a text is parsed (`JSON.parse`'s message if it
 * is not JSON; a leading byte order mark is skipped), and a value too deep is refused.
 *
 * @example
 * ```ts
 * import { OkxEnvelope } from "@okx-rfq/schema"
 *
 * OkxEnvelope.parseAnswer('{"code":"0","msg":"","data":[]}') // Right({ code: "0", msg: "", data: [] })
 * OkxEnvelope.parseAnswer("<html>") // Left("Unexpected token '<', ...")
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseAnswer = (answer: unknown): Either.Either<unknown, string> => {
  let value = answer
  if (typeof answer === "string") {
    try {
      // a byte order mark before the JSON is allowed to be ignored (RFC 8259, 8.1), and JSON.parse does not
      value = JSON.parse(answer.charCodeAt(0) === 0xfeff ? answer.slice(1) : answer)
    } catch (error) {
      return Either.left(error instanceof Error ? error.message : String(error))
    }
  }
  return tooDeep(value) ? Either.left(`nested deeper than ${maxDepth} levels`) : Either.right(value)
}
