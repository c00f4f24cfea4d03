import { Effect, Scheduler } from "effect"

/**
 * A scheduler that makes a fiber yield once, at its `k`-th operation, and holds the yielded fiber (and every task
 * scheduled meanwhile) until `release`; every other task goes to the default scheduler. With `firstFiberOnly`, only
 * the first fiber that runs on it counts operations (the caller under test), else all of them together. Walking `k`
 * over a range parks the code under test between each pair of its operations in turn: the default scheduler yields
 * every 2,048 operations, wherever that falls, and a signal or timeout can interrupt the fiber there.
 */
export const parkingScheduler = (k: number, firstFiberOnly = false) => {
  let target: unknown
  let ops = 0
  let holding = false
  const held: Array<Scheduler.Task> = []
  const scheduler = Scheduler.make(
    (task, priority) => {
      if (holding) held.push(task)
      else Scheduler.defaultScheduler.scheduleTask(task, priority)
    },
    (fiber) => {
      if (firstFiberOnly) {
        if (target === undefined) target = fiber
        if (fiber !== target) return false
      }
      ops++
      if (ops === k) {
        holding = true
        return 0
      }
      return false
    }
  )
  const release = Effect.sync(() => {
    holding = false
    for (const task of held.splice(0)) task()
  })
  return { scheduler, release, parked: () => holding }
}
