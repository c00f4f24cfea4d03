/**
 * Compares this package's sliding-window limiter with effect's RateLimiter (token bucket, fixed window) and
 * @effect/experimental's RateLimiter (both algorithms, memory store) on the same workload, and measures this
 * limiter's CPU per permit with 10, 1,000 and 10,000 waiters queued. Run: `pnpm bench`.
 */
import * as Experimental from "@effect/experimental/RateLimiter"
import { OkxRateLimiter } from "@okx-rfq/rate-limit"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as RateLimiter from "effect/RateLimiter"
import type * as Scope from "effect/Scope"
import { mkdirSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { simulate } from "./sim.js"

const N = 50
const W = 2000

/** A permit taker: waits (or not) until the limiter lets one request start. */
type Take = Effect.Effect<void>

interface Contender {
  readonly name: string
  readonly make: Effect.Effect<Take, never, Scope.Scope>
}

const contenders: ReadonlyArray<Contender> = [
  {
    name: "@okx-rfq/rate-limit (sliding window, margin 0)",
    make: Effect.map(OkxRateLimiter.make({ limit: N, window: W }), (limiter) => Effect.orDie(limiter.take()))
  },
  {
    name: "@okx-rfq/rate-limit (sliding window, margin 0.05)",
    make: Effect.map(OkxRateLimiter.make({ limit: N, window: W, margin: 0.05 }), (limiter) =>
      Effect.orDie(limiter.take())
    )
  },
  {
    name: "effect RateLimiter token-bucket",
    make: Effect.map(RateLimiter.make({ limit: N, interval: W, algorithm: "token-bucket" }), (limit) =>
      limit(Effect.void)
    )
  },
  {
    name: "effect RateLimiter fixed-window",
    make: Effect.map(RateLimiter.make({ limit: N, interval: W, algorithm: "fixed-window" }), (limit) =>
      limit(Effect.void)
    )
  },
  ...(["token-bucket", "fixed-window"] as const).map(
    (algorithm): Contender => ({
      name: `@effect/experimental RateLimiter ${algorithm} (delay)`,
      make: Effect.map(
        Experimental.makeSleep.pipe(Effect.provide(Experimental.layer), Effect.provide(Experimental.layerStoreMemory)),
        (sleep) => Effect.orDie(sleep({ key: "k", limit: N, window: W, algorithm }))
      )
    })
  )
]

/** Arrival times (ms): a burst of 250 at 0, a burst of 100 at 17.3 s, then 2× the rate (one per 20 ms) for 4 s. */
const arrivals: ReadonlyArray<number> = [
  ...Array.from({ length: 250 }, () => 0),
  ...Array.from({ length: 100 }, () => 17_300),
  ...Array.from({ length: 200 }, (_, i) => 30_000 + 20 * i)
]

const maxInAnyWindow = (starts: ReadonlyArray<number>, window: number): number => {
  const sorted = [...starts].sort((a, b) => a - b)
  let max = 0
  let lo = 0
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi] - sorted[lo] >= window) lo++
    max = Math.max(max, hi - lo + 1)
  }
  return max
}

interface WorkloadResult {
  readonly limiter: string
  readonly maxInAnyWindow: number
  readonly maxInAnyWindowRatio: number
  readonly utilization: number
  readonly lastStartMillis: number
  readonly meanWaitMillis: number
}

const runWorkload = (contender: Contender): WorkloadResult => {
  const { exit } = simulate(
    Effect.scoped(
      Effect.gen(function* () {
        const take = yield* contender.make
        const starts: Array<number> = new Array(arrivals.length)
        yield* Effect.forEach(
          arrivals,
          (arrival, i) =>
            Effect.sleep(arrival).pipe(
              Effect.zipRight(take),
              Effect.zipRight(Clock.currentTimeMillis),
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
  )
  if (!Exit.isSuccess(exit)) throw new Error(`${contender.name} failed: ${String(exit)}`)
  const starts = exit.value
  // utilization of the first burst, after its first window: permits per window relative to N
  const burst = starts.slice(0, 250)
  const span = Math.max(...burst) - Math.min(...burst)
  const utilization = ((burst.length - N) * W) / (N * span)
  const max = maxInAnyWindow(starts, W)
  const waits = starts.map((t, i) => t - arrivals[i])
  return {
    limiter: contender.name,
    maxInAnyWindow: max,
    maxInAnyWindowRatio: max / N,
    utilization,
    lastStartMillis: Math.max(...starts),
    meanWaitMillis: waits.reduce((a, b) => a + b, 0) / waits.length
  }
}

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

const table = (rows: ReadonlyArray<Record<string, string | number>>): string => {
  const headers = Object.keys(rows[0])
  const cells = rows.map((row) => headers.map((h) => String(row[h])))
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)))
  const line = (values: ReadonlyArray<string>) => `| ${values.map((v, i) => v.padEnd(widths[i])).join(" | ")} |`
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n")
}

const started = performance.now()
console.log(`Workload: limit ${N} per ${W} ms; bursts of 250 at 0 s and 100 at 17.3 s, then 50/s for 4 s`)
console.log("(virtual time, same arrivals for every limiter; the venue's rule is <= N starts in any window)\n")
const workload = contenders.map(runWorkload)
const workloadTable = table(
  workload.map((r) => ({
    limiter: r.limiter,
    "max starts in any window": `${r.maxInAnyWindow} (${r.maxInAnyWindowRatio.toFixed(2)} N)`,
    "sustained utilization": `${(r.utilization * 100).toFixed(1)} %`,
    "mean wait (ms)": r.meanWaitMillis.toFixed(0),
    "last start (ms)": r.lastStartMillis.toFixed(0)
  }))
)
console.log(`${workloadTable}\n`)

console.log("CPU per permit with the queue kept N waiters deep (limit 50 per 2 s, virtual time):\n")
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
const cpuTable = table(
  cpu.map((r) => ({
    limiter: r.limiter,
    "waiters queued": r.waiters.toLocaleString("en-US"),
    permits: r.permits.toLocaleString("en-US"),
    "CPU µs / permit": r.cpuMicrosPerPermit.toFixed(1),
    "wall µs / permit": r.wallMicrosPerPermit.toFixed(1)
  }))
)
console.log(`${cpuTable}\n`)
const elapsed = (performance.now() - started) / 1000
console.log(`bench finished in ${elapsed.toFixed(1)} s`)

const out = join(dirname(fileURLToPath(import.meta.url)), "results")
mkdirSync(out, { recursive: true })
writeFileSync(join(out, "latest.json"), `${JSON.stringify({ node: process.version, workload, cpu }, null, 2)}\n`)
writeFileSync(
  join(out, "latest.md"),
  `# rate-limit bench (node ${process.version})\n\n## Workload\n\n${workloadTable}\n\n## CPU per permit\n\n${cpuTable}\n`
)
