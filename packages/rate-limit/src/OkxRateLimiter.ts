/**
 * An exact sliding-window rate limiter: at most `limit` permits start in ANY interval of length
 * `window + margin` on Effect's Clock (its steady time, `SteadyTime`), FIFO between waiters, with one lane per
 * (User ID, endpoint) and OKX's RFQ table built in.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import type * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual, identity } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as DurationInput from "./DurationInput.js"
import * as Waiters from "./internal/waiters.js"
import * as RateLimitStore from "./RateLimitStore.js"
import * as SteadyTime from "./SteadyTime.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@okx-rfq/rate-limit/OkxRateLimiter")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * A permit of `cost` was asked for on a lane whose `limit` is smaller: it could never start, so the request
 * fails at once instead of waiting forever.
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimitExceeded extends Schema.TaggedError<RateLimitExceeded>("@okx-rfq/rate-limit/RateLimitExceeded")(
  "RateLimitExceeded",
  {
    key: Schema.String,
    cost: Schema.Number,
    limit: Schema.Number
  }
) {
  override get message(): string {
    return `A permit of cost ${this.cost} can never start on lane ${this.key}: its limit is ${this.limit} per window`
  }
}

/**
 * - `limit`: permits per window (a positive integer).
 * - `window`: the venue's window.
 * - `margin`: extra time added to the window (default 0), to absorb the spread of network latency between the
 *   client's start and the venue's arrival time. An absolute duration: the spread does not grow with the window.
 * - `key`: the lane's key in the store (default `"default"`); limiters with the same key and store share
 *   one budget (their starts), each deciding by its own `limit` and window.
 * - `store`: where the budget lives (default: a fresh in-memory store).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly limit: number
  readonly window: Duration.DurationInput
  readonly margin?: Duration.DurationInput | undefined
  readonly key?: string | undefined
  readonly store?: RateLimitStore.Service | undefined
}

/**
 * A snapshot of one limiter's counters. Wait times are in milliseconds from `take` to start.
 *
 * @since 0.1.0
 * @category models
 */
export interface Stats {
  readonly key: string
  readonly limit: number
  readonly windowMillis: number
  readonly queued: number
  readonly requestsGranted: number
  readonly permitsGranted: number
  readonly waitMillisTotal: number
  readonly waitMillisMax: number
}

/**
 * A permit granted by {@link Limiter.reserve}: it counts against the lane at every instant until the effect that
 * holds it ends. Then its start is recorded at the instant marked with `sent`, or, when nothing was marked, the
 * permit is given back (nothing reached the venue).
 *
 * @since 0.1.0
 * @category models
 */
