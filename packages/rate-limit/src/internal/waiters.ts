/**
 * An intrusive doubly linked FIFO of waiters: O(1) push, O(1) removal from anywhere (interruption).
 *
 * @internal
 */
import type * as Effect from "effect/Effect"

/** @internal */
export interface Waiter {
  readonly cost: number
  readonly enqueuedAt: number
  resume: ((effect: Effect.Effect<void>) => void) | undefined
  signaled: boolean
  prev: Waiter | undefined
  next: Waiter | undefined
  queued: boolean
}

/** @internal */
export interface Queue {
  head: Waiter | undefined
  tail: Waiter | undefined
  size: number
}

/** @internal */
export const make = (): Queue => ({ head: undefined, tail: undefined, size: 0 })

/** @internal */
export const push = (queue: Queue, cost: number, enqueuedAt: number): Waiter => {
  const waiter: Waiter = {
    cost,
    enqueuedAt,
    resume: undefined,
    signaled: false,
    prev: queue.tail,
    next: undefined,
    queued: true
  }
  if (queue.tail === undefined) queue.head = waiter
  else queue.tail.next = waiter
  queue.tail = waiter
  queue.size++
  return waiter
}

/**
 * Tells the head of the queue that it is its turn: resumes it if it is waiting, or marks it so that it does not
 * wait.
 *
 * @internal
 */
export const signalHead = (queue: Queue, resumed: Effect.Effect<void>): void => {
  const head = queue.head
  if (head === undefined || head.signaled) return
  head.signaled = true
  const resume = head.resume
  if (resume !== undefined) {
    head.resume = undefined
    resume(resumed)
  }
}

/** @internal */
export const remove = (queue: Queue, waiter: Waiter): void => {
  if (!waiter.queued) return
  waiter.queued = false
  if (waiter.prev === undefined) queue.head = waiter.next
  else waiter.prev.next = waiter.next
  if (waiter.next === undefined) queue.tail = waiter.prev
  else waiter.next.prev = waiter.prev
  waiter.prev = undefined
  waiter.next = undefined
  queue.size--
}
