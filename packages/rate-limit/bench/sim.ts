/**
 * A discrete-event harness: a virtual Clock whose `sleep` registers a timer, and a ControlledScheduler that the
 * harness drains synchronously. When no fiber can run, the clock jumps to the earliest timer. Every limiter in
 * the bench runs through the same harness, so their schedules are exact and their CPU costs comparable.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Scheduler from "effect/Scheduler"

interface Timer {
  readonly at: number
  readonly seq: number
  readonly resume: (effect: Effect.Effect<void>) => void
  cancelled: boolean
}

export interface Simulation<A, E> {
  readonly exit: Exit.Exit<A, E>
  readonly now: number
}

export const simulate = <A, E>(effect: Effect.Effect<A, E>): Simulation<A, E> => {
  const scheduler = new Scheduler.ControlledScheduler()
  let now = 0
  let seq = 0
  let timers: Array<Timer> = []
  const clock: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => now,
    currentTimeMillis: Effect.sync(() => now),
    unsafeCurrentTimeNanos: () => BigInt(Math.round(now * 1_000_000)),
    currentTimeNanos: Effect.sync(() => BigInt(Math.round(now * 1_000_000))),
    sleep: (duration: Duration.Duration) =>
      Effect.async<void>((resume) => {
        const timer: Timer = { at: now + Duration.toMillis(duration), seq: seq++, resume, cancelled: false }
        timers.push(timer)
        return Effect.sync(() => {
          timer.cancelled = true
        })
      })
  }
  const fiber = Effect.runFork(effect.pipe(Effect.withClock(clock), Effect.withScheduler(scheduler)), { scheduler })
  for (;;) {
    while (scheduler.tasks.buckets.length > 0) scheduler.step()
    const exit = fiber.unsafePoll()
    if (exit !== null) return { exit, now }
    let next: Timer | undefined
    let live = 0
    for (const timer of timers) {
      if (timer.cancelled) continue
      timers[live++] = timer
      if (next === undefined || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq)) next = timer
    }
    timers.length = live
    if (next === undefined) throw new Error("simulation deadlocked: no runnable fiber and no timer")
    timers = timers.filter((timer) => timer !== next)
    if (next.at > now) now = next.at
    next.resume(Effect.void)
  }
}
