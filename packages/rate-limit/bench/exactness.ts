/**
 * Runs a contender on an arrival pattern and records when each request started; measures the schedule
 * against the limit and against the exact optimum; draws starts per window.
 */
import { maxInAnyWindow, optimalStarts, stepChartGrid, windowCounts } from "@okx-rfq/bench-kit"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { Contender, EffectContender, NodeContender } from "./contenders.js"
import { simulate } from "./sim.js"
import { elapsed, runVirtual } from "./timers.js"

/** Start time (ms from the run's origin) of each arrival, in the order of the arrivals. */
export type Starts = ReadonlyArray<number>

const effectProgram = (contender: EffectContender, arrivals: ReadonlyArray<number>, now: Effect.Effect<number>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const take = yield* contender.make
      const starts: Array<number> = new Array(arrivals.length)
      yield* Effect.forEach(
        arrivals,
        (arrival, i) =>
          Effect.sleep(arrival).pipe(
            Effect.zipRight(take),
            Effect.zipRight(now),
            Effect.flatMap((t) =>
              Effect.sync(() => {
                starts[i] = t
              })
            )
          ),
        { concurrency: "unbounded", discard: true }
      )
      return starts
    })
  )

/** Arrival groups by time: one timer per instant, requests taken in arrival order. */
const byTime = (arrivals: ReadonlyArray<number>): ReadonlyArray<readonly [number, ReadonlyArray<number>]> => {
  const groups = new Map<number, Array<number>>()
  arrivals.forEach((at, i) => {
    const group = groups.get(at)
    if (group === undefined) groups.set(at, [i])
    else group.push(i)
  })
  return [...groups.entries()].sort((a, b) => a[0] - b[0])
}

/** Arrivals on Node's timers (virtual or real, whichever `setTimeout` and `clock` are). */
const nodeProgram = async (
  contender: NodeContender,
  arrivals: ReadonlyArray<number>,
  clock: () => number
): Promise<Starts> => {
  const limiter = contender.make()
  const starts: Array<number> = new Array(arrivals.length)
  await Promise.all(
    byTime(arrivals).map(
      ([at, indices]) =>
        new Promise<void>((resolve) => {
          const fire = () =>
            void Promise.all(
              indices.map((i) =>
                limiter.take().then(() => {
                  starts[i] = clock()
                })
              )
            ).then(() => resolve())
          const delay = at - clock()
          if (delay <= 0) fire()
          else setTimeout(fire, delay)
        })
    )
  )
  await limiter.close()
  return starts
}

/**
 * Virtual time: Effect-based limiters through sim.ts (virtual Clock, controlled scheduler), the others through
 * timers.ts (virtual `Date.now` and timers). Either way a start is stamped with the virtual time at which the
 * permit was granted, so the schedule is exactly the limiter's decision, free of host noise.
 */
export const runVirtualTime = async (contender: Contender, arrivals: ReadonlyArray<number>): Promise<Starts> => {
  if (contender.kind === "node") return runVirtual(() => nodeProgram(contender, arrivals, elapsed))
  const { exit } = simulate(effectProgram(contender, arrivals, Clock.currentTimeMillis))
  if (!Exit.isSuccess(exit)) throw new Error(`${contender.name} failed: ${String(exit)}`)
  return exit.value
}

/**
 * Real time: the limiter on the live clock and real timers; a start is stamped with `performance.now()` when the
 * permit reaches the caller, the same way for every limiter, so timer lateness and event-loop delays count.
 */
export const runRealTime = async (contender: Contender, arrivals: ReadonlyArray<number>): Promise<Starts> => {
  const origin = performance.now()
  const clock = () => performance.now() - origin
  if (contender.kind === "node") return nodeProgram(contender, arrivals, clock)
  return Effect.runPromise(effectProgram(contender, arrivals, Effect.sync(clock)))
}

/** How a schedule measures up against the limit and against the exact optimum for the same arrivals. */
export interface Measures {
  readonly maxInAnyWindow: number
  /** `maxInAnyWindow / limit`. */
  readonly maxRatio: number
  /**
   * The optimum's makespan over this schedule's, from the first arrival to the last start (1 = as fast as
   * the exact limiter can be; above 1 only by breaking the limit).
   */
  readonly utilization: number
  /**
   * On a saturated pattern: starts per window over the saturated period, relative to N (from the start that
   * opens the second window's worth to the last whole window's worth). A valid schedule cannot exceed 1.
   */
  readonly sustainedRate: number | undefined
  readonly meanWaitMillis: number
  readonly maxWaitMillis: number
  readonly lastStartMillis: number
}

export const measure = (
  arrivals: ReadonlyArray<number>,
  starts: Starts,
  limit: number,
  window: number,
  saturated: boolean
): Measures => {
  const optimum = optimalStarts(arrivals, limit, window)
  const first = arrivals.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY)
  const last = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY)
  const sorted = [...starts].sort((a, b) => a - b)
  const from = limit
  const to = Math.floor((sorted.length - 1) / limit) * limit
  const waits = starts.map((s, i) => s - arrivals[i]!)
  const max = maxInAnyWindow(starts, window)
  return {
    maxInAnyWindow: max,
    maxRatio: max / limit,
    utilization: (last(optimum) - first) / (last(starts) - first),
    sustainedRate: saturated && to > from ? (to - from) / limit / ((sorted[to]! - sorted[from]!) / window) : undefined,
    meanWaitMillis: waits.reduce((a, b) => a + b, 0) / waits.length,
    maxWaitMillis: last(waits),
    lastStartMillis: last(starts)
  }
}

/**
 * One panel per limiter: starts in the trailing window (t − W, t] over time (bench-kit's `windowCounts`, which
 * also shows the count falling when starts leave the window), against the limit, on shared axes.
 */
export const chart = (options: {
  readonly title: string
  readonly limit: number
  readonly window: number
  readonly runs: ReadonlyArray<{ readonly label: string; readonly starts: Starts; readonly measures: Measures }>
}): string =>
  stepChartGrid({
    title: options.title,
    xLabel: "time (s)",
    yLabel: `starts in the last ${options.window / 1000} s`,
    columns: 3,
    panels: options.runs.map((run) => ({
      title: `${run.label}: max ${run.measures.maxInAnyWindow} (${run.measures.maxRatio.toFixed(2)} N)`,
      series: [
        {
          name: run.label,
          points: windowCounts(run.starts, options.window).map(([t, n]) => [t / 1000, n] as const)
        }
      ],
      references: [{ name: `limit N = ${options.limit}`, y: options.limit }]
    }))
  })
