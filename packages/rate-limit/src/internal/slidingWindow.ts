/**
 * The exact sliding-window log: the last `limit` start times of one lane in a ring buffer.
 *
 * A permit of cost `c` may start at `t` iff the `(limit - c + 1)`-th most recent start is at or before
 * `t - window`. Then every half-open interval of length `window` holds at most `limit` starts.
 *
 * @internal
 */

/** @internal */
export interface Log {
  readonly times: Float64Array
  start: number
  size: number
  last: number
  pausedUntil: number
}

/** @internal */
export const make = (limit: number): Log => ({
  times: new Float64Array(limit),
  start: 0,
  size: 0,
  last: Number.NEGATIVE_INFINITY,
  pausedUntil: Number.NEGATIVE_INFINITY
})

/**
 * The earliest instant at which a permit of `cost` may start, ignoring `now`.
 * `Number.NEGATIVE_INFINITY` when the log leaves room right away.
 *
 * @internal
 */
export const earliest = (log: Log, windowMillis: number, cost: number): number => {
  const limit = log.times.length
  let at = Number.NEGATIVE_INFINITY
  if (log.size + cost > limit) {
    const k = limit - cost + 1
    const index = (log.start + log.size - k) % limit
    at = log.times[index] + windowMillis
  }
  return Math.max(at, log.pausedUntil)
}

/** @internal */
export const record = (log: Log, cost: number, at: number): void => {
  const limit = log.times.length
  for (let i = 0; i < cost; i++) {
    if (log.size < limit) {
      log.times[(log.start + log.size) % limit] = at
      log.size++
    } else {
      log.times[log.start] = at
      log.start = (log.start + 1) % limit
    }
  }
  log.last = at
}
