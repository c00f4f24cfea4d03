/**
 * The dead-man's switch heartbeat: how late each re-arm is, with an idle event loop and under load, against the
 * simulator in its own process over loopback with OKX's real limits.
 *
 * One client (`RfqCancelClient.layer` over the transport chosen below) and one switch (`timeout` 10 s, `interval`
 * 1.5 s — the shortest the switch allows — on the real clock) run for the whole bench; phases alternate, idle then loaded, `--rounds` times, each
 * `--beats` intervals long. In a loaded phase 10,000 cancel-quotes of real quotes are in flight through the same
 * client (queued in the cancel-quote lane) and a CPU-heavy fiber runs beside them (see `heartbeatLoad.ts`). A
 * loaded phase starts 5 ms before a beat is due, so that a beat falls inside the flood's start: the worst case.
 * The client and the transport are wrapped to time each beat (see `heartbeatProbe.ts` and `heartbeatAnalysis.ts`).
 *
 * Run: `cd packages/rfq-cancel && npx tsx --conditions=source bench/heartbeat.ts [--beats 50] [--rounds 2]
 * [--load 10000] [--transport lean|platform] [--scheduler fair|default] [--interval-ms 1500] [--timeout-s 10]`.
 * `--scheduler fair` (the default) runs the whole bench under `FairScheduler.layer()`, as the docs recommend for a
 * process that hosts the switch; `default` under Effect's default scheduler.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Context, Duration, Effect, Exit, Fiber, Layer, Scope } from "effect"
import { parseArgs } from "node:util"
import { benchAccount, type SimulatorProcess, startSimulator } from "@okx-rfq/bench-kit"
import { DeadMansSwitch, FairScheduler, RfqCancelClient, UndiciHttpClient } from "../src/index.js"
import { type PhaseFigures, phaseFigures, timeline, type Window } from "./heartbeatAnalysis.js"
import { type CpuStats, cpuHog, type FloodStats, flood } from "./heartbeatLoad.js"
import {
  makeRecording,
  type Recording,
  nextTimerTurn,
  probeClient,
  probeTransport,
  recordStatuses,
  timerDelayProbe
} from "./heartbeatProbe.js"
import { type PhaseMeasures, type RoundFigures, type VenueFigures, venueFigures, write } from "./heartbeatReport.js"

/** The transports to compare; the first is the default. */
const transports = {
  lean: UndiciHttpClient.layer,
  platform: NodeHttpClient.layerUndici
} as const
type Transport = keyof typeof transports

const { values: args } = parseArgs({
  options: {
    beats: { type: "string", default: "50" },
    rounds: { type: "string", default: "2" },
    load: { type: "string", default: "10000" },
    transport: { type: "string", default: "lean" },
    scheduler: { type: "string", default: "fair" },
    "interval-ms": { type: "string", default: String(Duration.toMillis(DeadMansSwitch.minimumInterval)) },
    "timeout-s": { type: "string", default: "10" }
  }
})
const beatsPerPhase = Number(args.beats)
const rounds = Number(args.rounds)
const load = Number(args.load)
const intervalMillis = Number(args["interval-ms"])
const timeoutSeconds = Number(args["timeout-s"])
if (!Object.hasOwn(transports, args.transport)) {
  throw new Error(`--transport must be one of ${Object.keys(transports).join(", ")}`)
}
const transport = args.transport as Transport
if (args.scheduler !== "fair" && args.scheduler !== "default") throw new Error("--scheduler must be fair or default")
const scheduler = args.scheduler
/** Quotes nobody cancels: still active at the end unless the countdown lapsed. */
const sentinelCount = 20
/** A pause between phases, so that tearing a phase down does not count in the next. */
const settleMillis = 2 * intervalMillis

const round2 = (n: number) => Math.round(n * 100) / 100

/** The process's CPU time (user + system) since `from`, in ms. */
const cpuMillis = (from: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(from)
  return (used.user + used.system) / 1000
}

const simulator = Effect.acquireRelease(
  Effect.promise(() => startSimulator()),
  (sim) => Effect.promise(() => sim.stop())
)

/** One phase of the run: its window (and, loaded, the part once the flood was queued) and its measures. */
interface PhaseRun extends PhaseMeasures {
  readonly window: Window
  /** Loaded: from when all the flood's calls were queued (their start blocks the event loop for a while). */
  readonly steadyWindow: Window | undefined
}

/** The loaded phase starts its flood this long before a beat is due: the worst case, a beat inside the start. */
const floodLeadMillis = 5

