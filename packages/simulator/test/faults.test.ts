import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Random, TestClock } from "effect"
import { OkxSimulator } from "@okx-rfq/simulator"
import { sampleLatency } from "../src/internal/server.js"
import { accounts, call, control, iso } from "./utils/okx.js"

const noLimits = { "/api/v5/rfq/cancel-quote": { requests: 10_000, windowMs: 2000 } }

const cancelQuote = (sim: OkxSimulator.Service, quoteId = "3000000001") =>
  call(sim, "/api/v5/rfq/cancel-quote", { body: { quoteId } })

const quoteStates = (sim: OkxSimulator.Service) => Effect.map(sim.state, (s) => s.quotes.map((q) => q.state))

describe("faults per endpoint", () => {
  it.scoped("error: the given code with OKX's HTTP status, the request has no effect, it is logged", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({ accounts, seedQuotes: 1 })
      const set = yield* control(sim, "/sim/faults", {
        endpoints: { "/api/v5/rfq/cancel-quote": { error: { code: "50001", probability: 1 } } }
      })
      assert.strictEqual(set.status, 200)
      const answer = yield* cancelQuote(sim)
      assert.deepStrictEqual([answer.status, answer.json.code, answer.json.data], [503, "50001", []])
      assert.deepStrictEqual(yield* quoteStates(sim), ["active"])
      const other = yield* call(sim, "/api/v5/rfq/cancel-all-quotes", { body: {} })
      assert.strictEqual(other.json.code, "0")
      yield* sim.setFaults({
        endpoints: { "*": { error: { code: "50026", probability: 1, msg: "boom", httpStatus: 502 } } }
      })
      const custom = yield* call(sim, "/api/v5/public/time", { credentials: null })
      assert.deepStrictEqual([custom.status, custom.json.code, custom.json.msg], [502, "50026", "boom"])
      const log = (yield* sim.state).requests
      assert.deepStrictEqual(log[0], {
        at: 0,
        method: "POST",
        path: "/api/v5/rfq/cancel-quote",
        code: "50001",
        httpStatus: 503,
        fault: "error"
      })
      assert.strictEqual(log[1]!.fault, undefined)
    })
  )

  it.scoped("itemError: an active item is refused with the code and stays active; others answer as usual", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({ accounts, seedQuotes: 3 })
      const [q1, q2, q3] = (yield* sim.state).quotes.map((q) => q.quoteId)
      yield* call(sim, "/api/v5/rfq/cancel-quote", { body: { quoteId: q3 } })
      const set = yield* control(sim, "/sim/faults", {
        endpoints: { "/api/v5/rfq/cancel-batch-quotes": { itemError: { code: "70208" } } }
      })
      assert.strictEqual(set.status, 200)
      const batch = yield* call(sim, "/api/v5/rfq/cancel-batch-quotes", { body: { quoteIds: [q1, q3, "999"] } })
      assert.deepStrictEqual(
        [batch.status, batch.json.code, batch.json.data.map((d) => d.sCode)],
        [200, "1", ["70208", "70400", "70001"]]
      )
      assert.notStrictEqual(batch.json.data[0].sMsg, "")
      // the fault is the batch endpoint's: a single cancel still cancels
      const single = yield* call(sim, "/api/v5/rfq/cancel-quote", { body: { quoteId: q2 } })
      assert.strictEqual(single.json.data[0].sCode, "0")
      assert.deepStrictEqual(yield* quoteStates(sim), ["active", "canceled", "canceled"])
      yield* sim.setFaults({
        endpoints: { "/api/v5/rfq/cancel-rfq": { itemError: { code: "70208", probability: 1, msg: "busy" } } }
      })
      const [rfq] = yield* sim.createRfqs({ count: 1 })
      const refused = yield* call(sim, "/api/v5/rfq/cancel-rfq", { body: { rfqId: rfq!.rfqId } })
      assert.deepStrictEqual(
        [refused.json.code, refused.json.data[0].sCode, refused.json.data[0].sMsg],
        ["1", "70208", "busy"]
      )
      yield* sim.setFaults({})
      const again = yield* call(sim, "/api/v5/rfq/cancel-batch-quotes", { body: { quoteIds: [q1] } })
      assert.strictEqual(again.json.data[0].sCode, "0")
      // "0" would report an item cancelled while it stays active
      const zero = yield* control(sim, "/sim/faults", {
        endpoints: { "/api/v5/rfq/cancel-quote": { itemError: { code: "0" } } }
      })
      assert.strictEqual(zero.status, 400)
      // nor may an injected error be "0": a success the venue did not perform
      const success = yield* control<{ error: string }>(sim, "/sim/faults", {
        endpoints: { "/api/v5/rfq/cancel-all-quotes": { error: { code: "0" } } }
      })
      assert.strictEqual(success.status, 400)
      assert.include(success.json.error, 'cannot be "0"')
    })
  )

  it.scoped("error faults come after authentication: a bad signature is still 50113", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({
        accounts,
        faults: { endpoints: { "*": { error: { code: "50001" } } } }
      })
      const answer = yield* call(sim, "/api/v5/rfq/cancel-quote", { body: { quoteId: "1" }, signature: "x" })
      assert.strictEqual(answer.json.code, "50113")
    })
  )

  it.scoped("probabilities draw from the seeded Random: the same seed gives the same sequence", () =>
    Effect.gen(function* () {
      const pattern = (seed: number) =>
        Effect.gen(function* () {
          const sim = yield* OkxSimulator.make({
            accounts,
            seed,
            limits: noLimits,
            faults: { endpoints: { "/api/v5/rfq/cancel-quote": { error: { code: "50013", probability: 0.5 } } } }
          })
          const codes: Array<string> = []
          for (let i = 0; i < 40; i++) codes.push((yield* cancelQuote(sim)).json.code)
          yield* sim.reset
          yield* sim.setFaults({
            endpoints: { "/api/v5/rfq/cancel-quote": { error: { code: "50013", probability: 0.5 } } }
          })
          const again: Array<string> = []
          for (let i = 0; i < 40; i++) again.push((yield* cancelQuote(sim)).json.code)
          assert.deepStrictEqual(again, codes)
          return codes.map((c) => (c === "50013" ? "x" : ".")).join("")
        })
      const a = yield* pattern(7)
      const b = yield* pattern(7)
      const c = yield* pattern(8)
      assert.strictEqual(a, b)
      assert.notStrictEqual(a, c)
      const failures = a.split("").filter((x) => x === "x").length
      assert.isAbove(failures, 8)
      assert.isBelow(failures, 32)
    })
  )

  it.scoped("drop: the venue acts but the connection is destroyed without an answer", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({
        accounts,
        seedQuotes: 1,
        faults: { endpoints: { "/api/v5/rfq/cancel-quote": { drop: 1 } } }
      })
      const failed = yield* cancelQuote(sim).pipe(
        Effect.as("answered"),
        Effect.catchAllDefect((defect) => Effect.succeed(`failed: ${String(defect)}`))
      )
      assert.match(failed, /^failed: TypeError: fetch failed/)
      assert.deepStrictEqual(yield* quoteStates(sim), ["canceled"])
      const log = (yield* sim.state).requests
      assert.deepStrictEqual(log[log.length - 1], {
        at: 0,
        method: "POST",
        path: "/api/v5/rfq/cancel-quote",
        code: "",
        httpStatus: 0,
        fault: "drop"
      })
      const time = yield* call(sim, "/api/v5/public/time", { credentials: null })
      assert.strictEqual(time.json.code, "0")
    })
  )

  it.scoped("malformed: HTTP 200 with the real answer cut off, so that it is not JSON", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({
        accounts,
        seedQuotes: 1,
        faults: { endpoints: { "/api/v5/rfq/cancel-quote": { malformed: 1 } } }
      })
      const answer = yield* cancelQuote(sim)
      assert.strictEqual(answer.status, 200)
      assert.strictEqual(answer.json.code, "<invalid json>")
      assert.throws(() => JSON.parse(answer.text))
      assert.strictEqual((yield* sim.state).requests[0]!.fault, "malformed")
      // the answer was processed (the quote is cancelled) and what is left of it is its beginning
      assert.deepStrictEqual(yield* quoteStates(sim), ["canceled"])
      const whole = '{"code":"0","msg":"","data":[{"quoteId":"3000000001","clQuoteId":"simq1","sCode":"0","sMsg":""}]}'
      assert.isTrue(whole.startsWith(answer.text) && answer.text.length >= whole.length / 2, answer.text)
      // a failed cancel is cut off too: nothing in the body reads as a success
      const failed = yield* cancelQuote(sim, "999")
      assert.isTrue(failed.text.startsWith('{"code":"1"'), failed.text)
      assert.throws(() => JSON.parse(failed.text))
    })
  )

  it.scoped("gateway: a proxy's HTTP 502 page, no envelope, after the venue acted", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({
        accounts,
        seedQuotes: 1,
        faults: { endpoints: { "/api/v5/rfq/cancel-quote": { gateway: 1 } } }
      })
      const answer = yield* cancelQuote(sim)
      assert.strictEqual(answer.status, 502)
      assert.include(answer.text, "502 Bad Gateway")
      assert.throws(() => JSON.parse(answer.text))
      const log = (yield* sim.state).requests
      assert.deepStrictEqual([log[0]!.fault, log[0]!.httpStatus, log[0]!.code], ["gateway", 502, ""])
      // the venue processed it: the quote is cancelled
      assert.deepStrictEqual(yield* quoteStates(sim), ["canceled"])
    })
  )

  it.scoped("drift: extra adds unknown fields, missing removes each item's first field; both logged", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({
        accounts,
        seedQuotes: 2,
        faults: { endpoints: { "/api/v5/rfq/cancel-quote": { drift: "extra" } } }
      })
      const extra = yield* cancelQuote(sim)
      assert.deepStrictEqual(JSON.parse(extra.text), {
        code: "0",
        msg: "",
        data: [{ quoteId: "3000000001", clQuoteId: "simq1", sCode: "0", sMsg: "", simDrift: "extra" }],
        simDrift: "extra"
      })
      const set = yield* control(sim, "/sim/faults", {
        endpoints: {
          "/api/v5/rfq/cancel-quote": { drift: "missing" },
          "/api/v5/rfq/cancel-all-after": { drift: "missing" }
        }
      })
      assert.strictEqual(set.status, 200)
      const missing = yield* cancelQuote(sim, "3000000002")
      assert.deepStrictEqual(missing.json.data, [{ clQuoteId: "simq2", sCode: "0", sMsg: "" }])
      const armed = yield* call(sim, "/api/v5/rfq/cancel-all-after", { body: { timeOut: "10" } })
      assert.deepStrictEqual(armed.json.data, [{ ts: "0" }])
      const failed = yield* call(sim, "/api/v5/rfq/cancel-quote", { body: {} })
      assert.deepStrictEqual([failed.json.code, failed.json.data], ["50015", []])
      assert.deepStrictEqual(yield* quoteStates(sim), ["canceled", "canceled"])
      assert.deepStrictEqual(
        (yield* sim.state).requests.map((r) => [r.code, r.fault]),
        [
          ["0", "drift"],
          ["0", "drift"],
          ["0", "drift"],
          ["50015", "drift"]
        ]
      )
      assert.strictEqual((yield* control(sim, "/sim/faults", { endpoints: { "*": { drift: "renamed" } } })).status, 400)
    })
  )

  it.scoped("latency sleeps on the Effect Clock: under the TestClock the answer waits for TestClock.adjust", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({
        accounts,
        seedQuotes: 1,
        faults: { endpoints: { "*": { latencyMs: 300 }, "/api/v5/rfq/cancel-quote": { error: { code: "50004" } } } }
      })
      const fiber = yield* Effect.fork(call(sim, "/api/v5/public/time", { credentials: null }))
      while ((yield* TestClock.sleeps()).length === 0) {
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
      }
      yield* TestClock.adjust("299 millis")
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 50)))
      assert.isTrue((yield* Fiber.poll(fiber))._tag === "None")
      yield* TestClock.adjust("1 millis")
      const answer = yield* Fiber.join(fiber)
      assert.strictEqual(answer.json.data[0]!.ts, "300")
      const merged = yield* Effect.fork(cancelQuote(sim))
      while ((yield* TestClock.sleeps()).length === 0) {
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
      }
      yield* TestClock.adjust("300 millis")
      const failed = yield* Fiber.join(merged)
      assert.deepStrictEqual([failed.status, failed.json.code], [400, "50004"])
    })
  )

  it.live("latency: a uniform range over real time", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({
        accounts,
        faults: { endpoints: { "/api/v5/public/time": { latencyMs: { min: 150, max: 200 } } } }
      })
      const started = Date.now()
      const answer = yield* call(sim, "/api/v5/public/time", { credentials: null })
      const elapsed = Date.now() - started
      assert.strictEqual(answer.json.code, "0")
      assert.isAtLeast(elapsed, 150)
      assert.isBelow(elapsed, 1000)
    }).pipe(Effect.scoped)
  )

  it.effect("latency distributions: uniform within [min, max]; log-normal with the given p50 and p99", () =>
    Effect.gen(function* () {
      const random = Random.make(42)
      const samples = (latency: OkxSimulator.Latency, n: number) =>
        Effect.forEach(Array.from({ length: n }), () => sampleLatency(latency, random.next))
      const fixed = yield* samples(25, 3)
      assert.deepStrictEqual(fixed, [25, 25, 25])
      const uniform = yield* samples({ min: 10, max: 20 }, 1000)
      assert.isTrue(uniform.every((x) => x >= 10 && x <= 20))
      assert.isBelow(Math.abs(uniform.reduce((a, b) => a + b, 0) / uniform.length - 15), 0.5)
      const tail = (yield* samples({ p50: 20, p99: 200 }, 20_000)).sort((a, b) => a - b)
      assert.isBelow(Math.abs(tail[10_000]! - 20) / 20, 0.05)
      assert.isBelow(Math.abs(tail[19_800]! - 200) / 200, 0.15)
    })
  )

  it.scoped("clockOffsetMs shifts the venue clock: public time, ts and the 30 s window", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({ accounts })
      const set = yield* control(sim, "/sim/faults", { clockOffsetMs: 60_000 })
      assert.strictEqual(set.status, 200)
      const time = yield* call(sim, "/api/v5/public/time", { credentials: null })
      assert.strictEqual(time.json.data[0]!.ts, "60000")
      const stale = yield* call(sim, "/api/v5/rfq/quotes", { timestamp: iso(0) })
      assert.deepStrictEqual([stale.status, stale.json.code], [401, "50102"])
      const synced = yield* call(sim, "/api/v5/rfq/quotes", { timestamp: iso(60_000) })
      assert.strictEqual(synced.json.code, "0")
    })
  )

  it.scoped("the fault document is validated and readable back", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({ accounts })
      assert.strictEqual((yield* control(sim, "/sim/faults", { endpoints: { "*": { drop: 2 } } })).status, 400)
      assert.strictEqual((yield* control(sim, "/sim/faults", "{")).status, 400)
      const doc = { clockOffsetMs: -5, endpoints: { "*": { latencyMs: { p50: 1, p99: 2 } } } }
      assert.strictEqual((yield* control(sim, "/sim/faults", doc)).status, 200)
      assert.deepStrictEqual((yield* control(sim, "/sim/faults")).json, doc)
      assert.deepStrictEqual(yield* sim.faults, doc)
      yield* sim.reset
      assert.deepStrictEqual(yield* sim.faults, {})
    })
  )

  it.scoped("in process too, a bad fault document or control input fails naming the field, and changes nothing", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({ accounts })
      const doc = { endpoints: { "/api/v5/rfq/cancel-quote": { latencyMs: 1 } } }
      yield* sim.setFaults(doc)
      const refused: ReadonlyArray<readonly [OkxSimulator.Faults, string]> = [
        [{ endpoints: { "/api/v5/rfq/cancel-all-quotes": { error: { code: "0" } } } }, 'cannot be "0"'],
        [{ endpoints: { "*": { drop: 1.5 } } }, 'faults.endpoints["*"].drop'],
        [{ endpoints: { "*": { error: { code: "50001", probability: 2 } } } }, "probability"],
        [{ endpoints: { "*": { latencyMs: -5 } } }, 'faults.endpoints["*"].latencyMs'],
        // a typo would never fire; nor would a name every object has
        [{ endpoints: { "/api/v5/rfq/cancel-qoute": { drop: 1 } } }, '"/api/v5/rfq/cancel-qoute"'],
        [{ endpoints: { toString: { drop: 1 } } }, '"toString"']
      ]
      for (const [faults, field] of refused) {
        const error = yield* Effect.flip(sim.setFaults(faults))
        assert.strictEqual(error._tag, "SimulatorError")
        assert.include(error.message, field)
        assert.deepStrictEqual(yield* sim.faults, doc)
        // the control API says the same, in a few words
        const answer = yield* control<{ error: string }>(sim, "/sim/faults", faults)
        assert.deepStrictEqual([answer.status, answer.json.error], [400, error.message])
        assert.isBelow(answer.json.error.length, 600)
      }
      // an injected error's default text has its placeholders left empty, without a double space
      yield* sim.setFaults({ endpoints: { "/api/v5/rfq/cancel-quote": { error: { code: "51000" } } } })
      const injected = yield* call(sim, "/api/v5/rfq/cancel-quote", { body: { quoteId: "1" } })
      assert.deepStrictEqual([injected.json.code, injected.json.msg], ["51000", "Parameter error"])
      yield* sim.setFaults(doc)
      const quotes = yield* Effect.flip(sim.createQuotes({ count: -1 }))
      assert.include(quotes.message, "quotes")
      const rfqs = yield* Effect.flip(sim.createRfqs({ rfqs: [{ state: "bogus" as OkxSimulator.RfqState }] }))
      assert.include(rfqs.message, "rfqs.rfqs[0].state")
      assert.deepStrictEqual((yield* sim.state).quotes.length + (yield* sim.state).rfqs.length, 0)
      // and faults given when the venue is made
      const made = yield* Effect.exit(OkxSimulator.make({ accounts, faults: { endpoints: { "*": { drop: 2 } } } }))
      assert.isTrue(Exit.isFailure(made) && Cause.isDie(made.cause))
      // seedQuotes: a whole number, without the control API's bound on a count (100,000)
      for (const seedQuotes of [2.5, -1, Number.POSITIVE_INFINITY, 2 ** 32]) {
        const refused = yield* Effect.exit(OkxSimulator.make({ accounts, seedQuotes }))
        assert.isTrue(Exit.isFailure(refused) && Cause.pretty(refused.cause).includes("seedQuotes"), String(seedQuotes))
      }
    })
  )

  it.scoped("faults apply to existing endpoints only: an unknown path is answered 404 even under drop '*'", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({ accounts, faults: { endpoints: { "*": { drop: 1 } } } })
      const answer = yield* call(sim, "/api/v5/rfq/unknown", { credentials: null })
      assert.deepStrictEqual([answer.status, answer.json.code], [404, "404"])
      assert.deepStrictEqual(
        (yield* sim.state).requests.map((r) => [r.path, r.code, r.httpStatus]),
        [["/api/v5/rfq/unknown", "404", 404]]
      )
    })
  )
})
