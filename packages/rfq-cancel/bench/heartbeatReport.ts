/**
 * The heartbeat bench's outputs: the venue's side of the run, `results/heartbeat.{md,json}` and the lateness
 * histogram `docs/benchmarks/heartbeat-lateness.svg` (`heartbeat-default-scheduler.*` and
 * `heartbeat-lateness-default-scheduler.svg` for a run under Effect's default scheduler).
 */
import { histogram, markdownTable, type SimulatorState, writeResults } from "@okx-rfq/bench-kit"
import { mkdirSync, writeFileSync } from "node:fs"
import { loadavg, release, totalmem, type } from "node:os"
import { dirname } from "node:path"
import { fileURLToPath } from "node:url"
import { FairScheduler } from "../src/index.js"
import type { PhaseFigures } from "./heartbeatAnalysis.js"
import { type CpuStats, type FloodStats, sliceMillis } from "./heartbeatLoad.js"
import type { TimerDelay } from "./heartbeatProbe.js"

const resultsDir = fileURLToPath(new URL("./results", import.meta.url))
/** Names the files of a run under Effect's default scheduler apart from the recommended `FairScheduler`'s. */
const suffix = (scheduler: string) => (scheduler === "fair" ? "" : `-${scheduler}-scheduler`)
const runName = (scheduler: string) => `heartbeat${suffix(scheduler)}`
const chartName = (scheduler: string) => `heartbeat-lateness${suffix(scheduler)}.svg`
const chartFile = (scheduler: string) =>
  fileURLToPath(new URL(`../../../docs/benchmarks/${chartName(scheduler)}`, import.meta.url))
/** The chart as the results page links it. */
const chartLink = (scheduler: string) => `../../../../docs/benchmarks/${chartName(scheduler)}`

export const targets = { idleP99: 20, loadedP99: 100 } as const

/** Elapsed and CPU time of the process, in ms. */
export interface WallAndCpu {
  readonly wall: number
  readonly cpu: number
}

/** What a phase measured besides its beats. */
export interface PhaseMeasures {
  readonly timerDelay: TimerDelay
  /** Loaded: how long after starting the flood the event loop first ran a timer (and the process's CPU time). */
  readonly floodStartStall: WallAndCpu | undefined
  /** Loaded: when the event loop ran a timer after the flood's last call had started. */
  readonly floodQueuedAfter: number | undefined
  /** Loaded: interrupting the flood's remaining calls after the phase (not counted). */
  readonly teardown: WallAndCpu | undefined
  readonly cpu: CpuStats | undefined
  readonly cancels: FloodStats | undefined
}

export interface RoundFigures extends PhaseMeasures {
  readonly round: number
  readonly phase: string
  readonly figures: PhaseFigures
}

export interface VenueFigures {
  /** cancel-all-after arrivals by envelope code, up to the end of the last phase. */
  readonly cancelAllAfterCodes: Readonly<Record<string, number>>
  /** The smallest and largest time between two accepted cancel-all-after arrivals (venue clock). */
  readonly minRearmGap: number
  readonly maxRearmGap: number
  readonly cancelQuoteArrivals: number
  /** cancel-quote arrivals the venue answered with code 0 (a quote cancelled by the request). */
  readonly cancelQuoteAccepted: number
  readonly cancelQuoteRejected50011: number
  /** Sentinel quotes still active after the switch was disarmed (all of them unless the countdown lapsed). */
  readonly sentinelsActive: number
  readonly sentinels: number
  /**
   * Load quotes the venue shows cancelled (all by cancel-quote requests unless the countdown lapsed), and how many
   * the flood's calls saw cancelled (fewer when calls in flight at the phase's end were interrupted).
   */
  readonly loadQuotesCancelled: number
  readonly cancelledByFlood: number
  /** The countdown armed at the end of the last phase, and disabled after the switch's scope closed. */
  readonly armedAtEnd: boolean
  readonly disarmedAfter: boolean
  readonly neverLapsed: boolean
}