/** Sleeps until `floodLeadMillis` before the next beat is due (from the last recorded beat, on the interval). */
const untilJustBeforeABeat = (recording: Recording) =>
  Effect.suspend(() => {
    const last = recording.calls.at(-1)?.at ?? performance.now()
    let due = last + intervalMillis
    while (due - floodLeadMillis < performance.now()) due += intervalMillis
    return Effect.sleep(Duration.millis(due - floodLeadMillis - performance.now()))
  })

const phase = (
  name: "idle" | "loaded",
  round: number,
  client: RfqCancelClient.Service,
  quoteIds: ReadonlyArray<string>,
  recording: Recording
) =>
  Effect.gen(function* () {
    if (name === "loaded") yield* untilJustBeforeABeat(recording)
    const cpu: CpuStats = { slices: 0, busyMillis: 0, hashedBytes: 0 }
    const cancels: FloodStats = { quotes: quoteIds.length, codes: {}, errors: {} }
    const stopTimerProbe = timerDelayProbe()
    const start = performance.now()
    let load: { fiber: Fiber.RuntimeFiber<unknown>; stall: number; stallCpu: number; queuedAt: number } | undefined
    if (name === "loaded") {
      const cpuAtStart = process.cpuUsage()
      const firstTurn = nextTimerTurn()
      let onAllStarted = () => {}
      const allStarted = new Promise<void>((resolve) => {
        onAllStarted = resolve
        if (quoteIds.length === 0) resolve()
      })
      const fiber = yield* Effect.fork(
        Effect.all([flood(client, quoteIds, cancels, onAllStarted), cpuHog(cpu)], { concurrency: 2 })
      )
      const stalledUntil = yield* Effect.promise(() => firstTurn)
      const stallCpu = cpuMillis(cpuAtStart)
      const queuedAt = yield* Effect.promise(() => allStarted.then(nextTimerTurn))
      load = { fiber, stall: stalledUntil - start, stallCpu, queuedAt }
    }
    yield* Effect.sleep(Duration.millis(Math.max(0, start + beatsPerPhase * intervalMillis - performance.now())))
    const end = performance.now()
    const timerDelay = stopTimerProbe()
    const teardownStart = performance.now()
    const cpuAtTeardown = process.cpuUsage()
    if (load !== undefined) yield* Fiber.interrupt(load.fiber)
    const teardown = performance.now() - teardownStart
    const teardownCpu = cpuMillis(cpuAtTeardown)
    const window: Window = { name, round, start, end }
    const finished = Object.values(cancels.codes).reduce((a, b) => a + b, 0)
    console.log(
      `round ${round} ${name}: ${((end - start) / 1000).toFixed(1)} s, timer delay p99 ${timerDelay.p99} ms ` +
        `max ${timerDelay.max} ms` +
        (load === undefined
          ? ""
          : `; flood start stalled the event loop ${Math.round(load.stall)} ms (CPU ${Math.round(load.stallCpu)} ms), all queued after ` +
            `${Math.round(load.queuedAt - start)} ms, ${finished} cancel-quotes finished, ` +
            `CPU slices ${cpu.slices} (${Math.round(cpu.busyMillis)} ms), teardown ${Math.round(teardown)} ms ` +
            `(CPU ${Math.round(teardownCpu)} ms)`)
    )
    // Collect the phase's garbage now (with --expose-gc) rather than during the next phase.
    const gc = (globalThis as { gc?: () => void }).gc
    if (gc !== undefined) gc()
    yield* Effect.sleep(Duration.millis(settleMillis))
    const run: PhaseRun = {
      window,
      steadyWindow: load === undefined ? undefined : { name, round, start: load.queuedAt, end },
      timerDelay,
      floodStartStall: load === undefined ? undefined : { wall: round2(load.stall), cpu: round2(load.stallCpu) },
      floodQueuedAfter: load === undefined ? undefined : round2(load.queuedAt - start),
      teardown: load === undefined ? undefined : { wall: round2(teardown), cpu: round2(teardownCpu) },
      cpu: load === undefined ? undefined : cpu,
      cancels: load === undefined ? undefined : cancels
    }
    return run
  })

