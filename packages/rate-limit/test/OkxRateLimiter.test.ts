import { OkxRateLimiter, RateLimitStore, SteadyTime } from "@okx-rfq/rate-limit"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Clock, Deferred, Duration, Effect, Exit, Fiber, Metric, Option, TestClock } from "effect"

const now = Clock.currentTimeMillis

const startTimes = (limiter: OkxRateLimiter.Limiter, costs: ReadonlyArray<number>) =>
  Effect.gen(function* () {
    const starts: Array<number> = []
    const fibers: Array<Fiber.RuntimeFiber<void, OkxRateLimiter.RateLimitExceeded>> = []
    for (const cost of costs) {
      fibers.push(
        yield* Effect.fork(
          limiter.take(cost).pipe(Effect.zipRight(Effect.flatMap(now, (t) => Effect.sync(() => void starts.push(t)))))
        )
      )
    }
    return { starts, fibers }
  })

describe("OkxRateLimiter.make", () => {
  it.effect("starts `limit` permits at once, then one per freed slot of the window", () =>
    Effect.gen(function* () {
      const limiter = yield* OkxRateLimiter.make({ limit: 2, window: "1 second" })
      const { fibers, starts } = yield* startTimes(limiter, [1, 1, 1, 1, 1])
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(starts, [0, 0, 1000, 1000, 2000])
    })
  )

  it.effect("a step of the wall clock moves no window: the limiter counts on the Clock's steady time", () =>
    Effect.gen(function* () {
      // the wall clock (currentTimeMillis) stepped by `step` (an NTP correction); the steady time (nanos) is not
      let step = 0
      const stepped = SteadyTime.withWallOffset(yield* Effect.clock, () => step)
      const limiter = yield* OkxRateLimiter.make({ limit: 1, window: "1 second" })
      const startAt = () =>
        Effect.fork(limiter.take(1).pipe(Effect.zipRight(SteadyTime.currentTimeMillis), Effect.withClock(stepped)))
      const first = yield* startAt()
      yield* TestClock.adjust("100 millis")
      // 5 s forward: the window has not passed for all that
      step = 5000
      const second = yield* startAt()
      // 12 s back: the next permit is not held back 12 s
      yield* TestClock.adjust("100 millis")
      step = -12_000
      const third = yield* startAt()
      yield* TestClock.adjust("10 seconds")
      assert.deepStrictEqual(yield* Fiber.join(Fiber.zip(Fiber.zip(first, second), third)), [[0, 1000], 2000])
    })
  )

  it.effect("the margin is added to the window", () =>
    Effect.gen(function* () {
      const limiter = yield* OkxRateLimiter.make({ limit: 1, window: "2 seconds", margin: "50 millis" })
      assert.strictEqual(limiter.windowMillis, 2050)
      assert.isTrue(Duration.equals(limiter.margin, Duration.millis(50)))
      const { fibers, starts } = yield* startTimes(limiter, [1, 1, 1])
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(starts, [0, 2050, 4100])
      // a fractional millisecond rounds the enforced window up, never down
      assert.strictEqual((yield* OkxRateLimiter.make({ limit: 1, window: 1000, margin: 0.25 })).windowMillis, 1001)
    })
  )

  it.effect("a permit of cost c waits for the (limit - c + 1)-th most recent start to leave the window", () =>
    Effect.gen(function* () {
      const limiter = yield* OkxRateLimiter.make({ limit: 3, window: "1 second" })
      yield* limiter.take(1)
      yield* TestClock.adjust("400 millis")
      yield* limiter.take(1)
      const { fibers, starts } = yield* startTimes(limiter, [2])
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(starts, [1000])
    })
  )

  it.effect("tryTake starts a permit only when it may start now and nobody is queued, and never waits", () =>
    Effect.gen(function* () {
      const limiter = yield* OkxRateLimiter.make({ limit: 2, window: "1 second" })
      assert.isTrue(yield* limiter.tryTake())
      assert.isTrue(yield* limiter.tryTake())
      assert.isFalse(yield* limiter.tryTake(), "the window is full")
      yield* TestClock.adjust("1 second")
      const { fibers, starts } = yield* startTimes(limiter, [2, 1])
      yield* Effect.yieldNow()
      assert.isFalse(yield* limiter.tryTake(), "a waiter is queued: no jumping the queue")
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(starts, [1000, 2000], "tryTake's refusals consumed nothing")
      yield* TestClock.adjust("1 second")
      assert.isTrue(yield* limiter.tryTake())
      assert.strictEqual((yield* limiter.stats).requestsGranted, 5)
      assert.strictEqual((yield* Effect.flip(limiter.tryTake(3)))._tag, "RateLimitExceeded")
    })
  )

  it.effect("reserve: a held permit blocks the lane while it is used, and counts from the instant marked sent", () =>
    Effect.gen(function* () {
      const limiter = yield* OkxRateLimiter.make({ limit: 1, window: "1 second" })
      const grants: Array<number> = []
      // the request is written at 1200 (say the event loop stalled between the grant and the write), answered at 1500
      const held = yield* Effect.fork(
        limiter.reserve()((permit) =>
          Effect.gen(function* () {
            grants.push(permit.grantedAt)
            yield* Effect.sleep("1200 millis")
            permit.sent()
            permit.sent(1300)
            yield* Effect.sleep("300 millis")
            return "answer"
          })
        )
      )
      const { fibers, starts } = yield* startTimes(limiter, [1])
      yield* TestClock.adjust("1500 millis")
      assert.strictEqual(yield* Fiber.join(held), "answer")
      assert.deepStrictEqual(grants, [0])
      assert.deepStrictEqual(starts, [], "held across a whole window: not started yet")
      yield* TestClock.adjust("699 millis")
      assert.deepStrictEqual(starts, [])
      yield* TestClock.adjust("1 millis")
      yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(starts, [2200], "one window after the first mark, not after the grant")
    })
  )

  it.effect("reserve: a permit never marked sent is given back when its use ends, and the queue moves at once", () =>
    Effect.gen(function* () {
      const limiter = yield* OkxRateLimiter.make({ limit: 2, window: "1 second" })
      yield* limiter.take()
      const failed = yield* Effect.fork(
        limiter.reserve()(() => Effect.zipRight(Effect.sleep("300 millis"), Effect.fail("not sent" as const)))
      )
      const { fibers, starts } = yield* startTimes(limiter, [1])
      yield* TestClock.adjust("300 millis")
      assert.deepStrictEqual(yield* Effect.flip(Fiber.join(failed)), "not sent")
      yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(starts, [300], "started on the release, not on the timer at 1000")
      // interrupted while held: given back too; a mark before the grant counts as the grant
      yield* TestClock.adjust("1 second")
      const interrupted = yield* Effect.fork(limiter.reserve()(() => Effect.never))
      yield* Effect.yieldNow()
      assert.isTrue(yield* limiter.tryTake())
      assert.isFalse(yield* limiter.tryTake(), "both slots in use")
      yield* Fiber.interrupt(interrupted)
      assert.isTrue(yield* limiter.tryTake(), "given back")
      yield* TestClock.adjust("1 second")
      yield* limiter.reserve()((permit) => Effect.sync(() => permit.sent(0)))
      assert.isTrue(yield* limiter.tryTake())
      assert.isFalse(yield* limiter.tryTake(), "the mark at 0 counts at the grant, 2300")
    })
  )

  it.effect("a permit given back just as the head is denied still wakes it: the head starts at once", () =>
    Effect.gen(function* () {
      // limit 2: one start and one held permit; the head is denied (the hold counts) and goes to wait until the
      // start leaves the window (1000) or the hold settles; the hold is given back in the same step
      const limiter = yield* OkxRateLimiter.make({ limit: 2, window: "1 second" })
      yield* limiter.take()
      const release = yield* Deferred.make<void>()
      const held = yield* Effect.fork(limiter.reserve()(() => Deferred.await(release)))
      yield* Effect.yieldNow()
      const { fibers, starts } = yield* startTimes(limiter, [1])
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(held)
      for (let i = 0; i < 10; i++) yield* Effect.yieldNow()
      assert.deepStrictEqual(starts, [0], "a slot was free from 0")
      yield* Fiber.joinAll(fibers)
    })
  )

  it.effect("a store that answers later: a permit settled while the head's decision is on its way wakes it", () =>
    Effect.gen(function* () {
      // a shared store's round trip (10 ms): both slots held, the head asks at 20 and is denied (held permits fill
      // the lane, retry at Infinity); one hold is given back at 25, before the answer arrives at 30
      const memory = RateLimitStore.makeMemory()
      const store = RateLimitStore.RateLimitStore.of({
        ...memory,
        acquire: (request) => Effect.zipLeft(memory.acquire(request), Effect.sleep("10 millis"))
      })
      const limiter = yield* OkxRateLimiter.make({ limit: 2, window: "1 second", store })
      const releaseA = yield* Deferred.make<void>()
      const releaseB = yield* Deferred.make<void>()
      const a = yield* Effect.fork(limiter.reserve()(() => Deferred.await(releaseA)))
      const b = yield* Effect.fork(limiter.reserve()(() => Deferred.await(releaseB)))
      yield* TestClock.adjust("20 millis")
      const { fibers, starts } = yield* startTimes(limiter, [1])
      yield* TestClock.adjust("5 millis")
      yield* Deferred.succeed(releaseA, undefined)
      yield* Fiber.join(a)
      yield* TestClock.adjust("100 millis")
      assert.deepStrictEqual(starts, [40], "asked again when the stale answer came (30), granted a round trip later")
      yield* Deferred.succeed(releaseB, undefined)
      yield* Fiber.join(b)
      yield* Fiber.joinAll(fibers)
    })
  )

  it.effect("a mark that is not a finite number, or later than now, counts as now", () =>
    Effect.gen(function* () {
      for (const mark of [Number.NaN, Number.POSITIVE_INFINITY, 60_000]) {
        const limiter = yield* OkxRateLimiter.make({ limit: 1, window: "1 second" })
        yield* TestClock.adjust("1 second")
        yield* limiter.reserve()((permit) => Effect.sync(() => permit.sent(mark)))
        assert.isFalse(yield* limiter.tryTake(), `${mark}: the request was written, the lane is full`)
        yield* TestClock.adjust("1 second")
        assert.isTrue(yield* limiter.tryTake(), `${mark}: counted now, one window ago`)
      }
    })
  )

  it.effect("tryReserve uses a permit only when one may start now and nobody is queued", () =>
    Effect.gen(function* () {
      const limiter = yield* OkxRateLimiter.make({ limit: 2, window: "1 second" })
      const sent = (permit: OkxRateLimiter.Permit) => Effect.sync(() => permit.sent())
      assert.deepStrictEqual(yield* limiter.tryReserve()(() => Effect.succeed("a")), Option.some("a"))
      assert.deepStrictEqual(yield* limiter.tryReserve()(sent), Option.some(undefined))
      assert.deepStrictEqual(yield* limiter.tryReserve()(sent), Option.none(), "a, given back, and the sent one")
      yield* TestClock.adjust("1 second")
      const { fibers } = yield* startTimes(limiter, [2, 1])
      yield* Effect.yieldNow()
      assert.deepStrictEqual(yield* limiter.tryReserve()(sent), Option.none(), "a waiter is queued")
      assert.strictEqual((yield* Effect.flip(limiter.tryReserve(3)(sent)))._tag, "RateLimitExceeded")
      assert.strictEqual((yield* limiter.stats).queued, 1)
      yield* Fiber.interrupt(fibers[1])
    })
  )

  it.effect("asking for more than the limit fails at once", () =>
    Effect.gen(function* () {
      const limiter = yield* OkxRateLimiter.make({ limit: 2, window: "1 second", key: "lane-a" })
      const error = yield* Effect.flip(limiter.take(3))
      assert.strictEqual(error._tag, "RateLimitExceeded")
      assert.strictEqual(error.key, "lane-a")
      assert.strictEqual(error.cost, 3)
      assert.strictEqual(error.limit, 2)
      assert.include(error.message, "can never start")
      const stats = yield* limiter.stats
      assert.strictEqual(stats.queued, 0)
      yield* limiter.take(2)
    })
  )

  it.effect("invalid options and costs are defects", () =>
    Effect.gen(function* () {
      const limitExit = yield* Effect.exit(OkxRateLimiter.make({ limit: 0, window: "1 second" }))
      assert.isTrue(Exit.isFailure(limitExit) && Cause.isDie(limitExit.cause))
      const windowExit = yield* Effect.exit(OkxRateLimiter.make({ limit: 1, window: 0 }))
      assert.isTrue(Exit.isFailure(windowExit) && Cause.isDie(windowExit.cause))
      // Duration.decode reads each of these as zero: a negative margin is rejected, never taken as none
      const margins: ReadonlyArray<unknown> = [-1, "-50 millis", [-1, 0], Number.NaN, Number.POSITIVE_INFINITY, "soon"]
      for (const margin of margins) {
        const options = { limit: 1, window: "1 second", margin } as OkxRateLimiter.Options
        const marginExit = yield* Effect.exit(OkxRateLimiter.make(options))
        assert.isTrue(Exit.isFailure(marginExit) && Cause.isDie(marginExit.cause), String(margin))
        if (Exit.isFailure(marginExit))
          assert.include(String(Cause.squash(marginExit.cause)), "margin must be", String(margin))
      }
      // a limit the store could not keep the starts of
      const hugeExit = yield* Effect.exit(OkxRateLimiter.make({ limit: Number.MAX_SAFE_INTEGER, window: "1 second" }))
      assert.isTrue(Exit.isFailure(hugeExit) && String(Cause.squash(hugeExit.cause)).includes("limit must be"))
      const limiter = yield* OkxRateLimiter.make({ limit: 1, window: "1 second" })
      const costExit = yield* Effect.exit(limiter.take(0.5))
      assert.isTrue(Exit.isFailure(costExit) && Cause.isDie(costExit.cause))
    })
  )

  it.effect("FIFO: a later small permit never overtakes an earlier large one", () =>
    Effect.gen(function* () {
      const limiter = yield* OkxRateLimiter.make({ limit: 3, window: "1 second" })
      yield* limiter.take(2)
      const order: Array<string> = []
      const big = yield* Effect.fork(limiter.take(3).pipe(Effect.zipRight(Effect.sync(() => order.push("big")))))
      const small = yield* Effect.fork(limiter.take(1).pipe(Effect.zipRight(Effect.sync(() => order.push("small")))))
      yield* TestClock.adjust("999 millis")
      assert.deepStrictEqual(order, [])
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(big)
      assert.deepStrictEqual(order, ["big"])
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(small)
      assert.deepStrictEqual(order, ["big", "small"])
    })
  )

  it.effect("an interrupted waiter gives up its place and consumes nothing", () =>
    Effect.gen(function* () {
      const limiter = yield* OkxRateLimiter.make({ limit: 1, window: "1 second" })
      yield* limiter.take()
      const head = yield* Effect.fork(limiter.take())
      const second = yield* Effect.fork(limiter.take())
      yield* TestClock.adjust("500 millis")
      yield* Fiber.interrupt(head)
      assert.strictEqual((yield* limiter.stats).queued, 1)
      yield* TestClock.adjust("500 millis")
      yield* Fiber.join(second)
      const { fibers, starts } = yield* startTimes(limiter, [1])
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(starts, [2000])
      const stats = yield* limiter.stats
      assert.strictEqual(stats.requestsGranted, 3)
      assert.strictEqual(stats.queued, 0)
    })
  )

  it.effect("an interrupted waiter in the middle of the queue leaves the order of the others intact", () =>
    Effect.gen(function* () {
      const limiter = yield* OkxRateLimiter.make({ limit: 1, window: "100 millis" })
      const order: Array<number> = []
      const fibers = []
      for (let i = 0; i < 5; i++) {
        fibers.push(yield* Effect.fork(limiter.take().pipe(Effect.zipRight(Effect.sync(() => order.push(i))))))
      }
      yield* Fiber.interrupt(fibers[2])
      yield* Fiber.interrupt(fibers[4])
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(order, [0, 1, 3])
      assert.strictEqual(yield* Clock.currentTimeMillis, 1000)
      assert.strictEqual((yield* limiter.stats).permitsGranted, 3)
    })
  )

  it.effect("withPermit, as a method and as a dual", () =>
    Effect.gen(function* () {
      const limiter = yield* OkxRateLimiter.make({ limit: 1, window: "1 second" })
      const a = yield* limiter.withPermit()(Effect.succeed("a"))
      const b = yield* Effect.fork(OkxRateLimiter.withPermit(Effect.flatMap(now, Effect.succeed), limiter))
      const c = yield* Effect.fork(Effect.flatMap(now, Effect.succeed).pipe(OkxRateLimiter.withPermit(limiter, 1)))
      yield* TestClock.adjust("5 seconds")
      assert.strictEqual(a, "a")
      assert.strictEqual(yield* Fiber.join(b), 1000)
      assert.strictEqual(yield* Fiber.join(c), 2000)
      const failed = yield* Effect.flip(OkxRateLimiter.withPermit(Effect.void, limiter, 2))
      assert.strictEqual(failed._tag, "RateLimitExceeded")
    })
  )

  it.effect("pauseUntil holds every start of the lane until the instant, then the window rule resumes", () =>
    Effect.gen(function* () {
      const limiter = yield* OkxRateLimiter.make({ limit: 2, window: "1 second" })
      yield* limiter.take()
      yield* limiter.pauseUntil(3000)
      const { fibers, starts } = yield* startTimes(limiter, [1, 1, 1])
      yield* TestClock.adjust("2999 millis")
      assert.deepStrictEqual(starts, [])
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(starts, [3000, 3000, 4000])
      yield* limiter.pauseUntil(1000)
      yield* limiter.pauseFor("2 seconds")
      const later = yield* startTimes(limiter, [1])
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.joinAll(later.fibers)
      assert.deepStrictEqual(later.starts, [12999 + 2000])
    })
  )

  it.effect("a pause set while the head sleeps is honoured when it wakes", () =>
    Effect.gen(function* () {
      const limiter = yield* OkxRateLimiter.make({ limit: 1, window: "1 second" })
      yield* limiter.take()
      const { fibers, starts } = yield* startTimes(limiter, [1])
      yield* TestClock.adjust("100 millis")
      yield* limiter.pauseFor("5 seconds")
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(starts, [5100])
    })
  )

  it.effect("limiters with the same key and store share one budget", () =>
    Effect.gen(function* () {
      const store = RateLimitStore.makeMemory()
      const a = yield* OkxRateLimiter.make({ limit: 2, window: "1 second", key: "uid", store })
      const b = yield* OkxRateLimiter.make({ limit: 2, window: "1 second", key: "uid", store })
      yield* a.take()
      yield* b.take()
      const { fibers, starts } = yield* startTimes(a, [1])
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(starts, [1000])
    })
  )

  it.effect("limiters with different limits on one key and store each decide by their own limit over all starts", () =>
    Effect.gen(function* () {
      const store = RateLimitStore.makeMemory()
      const two = yield* OkxRateLimiter.make({ limit: 2, window: "1 second", key: "uid", store })
      const three = yield* OkxRateLimiter.make({ limit: 3, window: "1 second", key: "uid", store })
      const granted: Array<boolean> = []
      for (let i = 0; i < 8; i++) granted.push(yield* (i % 2 === 0 ? two : three).tryTake())
      // two, three, then only three's third slot: 3 starts at 0, never a fresh budget
      assert.deepStrictEqual(granted, [true, true, false, true, false, false, false, false])
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual([yield* two.tryTake(), yield* two.tryTake(), yield* two.tryTake()], [true, true, false])
    })
  )

  it.effect("a larger limit on a key a smaller one used first counts the starts the smaller log dropped", () =>
    Effect.gen(function* () {
      const store = RateLimitStore.makeMemory()
      const small = yield* OkxRateLimiter.make({ limit: 1, window: "1 second", key: "k", store })
      const big = yield* OkxRateLimiter.make({ limit: 3, window: "10 seconds", key: "k", store })
      // three starts in 2 s, of which the small log keeps the last
      for (let i = 0; i < 3; i++) {
        assert.isTrue(yield* small.tryTake())
        yield* TestClock.adjust("1 second")
      }
      assert.isFalse(yield* big.tryTake(), "a 4th start in 10 s on a limit of 3 per 10 s")
      // counted at 2 s, the latest they can have been: free again at 12 s
      yield* TestClock.adjust("8999 millis")
      assert.isFalse(yield* big.tryTake())
      yield* TestClock.adjust("1 millis")
      assert.isTrue(yield* big.tryTake())
    })
  )

  it.effect("holds of another limiter on the key, given back, are noticed within a window", () =>
    Effect.gen(function* () {
      const store = RateLimitStore.makeMemory()
      const a = yield* OkxRateLimiter.make({ limit: 2, window: "1 second", key: "k", store })
      const b = yield* OkxRateLimiter.make({ limit: 2, window: "1 second", key: "k", store })
      const releaseA = yield* Deferred.make<void>()
      const releaseB = yield* Deferred.make<void>()
      // both slots held, one by each; a's head waits on a lane full of holds
      const heldA = yield* Effect.fork(a.reserve()(() => Deferred.await(releaseA)))
      const heldB = yield* Effect.fork(b.reserve()(() => Deferred.await(releaseB)))
      yield* Effect.yieldNow()
      const { fibers, starts } = yield* startTimes(a, [1])
      yield* Effect.yieldNow()
      // b's hold is given back: only a's own settlements wake a's head, so it looks again after a window
      yield* Deferred.succeed(releaseB, undefined)
      yield* Fiber.join(heldB)
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(starts, [1000])
      yield* Deferred.succeed(releaseA, undefined)
      yield* Fiber.join(heldA)
      yield* Fiber.joinAll(fibers)
    })
  )

  it.effect("stats and metrics: permits granted, wait time, queue length", () =>
    Effect.gen(function* () {
      const limiter = yield* OkxRateLimiter.make({ limit: 2, window: "1 second", key: "metrics-lane" })
      const { fibers } = yield* startTimes(limiter, [1, 2, 1, 1])
      yield* Effect.yieldNow()
      const queuedStats = yield* limiter.stats
      assert.strictEqual(queuedStats.queued, 3)
      assert.strictEqual(
        (yield* Metric.value(Metric.tagged(OkxRateLimiter.metrics.queueLength, "lane", "metrics-lane"))).value,
        3
      )
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.joinAll(fibers)
      const stats = yield* limiter.stats
      assert.deepStrictEqual(stats, {
        key: "metrics-lane",
        limit: 2,
        windowMillis: 1000,
        queued: 0,
        requestsGranted: 4,
        permitsGranted: 5,
        waitMillisTotal: 1000 + 2000 + 2000,
        waitMillisMax: 2000
      })
      const granted = yield* Metric.value(Metric.tagged(OkxRateLimiter.metrics.permitsGranted, "lane", "metrics-lane"))
      assert.strictEqual(granted.count, 5)
      const waits = yield* Metric.value(Metric.tagged(OkxRateLimiter.metrics.waitMillis, "lane", "metrics-lane"))
      assert.strictEqual(waits.count, 4)
      assert.strictEqual(waits.max, 2000)
    })
  )
})

