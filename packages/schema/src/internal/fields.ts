import * as Arbitrary from "effect/Arbitrary"
import * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/**
 * An optional request field: `?: A | undefined` on the user-facing side, absent (never `undefined`) on the wire.
 * The value is validated once, by `schema`, in both directions (the user-facing side only strips `undefined`).
 *
 * @internal
 */
export const optionalField = <A, I>(schema: Schema.Schema<A, I>) =>
  Schema.optionalToOptional(
    schema,
    Schema.UndefinedOr(
      Schema.declare((_: unknown): _ is A => true, {
        arbitrary: () => () => Arbitrary.make(Schema.typeSchema(schema))
      })
    ),
    {
      decode: (option) => option,
      encode: Option.filter((value): value is A => value !== undefined)
    }
  )

/** @internal */
export const showValue = (value: unknown): string => {
  if (typeof value === "string") return JSON.stringify(value)
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) {
    return String(value)
  }
  try {
    const json = JSON.stringify(value)
    return json === undefined ? String(value) : json.length > 80 ? `${json.slice(0, 77)}...` : json
  } catch {
    return String(value)
  }
}

const digits = /^(0|[1-9][0-9]{0,15})$/

/**
 * Whether an epoch number is Unix seconds rather than milliseconds: from `1e9` up to `1e12`. `1e12` ms is
 * 2001-09-09 and `1e12` s the year 33658, so every plausible timestamp is unambiguous. Below `1e9` (before
 * 2001-09-09 in seconds, the first 11.5 days of 1970 in milliseconds) only a virtual clock such as the TestClock
 * gives a value: it is read as milliseconds, as such a clock counts. (A virtual clock run past 1e9 ms, 11.5 days,
 * would be read as seconds again: start long virtual runs at a real epoch, as the simulator's `clockOffsetMs` does.)
 *
 * @internal
 */
export const isEpochSeconds = (value: number): boolean => value >= 1e9 && value < 1e12

/** @internal */
export const parseDigits = (input: string): number | undefined => (digits.test(input) ? Number(input) : undefined)

/** @internal */
export const dateTimeFromMillis = (millis: number): DateTime.Utc | undefined =>
  Option.getOrUndefined(DateTime.make(millis))

/**
 * A Unix-milliseconds string (`"1697026383085"`) decoded to a `DateTime.Utc`.
 *
 * @internal
 */
export const EpochMillisString = Schema.transformOrFail(Schema.String, Schema.DateTimeUtcFromSelf, {
  strict: true,
  decode: (input, _, ast) => {
    const n = parseDigits(input)
    const dateTime = n === undefined ? undefined : dateTimeFromMillis(n)
    return dateTime === undefined
      ? ParseResult.fail(
          new ParseResult.Type(ast, input, `expected a Unix timestamp in milliseconds, got ${showValue(input)}`)
        )
      : ParseResult.succeed(dateTime)
  },
  encode: (dateTime) => ParseResult.succeed(String(DateTime.toEpochMillis(dateTime)))
}).annotations({ identifier: "EpochMillisString" })