export interface Permit {
  readonly cost: number
  /** When the permit was granted, in `SteadyTime` milliseconds. */
  readonly grantedAt: number
  /**
   * Marks the request as written to the wire: at `at` (`SteadyTime` milliseconds), or now on the Clock of the fiber
   * that reserved. Synchronous, so a transport can call it from its own callback. The first mark counts; a mark before
   * the grant counts as the grant, one after now (or not a finite number) as now; a mark after the holding effect
   * ended is ignored.
   */
  readonly sent: (at?: number) => void
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Limiter {
  readonly [TypeId]: TypeId
  readonly key: string
  readonly limit: number
  readonly window: Duration.Duration
  readonly margin: Duration.Duration
  /** The enforced window, `window + margin`, rounded up to whole milliseconds. */
  readonly windowMillis: number
  /**
   * Waits in FIFO order until a permit of `cost` (default 1) may start, and records the start. Interrupting
   * the wait gives up the place in the queue and consumes nothing.
   */
  readonly take: (cost?: number) => Effect.Effect<void, RateLimitExceeded>
  /**
   * Starts a permit of `cost` (default 1) now if it may start now and nobody is queued, and answers whether it did.
   * Never waits: the fast path for callers that bound their waiting themselves, or that shed load instead of
   * queueing.
   */
  readonly tryTake: (cost?: number) => Effect.Effect<boolean, RateLimitExceeded>
  /**
   * Waits like `take`, then runs `use` with a held {@link Permit} whose start is recorded when `use` ends, at the
   * instant `use` marked with `permit.sent()`: when the request was written, not when the permit was granted. A
   * request held up between the two (a stalled event loop, a busy connection pool) then cannot reach the venue
   * inside the window of a later one. Until `use` ends the permit counts as started at every instant; if `use`
   * ends without marking it (it failed before sending, or was interrupted), the permit is given back. The grant
   * and the settlement cannot be separated by an interruption.
   */
  readonly reserve: (
    cost?: number
  ) => <A, E, R>(use: (permit: Permit) => Effect.Effect<A, E, R>) => Effect.Effect<A, E | RateLimitExceeded, R>
  /**
   * `reserve` without waiting, like `tryTake`: runs `use` (and answers `Some` of its result) when a permit may start
   * now and nobody is queued, else answers `None` at once.
   */
  readonly tryReserve: (
    cost?: number
  ) => <A, E, R>(
    use: (permit: Permit) => Effect.Effect<A, E, R>
  ) => Effect.Effect<Option.Option<A>, E | RateLimitExceeded, R>
  readonly withPermit: (
    cost?: number
  ) => <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | RateLimitExceeded, R>
  /**
   * Venue backpressure: no permit starts before `epochMillis` (`SteadyTime` milliseconds, as `grantedAt`). Only ever
   * extends a pause.
   */
  readonly pauseUntil: (epochMillis: number) => Effect.Effect<void>
  /** `pauseUntil(now + duration)`. */
  readonly pauseFor: (duration: Duration.DurationInput) => Effect.Effect<void>
  readonly stats: Effect.Effect<Stats>
}

/**
 * Effect metrics updated by every limiter, tagged with `lane` (the limiter's key): permits granted (a
 * counter), wait time in milliseconds (a histogram) and queue length (a gauge).
 *
 * @since 0.1.0
 * @category metrics
 */
export const metrics = {
  permitsGranted: Metric.counter("okx_rate_limit_permits_granted", {
    description: "Permits granted (sum of costs)",
    incremental: true
  }),
  waitMillis: Metric.histogram(
    "okx_rate_limit_wait_millis",
    MetricBoundaries.exponential({ start: 1, factor: 2, count: 16 }),
    "Time from take to start, in milliseconds"
  ),
  queueLength: Metric.gauge("okx_rate_limit_queue_length", { description: "Waiters queued on the lane" })
}

const invalid = (message: string) => Effect.die(new Cause.IllegalArgumentException(message))

/**
 * The largest `limit` a limiter takes: its store keeps that many start times per lane (8 MB at this bound; OKX's
 * limits are in the tens).
 *
 * @since 0.1.0
 * @category constants
 */
export const maxLimit = 1_000_000

const marginProblem = (margin: unknown) =>
  Option.isNone(DurationInput.decodeNonNegative(margin))
    ? { field: "margin" as const, message: `must be a non-negative finite duration, got ${DurationInput.show(margin)}` }
    : undefined

/** What is wrong with a rule, naming its field (`limit`, `window` or `margin`); `undefined` when it is valid. */
const ruleProblem = (
  limit: unknown,
  window: unknown,
  margin: unknown
): { readonly field: "limit" | "window" | "margin"; readonly message: string } | undefined => {
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > maxLimit) {
    return { field: "limit", message: `must be a positive integer up to ${maxLimit}, got ${String(limit)}` }
  }
  const windowDuration = DurationInput.decodeNonNegative(window)
  if (Option.isNone(windowDuration) || Duration.toMillis(windowDuration.value) <= 0) {
    return { field: "window", message: `must be a positive finite duration, got ${String(window)}` }
  }
  return marginProblem(margin)
}

const validate = (limit: number, window: unknown, margin: unknown): string | undefined => {
  const problem = ruleProblem(limit, window, margin)
  return problem === undefined ? undefined : `${problem.field} ${problem.message}`
}

