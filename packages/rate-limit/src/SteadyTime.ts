/**
 * Time for measuring intervals. Effect's default Clock reads `currentTimeNanos` from a monotonic source
 * (`process.hrtime`, anchored at the wall clock when the process started) and `currentTimeMillis` from the wall
 * clock. Under the `TestClock` both are its one virtual time. The wall clock stays what requests are signed
 * with (`OK-ACCESS-TIMESTAMP`).
 *
 * - `unsafeMillis` / `currentTimeMillis`: the monotonic time. A step of the wall clock (an NTP correction, an operator
 *   setting the time) moves no window, timeout or sleep measured with it: 12 s back would otherwise hold every wait
 *   12 s longer, and 12 s forward would let a rate-limit window pass early. The limiter and the client's deadlines
 *   use it: where it is wrong (after a suspend, below) they wait longer, never less.
 * - `unsafeForwardMillis` / `forwardMillis`: the monotonic time that also jumps forward whenever the wall clock gets
 *   ahead of it, and never back. The monotonic clock does not count a machine's suspend (nor do timers), while the
 *   venue's countdown runs on through it: a deadline read on monotonic time alone would still look ahead after the
 *   venue's had passed. Read this way, a suspend or a forward step makes a deadline pass early, a backward step
 *   leaves it be: a lapse is never read late. The dead-man's switch uses it.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"

/**
 * Milliseconds of `clock`'s monotonic time, read synchronously: to the microsecond (not rounded to a whole
 * millisecond, which would count a request written at 417.6 ms as written at 417 ms, and end its window early).
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
 * Milliseconds of the current Clock's monotonic time.
 *
 * @since 0.1.0
 * @category time
 */
export const currentTimeMillis: Effect.Effect<number> = Effect.clockWith((clock) =>
  Effect.sync(() => unsafeMillis(clock))
)

/** How far each Clock's wall time has been seen ahead of its monotonic time, at most: only ever grows. */
const ahead = new WeakMap<Clock.Clock, number>()

/**
 * Whole milliseconds of `clock`'s forward-only time: its monotonic time plus the most its wall time was ever seen
 * ahead of it (the same for every reader of one Clock), so that it follows the wall clock through a suspend or a
 * forward step, and not through a backward one.
 *
 * @since 0.1.0
 * @category time
 */
export const unsafeForwardMillis = (clock: Clock.Clock): number => {
  const steady = unsafeMillis(clock)
  const skew = clock.unsafeCurrentTimeMillis() - steady
  const seen = ahead.get(clock)
  const most = seen === undefined || skew > seen ? skew : seen
  if (most !== seen) ahead.set(clock, most)
  return Math.floor(steady + most)
}

/**
 * Whole milliseconds of the current Clock's forward-only time (`unsafeForwardMillis`).
 *
 * @since 0.1.0
 * @category time
 */
export const forwardMillis: Effect.Effect<number> = Effect.clockWith((clock) =>
  Effect.sync(() => unsafeForwardMillis(clock))
)

/**
 * `clock` with its wall time (`currentTimeMillis`) moved by `offset()` milliseconds, read at each use, and its
 * monotonic time and sleeps unchanged: for testing under the TestClock what a step of the wall clock does (a negative
 * offset: an NTP correction back), or a suspend (a positive one: the wall clock runs on while the monotonic clock and
 * the timers stand still).
 *
 * @example
 * ```ts
 * import { SteadyTime } from "@okx-rfq/rate-limit"
 * import { Effect } from "effect"
 *
 * let step = 0
 * const program = Effect.gen(function* () {
 *   const stepped = SteadyTime.withWallOffset(yield* Effect.clock, () => step)
 *   step = -12_000 // the wall clock goes back 12 s: `unsafeMillis(stepped)` does not
 *   return SteadyTime.unsafeMillis(stepped)
 * })
 * ```
 *
 * @since 0.1.0
 * @category testing
 */
export const withWallOffset = (clock: Clock.Clock, offset: () => number): Clock.Clock => {
  const wall = () => clock.unsafeCurrentTimeMillis() + offset()
  return {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: wall,
    currentTimeMillis: Effect.sync(wall),
    unsafeCurrentTimeNanos: () => clock.unsafeCurrentTimeNanos(),
    currentTimeNanos: clock.currentTimeNanos,
    sleep: (duration) => clock.sleep(duration)
  }
}
