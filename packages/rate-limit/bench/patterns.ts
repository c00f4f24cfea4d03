/**
 * Arrival patterns for the exactness bench, for a limit of `limit` per `window` ms (OKX cancel-quote: 50 per
 * 2000 ms). Times are milliseconds from the start of the run, sorted.
 */

export interface Pattern {
  readonly name: string
  /** File-name part of the chart: `docs/benchmarks/limiter-<slug>.svg`. */
  readonly slug: string
  readonly description: string
  readonly arrivals: ReadonlyArray<number>
  /**
   * Whether the exact limiter stays busy from its first start to its last (demand above N/W throughout), so
   * the long-run rate over that period measures how much of the budget a limiter uses.
   */
  readonly saturated: boolean
}

/**
 * A flood: a steady stream at twice the limit's rate (one every `window / (2 × limit)` ms) from t = 0 for
 * `streamMillis`, and `burst` more requests all at once at t = `burstAt`. The stream comes first so that limiters
 * which count from their first request have already spent part of a window when the burst lands.
 */
export const flood = (options: {
  readonly limit: number
  readonly window: number
  readonly streamMillis: number
  readonly burst: number
  readonly burstAt: number
}): Pattern => {
  const every = options.window / (2 * options.limit)
  const stream = Array.from({ length: Math.floor(options.streamMillis / every) }, (_, i) => i * every)
  const burst = Array.from({ length: options.burst }, () => options.burstAt)
  return {
    name: "flood",
    slug: "flood",
    description:
      `one request every ${every} ms (2× N/W) from t = 0 for ${options.streamMillis / 1000} s, ` +
      `plus ${options.burst} at t = ${options.burstAt / 1000} s`,
    arrivals: [...stream, ...burst].sort((a, b) => a - b),
    saturated: true
  }
}

/**
 * The edge of the window, `cycles` times: every `2 × window` ms, one request at the start of a window, `limit - 1`
 * in its last millisecond and `limit` in the first millisecond of the next window. A window that counts from
 * t = 0 or from its first request, or a full token bucket, lets about 2N start within a few milliseconds.
 */
export const edge = (options: {
  readonly limit: number
  readonly window: number
  readonly cycles: number
}): Pattern => {
  const { limit, window } = options
  const arrivals = Array.from({ length: options.cycles }, (_, k) => {
    const at = 2 * window * k
    return [
      at,
      ...Array.from({ length: limit - 1 }, () => at + window - 1),
      ...Array.from({ length: limit }, () => at + window)
    ]
  }).flat()
  return {
    name: "edge of window",
    slug: "edge",
    description:
      `${options.cycles} cycle${options.cycles === 1 ? "" : "s"} of ${(2 * window) / 1000} s: 1 request at the cycle's start, ${limit - 1} at ` +
      `${window - 1} ms and ${limit} at ${window} ms into it`,
    arrivals,
    saturated: false
  }
}
