/**
 * Virtual Node timers, for the limiters that read time through Node's globals (ccxt's Throttler, bottleneck)
 * rather than through Effect's Clock. `install()` replaces `Date.now`, `setTimeout`, `clearTimeout`,
 * `setInterval` and `clearInterval` on globalThis with switches: outside `runVirtual` they call the real ones;
 * inside, time is virtual and the timers go to a discrete-event queue. Install before importing those
 * libraries (ccxt keeps its own reference to `Date.now` and `setTimeout` from when it is loaded); their code is
 * not patched.
 *
 * `runVirtual` drives the queue like `sim.ts` drives Effect: it lets every pending promise callback run (one real
 * `setImmediate` turn drains the microtask queue), then jumps the clock to the earliest timer, fires it, and
 * repeats until the program's promise settles.
 */

interface Timer {
  readonly id: number
  /** Order among timers due at the same instant: creation, or the last firing for an interval. */
  order: number
  at: number
  readonly every: number | undefined
  readonly callback: () => void
  cancelled: boolean
}

/** A timer handle with the methods Node's `Timeout` offers and libraries call (`unref`, `ref`, `hasRef`). */
class Handle {
  constructor(readonly timer: Timer) {}
  unref(): this {
    return this
  }
  ref(): this {
    return this
  }
  hasRef(): boolean {
    return false
  }
  [Symbol.toPrimitive](): number {
    return this.timer.id
  }
}

const real = {
  now: Date.now,
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  setImmediate: globalThis.setImmediate
}

/** Virtual `Date.now()` at the start of every run (a plausible epoch, so no library sees time 0). */
export const epoch = 1_767_225_600_000

let virtual = false
let now = epoch
let seq = 0
let queue: Array<Timer> = []

const schedule = (callback: () => void, delay: number | undefined, every: boolean): Handle => {
  // as Node does: a delay below 1 ms, above 2^31 - 1 ms or not a number is 1 ms
  const d = Number(delay)
  const ms = d >= 1 && d <= 2_147_483_647 ? d : 1
  const id = ++seq
  const timer: Timer = { id, order: id, at: now + ms, every: every ? ms : undefined, callback, cancelled: false }
  queue.push(timer)
  return new Handle(timer)
}

const cancel = (handle: unknown): boolean => {
  if (!(handle instanceof Handle)) return false
  handle.timer.cancelled = true
  return true
}

let installed = false

/** Puts the switching globals in place (idempotent). */
export const install = (): void => {
  if (installed) return
  installed = true
  const g = globalThis as unknown as Record<string, unknown>
  Date.now = () => (virtual ? now : real.now())
  g.setTimeout = (callback: (...args: Array<unknown>) => void, delay?: number, ...args: Array<unknown>) =>
    virtual ? schedule(() => callback(...args), delay, false) : real.setTimeout(callback, delay, ...args)
  g.setInterval = (callback: (...args: Array<unknown>) => void, delay?: number, ...args: Array<unknown>) =>
    virtual ? schedule(() => callback(...args), delay, true) : real.setInterval(callback, delay, ...args)
  g.clearTimeout = (handle: unknown) => {
    if (!cancel(handle)) real.clearTimeout(handle as Parameters<typeof clearTimeout>[0])
  }
  g.clearInterval = (handle: unknown) => {
    if (!cancel(handle)) real.clearInterval(handle as Parameters<typeof clearInterval>[0])
  }
}

/** Milliseconds of virtual time since the run began. */
export const elapsed = (): number => now - epoch

const settle = () => new Promise<void>((resolve) => real.setImmediate(resolve))

/**
 * Runs `program` in virtual time starting at {@link epoch} and returns its result. Timers still pending when it
 * settles (a limiter's heartbeat, say) are dropped.
 */
export const runVirtual = async <A>(program: () => Promise<A>): Promise<A> => {
  if (!installed) throw new Error("install() the virtual timers before runVirtual")
  if (virtual) throw new Error("runVirtual is not reentrant")
  virtual = true
  now = epoch
  queue = []
  let result: { readonly value: A } | { readonly error: unknown } | undefined
  try {
    program().then(
      (value) => {
        result = { value }
      },
      (error: unknown) => {
        result = { error }
      }
    )
    for (;;) {
      await settle()
      if (result !== undefined) break
      queue = queue.filter((timer) => !timer.cancelled)
      let next: Timer | undefined
      for (const timer of queue) {
        if (next === undefined || timer.at < next.at || (timer.at === next.at && timer.order < next.order)) next = timer
      }
      if (next === undefined) throw new Error("virtual run deadlocked: the program waits and no timer is pending")
      if (next.at > now) now = next.at
      if (next.every === undefined) next.cancelled = true
      else {
        next.at += next.every
        next.order = ++seq
      }
      next.callback()
    }
  } finally {
    virtual = false
    queue = []
  }
  if ("error" in result) throw result.error
  return result.value
}
