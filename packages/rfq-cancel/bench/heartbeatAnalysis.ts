/**
 * From the recorded calls and statuses to beats and per-phase figures.
 *
 * The switch repeats its beat at a fixed rate on a grid anchored at the Clock time beat 0 started, and wakes each
 * later beat on that grid (a grid point that passes while a beat overruns or while the event loop is blocked is
 * skipped; when the previous beat overran its own interval the next one runs at once, without piling up). A beat is due at the grid
 * point after the one its predecessor was called in, so a skipped grid point counts in full in the next beat's
 * lateness; lateness is the call time minus the due time, and 0 for a beat that ran at once to catch up (called
 * before that grid point). The grid's origin is taken from the beats themselves (see `timeline`): the most
 * punctual beat of the run counts as on time, so lateness is understated by that beat's own (well under 1 ms
 * with an idle loop) and the Clock's whole milliseconds.
 *
 * Retries are not beats: after a failed attempt the switch sleeps `retryDelay` and tries again only if that still
 * starts before its beat's start plus the interval; a call is classified the same way from the recorded times.
 */
import { type Summary, summarize } from "@okx-rfq/bench-kit"
import { DateTime, Duration } from "effect"
import type { Call, Recording } from "./heartbeatProbe.js"

/** A scheduled re-arm (not a retry). */
export interface Beat {
  /** The grid interval it was called in: from `anchor + slot × interval`. */
  readonly slot: number
  /** The grid point after the previous beat's slot (or its call time, if called before that to catch up). */
  readonly dueAt: number
  readonly call: Call
  /** Retries the beat made after its first attempt failed. */
  readonly retries: ReadonlyArray<Call>
}

export interface Timeline {
  readonly anchor: number
  readonly intervalMillis: number
  readonly beats: ReadonlyArray<Beat>
  /** Calls placed before the grid's first point (none expected). */
  readonly unclassified: ReadonlyArray<Call>
}

/** A tolerance for the Clock's whole milliseconds when placing a call on the grid. */
const gridTolerance = 2

export const timeline = (calls: ReadonlyArray<Call>, intervalMillis: number, retryDelayMillis: number): Timeline => {
  const first = calls[0]
  if (first === undefined) return { anchor: Number.NaN, intervalMillis, beats: [], unclassified: [] }
  const isRetry = (previous: Call, beatStart: number) =>
    previous.ok === false &&
    previous.doneAt !== undefined &&
    previous.doneAt + retryDelayMillis < beatStart + intervalMillis
  // Beat 0 and its retries (the grid starts when beat 0 started).
  let beat0End = 0
  while (beat0End + 1 < calls.length && isRetry(calls[beat0End]!, first.at)) beat0End++
  const place = (anchor: number): Timeline => {
    const beats: Array<Beat> = []
    const unclassified: Array<Call> = []
    let current: { slot: number; dueAt: number; call: Call; retries: Array<Call> } | undefined
    for (let i = beat0End + 1; i < calls.length; i++) {
      const call = calls[i]!
      const previous = calls[i - 1]!
      if (current !== undefined && isRetry(previous, current.call.at)) {
        current.retries.push(call)
        continue
      }
      const slot = Math.floor((call.at - anchor + gridTolerance) / intervalMillis)
      if (slot < 1) {
        unclassified.push(call)
        continue
      }
      const next = anchor + ((current?.slot ?? 0) + 1) * intervalMillis
      current = { slot, dueAt: Math.min(next, call.at), call, retries: [] }
      beats.push(current)
    }
    return { anchor, intervalMillis, beats, unclassified }
  }
  // The grid's origin is beat 0's start, a little before its call is recorded. No beat wakes before its grid point,
  // so the grid starts at the latest time that puts no beat before its point: the most punctual beat counts as on
  // time.
  const rough = place(first.at)
  const latest = Math.min(...rough.beats.map((b) => b.call.at - b.slot * intervalMillis))
  return rough.beats.length === 0 ? rough : place(Math.max(rough.anchor - gridTolerance, latest))
}

/** A phase's window: beats due in [start, end) belong to it. */
export interface Window {
  readonly name: string
  readonly round: number
  readonly start: number
  readonly end: number
}

export interface PhaseFigures {
  readonly beats: number
  /** Grid points in the window with no beat (a beat overran them, or the event loop was blocked). */
  readonly skipped: number
  /** Call time minus due time: how late the schedule woke the beat. */
  readonly lateness: Summary
  /** Hand-over to the transport minus due time: the wake-up plus the lane's wait plus signing. */
  readonly sendLateness: Summary
  /** Call to hand-over: the cancel-all-after lane's wait (and signing). */
  readonly laneWait: Summary
  /** Hand-over to completion: the HTTP round trip and decoding. */
  readonly roundTrip: Summary
  /** The longest time between two successful acknowledgements (completions) whose second falls in the window. */
  readonly longestAckGap: number
  readonly failures: number
  /** Failed attempts by cause: timed out before the request was sent (waiting in the lane), after, 50011, other. */
  readonly failureCauses: Readonly<Record<string, number>>
  readonly retries: number
  /** The smallest `slack` of an `Armed` status in the window (deadline minus now at the acknowledgement). */
  readonly minSlack: number
  /** The smallest time left on the previous deadline when a new acknowledgement arrived. */
  readonly minHeadroom: number
  readonly statuses: Readonly<Record<string, number>>
  /** The samples, for the chart and the JSON. */
  readonly samples: ReadonlyArray<number>
}

