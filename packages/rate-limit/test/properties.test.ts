import { OkxRateLimiter } from "@okx-rfq/rate-limit"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Exit, FastCheck as fc, Fiber, Option, TestClock } from "effect"

interface Request {
  readonly gap: number
  readonly cost: number
  readonly interruptAfter: number | undefined
}

interface Scenario {
  readonly limit: number
  readonly windowMillis: number
  /** Milliseconds added to the window. */
  readonly margin: number
  readonly requests: ReadonlyArray<Request>
}

const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    limit: fc.integer({ min: 1, max: 8 }),
    windowMillis: fc.integer({ min: 5, max: 2000 }),
    margin: fc.constantFrom(0, 0, 1, 50, 250)
  })
  .chain(({ limit, margin, windowMillis }) =>
    fc.record({
      limit: fc.constant(limit),
      windowMillis: fc.constant(windowMillis),
      margin: fc.constant(margin),
      requests: fc.array(
        fc.record({
          gap: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: windowMillis })),
          cost: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: limit })),
          interruptAfter: fc.option(fc.integer({ min: 0, max: 2 * windowMillis }), { nil: undefined, freq: 4 })
        }),
        { minLength: 1, maxLength: 30 }
      )
    })
  )

interface Outcome {
  ticket: number
  readonly arrival: number
  readonly request: Request
  start: number | undefined
  seq: number | undefined
  interruptedAt: number | undefined
}

/** Every `limit + 1` consecutive permits (a start of cost c counts c times) span at least the window. */
const maxInAnyWindow = (permits: ReadonlyArray<number>, windowMillis: number): number => {
  const sorted = [...permits].sort((a, b) => a - b)
  let max = 0
  let lo = 0
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi] - sorted[lo] >= windowMillis) lo++
    max = Math.max(max, hi - lo + 1)
  }
  return max
}

const run = (s: Scenario) =>
  Effect.gen(function* () {
    const base = yield* Clock.currentTimeMillis
    const limiter = yield* OkxRateLimiter.make({ limit: s.limit, window: s.windowMillis, margin: s.margin })
    const outcomes: Array<Outcome> = []
    let nextTicket = 0
    let nextSeq = 0
    const fibers: Array<Fiber.RuntimeFiber<void, OkxRateLimiter.RateLimitExceeded>> = []
    let arrival = 0
    let totalCost = 0
    for (const request of s.requests) {
      arrival += request.gap
      totalCost += request.cost
      const outcome: Outcome = {
        ticket: -1,
        arrival,
        request,
        start: undefined,
        seq: undefined,
        interruptedAt: undefined
      }
      outcomes.push(outcome)
      const fiber = yield* Effect.fork(
        Effect.sleep(arrival).pipe(
          Effect.zipRight(
            Effect.uninterruptibleMask((restore) =>
              Effect.sync(() => {
                outcome.ticket = nextTicket++
              }).pipe(
                Effect.zipRight(restore(limiter.take(request.cost))),
                Effect.zipRight(Clock.currentTimeMillis),
                Effect.flatMap((t) =>
                  Effect.sync(() => {
                    outcome.start = t - base
                    outcome.seq = nextSeq++
                  })
                )
              )
            )
          )
        )
      )
      fibers.push(fiber)
      if (request.interruptAfter !== undefined) {
        const at = arrival + request.interruptAfter
        yield* Effect.fork(
          Effect.sleep(at).pipe(
            Effect.zipRight(Effect.sync(() => (outcome.interruptedAt = at))),
            Effect.zipRight(Fiber.interrupt(fiber))
          )
        )
      }
    }
    // whole milliseconds: the next scenario's times are measured from here, and a fractional base would put
    // floating-point error into their differences
    yield* TestClock.adjust(Math.ceil(arrival + (totalCost / s.limit + 3) * limiter.windowMillis + 1))
    const exits = yield* Effect.forEach(fibers, (fiber) => Fiber.poll(fiber))
    return { limiter, outcomes, exits }
  })