describe("OkxRateLimiter.Lanes", () => {
  it.effect("OKX's table, overrides, fallback and query strings", () =>
    Effect.gen(function* () {
      const lanes = yield* OkxRateLimiter.Lanes
      const quote = lanes.rule("/api/v5/rfq/cancel-quote")
      assert.strictEqual(quote.limit, 50)
      assert.strictEqual(quote.margin, OkxRateLimiter.defaultMargin)
      assert.deepStrictEqual(lanes.rule("/api/v5/rfq/cancel-all-after"), {
        limit: 1,
        window: "1 second",
        margin: Duration.millis(50)
      })
      assert.deepStrictEqual(lanes.rule("/api/v5/rfq/cancel-rfq"), { limit: 9, window: "3 seconds", margin: 0 })
      assert.deepStrictEqual(lanes.rule("/api/v5/unknown"), {
        limit: 2,
        window: "2 seconds",
        margin: Duration.millis(50)
      })
      assert.strictEqual(lanes.rule("/api/v5/rfq/quotes?state=active").limit, 2)
      assert.strictEqual(lanes.rule("/api/v5/public/time").limit, 10)
      const limiter = yield* lanes.lane({ user: "u 1", endpoint: "/api/v5/rfq/cancel-quote" })
      assert.strictEqual(limiter.key, "okx-rfq:u%201/api/v5/rfq/cancel-quote")
      assert.strictEqual(limiter.windowMillis, 2050)
      assert.strictEqual(yield* OkxRateLimiter.lane({ user: "u 1", endpoint: "/api/v5/rfq/cancel-quote" }), limiter)
      assert.notStrictEqual(yield* lanes.lane({ user: "u 2", endpoint: "/api/v5/rfq/cancel-quote" }), limiter)
      assert.strictEqual((yield* lanes.lanes).length, 2)
    }).pipe(
      Effect.provide(
        OkxRateLimiter.layer({ limits: { "/api/v5/rfq/cancel-rfq": { limit: 9, window: "3 seconds", margin: 0 } } })
      )
    )
  )

  it.effect("a rule given as undefined (a JavaScript caller's) is no rule: the table's applies", () =>
    Effect.gen(function* () {
      const options = { limits: { "/api/v5/rfq/cancel-quote": undefined } } as unknown as OkxRateLimiter.LanesOptions
      assert.isUndefined(OkxRateLimiter.lanesProblem(options))
      const lanes = yield* OkxRateLimiter.makeLanes(options).pipe(Effect.provide(RateLimitStore.layerMemory))
      assert.strictEqual(lanes.rule("/api/v5/rfq/cancel-quote").limit, 50)
      const limiter = yield* lanes.lane({ user: "u", endpoint: "/api/v5/rfq/cancel-quote" })
      assert.strictEqual(limiter.limit, 50)
    })
  )

  it.effect("the lanes' margin is one duration for every window; a rule's own margin wins", () =>
    Effect.gen(function* () {
      const quote = yield* OkxRateLimiter.lane({ user: "u", endpoint: "/api/v5/rfq/cancel-quote" })
      const heartbeat = yield* OkxRateLimiter.lane({ user: "u", endpoint: "/api/v5/rfq/cancel-all-after" })
      const rfq = yield* OkxRateLimiter.lane({ user: "u", endpoint: "/api/v5/rfq/cancel-rfq" })
      assert.deepStrictEqual([quote.windowMillis, heartbeat.windowMillis, rfq.windowMillis], [2100, 1100, 2000])
      const defaults = yield* OkxRateLimiter.makeLanes().pipe(Effect.provide(RateLimitStore.layerMemory))
      const lanes = yield* Effect.forEach(["/api/v5/rfq/cancel-quote", "/api/v5/rfq/cancel-all-after"], (endpoint) =>
        defaults.lane({ user: "u", endpoint })
      )
      assert.deepStrictEqual(
        lanes.map((lane) => lane.windowMillis),
        [2050, 1050]
      )
      // bad options die when the lanes are made, not at a first request
      const bad = yield* Effect.exit(
        OkxRateLimiter.makeLanes({ margin: "-100 millis" }).pipe(Effect.provide(RateLimitStore.layerMemory))
      )
      assert.isTrue(Exit.isFailure(bad) && Cause.isDie(bad.cause))
      if (Exit.isFailure(bad)) assert.include(String(Cause.squash(bad.cause)), "margin must be")
      assert.deepStrictEqual(
        OkxRateLimiter.lanesProblem({ limits: { "/api/v5/rfq/cancel-rfq": { limit: 2, window: "-2 seconds" } } }),
        {
          field: 'limits["/api/v5/rfq/cancel-rfq"].window',
          message: "must be a positive finite duration, got -2 seconds"
        }
      )
      assert.strictEqual(OkxRateLimiter.lanesProblem({ fallback: { limit: 1.5, window: 10 } })?.field, "fallback.limit")
      assert.isUndefined(OkxRateLimiter.lanesProblem({ margin: 0, fallback: { limit: 1, window: 10 } }))
    }).pipe(
      Effect.provide(
        OkxRateLimiter.layer({
          margin: "100 millis",
          limits: { "/api/v5/rfq/cancel-rfq": { limit: 5, window: "2 seconds", margin: 0 } }
        })
      )
    )
  )

  it.effect("lanes are independent: 10,000 queued cancel-quotes never delay a cancel-all-after", () =>
    Effect.gen(function* () {
      const user = "uid-1"
      const quotes = yield* OkxRateLimiter.lane({ user, endpoint: "/api/v5/rfq/cancel-quote" })
      const heartbeat = yield* OkxRateLimiter.lane({ user, endpoint: "/api/v5/rfq/cancel-all-after" })
      const fibers = yield* Effect.forEach(Array.from({ length: 10_050 }), () => Effect.fork(quotes.take()))
      yield* Effect.yieldNow()
      assert.strictEqual((yield* quotes.stats).queued, 10_000)
      yield* heartbeat.take()
      assert.strictEqual(yield* now, 0)
      const next = yield* Effect.fork(heartbeat.take().pipe(Effect.zipRight(now)))
      yield* TestClock.adjust("1050 millis")
      assert.strictEqual(yield* Fiber.join(next), 1050)
      assert.strictEqual((yield* quotes.stats).queued, 10_000)
      yield* Effect.forEach(fibers, Fiber.interrupt, { discard: true })
      assert.strictEqual((yield* quotes.stats).queued, 0)
      const poll = yield* Fiber.poll(fibers[0])
      assert.isTrue(Option.isSome(poll) && Exit.isSuccess(poll.value))
    }).pipe(Effect.provide(OkxRateLimiter.layerMemory))
  )

  it.effect("a shared store behind layerWithoutStore: two Lanes instances share one budget", () =>
    Effect.gen(function* () {
      const store = RateLimitStore.makeMemory()
      const provideStore = Effect.provideService(RateLimitStore.RateLimitStore, store)
      const processA = yield* OkxRateLimiter.makeLanes().pipe(provideStore)
      const processB = yield* OkxRateLimiter.makeLanes().pipe(provideStore)
      const key = { user: "uid-1", endpoint: "/api/v5/rfq/cancel-all-after" }
      yield* Effect.flatMap(processA.lane(key), (limiter) => limiter.take())
      const b = yield* Effect.fork(
        Effect.flatMap(processB.lane(key), (limiter) => limiter.take()).pipe(Effect.zipRight(now))
      )
      yield* TestClock.adjust("5 seconds")
      assert.strictEqual(yield* Fiber.join(b), 1050)
    })
  )
})