const triggerTime = (state: SimulatorState): string | undefined => {
  const countdown = state.cancelAllAfter
  return typeof countdown === "object" && countdown !== null && "triggerTime" in countdown
    ? String(countdown.triggerTime)
    : undefined
}

export const venueFigures = (input: {
  readonly before: SimulatorState
  readonly after: SimulatorState
  readonly sentinels: ReadonlyArray<string>
  readonly loadQuotes: ReadonlyArray<string>
  readonly cancelledByFlood: number
  readonly timeoutMillis: number
}): VenueFigures => {
  const rearms = input.before.requests.filter((r) => r.path === "/api/v5/rfq/cancel-all-after")
  const cancelAllAfterCodes: Record<string, number> = {}
  for (const r of rearms) cancelAllAfterCodes[r.code] = (cancelAllAfterCodes[r.code] ?? 0) + 1
  const accepted = rearms.filter((r) => r.code === "0").map((r) => r.at)
  const gaps = accepted.slice(1).map((at, i) => at - accepted[i]!)
  const cancelQuotes = input.before.requests.filter((r) => r.path === "/api/v5/rfq/cancel-quote")
  const cancelQuoteAccepted = cancelQuotes.filter((r) => r.code === "0").length
  const stateOf = new Map(input.after.quotes.map((q) => [q.quoteId, q.state]))
  const sentinelsActive = input.sentinels.filter((id) => stateOf.get(id) === "active").length
  const loadQuotesCancelled = input.loadQuotes.filter((id) => stateOf.get(id) === "canceled").length
  const armedAtEnd = (triggerTime(input.before) ?? "0") !== "0"
  const maxRearmGap = gaps.length === 0 ? Number.NaN : Math.max(...gaps)
  return {
    cancelAllAfterCodes,
    minRearmGap: gaps.length === 0 ? Number.NaN : Math.min(...gaps),
    maxRearmGap,
    cancelQuoteArrivals: cancelQuotes.length,
    cancelQuoteAccepted,
    cancelQuoteRejected50011: cancelQuotes.filter((r) => r.code === "50011").length,
    sentinelsActive,
    sentinels: input.sentinels.length,
    loadQuotesCancelled,
    cancelledByFlood: input.cancelledByFlood,
    armedAtEnd,
    disarmedAfter: triggerTime(input.after) === "0",
    neverLapsed:
      armedAtEnd &&
      sentinelsActive === input.sentinels.length &&
      loadQuotesCancelled === cancelQuoteAccepted &&
      maxRearmGap < input.timeoutMillis
  }
}

export interface Report {
  readonly startedAt: Date
  readonly config: {
    readonly transport: string
    /** `fair`: `FairScheduler.layer()`; `default`: Effect's default scheduler. */
    readonly scheduler: string
    /** A loaded phase starts its flood this long before a beat is due. */
    readonly floodLeadMillis: number
    readonly timeoutSeconds: number
    readonly intervalMillis: number
    readonly attemptTimeoutMillis: number
    readonly retryDelayMillis: number
    readonly beatsPerPhase: number
    readonly rounds: number
    readonly load: number
    readonly sentinels: number
  }
  readonly argv: ReadonlyArray<string>
  readonly phases: {
    readonly idle: PhaseFigures
    readonly loaded: PhaseFigures
    /** The loaded phases from when all the flood's calls were queued. */
    readonly loadedSteady: PhaseFigures
  }
  readonly perRound: ReadonlyArray<RoundFigures>
  readonly venue: VenueFigures
  readonly statusAtEnd: string
  /** Every status the switch published during the run, by tag. */
  readonly statusCounts: Readonly<Record<string, number>>
  readonly unclassifiedCalls: number
  /** Every beat of the run, in order, for the JSON. */
  readonly beats: ReadonlyArray<{
    readonly slot: number
    readonly phase: string
    readonly lateness: number
    readonly laneWait: number | null
    readonly roundTrip: number | null
    readonly ok: boolean | null
    readonly retries: number
    readonly error?: string
  }>
}

const statusCount = (figures: PhaseFigures, tag: string) => figures.statuses[tag] ?? 0

