import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, type Scheduler } from "effect"
import * as FairScheduler from "../src/FairScheduler.js"

/** Resolves after the event loop's check phase ran `turns` times (what `setImmediate` callbacks queued before see). */
const turns = async (count: number) => {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve))
}

const fair = (tasksPerTurn: number): FairScheduler.FairScheduler => {
  const made = FairScheduler.make({ tasksPerTurn })
  assert.isTrue(made._tag === "Right")
  if (made._tag === "Left") throw made.left
  return made.right
}

/**
 * Starts `count` fibers at once (`Effect.forEach`, unbounded) that each count themselves, and reports how many
 * had run when a `setImmediate` callback queued just before them ran: what a timer or a socket would have waited for.
 */
const startedBeforeTheEventLoop = async (count: number, scheduler: Scheduler.Scheduler | undefined) => {
  let ran = 0
  let seen = -1
  setImmediate(() => {
    seen = ran
  })
  const flood = Effect.forEach(
    Array.from({ length: count }, (_, i) => i),
    () =>
      Effect.sync(() => {
        ran++
      }),
    { concurrency: "unbounded", discard: true }
  )
  await Effect.runPromise(scheduler === undefined ? flood : Effect.withScheduler(flood, scheduler))
  await turns(1)
  return { seen, ran }
}

