/**
 * The store behind every limiter: it holds each lane's sliding-window log and pause, and decides whether a
 * permit may start now. The in-memory store is the default; a shared store (Redis: one budget across
 * processes) implements the same interface and is provided as a layer, without touching callers.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as SlidingWindow from "./internal/slidingWindow.js"

/**
 * One request for `cost` permits on lane `key` at instant `now` (milliseconds of the caller's `SteadyTime`).
 * `windowMillis` already includes the lane's margin.
 *
 * @since 0.1.0
 * @category models
 */
export interface AcquireRequest {
  readonly key: string
  readonly limit: number
  readonly windowMillis: number
  readonly cost: number
  readonly now: number
  /**
   * `true`: a grant holds the permits (they count as started at every instant) until {@link Service.commit}
   * records their real start or {@link Service.release} gives them back. Default `false`: a grant records the start
   * at `now`.
   */
  readonly hold?: boolean | undefined
}

/**
 * Records the start of `cost` held permits of lane `key` at `at` (milliseconds of the caller's `SteadyTime`): the
 * instant their request was written, never before their grant.
 *
 * @since 0.1.0
 * @category models
 */
export interface CommitRequest {
  readonly key: string
  readonly limit: number
  readonly cost: number
  readonly at: number
}

/**
 * `Granted` records the start at `at` (or holds the permits from `at`, see {@link AcquireRequest.hold}); `Denied`
 * records nothing and names the earliest instant (`retryAt`, in the same milliseconds as `now`) at which the same
 * request can succeed, assuming no other starts and that held permits stay held: `Infinity` when held permits alone
 * fill the lane.
 *
 * @since 0.1.0
 * @category models
 */
export type Decision =
  | { readonly _tag: "Granted"; readonly at: number }
  | { readonly _tag: "Denied"; readonly retryAt: number }

/**
 * The seam between the local FIFO queue (always in process) and the budget (local or shared).
 *
 * Contract:
 * - `acquire` is atomic per key: check the log and, if the permit fits, append `cost` starts (or hold them).
 * - a held permit counts against every window until `commit` records its start or `release` gives it back; each
 *   held permit is settled exactly once by the limiter that was granted it.
 * - a store never blocks and never fails: a shared store maps its transport failures to a `Denied`
 *   with a short `retryAt` (fail closed) or to a defect, as it sees fit.
 * - `pauseUntil` only ever extends a lane's pause.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly acquire: (request: AcquireRequest) => Effect.Effect<Decision>
  /** Records the start of held permits at `at` (see {@link CommitRequest}). */
  readonly commit: (request: CommitRequest) => Effect.Effect<void>
  /** Gives back `cost` held permits of lane `key` whose request never left: they start nothing. */
  readonly release: (key: string, cost: number) => Effect.Effect<void>
  readonly pauseUntil: (key: string, epochMillis: number) => Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class RateLimitStore extends Context.Tag("@okx-rfq/rate-limit/RateLimitStore")<RateLimitStore, Service>() {}

/**
 * A store in process memory: one ring buffer of the last `limit` start times per key and a count of held permits,
 * so a decision costs O(1), a commit O(limit) at worst (a start committed after later ones), and memory is O(limit)
 * per lane. Limiters with different limits on one key share its starts, each deciding by its own limit (the buffer
 * keeps as many as the largest asks for).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory = (): Service => {
  const logs = new Map<string, SlidingWindow.Log>()
  const logFor = (key: string, limit: number): SlidingWindow.Log => {
    const log = logs.get(key)
    const fit = log === undefined ? SlidingWindow.make(limit) : SlidingWindow.withRoomFor(log, limit)
    if (fit !== log) logs.set(key, fit)
    return fit
  }
  return RateLimitStore.of({
    acquire: (request) =>
      Effect.sync((): Decision => {
        const log = logFor(request.key, request.limit)
        const now = Math.max(request.now, log.last)
        const at = SlidingWindow.earliest(log, request.limit, request.windowMillis, request.cost)
        if (at > now) return { _tag: "Denied", retryAt: at }
        if (request.hold === true) log.held += request.cost
        else SlidingWindow.record(log, request.cost, now)
        return { _tag: "Granted", at: now }
      }),
    commit: (request) =>
      Effect.sync(() => {
        const log = logFor(request.key, request.limit)
        log.held = Math.max(0, log.held - request.cost)
        SlidingWindow.record(log, request.cost, request.at)
      }),
    release: (key, cost) =>
      Effect.sync(() => {
        const log = logs.get(key)
        if (log !== undefined) log.held = Math.max(0, log.held - cost)
      }),
    pauseUntil: (key, epochMillis) =>
      Effect.sync(() => {
        let log = logs.get(key)
        if (log === undefined) {
          log = SlidingWindow.make(1)
          logs.set(key, log)
        }
        if (epochMillis > log.pausedUntil) log.pausedUntil = epochMillis
      })
  })
}

/**
 * @since 0.1.0
 * @category layers
 */
export const layerMemory: Layer.Layer<RateLimitStore> = Layer.sync(RateLimitStore, makeMemory)
