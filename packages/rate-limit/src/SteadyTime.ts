/**
 * Time for measuring intervals: the Clock's `currentTimeNanos` in milliseconds. Effect's default Clock reads it from a
 * monotonic source (`process.hrtime`, anchored at the wall clock when the process started), where
 * `currentTimeMillis` is the wall clock (`Date.now()`). A step of the wall clock (an NTP correction, an operator
 * setting the time) then moves no window, deadline or sleep measured with it: 12 s back would otherwise hold every
 * sleep until a deadline 12 s longer, and 12 s forward would let a window pass early. Under the `TestClock` both are
 * its one virtual time. The wall clock stays what requests are signed with (`OK-ACCESS-TIMESTAMP`).
 *
 * @since 0.1.0
 */
import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"

/**
 * Milliseconds of `clock`'s steady time, read synchronously: to the microsecond (not rounded to a whole millisecond,
 * which would count a request written at 417.6 ms as written at 417 ms, and end its window early).
 *
 * @example
 * ```ts
 * import { SteadyTime } from "@okx-rfq/rate-limit"
 * import { Effect } from "effect"
 *
 * const elapsed = Effect.clockWith((clock) => {
 *   const start = SteadyTime.unsafeMillis(clock)
 *   return Effect.map(Effect.sleep("1 second"), () => SteadyTime.unsafeMillis(clock) - start)
 * })
 * ```
 *
 * @since 0.1.0
 * @category time
 */
export const unsafeMillis = (clock: Clock.Clock): number => Number(clock.unsafeCurrentTimeNanos()) / 1e6

/**
 * Milliseconds of the current Clock's steady time.
 *
 * @since 0.1.0
 * @category time
 */
export const currentTimeMillis: Effect.Effect<number> = Effect.clockWith((clock) =>
  Effect.sync(() => unsafeMillis(clock))
)
