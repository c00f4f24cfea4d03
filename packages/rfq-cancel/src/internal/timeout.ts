import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"

/**
 * `Effect.timeoutFail` for the hot path. `Effect.timeoutFail` races two child fibers and merges the winner's
 * FiberRefs back, which costs several times a whole loopback HTTP call's CPU in the client; here the effect runs in
 * one daemon fiber and the timer in another (a `Clock.sleep`, so the TestClock drives it), and the caller just
 * observes both. Same semantics: the first to finish wins, the other is interrupted; interrupting the caller
 * interrupts both; when the time is up the effect is interrupted (and awaited) before `onTimeout()` is failed with.
 *
 * @internal
 */
export const timeoutFail = <A, E, E2>(
  self: Effect.Effect<A, E>,
  millis: number,
  onTimeout: () => E2
): Effect.Effect<A, E | E2> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(Effect.forkDaemon(restore(self)), (child) =>
      Effect.flatMap(Effect.forkDaemon(Effect.interruptible(Effect.sleep(millis))), (timer) =>
        restore(
          Effect.async<A, E | E2>((resume) => {
            let settled = false
            child.addObserver((exit) => {
              if (settled) return
              settled = true
              timer.unsafeInterruptAsFork(child.id())
              resume(exit)
            })
            timer.addObserver((exit) => {
              if (settled || !Exit.isSuccess(exit)) return
              settled = true
              resume(Effect.zipRight(Fiber.interrupt(child), Effect.fail(onTimeout())))
            })
            return Effect.suspend(() => {
              settled = true
              timer.unsafeInterruptAsFork(child.id())
              return Fiber.interrupt(child)
            })
          })
        )
      )
    )
  )