describe("properties (TestClock)", () => {
  it.effect("random arrivals, limits, windows, costs and interruptions", () =>
    Effect.gen(function* () {
      const samples = fc.sample(scenario, { numRuns: 40, seed: 20261121 })
      for (const s of samples) {
        const { exits, limiter, outcomes } = yield* run(s)
        const label = JSON.stringify(s)
        const served = outcomes.filter((o) => o.start !== undefined)
        // 1. never more than `limit` starts in any window of length window + margin
        assert.strictEqual(limiter.windowMillis, s.windowMillis + s.margin, label)
        const permits = served.flatMap((o) => Array.from({ length: o.request.cost }, () => o.start!))
        assert.isAtMost(maxInAnyWindow(permits, limiter.windowMillis), s.limit, label)
        // 2. every waiter that is not interrupted is served; an interrupted one was served before, or never
        outcomes.forEach((o, i) => {
          const exit = exits[i]
          assert.isTrue(Option.isSome(exit), `fiber ${i} still running: ${label}`)
          if (Option.isNone(exit)) return
          if (o.interruptedAt === undefined) {
            assert.isTrue(Exit.isSuccess(exit.value), `waiter ${i} not served: ${label}`)
          } else if (Exit.isSuccess(exit.value)) {
            assert.isAtMost(o.start!, o.interruptedAt, label)
          } else {
            assert.isUndefined(o.start, label)
          }
        })
        // 3. FIFO: grants happen in the order of the calls to take
        const byTicket = served.filter((o) => o.ticket >= 0).sort((a, b) => a.ticket - b.ticket)
        for (let i = 1; i < byTicket.length; i++) {
          assert.isAbove(byTicket[i].seq!, byTicket[i - 1].seq!, `FIFO ${label}`)
          assert.isAtLeast(byTicket[i].start!, byTicket[i - 1].start!, `FIFO ${label}`)
        }
        // 4. no waste: each start is as early as arrival, FIFO, the recorded starts (interrupted waiters
        //    consume nothing) and the interruption of a waiter ahead allow
        const earlier: Array<number> = []
        let previousStart = 0
        for (const o of byTicket) {
          const k = s.limit - o.request.cost + 1
          const eligible = earlier.length >= k ? earlier[earlier.length - k] + limiter.windowMillis : 0
          const blockedBy = outcomes
            .filter((w) => w.ticket >= 0 && w.ticket < o.ticket && w.start === undefined)
            .reduce((acc, w) => Math.max(acc, w.interruptedAt ?? 0), 0)
          const lowerBound = Math.max(o.arrival, previousStart, eligible)
          assert.isAtLeast(o.start!, lowerBound, label)
          assert.isAtMost(o.start!, Math.max(lowerBound, blockedBy), `wasted budget ${label}`)
          for (let c = 0; c < o.request.cost; c++) earlier.push(o.start!)
          previousStart = o.start!
        }
        assert.strictEqual((yield* limiter.stats).queued, 0, label)
      }
    })
  )

  it.effect("held permits written after random delays, or released: no window over the limit at the writes", () =>
    Effect.gen(function* () {
      const samples = fc.sample(
        fc
          .record({
            limit: fc.integer({ min: 1, max: 8 }),
            windowMillis: fc.integer({ min: 5, max: 2000 }),
            margin: fc.constantFrom(0, 1, 50)
          })
          .chain((lane) =>
            fc.record({
              lane: fc.constant(lane),
              requests: fc.array(
                fc.record({
                  gap: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: lane.windowMillis })),
                  cost: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: lane.limit })),
                  // how long after its grant the request is written; `null`: it never is, the permit is released
                  writeDelay: fc.option(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2 * lane.windowMillis })), {
                    nil: null,
                    freq: 4
                  })
                }),
                { minLength: 1, maxLength: 30 }
              )
            })
          ),
        { numRuns: 40, seed: 20261121 }
      )
      for (const { lane, requests } of samples) {
        const label = JSON.stringify({ lane, requests })
        const base = yield* Clock.currentTimeMillis
        const limiter = yield* OkxRateLimiter.make({
          limit: lane.limit,
          window: lane.windowMillis,
          margin: lane.margin
        })
        const writes: Array<number> = []
        const grants: Array<{ readonly ticket: number; readonly at: number }> = []
        let arrival = 0
        let horizon = 0
        const fibers: Array<Fiber.RuntimeFiber<void, OkxRateLimiter.RateLimitExceeded>> = []
        let nextTicket = 0
        for (const request of requests) {
          arrival += request.gap
          horizon += (request.writeDelay ?? 0) + 2 * limiter.windowMillis
          const delay = request.writeDelay
          fibers.push(
            yield* Effect.fork(
              Effect.gen(function* () {
                yield* Effect.sleep(arrival)
                const ticket = nextTicket++
                yield* limiter.reserve(request.cost)((permit) =>
                  Effect.gen(function* () {
                    grants.push({ ticket, at: permit.grantedAt - base })
                    if (delay === null) return yield* Effect.sleep(1)
                    yield* Effect.sleep(delay)
                    const at = yield* Clock.currentTimeMillis
                    for (let c = 0; c < request.cost; c++) writes.push(at - base)
                    permit.sent()
                    // the answer comes later still
                    yield* Effect.sleep(limiter.windowMillis / 2)
                  })
                )
              })
            )
          )
        }
        yield* TestClock.adjust(arrival + horizon + 1)
        for (const fiber of fibers) {
          const exit = yield* Fiber.poll(fiber)
          assert.isTrue(Option.isSome(exit) && Exit.isSuccess(exit.value), `every permit is granted: ${label}`)
        }
        assert.isAtMost(maxInAnyWindow(writes, limiter.windowMillis), lane.limit, label)
        // FIFO: grants in the order of the calls to reserve
        for (let i = 1; i < grants.length; i++) assert.isAbove(grants[i].ticket, grants[i - 1].ticket, label)
        yield* TestClock.setTime(0)
      }
    })
  )

  it.effect("under saturation the sustained rate is at least 97% of limit / window", () =>
    Effect.gen(function* () {
      const samples = fc.sample(
        fc.record({
          limit: fc.integer({ min: 1, max: 60 }),
          windowMillis: fc.integer({ min: 1, max: 5000 }),
          margin: fc.constantFrom(0, 1, 50, 250),
          windows: fc.integer({ min: 2, max: 6 })
        }),
        { numRuns: 40, seed: 42 }
      )
      for (const s of samples) {
        const limiter = yield* OkxRateLimiter.make({ limit: s.limit, window: s.windowMillis, margin: s.margin })
        const total = s.limit * s.windows
        const starts: Array<number> = []
        const fibers = yield* Effect.forEach(Array.from({ length: total }), () =>
          Effect.fork(
            limiter.take().pipe(
              Effect.zipRight(Clock.currentTimeMillis),
              Effect.map((t) => starts.push(t))
            )
          )
        )
        yield* TestClock.adjust((s.windows + 1) * limiter.windowMillis)
        yield* Fiber.joinAll(fibers)
        const first = Math.min(...starts)
        const last = Math.max(...starts)
        // after the first window's burst, `total - limit` permits over `last - first`
        const sustained = (total - s.limit) / (last - first)
        const label = JSON.stringify(s)
        assert.isAtLeast(sustained, (0.97 * s.limit) / limiter.windowMillis, label)
        if (s.margin === 0) assert.isAtLeast(sustained, (0.97 * s.limit) / s.windowMillis, label)
        assert.isAtMost(maxInAnyWindow(starts, limiter.windowMillis), s.limit, label)
        assert.strictEqual(yield* Clock.currentTimeMillis, first + (s.windows + 1) * limiter.windowMillis)
        yield* TestClock.setTime(0)
      }
    })
  )
})
