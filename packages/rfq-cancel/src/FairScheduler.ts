/**
 * A scheduler for Effect's fibers that hands the event loop back to Node after every few tasks, and runs urgent
 * fibers (the dead-man's switch) before everything else.
 *
 * Why: Effect's default scheduler runs every fiber task that is ready in microtasks, and falls back to a
 * macrotask only after 2,048 consecutive rounds. Starting 10,000 fibers at once (`Effect.forEach` with unbounded
 * concurrency over quotes to cancel) is therefore one uninterrupted run of 10,000 fiber starts: no timer fires and
 * no socket is read until it is over (0.5–1 s on a 2-core machine). A re-arm of the countdown that falls due in
 * that time is late by as much. With this scheduler:
 *
 * - at most `tasksPerTurn` tasks run before the scheduler yields to the event loop (with `setImmediate`), so timers
 *   and sockets get a turn every few milliseconds whatever the fibers are doing;
 * - tasks are taken highest scheduling priority first (FIFO within a priority), so a fiber running at
 *   {@link urgentPriority} (the switch runs its heartbeat, watcher and shutdown there) resumes at the next turn instead
 *   of behind every task queued before it.
 *
 * Install it for the whole program with {@link layer} (or `Effect.withScheduler(scheduler)` around a part of it).
 * It cannot preempt synchronous code: a computation that never returns to Effect or to the event loop still
 * stalls everything, the switch included. Run `okx-rfq guard` as its own process if that can happen.
 *
 * The scheduler reads no clock: its budget is a number of tasks, so it behaves the same under the `TestClock`.
 *
 * @since 0.1.0
 */
import { OkxError } from "@okx-rfq/schema"
import * as Either from "effect/Either"
import type * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Scheduler from "effect/Scheduler"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * How many fiber tasks run before the scheduler hands the event loop back (a positive integer, default
   * {@link defaultTasksPerTurn}). A task runs one fiber until it waits or yields (at most Effect's 2,048 operations).
   */
  readonly tasksPerTurn?: number | undefined
}

/**
 * The default budget of tasks between two turns of the event loop. A fiber start of a cancel-quote costs about
 * 50–90 µs on a 2-core machine, so this hands the event loop back about every 3–6 ms under a flood; below a
 * flood's size it changes nothing.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultTasksPerTurn = 64

/**
 * The scheduling priority the dead-man's switch runs its fibers at: above Effect's default (0), so this scheduler
 * runs them first. Other schedulers are free to ignore it (Effect's default one does).
 *
 * @since 0.1.0
 * @category constants
 */
export const urgentPriority = 1_000

/** A FIFO queue that does not shift its array. */
class TaskQueue {
  private items: Array<Scheduler.Task | undefined> = []
  private head = 0
  constructor(readonly priority: number) {}
  get size(): number {
    return this.items.length - this.head
  }
  push(task: Scheduler.Task): void {
    this.items.push(task)
  }
  /** The oldest task; the queue must not be empty. */
  take(): Scheduler.Task {
    const task = this.items[this.head]!
    this.items[this.head++] = undefined
    if (this.head === this.items.length) {
      this.items = []
      this.head = 0
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return task
  }
}

/**
 * The scheduler. Build it with {@link make} (which checks the options) or {@link layer}.
 *
 * @since 0.1.0
 * @category models
 */
export class FairScheduler implements Scheduler.Scheduler {
  /** Queues by priority, highest first. */
  private queues: Array<TaskQueue> = []
  private pending = 0
  private draining = false
  private ranSinceYield = 0

  /**
   * @param tasksPerTurn - how many tasks run before the event loop gets a turn; a positive integer ({@link make}
   * checks it).
   */
  constructor(readonly tasksPerTurn: number) {}

  /**
   * Effect's own rule: a fiber yields after `currentMaxOpsBeforeYield` operations, at its scheduling priority.
   *
   * @since 0.1.0
   */
  readonly shouldYield: (fiber: Fiber.RuntimeFiber<unknown, unknown>) => number | false = Scheduler.defaultShouldYield

  /**
   * Queues `task` at `priority` (higher runs first); it runs in a microtask, or after the event loop's next turn
   * when the budget of this turn is spent.
   *
   * @since 0.1.0
   */
  scheduleTask(task: Scheduler.Task, priority: number): void {
    this.queueFor(priority).push(task)
    this.pending++
    if (!this.draining) {
      this.draining = true
      queueMicrotask(this.drain)
    }
  }

  private queueFor(priority: number): TaskQueue {
    const queues = this.queues
    let index = 0
    while (index < queues.length && queues[index]!.priority > priority) index++
    const found = queues[index]
    if (found !== undefined && found.priority === priority) return found
    const queue = new TaskQueue(priority)
    queues.splice(index, 0, queue)
    return queue
  }

  private take(): Scheduler.Task {
    const queues = this.queues
    let index = 0
    while (queues[index]!.size === 0) index++
    this.pending--
    return queues[index]!.take()
  }

  private readonly afterTurn = (): void => {
    this.ranSinceYield = 0
    this.drain()
  }

  private readonly drain = (): void => {
    while (this.pending > 0) {
      if (this.ranSinceYield >= this.tasksPerTurn) {
        setImmediate(this.afterTurn)
        return
      }
      this.ranSinceYield++
      const task = this.take()
      try {
        task()
      } catch (error) {
        // keep the other fibers running, then let the error surface as Node would report it
        setImmediate(this.afterTurn)
        throw error
      }
    }
    this.draining = false
  }
}

/**
 * A scheduler with the given budget; `InvalidRequest` (field `tasksPerTurn`) when it is not a positive integer.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Either.Either<FairScheduler, OkxError.InvalidRequest> => {
  const tasksPerTurn = options.tasksPerTurn ?? defaultTasksPerTurn
  if (!Number.isSafeInteger(tasksPerTurn) || tasksPerTurn < 1) {
    return Either.left(
      new OkxError.InvalidRequest({
        endpoint: "fair-scheduler",
        field: "tasksPerTurn",
        msg: `tasksPerTurn: must be a positive integer, got ${String(tasksPerTurn)}`
      })
    )
  }
  return Either.right(new FairScheduler(tasksPerTurn))
}

/**
 * Runs everything built with this layer (a `ManagedRuntime`, `Layer.launch`, `NodeRuntime.runMain` of a program
 * provided with it) on a {@link FairScheduler}.
 *
 * @example
 * ```ts
 * import { NodeRuntime } from "@effect/platform-node"
 * import { DeadMansSwitch, FairScheduler, RfqCancelClient, UndiciHttpClient } from "@okx-rfq/rfq-cancel"
 * import { Layer } from "effect"
 *
 * const Protection = DeadMansSwitch.layer({ timeout: "30 seconds" }).pipe(
 *   Layer.provide(RfqCancelClient.layerConfig()),
 *   Layer.provide(UndiciHttpClient.layer),
 *   Layer.provide(FairScheduler.layer())
 * )
 * Layer.launch(Protection).pipe(NodeRuntime.runMain)
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<never, OkxError.InvalidRequest> =>
  Either.match(make(options), {
    onLeft: (error) => Layer.fail(error),
    onRight: (scheduler) => Layer.setScheduler(scheduler)
  })
