import { assert, describe, it } from "@effect/vitest"
import { Clock, Duration, Effect, TestClock } from "effect"
import { OkxSimulator } from "@okx-rfq/simulator"
import { accounts, call, other } from "./utils/okx.js"

const states = (sim: OkxSimulator.Service) => Effect.map(sim.state, (s) => s.quotes.map((q) => q.state).join(","))

/** Lets forked fibers run: TestClock.adjust(0) runs due sleepers, yieldNow lets them finish. */
const settle = Effect.gen(function* () {
  for (let i = 0; i < 5; i++) {
    yield* TestClock.adjust(0)
    yield* Effect.yieldNow()
  }
})

/** Arms a 10 s countdown, lets it lapse, and moves the clock `steps` times by `step` while the venue cancels. */
const lapseAndRun = (sim: OkxSimulator.Service, steps: number, step: Duration.DurationInput) =>
  Effect.gen(function* () {
    yield* call(sim, "/api/v5/rfq/cancel-all-after", { body: { timeOut: "10" } })
    yield* TestClock.adjust("10 seconds")
    for (let i = 0; i < steps; i++) {
      yield* settle
      yield* TestClock.adjust(step)
    }
    yield* settle
  })

describe("expiry", () => {
  it.scoped(
    "a quote or RFQ expires at validUntil: GET shows it expired, a cancel is 70400 / 70200, the countdown skips it",
    () =>
      Effect.gen(function* () {
        const sim = yield* OkxSimulator.make({ accounts, countdownPaceMs: 10 })
        const [short] = yield* sim.createQuotes({ count: 1, validForMs: 5_000 })
        const [long] = yield* sim.createQuotes({ quotes: [{ quoteId: "q-long" }] })
        const [rfq] = yield* sim.createRfqs({ rfqs: [{ rfqId: "r-short", validForMs: 5_000 }] })
        assert.strictEqual(short!.validUntil, "5000")
        assert.strictEqual(long!.validUntil, String(OkxSimulator.defaultValidForMs))
        yield* TestClock.adjust("4999 millis")
        assert.strictEqual(yield* states(sim), "active,active")
        yield* TestClock.adjust("1 millis")
        const listed = yield* call(sim, `/api/v5/rfq/quotes?quoteId=${short!.quoteId}`)
        assert.deepStrictEqual(
          [listed.json.data[0]!.state, listed.json.data[0]!.uTime, listed.json.data[0]!.validUntil],
          ["expired", "5000", "5000"]
        )
        const cancel = yield* call(sim, "/api/v5/rfq/cancel-quote", { body: { quoteId: short!.quoteId } })
        assert.strictEqual(cancel.json.data[0]!.sCode, "70400")
        const cancelRfq = yield* call(sim, "/api/v5/rfq/cancel-rfq", { body: { rfqId: rfq!.rfqId } })
        assert.strictEqual(cancelRfq.json.data[0]!.sCode, "70200")
        // the countdown's lapse cancels only what is still active
        yield* call(sim, "/api/v5/rfq/cancel-all-after", { body: { timeOut: "10" } })
        yield* TestClock.adjust("10 seconds")
        yield* settle
        assert.strictEqual(yield* states(sim), "expired,canceled")
      })
  )
})

describe("expiry and the countdown", () => {
  it.scoped("a quote that expired before the lapse takes no place in its run", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({ accounts, countdownPaceMs: 100 })
      yield* sim.createQuotes({ count: 1, validForMs: 5_000 })
      yield* sim.createQuotes({ count: 1 })
      yield* call(sim, "/api/v5/rfq/cancel-all-after", { body: { timeOut: "10" } })
      // no request between the expiry (5 s) and the lapse (10 s)
      yield* TestClock.adjust("10 seconds")
      yield* settle
      const quotes = (yield* sim.state).quotes
      assert.deepStrictEqual(
        quotes.map((q) => [q.state, q.uTime]),
        [
          ["expired", "5000"],
          ["canceled", "10000"]
        ]
      )
    })
  )
})

