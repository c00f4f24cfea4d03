import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import {
  assertWithinLimit,
  cancelAllConcurrently,
  guardUnhandledRejections,
  makeClient,
  makeWire,
  realDelay,
  withSimulator
} from "../utils/simulatorClient.js"

const path = "/api/v5/rfq/cancel-quote"
const calls = 10_000

// OKX allows 50 cancel-quotes per 2 s: 10,000 calls would take 400 s and most would pass their 30 s deadline waiting
// for the lane. So the simulator's limit and the client's lane are both raised to the same 5,000 per 2 s: two
// windows, 5,000 requests handed to the transport at once, and the client's limiter must still keep the venue at zero
// violations. Time is virtual and shared by client and venue (see the burst test in test/e2e): every request of a
// window reaches the venue at the instant of its permit, so the venue's count is exact. In real time this test could
// not fail on that count: client and venue share one event loop, which handles far fewer than 2,500 requests a second.
const limit = 5_000

const rejections = guardUnhandledRejections()

setFlagsFromString("--expose-gc")
const gc = runInNewContext("gc") as () => void

/** The heap in use after full collections, in MB. */
const heapAfterGc = () => {
  gc()
  gc()
  return process.memoryUsage().heapUsed / 2 ** 20
}

describe("load", () => {
  it.scoped(
    `${calls} concurrent cancel-quotes through one client: all cancelled, no limit violation, bounded memory`,
    () =>
      withSimulator({ limits: { [path]: { requests: limit, windowMs: 2000 } } }, (sim) =>
        Effect.gen(function* () {
          const wire = makeWire()
          const client = yield* makeClient(
            sim,
            { lanes: { limits: { [path]: { limit, window: "2 seconds" } } } },
            wire.layer
          )
          const ids = (yield* Effect.orDie(sim.createQuotes({ count: calls }))).map((q) => q.quoteId)
          const before = heapAfterGc()
          // Once the first window is handed to the transport, every call is pending: 5,000 on the wire, 5,000 queued
          // in the lane. The live heap then is the most the calls hold at once.
          let pending = 0
          yield* Effect.forkScoped(
            Effect.gen(function* () {
              while (wire.sentInAll() < limit) yield* realDelay(5)
              pending = heapAfterGc()
            })
          )
          const outcomes = yield* cancelAllConcurrently(client, ids, wire)
          const after = heapAfterGc()
          assert.strictEqual(outcomes.filter((o) => o === "Cancelled").length, calls)
          yield* assertWithinLimit(sim, calls, limit)
          assert.deepStrictEqual(rejections.seen(), [])
          // Generous bounds (measured: about 40 KB per pending call, 25 MB left after the calls, the venue's 10,000
          // log entries and the TestClock's spent timers included): at most 100 KB per pending call, and at most
          // 6.4 KB per call left behind.
          assert.isAbove(pending, 0, "the heap was measured with every call pending")
          assert.isBelow(
            pending - before,
            (calls * 100) / 1024,
            `heap with every call pending: +${pending - before} MB`
          )
          assert.isBelow(after - before, 64, `heap left after the calls: +${after - before} MB`)
        })
      ),
    120_000
  )
})
