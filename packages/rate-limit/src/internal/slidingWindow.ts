/**
 * The exact sliding-window log: the last start times of one lane in a ring buffer, oldest first, as many as the
 * largest limit it was asked about (limiters with different limits may share a lane: each decides by its own), and
 * the permits held (granted, not yet started: their requests are not on the wire yet).
 *
 * A permit of cost `c` may start at `t` iff, with `h` permits held, the `(limit - h - c + 1)`-th most recent start
 * is at or before `t - window`. A held permit counts as a start at every instant until it is committed (at its
 * real start, which is never before its grant) or released. Then every half-open interval of length `window`
 * holds at most `limit` starts, whenever the starts are committed.
 *
 * @internal
 */

/** @internal */
export interface Log {
  readonly times: Float64Array
  start: number
  size: number
  last: number
  held: number
  pausedUntil: number
  /** Whether a start was ever dropped (the log was full): there may be starts older than the oldest it keeps. */
  truncated: boolean
}

/** @internal */
export const make = (limit: number): Log => ({
  times: new Float64Array(limit),
  start: 0,
  size: 0,
  last: Number.NEGATIVE_INFINITY,
  held: 0,
  pausedUntil: Number.NEGATIVE_INFINITY,
  truncated: false
})

/**
 * `log` able to keep the last `limit` starts: itself when it already can, else a copy with room for them (its
 * starts, holds and pause kept). Starts a smaller log dropped are not known any more: if it dropped any, the new
 * room is filled with starts at its oldest kept one, the latest instant they can have been, so that a larger
 * limit counts them late (it waits longer, never lets more through).
 *
 * @internal
 */
export const withRoomFor = (log: Log, limit: number): Log => {
  const capacity = log.times.length
  if (capacity >= limit) return log
  const times = new Float64Array(limit)
  const filled = log.truncated ? limit - log.size : 0
  for (let i = 0; i < filled; i++) times[i] = log.times[log.start]!
  for (let i = 0; i < log.size; i++) times[filled + i] = log.times[(log.start + i) % capacity]!
  return {
    times,
    start: 0,
    size: filled + log.size,
    last: log.last,
    held: log.held,
    pausedUntil: log.pausedUntil,
    truncated: log.truncated
  }
}

/**
 * The earliest instant at which a permit of `cost` may start under `limit` (at most the log's capacity), ignoring
 * `now`: `Number.NEGATIVE_INFINITY` when the log leaves room right away, `Number.POSITIVE_INFINITY` when held
 * permits fill the lane (it changes only when one of them is committed or released).
 *
 * @internal
 */
export const earliest = (log: Log, limit: number, windowMillis: number, cost: number): number => {
  const capacity = log.times.length
  let at = Number.NEGATIVE_INFINITY
  if (log.size + log.held + cost > limit) {
    const k = limit - log.held - cost + 1
    if (k <= 0) return Number.POSITIVE_INFINITY
    const index = (log.start + log.size - k) % capacity
    at = log.times[index] + windowMillis
  }
  return Math.max(at, log.pausedUntil)
}

/**
 * Records `cost` starts at `at`, keeping the log in time order: a start committed late (its request written after
 * later grants' were) goes to its place, and one older than every start a full log keeps is not needed.
 *
 * @internal
 */
export const record = (log: Log, cost: number, at: number): void => {
  const limit = log.times.length
  for (let i = 0; i < cost; i++) {
    if (log.size < limit) {
      log.size++
    } else if (at >= log.times[log.start]) {
      log.start = (log.start + 1) % limit
      log.truncated = true
    } else {
      log.truncated = true
      continue
    }
    // shift the later starts up by one and put `at` in its place
    let j = log.size - 1
    while (j > 0) {
      const before = log.times[(log.start + j - 1) % limit]
      if (before <= at) break
      log.times[(log.start + j) % limit] = before
      j--
    }
    log.times[(log.start + j) % limit] = at
  }
  if (at > log.last) log.last = at
}
