import { Clock, Duration, Effect } from "effect"

/**
 * A deterministic virtual clock for soak tests that span tens of thousands of timer wake-ups, and for stalls.
 *
 * It works like the TestClock — time moves only when the test advances it, and sleepers wake in order of their
 * instants — but it hands control to woken fibers with `setImmediate` instead of the TestClock's
 * `setTimeout(0)`-based suspension check (about 4 ms per wake-up here), and it forgets an interrupted sleep at once.
 * `jump` moves time as a stalled process sees it (a blocked event loop, a paused VM): to the end at once, and only
 * then every sleeper due wakes, each reading the late time. Install it with `Effect.withClock(clock.clock)`.
 */
export const makeVirtualClock = (start = 0) => {
  let now = start
  let seq = 0
  const queue: Array<{ readonly at: number; readonly seq: number; readonly wake: () => void }> = []
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve))
  const clock: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => now,
    currentTimeMillis: Effect.sync(() => now),
    unsafeCurrentTimeNanos: () => BigInt(now) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => BigInt(now) * 1_000_000n),
    sleep: (duration) =>
      Effect.async<void>((resume) => {
        const entry = { at: now + Duration.toMillis(duration), seq: seq++, wake: () => resume(Effect.void) }
        let i = queue.length
        while (
          i > 0 &&
          (queue[i - 1]!.at > entry.at || (queue[i - 1]!.at === entry.at && queue[i - 1]!.seq > entry.seq))
        )
          i--
        queue.splice(i, 0, entry)
        return Effect.sync(() => {
          const k = queue.indexOf(entry)
          if (k >= 0) queue.splice(k, 1)
        })
      })
  }
  /** Moves time forward by `millis`, waking every sleeper due on the way, in order. */
  const advance = (millis: number) =>
    Effect.promise(async () => {
      const end = now + millis
      await turn()
      while (queue.length > 0 && queue[0]!.at <= end) {
        const entry = queue.shift()!
        now = entry.at
        entry.wake()
        await turn()
        await turn()
      }
      now = end
      await turn()
    })
  /**
   * The process was stalled for `millis`: time is at the end before anything wakes; `beforeWaking` runs first (what
   * the process does before the switch's timers fire), then every sleeper due wakes, in order.
   */
  const jump = (millis: number, beforeWaking?: () => Promise<void>) =>
    Effect.promise(async () => {
      now += millis
      await beforeWaking?.()
      while (queue.length > 0 && queue[0]!.at <= now) {
        queue.shift()!.wake()
        await turn()
        await turn()
      }
      await turn()
    })
  return { clock, advance, jump, now: () => now, pending: () => queue.length }
}