const unsafeMake = (options: Options, store: RateLimitStore.Service): Limiter => {
  const key = options.key ?? "default"
  const limit = options.limit
  const window = Duration.decode(options.window)
  const margin = Duration.decode(options.margin ?? 0)
  const windowMillis = Math.ceil(Duration.toMillis(window) + Duration.toMillis(margin) - 1e-9)
  const queue = Waiters.make()
  const permitsGranted = Metric.tagged(metrics.permitsGranted, "lane", key)
  const waitMillis = Metric.tagged(metrics.waitMillis, "lane", key)
  const queueLength = Metric.tagged(metrics.queueLength, "lane", key)
  let requestsGranted = 0
  let permits = 0
  let waitMillisTotal = 0
  let waitMillisMax = 0

  const leave = (waiter: Waiters.Waiter, cause: Cause.Cause<never>): Effect.Effect<never> =>
    Effect.suspend(() => {
      const wasHead = queue.head === waiter
      Waiters.remove(queue, waiter)
      if (wasHead) Waiters.signalHead(queue, Effect.void)
      queueLength.unsafeUpdate(queue.size, [])
      return Effect.failCause(cause)
    })

  const count = (cost: number, wait: number): void => {
    requestsGranted++
    permits += cost
    waitMillisTotal += wait
    if (wait > waitMillisMax) waitMillisMax = wait
    permitsGranted.unsafeUpdate(cost, [])
    waitMillis.unsafeUpdate(wait, [])
  }

  const granted = (waiter: Waiters.Waiter, at: number): void => {
    Waiters.remove(queue, waiter)
    Waiters.signalHead(queue, Effect.void)
    count(waiter.cost, Math.max(0, at - waiter.enqueuedAt))
    queueLength.unsafeUpdate(queue.size, [])
  }

  type Restore = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

  /** Permits of this limiter held and not yet settled. */
  let holding = 0
  /** How many held permits of this limiter have been settled: a decision asked for before a settlement is stale. */
  let settlements = 0
  /** Resumes the head when it waits on a decision that a settled permit can change. */
  let wakeHead: (() => void) | undefined
  /** Until a held permit is settled after the `seen`-th settlement (at once if one already was). */
  const holdSettled = (seen: number): Effect.Effect<void> =>
    Effect.async<void>((resume) => {
      if (settlements !== seen) return resume(Effect.void)
      const wake = () => resume(Effect.void)
      wakeHead = wake
      return Effect.sync(() => {
        if (wakeHead === wake) wakeHead = undefined
      })
    })

  /**
   * How the head waits for a decision denied after `seen` settlements: until `retryAt`, or until one of this
   * limiter's held permits is settled (which can move `retryAt` earlier), not at all if one was settled while the
   * decision was asked for (a store may answer later). Holds that fill the lane (`retryAt` Infinity) are polled once
   * a window too: some may be another limiter's or process's, whose settlement wakes nobody here.
   */
  const waitFor = (retryAt: number, clock: Clock.Clock, seen: number): Effect.Effect<void> => {
    if (settlements !== seen) return Effect.void
    const delay =
      retryAt === Number.POSITIVE_INFINITY ? windowMillis : Math.max(1, retryAt - SteadyTime.unsafeMillis(clock))
    return holding === 0 ? Effect.sleep(delay) : Effect.raceFirst(Effect.sleep(delay), holdSettled(seen))
  }

  const drive = (waiter: Waiters.Waiter, clock: Clock.Clock, restore: Restore, hold: boolean): Effect.Effect<number> =>
    Effect.suspend(() => {
      const seen = settlements
      return Effect.flatMap(
        store.acquire({ key, limit, windowMillis, cost: waiter.cost, now: SteadyTime.unsafeMillis(clock), hold }),
        (decision) => {
          if (decision._tag === "Granted") {
            granted(waiter, decision.at)
            if (hold) holding += waiter.cost
            return Effect.succeed(decision.at)
          }
          return Effect.matchCauseEffect(restore(waitFor(decision.retryAt, clock, seen)), {
            onFailure: (cause) => leave(waiter, cause),
            onSuccess: () => drive(waiter, clock, restore, hold)
          })
        }
      )
    })

  const validCost = (cost: number): Effect.Effect<never, RateLimitExceeded> | undefined => {
    if (!Number.isInteger(cost) || cost < 1) return invalid(`cost must be a positive integer, got ${cost}`)
    if (cost > limit) return Effect.fail(new RateLimitExceeded({ key, cost, limit }))
    return undefined
  }

  /**
   * Waits in FIFO order for a grant of `cost` (held when `hold`), then runs `then` with the grant's instant in the
   * same uninterruptible region, so nothing can come between the two.
   */
  const acquire = <A, E, R>(
    cost: number,
    hold: boolean,
    then: (at: number, clock: Clock.Clock, restore: Restore) => Effect.Effect<A, E, R>
  ): Effect.Effect<A, E | RateLimitExceeded, R> =>
    validCost(cost) ??
    Effect.uninterruptibleMask((restore) =>
      Effect.clockWith((clock) => {
        const waiter = Waiters.push(queue, cost, SteadyTime.unsafeMillis(clock))
        queueLength.unsafeUpdate(queue.size, [])
        const grant =
          queue.head === waiter
            ? drive(waiter, clock, restore, hold)
            : Effect.matchCauseEffect(
                restore(
                  Effect.async<void>((resume) => {
                    if (waiter.signaled) resume(Effect.void)
                    else waiter.resume = resume
                  })
                ),
                {
                  onFailure: (cause) => leave(waiter, cause),
                  onSuccess: () => drive(waiter, clock, restore, hold)
                }
              )
        return Effect.flatMap(grant, (at) => then(at, clock, restore))
      })
    )

  /** After a held permit settled: one fewer held, and a waiting head looks again. */
  const afterSettle = (cost: number): void => {
    holding -= cost
    settlements++
    const wake = wakeHead
    wakeHead = undefined
    wake?.()
  }

  /**
   * Runs `use` with a held grant and settles it when `use` ends, however it ends: its start recorded at the mark, or
   * the permit given back; `wrap` maps the result in the same step. Called in the uninterruptible region of the
   * grant; only `use` runs restored.
   */
  const hold = <A, E, R, B>(
    cost: number,
    grantedAt: number,
    clock: Clock.Clock,
    restore: Restore,
    use: (permit: Permit) => Effect.Effect<A, E, R>,
    wrap: (a: A) => B
  ): Effect.Effect<B, E, R> => {
    let sentAt: number | undefined
    let settled = false
    const permit: Permit = {
      cost,
      grantedAt,
      sent: (at) => {
        if (settled || sentAt !== undefined) return
        const now = SteadyTime.unsafeMillis(clock)
        // a request is written now or before: a later or non-finite mark would move the lane's log past the wire
        sentAt = Math.max(at !== undefined && Number.isFinite(at) && at < now ? at : now, grantedAt)
      }
    }
    /** Settles the permit in the store, then answers `next()`. */
    const settleThen = <X>(next: () => X): Effect.Effect<X> => {
      settled = true
      return Effect.map(
        sentAt === undefined ? store.release(key, cost) : store.commit({ key, limit, cost, at: sentAt }),
        () => {
          afterSettle(cost)
          return next()
        }
      )
    }
    let used: Effect.Effect<A, E, R>
    try {
      used = use(permit)
    } catch (defect) {
      return Effect.flatten(settleThen(() => Effect.die(defect)))
    }
    return Effect.matchCauseEffect(restore(used), {
      onFailure: (cause) => Effect.flatten(settleThen(() => Effect.failCause(cause))),
      onSuccess: (a) => settleThen(() => wrap(a))
    })
  }

  const take = (cost: number = 1): Effect.Effect<void, RateLimitExceeded> => acquire(cost, false, () => Effect.void)

  const tryTake = (cost: number = 1): Effect.Effect<boolean, RateLimitExceeded> =>
    validCost(cost) ??
    Effect.clockWith((clock) => {
      if (queue.size > 0) return Effect.succeed(false)
      return Effect.map(
        store.acquire({ key, limit, windowMillis, cost, now: SteadyTime.unsafeMillis(clock) }),
        (decision) => {
          if (decision._tag !== "Granted") return false
          count(cost, 0)
          return true
        }
      )
    })

  const reserve =
    (cost: number = 1) =>
    <A, E, R>(use: (permit: Permit) => Effect.Effect<A, E, R>): Effect.Effect<A, E | RateLimitExceeded, R> =>
      acquire(cost, true, (at, clock, restore) => hold(cost, at, clock, restore, use, identity))

  const tryReserve =
    (cost: number = 1) =>
    <A, E, R>(
      use: (permit: Permit) => Effect.Effect<A, E, R>
    ): Effect.Effect<Option.Option<A>, E | RateLimitExceeded, R> =>
      validCost(cost) ??
      Effect.uninterruptibleMask((restore) =>
        Effect.clockWith((clock) => {
          if (queue.size > 0) return Effect.succeedNone
          return Effect.flatMap(
            store.acquire({ key, limit, windowMillis, cost, now: SteadyTime.unsafeMillis(clock), hold: true }),
            (decision) => {
              if (decision._tag !== "Granted") return Effect.succeedNone
              count(cost, 0)
              holding += cost
              return hold(cost, decision.at, clock, restore, use, Option.some)
            }
          )
        })
      )

  const pauseUntil = (epochMillis: number): Effect.Effect<void> => store.pauseUntil(key, epochMillis)

  return {
    [TypeId]: TypeId,
    key,
    limit,
    window,
    margin,
    windowMillis,
    take,
    tryTake,
    reserve,
    tryReserve,
    withPermit: (cost) => (self) => Effect.zipRight(take(cost), self),
    pauseUntil,
    pauseFor: (duration) =>
      Effect.clockWith((clock) => pauseUntil(SteadyTime.unsafeMillis(clock) + Duration.toMillis(duration))),
    stats: Effect.sync(() => ({
      key,
      limit,
      windowMillis,
      queued: queue.size,
      requestsGranted,
      permitsGranted: permits,
      waitMillisTotal,
      waitMillisMax
    }))
  }
}

