/**
 * Instrumentation of the heartbeat bench, outside the library: a wrapper of the `RfqCancelClient` service the
 * switch uses (each `cancelAllAfterOnce` call and its outcome), a wrapper of the transport (the moment each
 * cancel-all-after request is written to a connection, after its lane and signing), and a recorder of the switch's
 * status stream. Times are `performance.now()` milliseconds.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import { Effect, Exit, Layer, Stream } from "effect"
import { quantile } from "@okx-rfq/bench-kit"
import type { DeadMansSwitch, RfqCancelClient } from "../src/index.js"
import * as Direct from "../src/internal/direct.js"

/** One `cancelAllAfterOnce` call of the switch. */
export interface Call {
  /** When the switch called it (the beat's start, or a retry's). */
  readonly at: number
  /**
   * When the request was written to a connection (after the cancel-all-after lane and signing); over a transport
   * without a direct path, when it was handed to the transport.
   */
  sentAt?: number
  /** When the call completed. */
  doneAt?: number
  ok?: boolean
  error?: string
}

/** One status published by the switch, when the bench saw it. */
export interface StatusEvent {
  readonly seenAt: number
  readonly status: DeadMansSwitch.Status
}

/** What the probes record during a run. */
export interface Recording {
  readonly calls: Array<Call>
  readonly statuses: Array<StatusEvent>
}

export const makeRecording = (): Recording => ({ calls: [], statuses: [] })

const cancelAllAfterPath = "/api/v5/rfq/cancel-all-after"

/** The client the switch is given: the real one, with each `cancelAllAfterOnce` call recorded. */
export const probeClient = (client: RfqCancelClient.Service, recording: Recording): RfqCancelClient.Service => ({
  ...client,
  cancelAllAfterOnce: (timeout, attemptTimeout) =>
    Effect.suspend(() => {
      const call: Call = { at: performance.now() }
      recording.calls.push(call)
      return client.cancelAllAfterOnce(timeout, attemptTimeout).pipe(
        Effect.onExit((exit) =>
          Effect.sync(() => {
            call.doneAt = performance.now()
            call.ok = Exit.isSuccess(exit)
            if (Exit.isFailure(exit)) {
              const failure = exit.cause._tag === "Fail" ? exit.cause.error : undefined
              call.error = failure === undefined ? exit.cause._tag : `${failure._tag}: ${failure.message}`
            }
          })
        )
      )
    })
})

/** Records the current call's `sentAt`, once. */
const markSent = (recording: Recording): void => {
  const call = recording.calls.at(-1)
  if (call !== undefined && call.sentAt === undefined && call.doneAt === undefined) call.sentAt = performance.now()
}

/**
 * The transport with each cancel-all-after request timed as it is written. A transport with a direct path (the lean
 * `UndiciHttpClient`, what production runs) keeps it: the probe wraps that path and times the write itself. Any
 * other transport is wrapped with `HttpClient.transform` and times the hand-over. Requests of other endpoints pass
 * untouched.
 */
export const probeTransport = (
  transport: Layer.Layer<HttpClient.HttpClient>,
  recording: Recording
): Layer.Layer<HttpClient.HttpClient> =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (client) => {
      const send = Direct.of(client)
      if (send !== undefined) {
        Direct.register(client, (request, done, sent) =>
          send(request, done, () => {
            if (request.path.split("?")[0]!.endsWith(cancelAllAfterPath)) markSent(recording)
            sent()
          })
        )
        return client
      }
      return HttpClient.transform(client, (execute, request) =>
        new URL(request.url).pathname === cancelAllAfterPath
          ? Effect.zipRight(
              Effect.sync(() => markSent(recording)),
              execute
            )
          : execute
      )
    })
  ).pipe(Layer.provide(transport))

/** Records every status the switch publishes, until interrupted. */
export const recordStatuses = (dms: DeadMansSwitch.Service, recording: Recording): Effect.Effect<void> =>
  dms.changes.pipe(
    Stream.runForEach((status) => Effect.sync(() => recording.statuses.push({ seenAt: performance.now(), status })))
  )

/** How late a 10 ms `setInterval` fired during a phase: what any timer of the process (the switch's too) saw. */
export interface TimerDelay {
  readonly p50: number
  readonly p99: number
  readonly max: number
}

/** Starts a 10 ms interval timer; the returned function stops it and summarizes how late it fired. */
export const timerDelayProbe = (): (() => TimerDelay) => {
  const period = 10
  const delays: Array<number> = []
  let last = performance.now()
  const timer = setInterval(() => {
    const now = performance.now()
    delays.push(Math.max(0, now - last - period))
    last = now
  }, period)
  return () => {
    clearInterval(timer)
    delays.push(Math.max(0, performance.now() - last - period))
    const at = (q: number) => Math.round(quantile(delays, q) * 10) / 10
    return { p50: at(0.5), p99: at(0.99), max: at(1) }
  }
}

/** Resolves at the next turn of the event loop's timers phase: after whatever holds the loop now. */
export const nextTimerTurn = (): Promise<number> =>
  new Promise((resolve) => setTimeout(() => resolve(performance.now()), 0))
