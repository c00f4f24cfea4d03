/**
 * Checking a `Duration.DurationInput` that a caller gave before it is used. `Duration.decode` reads a negative or
 * NaN input (`-5`, `"-5 millis"`, `[-1, 0]`) as zero, which would silently turn a bad margin or countdown into none.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"

/**
 * The input as a finite, non-negative `Duration`, or `None` when it is not a duration, is negative (in any of its
 * forms), NaN or infinite.
 *
 * ```ts
 * import { DurationInput } from "@okx-rfq/rate-limit"
 *
 * DurationInput.decodeNonNegative("50 millis") // Some(50 millis)
 * DurationInput.decodeNonNegative(-5) // None, where Duration.decode(-5) is zero
 * ```
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeNonNegative = (input: unknown): Option.Option<Duration.Duration> => {
  const negative =
    (typeof input === "number" && !(input >= 0)) ||
    (typeof input === "bigint" && input < 0n) ||
    (typeof input === "string" && /^\s*-/.test(input)) ||
    (Array.isArray(input) && input.some((part) => typeof part !== "number" || !(part >= 0)))
  if (negative) return Option.none()
  return Option.filter(Duration.decodeUnknown(input), Duration.isFinite)
}

/**
 * A caller's duration input as an error message shows it: a string quoted, an array or object as JSON, a number,
 * bigint or `Duration` as itself. `String` would show `[]` and `""` as nothing and `{}` as `[object Object]`.
 *
 * ```ts
 * import { DurationInput } from "@okx-rfq/rate-limit"
 *
 * DurationInput.show("5 sekunds") // "\"5 sekunds\""
 * DurationInput.show([]) // "[]"
 * DurationInput.show(-5) // "-5"
 * ```
 *
 * @since 0.1.0
 * @category formatting
 */
export const show = (input: unknown): string => {
  if (typeof input === "string") return JSON.stringify(input)
  if (typeof input === "bigint") return `${input}n`
  if (Duration.isDuration(input)) return Duration.format(input)
  if (typeof input !== "object" || input === null) return String(input)
  try {
    const json = JSON.stringify(input)
    return json === undefined ? String(input) : json.length > 80 ? `${json.slice(0, 77)}...` : json
  } catch {
    return String(input)
  }
}