/**
 * Makes a limiter. Invalid options (a non-integer or non-positive `limit`, or one above {@link maxLimit}, a
 * non-positive `window`, a negative or infinite `margin`) are defects.
 *
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { OkxRateLimiter } from "@okx-rfq/rate-limit"
 *
 * const program = Effect.gen(function*() {
 *   const limiter = yield* OkxRateLimiter.make({ limit: 50, window: "2 seconds", margin: "50 millis" })
 *   yield* limiter.withPermit()(Effect.log("cancel one quote"))
 *   yield* Effect.log("a batch of cost 2").pipe(OkxRateLimiter.withPermit(limiter, 2))
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Limiter> =>
  Effect.suspend(() => {
    const error = validate(options.limit, options.window, options.margin ?? 0)
    if (error !== undefined) return invalid(error)
    return Effect.succeed(unsafeMake(options, options.store ?? RateLimitStore.makeMemory()))
  })

/**
 * Runs `self` after taking a permit of `cost` (default 1) from `limiter`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withPermit: {
  (
    limiter: Limiter,
    cost?: number
  ): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | RateLimitExceeded, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, limiter: Limiter, cost?: number): Effect.Effect<A, E | RateLimitExceeded, R>
} = dual(
  (args) => Effect.isEffect(args[0]),
  <A, E, R>(self: Effect.Effect<A, E, R>, limiter: Limiter, cost?: number) => limiter.withPermit(cost)(self)
)

/**
 * One lane: the user (User ID or API key) and the endpoint path (a query string is ignored).
 *
 * @since 0.1.0
 * @category models
 */
