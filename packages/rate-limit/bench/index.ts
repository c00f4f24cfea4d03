/**
 * Limiter exactness, side by side in one run, for OKX cancel-quote's limit (N = 50 per W = 2000 ms): this
 * package's sliding window (margin 0, and the lanes' default 50 ms), effect's RateLimiter (token bucket, fixed
 * window), @effect/experimental's RateLimiter (both algorithms, memory store), ccxt's Throttler as ccxt's okx
 * class drives it for `POST rfq/cancel-quote`, and bottleneck set up for "50 per 2 s" (reservoir refreshed every
 * 2 s, and minTime 40 ms). Then this limiter's CPU per permit with 10, 1,000 and 10,000 waiters queued.
 * Run: `pnpm --filter @okx-rfq/rate-limit bench`.
 *
 * Method. Every contender gets the same arrival times (patterns.ts: a flood, and bursts at the edge of the
 * window) and each request's start is recorded; a window is counted the same way for all, half-open [t, t + W)
 * (bench-kit's `maxInAnyWindow`).
 * - Main figures, virtual time. The Effect limiters run on a virtual Clock with a controlled scheduler
 *   (sim.ts). ccxt and bottleneck read `Date.now` and Node's timers, so timers.ts puts virtual versions of those
 *   on globalThis before they are imported and drives their timers the same discrete-event way; their code
 *   and configuration are untouched (ccxt's throttle comes from `new ccxt.okx()`, with the cost its own
 *   `calculateRateLimiterCost` gives for the endpoint). A start is stamped with the virtual instant of the
 *   grant, so these are the limiters' exact decisions, free of timer jitter and host load. Node's rule that a
 *   timer waits at least 1 ms is kept, so polling loops run as often as they can for real.
 * - Cross-check, real time. The same contenders on the live clock and real timers, one at a time, on shorter
 *   versions of both patterns (a few seconds each), each start stamped with `performance.now()` when the
 *   permit reaches the caller: what timer lateness and event-loop delays add (a few ms; the worst delay seen is
 *   reported). These figures depend on the machine and its load; the virtual ones do not.
 * - Utilization is measured against the exact optimum for the same arrivals (bench-kit's `optimalStarts`: the
 *   earliest start any valid schedule can give each request), as the optimum's makespan (first arrival to
 *   last start) over the contender's; on the flood, also the sustained rate in starts per window relative to N.
 */