const withoutSamples = (figures: PhaseFigures) => {
  const { samples: _samples, ...rest } = figures
  return rest
}

const verdict = (report: Report) => ({
  idleP99UnderTarget: report.phases.idle.lateness.p99 < targets.idleP99,
  loadedP99UnderTarget: report.phases.loaded.lateness.p99 < targets.loadedP99,
  loadedSteadyP99UnderTarget: report.phases.loadedSteady.lateness.p99 < targets.loadedP99,
  neverLapsed: report.venue.neverLapsed && (report.statusCounts.Expired ?? 0) === 0
})

const yesNo = (ok: boolean) => (ok ? "yes" : "**no**")

const sum = (record: Readonly<Record<string, number>>) => Object.values(record).reduce((a, b) => a + b, 0)

const ms = (n: number | undefined) => (n === undefined ? "—" : String(Math.round(n)))

const wallAndCpu = (t: WallAndCpu | undefined) => (t === undefined ? "—" : `${ms(t.wall)} (${ms(t.cpu)})`)

const phaseRow = (name: string, f: PhaseFigures) => ({
  phase: name,
  beats: f.beats,
  skipped: f.skipped,
  "p50 (ms)": f.lateness.p50,
  "p90 (ms)": f.lateness.p90,
  "p99 (ms)": f.lateness.p99,
  "max (ms)": f.lateness.max,
  "send p50 (ms)": f.sendLateness.p50,
  "send p99 (ms)": f.sendLateness.p99,
  "send max (ms)": f.sendLateness.max,
  "min slack (ms)": f.minSlack,
  "min headroom (ms)": f.minHeadroom,
  failures: f.failures,
  "AtRisk / Expired": `${statusCount(f, "AtRisk")} / ${statusCount(f, "Expired")}`
})

const roundRow = (r: RoundFigures) => ({
  round: r.round,
  phase: r.phase,
  beats: r.figures.beats,
  "p50 (ms)": r.figures.lateness.p50,
  "p99 (ms)": r.figures.lateness.p99,
  "max (ms)": r.figures.lateness.max,
  "send p99 (ms)": r.figures.sendLateness.p99,
  "round trip p50 / max (ms)": `${r.figures.roundTrip.p50} / ${r.figures.roundTrip.max}`,
  "10 ms timer delay p99 / max (ms)": `${r.timerDelay.p99} / ${r.timerDelay.max}`,
  "flood start stall, CPU (ms)": wallAndCpu(r.floodStartStall),
  "all queued after (ms)": ms(r.floodQueuedAfter),
  "cancel-quotes done": r.cancels === undefined ? "—" : String(sum(r.cancels.codes)),
  "CPU fiber busy (s)": r.cpu === undefined ? "—" : (r.cpu.busyMillis / 1000).toFixed(1),
  "teardown, CPU (ms)": wallAndCpu(r.teardown)
})

/** Beats later than this are drawn in the last bin, so that a few stalls do not squash the distribution. */
const chartCap = 2 * targets.loadedP99

const chart = (report: Report): string => {
  const c = report.config
  const sample = (name: string, f: PhaseFigures) => {
    const over = f.samples.filter((v) => v > chartCap).length
    return {
      name: `${name}: ${f.beats} beats, p99 ${Math.round(f.lateness.p99)} ms${over === 0 ? "" : `, ${over} over ${chartCap}`}`,
      values: f.samples.map((v) => Math.min(v, chartCap))
    }
  }
  return histogram({
    title:
      `Dead-man's switch re-arm lateness (interval ${c.intervalMillis} ms, timeout ${c.timeoutSeconds} s; ` +
      `loaded: ${c.load.toLocaleString("en-US")} cancel-quotes + CPU fiber)`,
    xLabel: `lateness (ms): call time minus due time; beats over ${chartCap} ms drawn at ${chartCap}`,
    samples: [sample("idle", report.phases.idle), sample("loaded", report.phases.loaded)],
    bins: 50,
    references: [
      { name: `idle target: p99 < ${targets.idleP99} ms`, x: targets.idleP99 },
      { name: `loaded target: p99 < ${targets.loadedP99} ms`, x: targets.loadedP99 }
    ]
  })
}

