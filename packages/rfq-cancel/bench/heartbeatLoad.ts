/**
 * The loaded phase's work, started beside the switch and interrupted at the phase's end:
 *
 * - a flood of cancel-quotes, one fiber per quote, all started at once through the switch's own client: they queue
 *   in the cancel-quote lane (50 per 2 s at the venue, so about 24/s with the lane's margin) and stay in flight
 *   for the whole phase;
 * - a CPU-heavy fiber: SHA-256 over a 16 KiB buffer in synchronous slices of 5, 10, 15 and 20 ms in turn (12.5 ms
 *   on average), yielding to the event loop with `setImmediate` between slices, so timers and sockets get a turn
 *   only between slices, like a pricing or risk computation cut into chunks.
 *
 * The fiber yields with `setImmediate`, not `Effect.yieldNow()`: the default scheduler resumes a yielding fiber in a
 * microtask and falls back to a macrotask only every 2,048 yields, so a fiber that yields with `yieldNow` between
 * 10 ms slices holds timers and I/O back for about 20 s at a time (measured while writing this bench), which would
 * let any countdown under 20 s lapse.
 */
import { Effect } from "effect"
import { createHash } from "node:crypto"
import type { RfqCancelClient } from "../src/index.js"

/** What the CPU-heavy fiber did. */
export interface CpuStats {
  slices: number
  busyMillis: number
  hashedBytes: number
}

export const sliceMillis: ReadonlyArray<number> = [5, 10, 15, 20]

const chunk = Buffer.alloc(16 * 1024, 0x5a)

const burn = (millis: number, stats: CpuStats): void => {
  const start = performance.now()
  const end = start + millis
  const hash = createHash("sha256")
  while (performance.now() < end) {
    hash.update(chunk)
    stats.hashedBytes += chunk.length
  }
  hash.digest()
  stats.slices++
  stats.busyMillis += performance.now() - start
}

/** Resumes the fiber after the event loop's pending timers and I/O had their turn. */
const yieldToEventLoop: Effect.Effect<void> = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

/** Burns CPU in slices until interrupted. */
export const cpuHog = (stats: CpuStats): Effect.Effect<never> => {
  let i = 0
  return Effect.forever(
    Effect.zipRight(
      Effect.sync(() => burn(sliceMillis[i++ % sliceMillis.length]!, stats)),
      yieldToEventLoop
    )
  )
}

/** The outcome of the flood's calls that finished (the rest are interrupted at the phase's end). */
export interface FloodStats {
  readonly quotes: number
  /** Envelope code of each finished call (`0`: cancelled). */
  readonly codes: Record<string, number>
  /** Error tag of each failed call. */
  readonly errors: Record<string, number>
}

const count = (record: Record<string, number>, key: string) => {
  record[key] = (record[key] ?? 0) + 1
}

/** One cancel-quote per id, all at once, through `client`; `onAllStarted` runs when the last call has started. */
export const flood = (
  client: RfqCancelClient.Service,
  quoteIds: ReadonlyArray<string>,
  stats: FloodStats,
  onAllStarted: () => void
): Effect.Effect<void> => {
  let started = 0
  return Effect.forEach(
    quoteIds,
    (quoteId) =>
      Effect.suspend(() => {
        if (++started === quoteIds.length) onAllStarted()
        return client.cancelQuote({ quoteId })
      }).pipe(
        Effect.match({
          onSuccess: (result) => count(stats.codes, result.code),
          onFailure: (error) => count(stats.errors, error._tag)
        })
      ),
    { concurrency: "unbounded", discard: true }
  )
}