const program = Effect.gen(function* () {
  const startedAt = new Date()
  const sim: SimulatorProcess = yield* simulator
  const sentinels = yield* Effect.promise(() => sim.createQuotes(sentinelCount))
  const loadQuotes: Array<ReadonlyArray<string>> = []
  for (let r = 0; r < rounds; r++) loadQuotes.push(yield* Effect.promise(() => sim.createQuotes(load)))
  console.log(`simulator ${sim.url}; ${sentinelCount} sentinel quotes, ${rounds} × ${load} quotes to cancel`)

  const recording = makeRecording()
  const clientLayer = RfqCancelClient.layer({
    credentials: benchAccount,
    baseUrl: sim.url,
    userId: benchAccount.userId,
    // The flood must stay queued for a whole phase: the default 30 s deadline would fail most of it at once.
    retry: { deadline: "1 hour" }
  }).pipe(Layer.provide(probeTransport(transports[transport], recording)))
  const client = Context.get(yield* Layer.build(clientLayer), RfqCancelClient.RfqCancelClient)

  const switchScope = yield* Scope.make()
  const dms = yield* DeadMansSwitch.makeWith(probeClient(client, recording), {
    timeout: Duration.seconds(timeoutSeconds),
    interval: Duration.millis(intervalMillis),
    onExit: "disarm-only"
  }).pipe(Scope.extend(switchScope))
  const statusFiber = yield* Effect.fork(recordStatuses(dms, recording))
  yield* dms.awaitArmed
  console.log(
    `switch armed: timeout ${Duration.format(dms.settings.timeout)}, interval ${Duration.format(dms.settings.interval)}, ` +
      `transport ${transport}, scheduler ${scheduler}; ${rounds} round(s) of idle then loaded, ${beatsPerPhase} beats each`
  )
  yield* Effect.sleep(Duration.millis(settleMillis))

  const phases: Array<PhaseRun> = []
  for (let r = 0; r < rounds; r++) {
    phases.push(yield* phase("idle", r + 1, client, [], recording))
    phases.push(yield* phase("loaded", r + 1, client, loadQuotes[r]!, recording))
  }

  const statusAtEnd = yield* dms.status
  const before = yield* Effect.promise(() => sim.state())
  yield* Fiber.interrupt(statusFiber)
  yield* Scope.close(switchScope, Exit.void)
  const after = yield* Effect.promise(() => sim.state())

  const line = timeline(recording.calls, intervalMillis, Duration.toMillis(dms.settings.retryDelay))
  const pooled = (windows: ReadonlyArray<Window | undefined>): PhaseFigures =>
    phaseFigures(
      line,
      recording,
      windows.filter((w) => w !== undefined)
    )
  const perRound: Array<RoundFigures> = phases.map(({ window, steadyWindow: _, ...measures }) => ({
    round: window.round,
    phase: window.name,
    figures: phaseFigures(line, recording, [window]),
    ...measures
  }))
  const cancelledByFlood = phases.reduce((n, p) => n + (p.cancels?.codes["0"] ?? 0), 0)
  const venue: VenueFigures = venueFigures({
    before,
    after,
    sentinels,
    loadQuotes: loadQuotes.flat(),
    cancelledByFlood,
    timeoutMillis: timeoutSeconds * 1000
  })
  yield* Effect.sync(() =>
    write({
      startedAt,
      config: {
        transport,
        scheduler,
        floodLeadMillis,
        timeoutSeconds,
        intervalMillis,
        attemptTimeoutMillis: Duration.toMillis(dms.settings.attemptTimeout),
        retryDelayMillis: Duration.toMillis(dms.settings.retryDelay),
        beatsPerPhase,
        rounds,
        load,
        sentinels: sentinelCount
      },
      argv: process.argv.slice(2),
      phases: {
        idle: pooled(phases.filter((p) => p.window.name === "idle").map((p) => p.window)),
        loaded: pooled(phases.filter((p) => p.window.name === "loaded").map((p) => p.window)),
        loadedSteady: pooled(phases.map((p) => p.steadyWindow))
      },
      perRound,
      venue,
      statusAtEnd: statusAtEnd._tag,
      statusCounts: recording.statuses.reduce<Record<string, number>>((counts, e) => {
        counts[e.status._tag] = (counts[e.status._tag] ?? 0) + 1
        return counts
      }, {}),
      unclassifiedCalls: line.unclassified.length,
      beats: line.beats.map((b) => ({
        slot: b.slot,
        phase: phases.find((p) => b.dueAt >= p.window.start && b.dueAt < p.window.end)?.window.name ?? "between",
        lateness: round2(b.call.at - b.dueAt),
        laneWait: b.call.sentAt === undefined ? null : round2(b.call.sentAt - b.call.at),
        roundTrip:
          b.call.sentAt === undefined || b.call.doneAt === undefined ? null : round2(b.call.doneAt - b.call.sentAt),
        ok: b.call.ok ?? null,
        retries: b.retries.length,
        ...(b.call.error === undefined ? {} : { error: b.call.error })
      }))
    })
  )
})

const started = performance.now()
const scheduled = scheduler === "fair" ? Effect.provide(program, FairScheduler.layer()) : program
Effect.runPromise(Effect.scoped(scheduled)).then(
  () => console.log(`bench finished in ${((performance.now() - started) / 1000).toFixed(1)} s`),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