export interface LaneKey {
  readonly user: string
  readonly endpoint: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface LaneRule {
  readonly limit: number
  readonly window: Duration.DurationInput
  readonly margin?: Duration.DurationInput | undefined
}

/**
 * OKX's published limits (per User ID) for the RFQ cancellation family and the calls it needs.
 *
 * @since 0.1.0
 * @category constants
 */
export const okxRfqLimits: Readonly<Record<string, LaneRule>> = {
  "/api/v5/rfq/cancel-rfq": { limit: 5, window: "2 seconds" },
  "/api/v5/rfq/cancel-batch-rfqs": { limit: 2, window: "2 seconds" },
  "/api/v5/rfq/cancel-all-rfqs": { limit: 2, window: "2 seconds" },
  "/api/v5/rfq/cancel-quote": { limit: 50, window: "2 seconds" },
  "/api/v5/rfq/cancel-batch-quotes": { limit: 2, window: "2 seconds" },
  "/api/v5/rfq/cancel-all-quotes": { limit: 2, window: "2 seconds" },
  "/api/v5/rfq/cancel-all-after": { limit: 1, window: "1 second" },
  "/api/v5/rfq/mmp-reset": { limit: 5, window: "2 seconds" },
  "/api/v5/rfq/quotes": { limit: 2, window: "2 seconds" },
  "/api/v5/rfq/rfqs": { limit: 2, window: "2 seconds" },
  "/api/v5/public/time": { limit: 10, window: "2 seconds" }
}

/**
 * The default margin of the lanes: 50 ms added to every window absorbs the spread of network latency between two
 * requests. The spread does not grow with the window, so the margin is a duration, not a fraction: it costs 2.4 %
 * of throughput on a 2 s window (50 in any 2.05 s) and 4.8 % on cancel-all-after's 1 s (1 in any 1.05 s).
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultMargin: Duration.Duration = Duration.millis(50)

/**
 * The rule for an endpoint missing from the table: the family's smallest budget, 2 per 2 seconds.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultFallback: LaneRule = { limit: 2, window: "2 seconds" }

/**
 * - `limits`: per-endpoint rules merged over {@link okxRfqLimits}.
 * - `margin`: the margin of every rule that does not set its own (default {@link defaultMargin}).
 * - `fallback`: the rule for unknown endpoints (default {@link defaultFallback}).
 * - `keyPrefix`: prefix of every lane's key in the store (default `"okx-rfq:"`).
 *
 * @since 0.1.0
 * @category models
 */
export interface LanesOptions {
  readonly limits?: Readonly<Record<string, LaneRule>> | undefined
  readonly margin?: Duration.DurationInput | undefined
  readonly fallback?: LaneRule | undefined
  readonly keyPrefix?: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface LanesService {
  /** The lane's limiter, made on first use; the same limiter for the same key afterwards. */
  readonly lane: (key: LaneKey) => Effect.Effect<Limiter>
  /** The rule that applies to an endpoint, with its margin resolved. */
  readonly rule: (endpoint: string) => LaneRule & { readonly margin: Duration.DurationInput }
  /** Every lane made so far. */
  readonly lanes: Effect.Effect<ReadonlyArray<Limiter>>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Lanes extends Context.Tag("@okx-rfq/rate-limit/Lanes")<Lanes, LanesService>() {}

const endpointPath = (endpoint: string): string => {
  const query = endpoint.indexOf("?")
  return query === -1 ? endpoint : endpoint.slice(0, query)
}

/**
 * What is wrong with lanes options, naming the field (`margin`, `fallback.limit`,
 * `limits["/api/v5/rfq/cancel-quote"].window`, ...); `undefined` when they are valid. {@link makeLanes} dies with
 * it; a client's layer fails with an `InvalidRequest` naming `lanes.<field>`.
 *
 * @example
 * ```ts
 * import { OkxRateLimiter } from "@okx-rfq/rate-limit"
 *
 * OkxRateLimiter.lanesProblem({ limits: { "/api/v5/rfq/cancel-quote": { limit: 0, window: "2 seconds" } } })
 * // { field: 'limits["/api/v5/rfq/cancel-quote"].limit', message: "must be a positive integer up to 1000000, got 0" }
 * ```
 *
 * @since 0.1.0
 * @category validation
 */
export const lanesProblem = (
  options: LanesOptions = {}
): { readonly field: string; readonly message: string } | undefined => {
  const margin = options.margin ?? defaultMargin
  const problem = marginProblem(margin)
  if (problem !== undefined) return problem
  const rules: Array<readonly [string, LaneRule | undefined]> = [
    ["fallback", options.fallback],
    ...Object.entries(options.limits ?? {}).map(([path, rule]) => [`limits[${JSON.stringify(path)}]`, rule] as const)
  ]
  for (const [name, rule] of rules) {
    if (rule === undefined) continue
    if (typeof rule !== "object" || rule === null) {
      return { field: name, message: `must be a rule { limit, window, margin? }, got ${String(rule)}` }
    }
    const problem = ruleProblem(rule.limit, rule.window, rule.margin ?? margin)
    if (problem !== undefined) return { field: `${name}.${problem.field}`, message: problem.message }
  }
  return undefined
}

/**
 * Makes the lanes over the store in context. Invalid options ({@link lanesProblem}) are a defect here, before any
 * lane is made.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeLanes = (
  options: LanesOptions = {}
): Effect.Effect<LanesService, never, RateLimitStore.RateLimitStore> =>
  Effect.flatMap(RateLimitStore.RateLimitStore, (store) => {
    const problem = lanesProblem(options)
    if (problem !== undefined) return invalid(`lanes: ${problem.field} ${problem.message}`)
    // a rule given as undefined (a JavaScript caller's) is no rule, as `lanesProblem` reads it
    const limits: Readonly<Record<string, LaneRule>> = {
      ...okxRfqLimits,
      ...Object.fromEntries(Object.entries(options.limits ?? {}).filter(([, rule]) => rule !== undefined))
    }
    const margin = options.margin ?? defaultMargin
    const fallback = options.fallback ?? defaultFallback
    const prefix = options.keyPrefix ?? "okx-rfq:"
    const lanes = new Map<string, Limiter>()
    const rule = (endpoint: string): LaneRule & { readonly margin: Duration.DurationInput } => {
      const found = Object.hasOwn(limits, endpoint) ? limits[endpoint] : fallback
      return { limit: found.limit, window: found.window, margin: found.margin ?? margin }
    }
    return Effect.succeed(
      Lanes.of({
        lane: (laneKey) =>
          Effect.suspend(() => {
            const path = endpointPath(laneKey.endpoint)
            const key = `${prefix}${encodeURIComponent(laneKey.user)}${path}`
            const existing = lanes.get(key)
            if (existing !== undefined) return Effect.succeed(existing)
            const r = rule(path)
            return Effect.tap(make({ limit: r.limit, window: r.window, margin: r.margin, key, store }), (limiter) =>
              Effect.sync(() => lanes.set(key, limiter))
            )
          }),
        rule: (endpoint) => rule(endpointPath(endpoint)),
        lanes: Effect.sync(() => Array.from(lanes.values()))
      })
    )
  })

/**
 * The lanes over a store provided separately (for example a shared Redis store).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWithoutStore = (options?: LanesOptions): Layer.Layer<Lanes, never, RateLimitStore.RateLimitStore> =>
  Layer.effect(Lanes, makeLanes(options))

/**
 * The lanes over a fresh in-memory store.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: LanesOptions): Layer.Layer<Lanes> =>
  layerWithoutStore(options).pipe(Layer.provide(RateLimitStore.layerMemory))

/**
 * {@link layer} with the default options.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory: Layer.Layer<Lanes> = layer()

/**
 * The limiter of a lane, from the {@link Lanes} in context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const lane = (key: LaneKey): Effect.Effect<Limiter, never, Lanes> =>
  Effect.flatMap(Lanes, (lanes) => lanes.lane(key))
