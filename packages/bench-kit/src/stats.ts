/**
 * Order statistics for benchmark samples.
 */

/** The value at quantile `q` (0–1) of `values`, nearest rank. */
export const quantile = (values: ReadonlyArray<number>, q: number): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank]!
}

/** The median (nearest rank). */
export const median = (values: ReadonlyArray<number>): number => quantile(values, 0.5)

/** The usual summary of a latency sample. */
export interface Summary {
  readonly count: number
  readonly min: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
  readonly mean: number
}

export const summarize = (values: ReadonlyArray<number>): Summary => ({
  count: values.length,
  min: values.length === 0 ? Number.NaN : Math.min(...values),
  p50: quantile(values, 0.5),
  p90: quantile(values, 0.9),
  p99: quantile(values, 0.99),
  max: values.length === 0 ? Number.NaN : values.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY),
  mean: values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length
})

/** The largest number of `starts` (ms) inside any window of `window` ms, i.e. [t, t + window). */
export const maxInAnyWindow = (starts: ReadonlyArray<number>, window: number): number => {
  const sorted = [...starts].sort((a, b) => a - b)
  let max = 0
  let lo = 0
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= window) lo++
    max = Math.max(max, hi - lo + 1)
  }
  return max
}

/** For each start, how many starts lie in the window ending at it: (t - window, t]. Plotted against the limit. */
export const startsPerWindow = (
  starts: ReadonlyArray<number>,
  window: number
): ReadonlyArray<readonly [number, number]> => {
  const sorted = [...starts].sort((a, b) => a - b)
  const points: Array<readonly [number, number]> = []
  let lo = 0
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= window) lo++
    points.push([sorted[hi]!, hi - lo + 1])
  }
  return points
}

/**
 * The number of starts in the trailing window (t − window, t] as a step function of t: a point wherever it
 * changes, i.e. where starts enter or where they leave, `window` ms after they started. Unlike
 * {@link startsPerWindow} it falls back to 0 through idle periods. Its maximum is {@link maxInAnyWindow}.
 */
export const windowCounts = (
  starts: ReadonlyArray<number>,
  window: number
): ReadonlyArray<readonly [number, number]> => {
  const sorted = [...starts].sort((a, b) => a - b)
  const points: Array<readonly [number, number]> = []
  let entered = 0
  let left = 0
  while (left < sorted.length) {
    const leaving = sorted[left]! + window
    const t = entered < sorted.length ? Math.min(sorted[entered]!, leaving) : leaving
    while (left < entered && sorted[left]! + window <= t) left++
    while (entered < sorted.length && sorted[entered] === t) entered++
    const count = entered - left
    if (points.length === 0 || points[points.length - 1]![1] !== count) points.push([t, count])
  }
  return points
}

/**
 * The earliest start of each arrival under "at most `limit` starts in any window of `window` ms", serving
 * arrivals first come, first served (ties in arrival order): `s[k] = max(a[k], s[k - limit] + window)` over the
 * arrivals sorted by time. No valid schedule starts its k-th request earlier (by induction on k: the k-th start
 * of any valid schedule is at or after the k-th arrival and at least `window` after its (k − limit)-th start), so
 * this is the reference a limiter's throughput is measured against. Returned in the order of `arrivals`.
 */
export const optimalStarts = (
  arrivals: ReadonlyArray<number>,
  limit: number,
  window: number
): ReadonlyArray<number> => {
  const order = arrivals.map((_, i) => i).sort((i, j) => arrivals[i]! - arrivals[j]! || i - j)
  const sorted: Array<number> = []
  const starts = new Array<number>(arrivals.length)
  order.forEach((i, k) => {
    const start = k < limit ? arrivals[i]! : Math.max(arrivals[i]!, sorted[k - limit]! + window)
    sorted.push(start)
    starts[i] = start
  })
  return starts
}