import { markdownTable, optimalStarts, writeResults } from "@okx-rfq/bench-kit"
import { OkxRateLimiter } from "@okx-rfq/rate-limit"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as RateLimiter from "effect/RateLimiter"
import type * as Scope from "effect/Scope"
import { mkdirSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { monitorEventLoopDelay } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import { loadContenders, type Take, versions } from "./contenders.js"
import { chart, type Measures, measure, runRealTime, runVirtualTime, type Starts } from "./exactness.js"
import { edge, flood, type Pattern } from "./patterns.js"
import { simulate } from "./sim.js"

const N = 50
const W = 2000

const here = dirname(fileURLToPath(import.meta.url))
const started = performance.now()
const { all: contenders, ccxt, bottleneckMinTime } = await loadContenders(N, W)

const patterns: ReadonlyArray<Pattern> = [
  flood({ limit: N, window: W, streamMillis: 10_000, burst: 250, burstAt: 1_000 }),
  edge({ limit: N, window: W, cycles: 8 })
]
const shortPatterns: ReadonlyArray<Pattern> = [
  flood({ limit: N, window: W, streamMillis: 2_000, burst: 50, burstAt: 1_000 }),
  edge({ limit: N, window: W, cycles: 1 })
]

const pct = (x: number) => `${(100 * x).toFixed(1)} %`
const maxCell = (m: Measures) => `${m.maxInAnyWindow} (${m.maxRatio.toFixed(2)} N)${m.maxInAnyWindow > N ? " ✗" : ""}`

interface Run {
  readonly limiter: string
  readonly label: string
  readonly starts: Starts
  readonly measures: Measures
}

interface RealRun extends Omit<Run, "starts"> {
  /** The worst event-loop delay seen while the limiter ran (node:perf_hooks, 1 ms resolution). */
  readonly eventLoopDelayMaxMillis: number
}

const exactnessTable = (pattern: Pattern, runs: ReadonlyArray<Run>, optimum: Measures): string =>
  markdownTable(
    [{ limiter: "exact optimum (reference)", measures: optimum }, ...runs].map((r) => ({
      limiter: r.limiter,
      [`max starts in any ${W / 1000} s window`]: maxCell(r.measures),
      "utilization (optimum makespan ÷ makespan)": pct(r.measures.utilization),
      ...(pattern.saturated ? { "sustained rate (× N/W)": pct(r.measures.sustainedRate ?? Number.NaN) } : {}),
      "mean wait (ms)": r.measures.meanWaitMillis.toFixed(0),
      "max wait (ms)": r.measures.maxWaitMillis.toFixed(0),
      "last start (s)": (r.measures.lastStartMillis / 1000).toFixed(2)
    }))
  )

// ---- exactness, virtual time ----
const docs = join(here, "..", "..", "..", "docs", "benchmarks")
mkdirSync(docs, { recursive: true })
const exactness: Array<{ readonly pattern: string; readonly runs: ReadonlyArray<Omit<Run, "starts">> }> = []
const tables: Record<string, string> = {}
for (const pattern of patterns) {
  const runs: Array<Run> = []
  for (const contender of contenders) {
    const starts = await runVirtualTime(contender, pattern.arrivals)
    const measures = measure(pattern.arrivals, starts, N, W, pattern.saturated)
    runs.push({ limiter: contender.name, label: contender.label, starts, measures })
  }
  const optimum = measure(pattern.arrivals, optimalStarts(pattern.arrivals, N, W), N, W, pattern.saturated)
  const heading = `${pattern.name}, virtual time: ${pattern.arrivals.length} requests, ${pattern.description}`
  tables[heading] = exactnessTable(pattern, runs, optimum)
  console.log(`\n${heading}\n\n${tables[heading]}`)
  const title = `${pattern.name}: starts in the last ${W / 1000} s against N = ${N}, virtual time`
  writeFileSync(join(docs, `limiter-${pattern.slug}.svg`), chart({ title, limit: N, window: W, runs }))
  exactness.push({ pattern: pattern.name, runs: runs.map(({ starts: _, ...rest }) => rest) })
}

// ---- cross-check, real time: one contender at a time on the short patterns, next to virtual time ----
const realTime: Array<{ readonly pattern: string; readonly runs: Array<RealRun> }> = []
const crossCells: Array<Record<string, string>> = contenders.map((contender) => ({ limiter: contender.name }))
for (const pattern of shortPatterns) {
  const runs: Array<RealRun> = []
  for (const [i, contender] of contenders.entries()) {
    const lag = monitorEventLoopDelay({ resolution: 1 })
    lag.enable()
    const real = measure(pattern.arrivals, await runRealTime(contender, pattern.arrivals), N, W, pattern.saturated)
    lag.disable()
    const virtual = measure(
      pattern.arrivals,
      await runVirtualTime(contender, pattern.arrivals),
      N,
      W,
      pattern.saturated
    )
    runs.push({
      limiter: contender.name,
      label: contender.label,
      measures: real,
      eventLoopDelayMaxMillis: lag.max / 1e6
    })
    crossCells[i]![`${pattern.name}: max in any window, virtual → real`] = `${maxCell(virtual)} → ${maxCell(real)}`
    crossCells[i]![`${pattern.name}: utilization, virtual → real`] =
      `${pct(virtual.utilization)} → ${pct(real.utilization)}`
    crossCells[i]![`${pattern.name}: event-loop delay, max (ms)`] = (lag.max / 1e6).toFixed(1)
  }
  realTime.push({ pattern: pattern.name, runs })
}
const realHeading =
  "cross-check, real time (one limiter at a time, starts stamped with performance.now()) against virtual time: " +
  shortPatterns.map((p) => `${p.name}, ${p.arrivals.length} requests, ${p.description}`).join("; ")
tables[realHeading] = markdownTable(crossCells)
console.log(`\n${realHeading}\n\n${tables[realHeading]}`)

// ---- CPU per permit ----
interface CpuResult {
  readonly limiter: string
  readonly waiters: number
  readonly permits: number
  readonly cpuMicrosPerPermit: number
  readonly wallMicrosPerPermit: number
}

/** `waiters` fibers each take permits in a loop, so the queue stays `waiters` deep, until `permits` are granted. */
const runCpu = (name: string, make: Effect.Effect<Take, never, Scope.Scope>, waiters: number, permits: number) => {
  const program = Effect.scoped(
    Effect.gen(function* () {
      const take = yield* make
      let granted = 0
      const fibers = yield* Effect.forEach(Array.from({ length: waiters }), () =>
        Effect.fork(
          Effect.forever(
            Effect.zipRight(
              take,
              Effect.sync(() => granted++)
            )
          )
        )
      )
      yield* Effect.sleep(1)
      const warm = granted
      const cpu = process.cpuUsage()
      const wall = process.hrtime.bigint()
      while (granted - warm < permits) yield* Effect.sleep(W / 4)
      const cpuUsed = process.cpuUsage(cpu)
      const wallUsed = Number(process.hrtime.bigint() - wall) / 1000
      const done = granted - warm
      yield* Effect.forEach(fibers, Fiber.interrupt, { discard: true })
      return {
        limiter: name,
        waiters,
        permits: done,
        cpuMicrosPerPermit: (cpuUsed.user + cpuUsed.system) / done,
        wallMicrosPerPermit: wallUsed / done
      }
    })
  )
  const { exit } = simulate(program)
  if (!Exit.isSuccess(exit)) throw new Error(`${name} failed: ${String(exit)}`)
  return exit.value
}

const cpu: Array<CpuResult> = []
const ours = Effect.map(OkxRateLimiter.make({ limit: N, window: W }), (limiter) => Effect.orDie(limiter.take()))
for (const [waiters, permits] of [
  [10, 20_000],
  [1_000, 20_000],
  [10_000, 30_000]
] as const) {
  runCpu("@okx-rfq/rate-limit", ours, waiters, 2_000)
  cpu.push(runCpu("@okx-rfq/rate-limit", ours, waiters, permits))
}
const bucket = Effect.map(RateLimiter.make({ limit: N, interval: W, algorithm: "token-bucket" }), (limit) =>
  limit(Effect.void)
)
for (const [waiters, permits] of [
  [10, 5_000],
  [250, 300],
  [1_000, 100]
] as const) {
  cpu.push(runCpu("effect RateLimiter token-bucket", bucket, waiters, permits))
}
const cpuHeading = `CPU per permit, queue kept that many waiters deep (limit ${N} per ${W / 1000} s, virtual time)`
tables[cpuHeading] = markdownTable(
  cpu.map((r) => ({
    limiter: r.limiter,
    "waiters queued": r.waiters.toLocaleString("en-US"),
    permits: r.permits.toLocaleString("en-US"),
    "CPU µs / permit": r.cpuMicrosPerPermit.toFixed(1),
    "wall µs / permit": r.wallMicrosPerPermit.toFixed(1)
  }))
)
console.log(`\n${cpuHeading}\n\n${tables[cpuHeading]}`)

const seconds = (performance.now() - started) / 1000
console.log(`\nbench finished in ${seconds.toFixed(1)} s`)
writeResults(join(here, "results"), "latest", {
  title: "rate-limit bench: limiter exactness and CPU per permit",
  setup: {
    limit: `N = ${N} per W = ${W} ms (OKX cancel-quote)`,
    method:
      "main figures in virtual time (Effect limiters on a virtual Clock, ccxt and bottleneck on virtual Date.now " +
      "and Node timers); cross-check in real time; windows counted half-open, [t, t + W); utilization against " +
      "the exact optimum for the same arrivals (see bench/index.ts)",
    versions: versions(),
    "ccxt okx": `throttle(${ccxt.cost}) per cancel-quote, rateLimit ${+ccxt.rateLimit.toFixed(3)} ms, Throttler ${JSON.stringify(ccxt.tokenBucket)}`,
    bottleneck: `{ reservoir: ${N}, reservoirRefreshAmount: ${N}, reservoirRefreshInterval: ${W} } and { minTime: ${bottleneckMinTime} }`,
    "reading the tables":
      "✗ marks a window with more than N starts; utilization above 100 % is only reachable that way; " +
      "virtual → real compares the limiter's own decisions with what it did on real timers",
    "bench runtime": `${seconds.toFixed(1)} s`
  },
  tables,
  data: { exactness, realTime, cpu }
})