const round2 = (n: number) => Math.round(n * 100) / 100

const failureCause = (call: Call): string => {
  const error = call.error ?? ""
  if (error.startsWith("RateLimited")) return "50011"
  if (error.includes("timed out")) return call.sentAt === undefined ? "timeout before sending" : "timeout after sending"
  return "other"
}

const rounded = (summary: Summary): Summary => ({
  count: summary.count,
  min: round2(summary.min),
  p50: round2(summary.p50),
  p90: round2(summary.p90),
  p99: round2(summary.p99),
  max: round2(summary.max),
  mean: round2(summary.mean)
})

/** `to - from` for the beats whose both times were recorded. */
const spans = (
  beats: ReadonlyArray<Beat>,
  from: (b: Beat) => number | undefined,
  to: (b: Beat) => number | undefined
) =>
  beats.flatMap((b) => {
    const a = from(b)
    const z = to(b)
    return a === undefined || z === undefined ? [] : [z - a]
  })

export const phaseFigures = (line: Timeline, recording: Recording, windows: ReadonlyArray<Window>): PhaseFigures => {
  const windowOf = (t: number) => windows.find((w) => t >= w.start && t < w.end)
  const inside = (t: number) => windowOf(t) !== undefined
  const beats = line.beats.filter((b) => inside(b.dueAt))
  // A beat due inside a window but called only after it ended counts as late by (end − due): what happened
  // after the window (the teardown of a loaded phase) is not charged to it.
  const cut = (b: Beat, t: number | undefined) => (t === undefined ? undefined : Math.min(t, windowOf(b.dueAt)!.end))
  const lateness = beats.map((b) => cut(b, b.call.at)! - b.dueAt)
  const slots = new Set(line.beats.map((b) => b.slot))
  let skipped = 0
  for (const w of windows) {
    const from = Math.ceil((w.start - line.anchor) / line.intervalMillis)
    const to = Math.ceil((w.end - line.anchor) / line.intervalMillis)
    for (let slot = Math.max(1, from); slot < to; slot++) if (!slots.has(slot)) skipped++
  }
  const calls = recording.calls.filter((c) => inside(c.at))
  const acks = recording.calls.filter((c) => c.ok === true).map((c) => c.doneAt!)
  let longestAckGap = 0
  for (let i = 1; i < acks.length; i++)
    if (inside(acks[i]!)) longestAckGap = Math.max(longestAckGap, acks[i]! - acks[i - 1]!)
  const statuses: Record<string, number> = {}
  let minSlack = Number.POSITIVE_INFINITY
  let minHeadroom = Number.POSITIVE_INFINITY
  let previousDeadline: number | undefined
  for (const event of recording.statuses) {
    const status = event.status
    if (inside(event.seenAt)) statuses[status._tag] = (statuses[status._tag] ?? 0) + 1
    if (status._tag !== "Armed") continue
    if (inside(event.seenAt)) {
      minSlack = Math.min(minSlack, Duration.toMillis(status.slack))
      if (previousDeadline !== undefined) {
        minHeadroom = Math.min(minHeadroom, previousDeadline - DateTime.toEpochMillis(status.lastAck))
      }
    }
    previousDeadline = DateTime.toEpochMillis(status.deadline)
  }
  const spanSummary = (from: (b: Beat) => number | undefined, to: (b: Beat) => number | undefined) =>
    rounded(summarize(spans(beats, from, to)))
  return {
    beats: beats.length,
    skipped,
    lateness: rounded(summarize(lateness)),
    sendLateness: spanSummary(
      (b) => b.dueAt,
      (b) => cut(b, b.call.sentAt)
    ),
    laneWait: spanSummary(
      (b) => b.call.at,
      (b) => b.call.sentAt
    ),
    roundTrip: spanSummary(
      (b) => b.call.sentAt,
      (b) => b.call.doneAt
    ),
    longestAckGap: round2(longestAckGap),
    failures: calls.filter((c) => c.ok === false).length,
    failureCauses: calls.reduce<Record<string, number>>((causes, c) => {
      if (c.ok !== false) return causes
      const cause = failureCause(c)
      causes[cause] = (causes[cause] ?? 0) + 1
      return causes
    }, {}),
    retries: beats.reduce((n, b) => n + b.retries.length, 0),
    minSlack: round2(minSlack),
    minHeadroom: round2(minHeadroom),
    statuses,
    samples: lateness.map(round2)
  }
}