export const write = (report: Report): void => {
  const gc = (globalThis as { gc?: unknown }).gc === undefined ? "" : " --expose-gc"
  const command = `cd packages/rfq-cancel && npx tsx --conditions=source${gc} bench/heartbeat.ts${
    report.argv.length === 0 ? "" : ` ${report.argv.join(" ")}`
  }`
  const checks = verdict(report)
  const { idle, loaded, loadedSteady } = report.phases
  const venue = report.venue
  const c = report.config
  const floodErrors = report.perRound.flatMap((r) => (r.cancels === undefined ? [] : Object.entries(r.cancels.errors)))
  const summary = [
    markdownTable([
      phaseRow("idle", idle),
      phaseRow("loaded", loaded),
      phaseRow("loaded, once the flood is queued", loadedSteady)
    ]),
    "",
    `- p99 under ${targets.idleP99} ms idle: ${yesNo(checks.idleP99UnderTarget)} (${idle.lateness.p99} ms); under ` +
      `${targets.loadedP99} ms loaded: ${yesNo(checks.loadedP99UnderTarget)} (${loaded.lateness.p99} ms), once the ` +
      `flood is queued: ${yesNo(checks.loadedSteadyP99UnderTarget)} (${loadedSteady.lateness.p99} ms).`,
    `- The countdown never lapsed: ${yesNo(checks.neverLapsed)}. Statuses over the run: ` +
      `${JSON.stringify(report.statusCounts)}. Accepted re-arms reached the venue ${venue.minRearmGap} to ` +
      `${venue.maxRearmGap} ms apart (timeout ${c.timeoutSeconds * 1000} ms); cancel-all-after codes ` +
      `${JSON.stringify(venue.cancelAllAfterCodes)}. ${venue.sentinelsActive} of ${venue.sentinels} sentinel ` +
      `quotes still active after disarming; ${venue.loadQuotesCancelled} load quotes cancelled at the venue, ` +
      `${venue.cancelQuoteAccepted} cancel-quotes accepted (${venue.cancelledByFlood} seen by the flood's calls). ` +
      `Countdown armed at the end: ${yesNo(venue.armedAtEnd)}, ` +
      `disabled on shutdown: ${yesNo(venue.disarmedAfter)}.`,
    `- Failed re-arms by cause: idle ${JSON.stringify(idle.failureCauses)}, loaded ` +
      `${JSON.stringify(loaded.failureCauses)}.`,
    `- cancel-quote: ${venue.cancelQuoteArrivals} arrivals at the venue, ${venue.cancelQuoteRejected50011} rejected ` +
      `with 50011; failed calls: ${floodErrors.length === 0 ? "none" : JSON.stringify(Object.fromEntries(floodErrors))}.`
  ].join("\n")
  const method = [
    "- The simulator (`okx-rfq-sim`, OKX's limits: cancel-all-after 1 / 1 s, cancel-quote 50 / 2 s) runs in its own " +
      "process; the bench is one Node process with one `RfqCancelClient.layer` and one `DeadMansSwitch` on the " +
      "real clock, `onExit: disarm-only`. Phases alternate idle, loaded, with a pause (and a GC, with " +
      "`--expose-gc`) between them that is not counted.",
    "- **Lateness** of a beat: when the switch called `cancelAllAfterOnce` minus when it was due. The switch repeats " +
      "at a fixed rate on a grid that starts when beat 0 started; a beat is due at the grid point " +
      "after the one its predecessor was called in, so a grid point the schedule skipped (**skipped**: a beat " +
      "overran it, or the event loop was blocked through it) counts in full in the next beat's lateness; a beat " +
      "run at once to catch up counts 0. A beat due inside a phase but " +
      "called after it ended counts as late by the phase's end minus its due time. The grid's origin (just before " +
      "beat 0's call) is fitted so that the most punctual beat of the run is on time: figures are " +
      "understated by that beat's own lateness and the Clock's whole milliseconds, about 1 ms. Retries are not " +
      "beats; **failures** counts failed attempts.",
    "- **Send lateness**: when the request was written to a connection (after the cancel-all-after lane, signing " +
      "and any wait for a free connection; over the platform transport, when it was handed to it) minus when it " +
      "was due. **Round trip**: from there to the decoded answer.",
    "- **Slack**: `Armed.slack`, deadline minus now at the acknowledgement. **Headroom**: time left on the previous " +
      "deadline when the next acknowledgement arrived (how close the countdown came to lapsing).",
    `- **Loaded**: ${c.load.toLocaleString("en-US")} cancel-quotes of real quotes started at once ` +
      `(\`Effect.forEach\`, unbounded concurrency), ${c.floodLeadMillis} ms before a beat is due (the worst case: ` +
      "that beat falls inside the flood's start), through the same client; they queue in the cancel-quote lane and " +
      "are sent at about 24/s; those still queued at the phase's end are interrupted. Beside them a fiber hashes " +
      `SHA-256 in synchronous slices of ${sliceMillis.join(", ")} ms in turn, yielding to the event loop with ` +
      "`setImmediate` between slices. **Flood start stall**: how long after the flood started the event loop " +
      "first ran a timer (in brackets: the process's CPU time meanwhile, which a busy machine stretches less); " +
      "**all queued after**: when it ran one after the last call had started. The row " +
      '"once the flood is queued" counts the beats due from then on.',
    "- **10 ms timer delay**: how late a 10 ms `setInterval` fired during the phase: what any timer of the process " +
      "saw. **Teardown**: interrupting the flood's remaining calls after the phase.",
    "- The countdown never lapsed if it was armed at the end, the gaps between accepted re-arms at the venue stayed " +
      "below the timeout, no `Expired` status was published, every sentinel quote was still active, and the venue " +
      "cancelled no more load quotes than it accepted cancel-quotes for."
  ].join("\n")
  writeResults(resultsDir, runName(c.scheduler), {
    title: "Dead-man's switch heartbeat: re-arm lateness, idle and under load",
    setup: {
      system: `${type()} ${release()}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
      "load average (1 min) at the end": Math.round(loadavg()[0]! * 100) / 100,
      run: report.startedAt.toISOString(),
      command,
      transport: c.transport,
      scheduler:
        c.scheduler === "fair"
          ? `FairScheduler (${FairScheduler.defaultTasksPerTurn} tasks per turn of the event loop)`
          : "Effect's default scheduler",
      switch:
        `timeout ${c.timeoutSeconds} s, interval ${c.intervalMillis} ms, attempt timeout ${c.attemptTimeoutMillis} ms, ` +
        `retry delay ${c.retryDelayMillis} ms`,
      phases: `${c.rounds} round(s) of idle then loaded, ${c.beatsPerPhase} beats each`,
      loaded: `${c.load.toLocaleString("en-US")} cancel-quotes in flight plus a CPU-heavy fiber`
    },
    tables: {
      "Re-arm lateness (all rounds)": summary,
      "Per round": markdownTable(report.perRound.map(roundRow)),
      "Lateness distribution": `![heartbeat lateness distribution](${chartLink(c.scheduler)})`,
      "How it is measured": method
    },
    data: {
      config: { ...report.config, cpuSliceMillis: sliceMillis },
      targets,
      verdict: checks,
      phases: report.phases,
      perRound: report.perRound.map((r) => ({ ...r, figures: withoutSamples(r.figures) })),
      venue: report.venue,
      statusAtEnd: report.statusAtEnd,
      statusCounts: report.statusCounts,
      unclassifiedCalls: report.unclassifiedCalls,
      beats: report.beats
    }
  })
  mkdirSync(dirname(chartFile(c.scheduler)), { recursive: true })
  writeFileSync(chartFile(c.scheduler), chart(report))
  console.log(`\n${summary}\n\n${markdownTable(report.perRound.map(roundRow))}`)
}