describe("FairScheduler", () => {
  it("checks tasksPerTurn, naming the field", () => {
    for (const tasksPerTurn of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const made = FairScheduler.make({ tasksPerTurn })
      assert.isTrue(made._tag === "Left", String(tasksPerTurn))
      if (made._tag === "Left") {
        assert.strictEqual(made.left._tag, "InvalidRequest")
        assert.strictEqual(made.left.field, "tasksPerTurn")
        assert.include(made.left.message, "tasksPerTurn")
      }
    }
    const byDefault = FairScheduler.make()
    assert.isTrue(byDefault._tag === "Right" && byDefault.right.tasksPerTurn === FairScheduler.defaultTasksPerTurn)
  })

  it("a layer with a bad option fails to build with the same error", async () => {
    const exit = await Effect.runPromiseExit(Effect.provide(Effect.void, FairScheduler.layer({ tasksPerTurn: 0 })))
    assert.isTrue(Exit.isFailure(exit))
    if (Exit.isFailure(exit)) assert.include(String(exit.cause), "tasksPerTurn")
  })

  it("runs tasks highest priority first, in order within a priority, and one queued while running jumps ahead", async () => {
    const scheduler = fair(100)
    const log: Array<string> = []
    for (let i = 0; i < 5; i++) {
      scheduler.scheduleTask(() => {
        log.push(`normal ${i}`)
        if (i === 1) scheduler.scheduleTask(() => log.push("urgent, queued by normal 1"), FairScheduler.urgentPriority)
      }, 0)
    }
    scheduler.scheduleTask(() => log.push("low"), -1)
    scheduler.scheduleTask(() => log.push("urgent"), FairScheduler.urgentPriority)
    assert.deepStrictEqual(log, [], "nothing runs synchronously")
    await turns(1)
    assert.deepStrictEqual(log, [
      "urgent",
      "normal 0",
      "normal 1",
      "urgent, queued by normal 1",
      "normal 2",
      "normal 3",
      "normal 4",
      "low"
    ])
  })

  it("hands the event loop back after tasksPerTurn tasks, and still runs every task", async () => {
    const scheduler = fair(3)
    const log: Array<number> = []
    for (let i = 0; i < 10; i++) scheduler.scheduleTask(() => log.push(i), 0)
    let seen: ReadonlyArray<number> = []
    setImmediate(() => {
      seen = [...log]
    })
    await turns(6)
    assert.deepStrictEqual(seen, [0, 1, 2])
    assert.deepStrictEqual(
      log,
      Array.from({ length: 10 }, (_, i) => i)
    )
  })

  it("a task that throws does not stop the others", async () => {
    const scheduler = fair(100)
    const log: Array<string> = []
    const thrown: Array<unknown> = []
    // the error reaches Node as an uncaught exception of the microtask: take it here instead of the test runner
    const runners = process.listeners("uncaughtException")
    process.removeAllListeners("uncaughtException")
    process.on("uncaughtException", (error) => thrown.push(error))
    try {
      scheduler.scheduleTask(() => log.push("first"), 0)
      scheduler.scheduleTask(() => {
        throw new Error("boom")
      }, 0)
      scheduler.scheduleTask(() => log.push("after"), 0)
      await turns(3)
    } finally {
      process.removeAllListeners("uncaughtException")
      for (const listener of runners) process.on("uncaughtException", listener)
    }
    assert.deepStrictEqual(log, ["first", "after"])
    assert.strictEqual(thrown.length, 1)
  })

  it("a flood of fibers started at once lets the event loop in after a few of them; the default scheduler does not", async () => {
    const underFair = await startedBeforeTheEventLoop(1000, fair(8))
    assert.strictEqual(underFair.ran, 1000)
    assert.isAtMost(underFair.seen, 8)
    const underDefault = await startedBeforeTheEventLoop(1000, undefined)
    assert.strictEqual(underDefault.ran, 1000)
    assert.strictEqual(underDefault.seen, 1000)
  })

  /**
   * 500 fibers that are always ready to run (each yields 20 times), and one fiber at `priority` waiting on a signal
   * that a `setImmediate` callback sends while they run. Returns how many scheduler tasks were queued when the signal
   * came, and how many ran from then to the waiting fiber's own task (included).
   */
  const resumedAfter = async (priority: number) => {
    const scheduler = fair(16)
    let tasks = 0
    let queued = 0
    const counting: Scheduler.Scheduler = {
      shouldYield: (fiber) => scheduler.shouldYield(fiber),
      scheduleTask: (task, taskPriority) => {
        queued++
        scheduler.scheduleTask(() => {
          queued--
          tasks++
          task()
        }, taskPriority)
      }
    }
    let ran = 0
    let signalled: { readonly tasks: number; readonly queued: number } | undefined
    let resumedAt = -1
    const signal = Effect.runSync(Deferred.make<void>())
    const busy = Effect.forEach(
      Array.from({ length: 500 }, (_, i) => i),
      () =>
        Effect.repeatN(
          Effect.zipRight(
            Effect.sync(() => {
              ran++
            }),
            Effect.yieldNow()
          ),
          19
        ),
      { concurrency: "unbounded", discard: true }
    )
    const waiting = Deferred.await(signal).pipe(
      Effect.tap(() =>
        Effect.sync(() => {
          resumedAt = tasks
        })
      ),
      Effect.withSchedulingPriority(priority)
    )
    // the signal comes once every busy fiber has run at least twice: all 500 are queued, ready to run
    const signalOnceBusy = () => {
      if (ran < 1000) return setImmediate(signalOnceBusy)
      signalled = { tasks, queued }
      Deferred.unsafeDone(signal, Exit.void)
    }
    setImmediate(signalOnceBusy)
    await Effect.runPromise(
      Effect.withScheduler(Effect.all([waiting, busy], { concurrency: "unbounded", discard: true }), counting)
    )
    assert.strictEqual(ran, 500 * 20)
    assert.isDefined(signalled)
    assert.isAtLeast(signalled!.queued, 500, "the signal came while the others were ready to run")
    return { queued: signalled!.queued, ranUntilResumed: resumedAt - signalled!.tasks }
  }

  it("an urgent fiber resumes at the next turn, ahead of every fiber that was ready before it", async () => {
    // its own task is the first to run after the signal
    assert.strictEqual((await resumedAfter(FairScheduler.urgentPriority)).ranUntilResumed, 1)
    // at the default priority it waits behind every task queued before its own
    const normal = await resumedAfter(0)
    assert.strictEqual(normal.ranUntilResumed, normal.queued + 1)
  })
})