describe("the cancel-all-after countdown", () => {
  it.scoped("lapses on the Effect Clock and cancels the user's active quotes one by one at the pace", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({ accounts, countdownPaceMs: 200 })
      yield* sim.createQuotes({ count: 3 })
      yield* sim.createQuotes({ count: 1, userId: other.userId })
      const armed = yield* call(sim, "/api/v5/rfq/cancel-all-after", { body: { timeOut: "10" } })
      assert.strictEqual(armed.json.data[0]!.triggerTime, "10000")
      yield* TestClock.adjust("9999 millis")
      yield* settle
      assert.strictEqual(yield* states(sim), "active,active,active,active")
      yield* TestClock.adjust("1 millis")
      yield* settle
      assert.strictEqual(yield* states(sim), "canceled,active,active,active")
      assert.deepStrictEqual((yield* sim.state).cancelAllAfter, { triggerTime: "0" })
      yield* TestClock.adjust("199 millis")
      yield* settle
      assert.strictEqual(yield* states(sim), "canceled,active,active,active")
      yield* TestClock.adjust("1 millis")
      yield* settle
      assert.strictEqual(yield* states(sim), "canceled,canceled,active,active")
      yield* TestClock.adjust("200 millis")
      yield* settle
      assert.strictEqual(yield* states(sim), "canceled,canceled,canceled,active")
      const uTimes = (yield* sim.state).quotes.map((q) => q.uTime)
      assert.deepStrictEqual(uTimes.slice(0, 3), ["10000", "10200", "10400"])
    })
  )

  it.scoped("a long run ends within countdownSpanMs: 61 quotes at the default pace take 3 s, not 6", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({ accounts })
      yield* sim.createQuotes({ count: 61 })
      yield* lapseAndRun(sim, 60, "50 millis")
      const uTimes = (yield* sim.state).quotes.map((q) => q.uTime)
      assert.deepStrictEqual(
        [uTimes[0], uTimes[1], uTimes[60]],
        ["10000", "10050", String(10_000 + OkxSimulator.countdownSpanMs)]
      )
      assert.notInclude(yield* states(sim), "active")
    })
  )

  it.scoped("a pace shorter than a timer can sleep still ends the run within countdownSpanMs", () =>
    Effect.gen(function* () {
      // the TestClock, with every sleep at least 10 ms long (a busy event loop's timers); 600 quotes in 3 s are 5 ms apart
      const testClock = yield* Effect.clock
      const coarse: Clock.Clock = {
        [Clock.ClockTypeId]: Clock.ClockTypeId,
        unsafeCurrentTimeMillis: () => testClock.unsafeCurrentTimeMillis(),
        currentTimeMillis: testClock.currentTimeMillis,
        unsafeCurrentTimeNanos: () => testClock.unsafeCurrentTimeNanos(),
        currentTimeNanos: testClock.currentTimeNanos,
        sleep: (duration) => testClock.sleep(Duration.max(duration, Duration.millis(10)))
      }
      const sim = yield* OkxSimulator.make({ accounts }).pipe(Effect.withClock(coarse))
      yield* sim.createQuotes({ count: 600 })
      yield* lapseAndRun(sim, 30, "100 millis")
      const uTimes = (yield* sim.state).quotes.map((q) => Number(q.uTime))
      assert.notInclude(yield* states(sim), "active")
      assert.isAtMost(Math.max(...uTimes), 10_000 + OkxSimulator.countdownSpanMs)
    })
  )

  it.scoped("countdownUnit seconds: triggerTime and ts answer in seconds; the countdown still runs in ms", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({
        accounts,
        faults: { clockOffsetMs: 1_700_000_000_700, countdownUnit: "seconds" }
      })
      yield* sim.createQuotes({ count: 1 })
      const path = "/api/v5/rfq/cancel-all-after"
      const armed = yield* call(sim, path, { body: { timeOut: "10" } })
      assert.deepStrictEqual(armed.json.data, [{ triggerTime: "1700000010", ts: "1700000000" }])
      assert.deepStrictEqual((yield* sim.state).cancelAllAfter, { triggerTime: "1700000010700" })
      yield* TestClock.adjust("1 second")
      const off = yield* call(sim, path, { body: { timeOut: "0" } })
      assert.deepStrictEqual(off.json.data, [{ triggerTime: "0", ts: "1700000001" }])
      yield* TestClock.adjust("1 second")
      yield* call(sim, path, { body: { timeOut: "10" } })
      yield* TestClock.adjust("9999 millis")
      yield* settle
      assert.strictEqual(yield* states(sim), "active")
      yield* TestClock.adjust("1 millis")
      yield* settle
      assert.strictEqual(yield* states(sim), "canceled")
    })
  )

  it.scoped("re-arming pushes the deadline; disabling stops it", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({ accounts })
      yield* sim.createQuotes({ count: 2 })
      const path = "/api/v5/rfq/cancel-all-after"
      yield* call(sim, path, { body: { timeOut: "10" } })
      for (let i = 0; i < 5; i++) {
        yield* TestClock.adjust("8 seconds")
        yield* settle
        const rearmed = yield* call(sim, path, { body: { timeOut: "10" } })
        assert.strictEqual(rearmed.json.code, "0")
      }
      assert.strictEqual(yield* states(sim), "active,active")
      yield* call(sim, path, { body: { timeOut: "0" } }).pipe(Effect.delay("2 seconds"), Effect.fork)
      yield* TestClock.adjust("2 seconds")
      yield* settle
      yield* TestClock.adjust("1 minute")
      yield* settle
      assert.strictEqual(yield* states(sim), "active,active")
      assert.deepStrictEqual((yield* sim.state).cancelAllAfter, { triggerTime: "0" })
    })
  )

  it.scoped("the countdown runs to a venue time: moving the venue clock (clockOffsetMs) moves it", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({ accounts, countdownPaceMs: 10 })
      yield* sim.createQuotes({ count: 2 })
      const armed = yield* call(sim, "/api/v5/rfq/cancel-all-after", { body: { timeOut: "60" } })
      assert.strictEqual(armed.json.data[0]!.triggerTime, "60000")
      // 30 s back: at the Effect Clock's 60 s the venue clock reads 30 s, so nothing lapses yet
      yield* sim.setFaults({ clockOffsetMs: -30_000 })
      yield* TestClock.adjust("60 seconds")
      yield* settle
      assert.strictEqual(yield* states(sim), "active,active")
      // then 100 s ahead: the venue clock (160 s) is past triggerTime, so it lapses at once
      yield* sim.setFaults({ clockOffsetMs: 100_000 })
      yield* settle
      yield* TestClock.adjust("10 millis")
      yield* settle
      assert.strictEqual(yield* states(sim), "canceled,canceled")
      assert.deepStrictEqual((yield* sim.state).cancelAllAfter, { triggerTime: "0" })
    })
  )

  it.scoped("once lapsed, re-arming does not stop the cancellations already under way", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({ accounts, countdownPaceMs: 1000 })
      yield* sim.createQuotes({ count: 3 })
      yield* call(sim, "/api/v5/rfq/cancel-all-after", { body: { timeOut: "10" } })
      yield* TestClock.adjust("10 seconds")
      yield* settle
      yield* call(sim, "/api/v5/rfq/cancel-all-after", { body: { timeOut: "60" } })
      yield* TestClock.adjust("2 seconds")
      yield* settle
      assert.strictEqual(yield* states(sim), "canceled,canceled,canceled")
    })
  )

  it.effect("works through the Layer under the TestClock", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.OkxSimulator
      assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+$/)
      assert.strictEqual(sim.url, `http://127.0.0.1:${sim.port}`)
      yield* call(sim, "/api/v5/rfq/cancel-all-after", { body: { timeOut: "120" } })
      yield* TestClock.adjust("120 seconds")
      yield* settle
      yield* TestClock.adjust("400 millis")
      yield* settle
      assert.strictEqual(yield* states(sim), "canceled,canceled,canceled,canceled,canceled")
    }).pipe(Effect.provide(OkxSimulator.layer({ accounts, seedQuotes: 5, countdownPaceMs: 100 })))
  )
})

describe("the Layer's scope", () => {
  it.live("stops the server when the scope closes", () =>
    Effect.gen(function* () {
      const url = yield* Effect.scoped(Effect.map(OkxSimulator.make({ accounts }), (sim) => sim.url))
      const result = yield* Effect.promise(() =>
        fetch(`${url}/api/v5/public/time`).then(
          () => "answered",
          () => "refused"
        )
      )
      assert.strictEqual(result, "refused")
    })
  )

  it.live("closes kept-alive connections when it stops", () =>
    Effect.gen(function* () {
      const started = Date.now()
      yield* Effect.scoped(
        Effect.gen(function* () {
          const sim = yield* OkxSimulator.make({ accounts })
          const res = yield* Effect.promise(() =>
            fetch(`${sim.url}/api/v5/public/time`).then((r) => r.json() as Promise<{ code: string }>)
          )
          assert.strictEqual(res.code, "0")
        })
      )
      assert.isBelow(Date.now() - started, 2000)
    })
  )
})
