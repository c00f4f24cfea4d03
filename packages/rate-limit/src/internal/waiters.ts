/**
 * An intrusive doubly linked FIFO of waiters: O(1) push, O(1) removal from anywhere (interruption).
 *
 * @internal
 */
import type * as Deferred from "effect/Deferred"

/** @internal */
export interface Waiter {
  readonly cost: number
  readonly enqueuedAt: number
  turn: Deferred.Deferred<void> | undefined
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
  const waiter: Waiter = { cost, enqueuedAt, turn: undefined, prev: queue.tail, next: undefined, queued: true }
  if (queue.tail === undefined) queue.head = waiter
  else queue.tail.next = waiter
  queue.tail = waiter
  queue.size++
  return waiter
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
