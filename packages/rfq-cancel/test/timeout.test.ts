import { assert, describe, it } from "@effect/vitest"
import { Clock, Deferred, Effect, Exit, Fiber, Ref, TestClock } from "effect"
import * as Timeout from "../src/internal/timeout.js"

describe("the shared attempt timer", () => {
  it.scoped("fires each deadline at its own time, in any registration order, and only for unfinished effects", () =>
    Effect.gen(function* () {
      const timeouts = yield* Timeout.make
      const fired = yield* Ref.make<ReadonlyArray<readonly [string, number]>>([])
      const timed = (name: string, work: number, limit: number) =>
        timeouts
          .timeoutFail(Effect.sleep(work).pipe(Effect.as(name)), limit, () => name)
          .pipe(
            Effect.flip,
            Effect.flatMap((n) =>
              Effect.flatMap(Clock.currentTimeMillis, (t) =>
                Ref.update(fired, (xs): ReadonlyArray<readonly [string, number]> => [...xs, [n, t]])
              )
            ),
            Effect.ignore,
            Effect.fork
          )
      const fibers = [
        yield* timed("late", 10_000, 3_000),
        yield* timed("early", 10_000, 1_000),
        yield* timed("done in time", 500, 2_000),
        yield* timed("middle", 10_000, 2_000)
      ]
      yield* TestClock.adjust("20 seconds")
      yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(yield* Ref.get(fired), [
        ["early", 1_000],
        ["middle", 2_000],
        ["late", 3_000]
      ])
    })
  )

  it.scoped("a timed-out effect is interrupted before the timeout error is returned", () =>
    Effect.gen(function* () {
      const timeouts = yield* Timeout.make
      const interrupted = yield* Deferred.make<void>()
      const fiber = yield* Effect.fork(
        timeouts.timeoutFail(
          Effect.never.pipe(Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))),
          100,
          () => "timeout"
        )
      )
      yield* TestClock.adjust("100 millis")
      assert.deepStrictEqual(yield* Fiber.await(fiber), Exit.fail("timeout"))
      assert.isTrue(yield* Deferred.isDone(interrupted))
    })
  )

  it.scoped("in an uninterruptible region (a shutdown's disarm) the deadline still ends the effect", () =>
    Effect.gen(function* () {
      const timeouts = yield* Timeout.make
      const fiber = yield* Effect.fork(Effect.uninterruptible(timeouts.timeoutFail(Effect.never, 100, () => "timeout")))
      yield* TestClock.adjust("100 millis")
      assert.deepStrictEqual(yield* Fiber.await(fiber), Exit.fail("timeout"))
    })
  )

  it.scoped("interrupting the caller interrupts the effect; closing the scope stops the timer", () =>
    Effect.gen(function* () {
      const interrupted = yield* Deferred.make<void>()
      const fiber = yield* Effect.scoped(
        Effect.flatMap(Timeout.make, (timeouts) =>
          Effect.fork(
            timeouts.timeoutFail(
              Effect.never.pipe(Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))),
              60_000,
              () => "timeout"
            )
          )
        )
      )
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(fiber)
      assert.isTrue(yield* Deferred.isDone(interrupted))
      const timeouts = yield* Effect.scoped(Timeout.make)
      const late = yield* Effect.fork(
        timeouts.timeoutFail(Effect.sleep(5_000).pipe(Effect.as("ok")), 1_000, () => "timeout")
      )
      yield* TestClock.adjust("10 seconds")
      assert.deepStrictEqual(yield* Fiber.await(late), Exit.succeed("ok"), "a closed scope's timer fires nothing")
    })
  )
})
