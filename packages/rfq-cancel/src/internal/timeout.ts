import { SteadyTime } from "@okx-rfq/rate-limit"
import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Runtime from "effect/Runtime"
import type * as Scope from "effect/Scope"

interface Entry {
  readonly at: number
  /** Dropped (set to `undefined`) once the deadline is settled, so a settled entry waiting in the heap holds nothing. */
  fire: (() => void) | undefined
}

/**
 * Timeouts for the hot path, one timer for all of a client's attempts.
 *
 * `Effect.timeoutFail` races two child fibers and a `Clock.sleep` per call, which costs more CPU than a whole loopback
 * HTTP call. Here every attempt runs its effect in one daemon fiber and registers its deadline in a min-heap; a
 * single timer fiber sleeps (through the `Clock` the client was built with, so the TestClock drives it) until the
 * earliest live deadline, and fires what is due. A settled deadline is emptied at once and dropped when it reaches
 * the top (calls mostly end in the order they started, so the heap holds about the calls in flight), so a call costs
 * a heap push and pop and no timer of its own. The timer ends with the client's scope.
 *
 * @internal
 */
export interface Timeouts {
  /**
   * `self` within `millis`, else `onTimeout()` once `self` has been interrupted (and awaited), also in an
   * uninterruptible region. Interrupting the caller (where it is interruptible) interrupts `self`.
   */
  readonly timeoutFail: <A, E, E2>(
    self: Effect.Effect<A, E>,
    millis: number,
    onTimeout: () => E2
  ) => Effect.Effect<A, E | E2>
  /**
   * Calls `fire` once `millis` have passed, unless the returned function (cancel) was called first; cancel answers
   * whether it came first. The building block for a callback-level operation that races its own deadline without a
   * fiber.
   */
  readonly after: (millis: number, fire: () => void) => () => boolean
}

/** @internal */
export const make: Effect.Effect<Timeouts, never, Scope.Scope> = Effect.gen(function* () {
  const runtime = yield* Effect.runtime<never>()
  const clock: Clock.Clock = yield* Effect.clock
  const heap: Array<Entry> = []
  let timer: Fiber.RuntimeFiber<void> | undefined
  let timerAt = Number.POSITIVE_INFINITY
  let closed = false

  const push = (entry: Entry) => {
    heap.push(entry)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (heap[parent]!.at <= entry.at) break
      heap[i] = heap[parent]!
      i = parent
    }
    heap[i] = entry
  }

  const pop = (): Entry => {
    const top = heap[0]!
    const last = heap.pop()!
    if (heap.length > 0) {
      heap[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < heap.length && heap[l]!.at < heap[m]!.at) m = l
        if (r < heap.length && heap[r]!.at < heap[m]!.at) m = r
        if (m === i) break
        const swap = heap[i]!
        heap[i] = heap[m]!
        heap[m] = swap
        i = m
      }
    }
    return top
  }

  /** Drops settled deadlines from the top: calls mostly end in the order they started, so the heap stays small. */
  const trim = (): void => {
    while (heap.length > 0 && heap[0]!.fire === undefined) pop()
  }

  /** Fires what is due, drops settled deadlines at the top, and sleeps until the earliest live one. */
  const wake = (): void => {
    const now = SteadyTime.unsafeMillis(clock)
    while (heap.length > 0 && (heap[0]!.fire === undefined || heap[0]!.at <= now)) {
      const fire = pop().fire
      if (fire !== undefined) fire()
    }
    timer = undefined
    timerAt = Number.POSITIVE_INFINITY
    if (heap.length > 0) arm(heap[0]!.at)
  }

  const arm = (at: number): void => {
    if (closed) return
    if (timer !== undefined) timer.unsafeInterruptAsFork(timer.id())
    timerAt = at
    timer = Runtime.runFork(runtime)(
      Effect.sleep(Math.max(0, at - SteadyTime.unsafeMillis(clock))).pipe(Effect.zipRight(Effect.sync(wake)))
    )
  }

  yield* Effect.addFinalizer(() =>
    Effect.suspend(() => {
      closed = true
      heap.length = 0
      const running = timer
      timer = undefined
      return running === undefined ? Effect.void : Fiber.interrupt(running)
    })
  )

  const after = (millis: number, fire: () => void): (() => boolean) => {
    const entry: Entry = {
      at: SteadyTime.unsafeMillis(clock) + millis,
      fire: () => {
        entry.fire = undefined
        fire()
      }
    }
    push(entry)
    if (entry.at < timerAt) arm(entry.at)
    return () => {
      if (entry.fire === undefined) return false
      entry.fire = undefined
      trim()
      return true
    }
  }

  const timeoutFail = <A, E, E2>(
    self: Effect.Effect<A, E>,
    millis: number,
    onTimeout: () => E2
  ): Effect.Effect<A, E | E2> =>
    Effect.uninterruptibleMask((restore) =>
      // the child is interruptible even when the caller is not (a shutdown's disarm): its own deadline always ends it
      Effect.flatMap(Effect.forkDaemon(Effect.interruptible(self)), (child) =>
        // interrupted before the wait below registers (an interruption pending when `restore` is entered), the child
        // is interrupted too: nothing else would end it
        Effect.onInterrupt(
          restore(
            Effect.async<A, E | E2>((resume) => {
              const cancel = after(millis, () =>
                resume(Effect.zipRight(Fiber.interrupt(child), Effect.fail(onTimeout())))
              )
              child.addObserver((exit) => {
                if (cancel()) resume(exit)
              })
              return Effect.suspend(() => {
                cancel()
                return Fiber.interrupt(child)
              })
            })
          ),
          () => Fiber.interrupt(child)
        )
      )
    )

  return { timeoutFail, after }
})
