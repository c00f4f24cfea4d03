import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect } from "effect"
import { RfqCancel } from "@okx-rfq/schema"
import * as RfqCancelClient from "../../src/RfqCancelClient.js"
import {
  account,
  assertWithinLimit,
  cancelAllConcurrently,
  guardUnhandledRejections,
  makeClient,
  makeWire,
  withSimulator
} from "../utils/simulatorClient.js"

guardUnhandledRejections()

describe("RfqCancelClient end to end (real HTTP, real signatures, the simulator's real limits)", () => {
  for (const via of ["direct", "execute"] as const) {
    it.scoped(
      `a burst of 200 cancel-quotes through one client (${via}): all cancelled, never over 50 per 2 s at the venue`,
      () =>
        withSimulator({}, (sim) =>
          Effect.gen(function* () {
            // OKX's own limit (50 per 2 s per User ID) at the venue and in the client's lane, real sockets, and virtual
            // time shared by both (the TestClock): a request reaches the venue at the instant its permit was granted.
            // In real time, client and venue share this one event loop, so a window's 50 requests arrive one after
            // another over 0.1 s to 1.2 s on a loaded 2-core machine, a spread the lane's margin (50 ms, sized for
            // network jitter) does not cover: the venue then rejects some arrivals for reasons that are not the
            // limiter's. Virtual time makes the venue's count exact, so any 50011 here is the limiter's fault.
            const wire = makeWire(via)
            const client = yield* makeClient(sim, {}, wire.layer)
            const quotes = yield* Effect.orDie(sim.createQuotes({ count: 200 }))
            const outcomes = yield* cancelAllConcurrently(
              client,
              quotes.map((q) => q.quoteId),
              wire
            )
            assert.deepStrictEqual(new Set(outcomes), new Set(["Cancelled"]))
            const log = yield* assertWithinLimit(sim, 200, 50)
            assert.strictEqual(new Set(log.map((r) => r.at)).size, 4, "four windows")
            assert.strictEqual(wire.sentInAll(), 200, "every request went through the watched path")
          })
        )
    )
  }

  it.live("single cancels: by quoteId or clQuoteId; an unknown or inactive quote is a typed item outcome", () =>
    withSimulator({ seedQuotes: 2 }, (sim) =>
      Effect.gen(function* () {
        const client = yield* makeClient(sim)
        const [first, second] = (yield* sim.state).quotes
        const byId = yield* client.cancelQuote({ quoteId: first!.quoteId })
        const byClientId = yield* client.cancelQuote({ clQuoteId: second!.clQuoteId })
        const again = yield* client.cancelQuote({ quoteId: first!.quoteId })
        const unknown = yield* client.cancelQuote({ quoteId: "999" })
        assert.deepStrictEqual(
          [byId, byClientId, again, unknown].map((r) => [r.code, r.items[0]!.quoteId, r.items[0]!.outcome._tag]),
          [
            ["0", first!.quoteId, "Cancelled"],
            ["0", second!.quoteId, "Cancelled"],
            ["1", first!.quoteId, "AlreadyInactive"],
            ["1", "999", "NotFound"]
          ]
        )
        const rfq = (yield* Effect.orDie(sim.createRfqs({ count: 1 })))[0]!
        const cancelled = yield* client.cancelRfq({ clRfqId: rfq.clRfqId })
        assert.deepStrictEqual([cancelled.items[0]!.rfqId, cancelled.items[0]!.outcome._tag], [rfq.rfqId, "Cancelled"])
        assert.strictEqual((yield* sim.state).requests.length, 5)
      })
    )
  )

  it.live("a batch of 150 quote ids is sent as two requests; every item comes back in order", () =>
    withSimulator({}, (sim) =>
      Effect.gen(function* () {
        const client = yield* makeClient(sim)
        const quotes = yield* Effect.orDie(sim.createQuotes({ count: 149 }))
        const ids = [
          ...quotes.slice(0, 120).map((q) => q.quoteId),
          "404404",
          ...quotes.slice(120).map((q) => q.quoteId)
        ]
        const result = yield* client.cancelBatchQuotes({ quoteIds: ids })
        assert.strictEqual(result.code, "2")
        assert.deepStrictEqual(
          result.items.map((i) => i.quoteId),
          ids
        )
        assert.deepStrictEqual(
          result.items.filter((i) => i.outcome._tag !== "Cancelled").map((i) => [i.quoteId, i.outcome._tag]),
          [["404404", "NotFound"]]
        )
        const state = yield* sim.state
        assert.deepStrictEqual(
          state.requests.map((r) => [r.path, r.code]),
          [
            ["/api/v5/rfq/cancel-batch-quotes", "0"],
            ["/api/v5/rfq/cancel-batch-quotes", "2"]
          ]
        )
        assert.isTrue(state.quotes.every((q) => q.state === "canceled"))
        const rfqs = yield* Effect.orDie(sim.createRfqs({ count: 3 }))
        const batch = yield* client.cancelBatchRfqs({ clRfqIds: rfqs.map((r) => r.clRfqId) })
        assert.deepStrictEqual(
          batch.items.map((i) => [i.rfqId, i.outcome._tag]),
          rfqs.map((r) => [r.rfqId, "Cancelled"])
        )
      })
    )
  )

  it.live("cancel-all: everything active is cancelled, then a second call is NothingToCancel", () =>
    withSimulator({ seedQuotes: 5 }, (sim) =>
      Effect.gen(function* () {
        yield* Effect.orDie(sim.createRfqs({ count: 2 }))
        const client = yield* makeClient(sim)
        const quotes = yield* client.cancelAllQuotes
        const none = yield* client.cancelAllQuotes
        const rfqs = yield* client.cancelAllRfqs
        assert.deepStrictEqual([quotes._tag, none._tag, rfqs._tag], ["AllCancelled", "NothingToCancel", "AllCancelled"])
        const state = yield* sim.state
        assert.isTrue([...state.quotes, ...state.rfqs].every((x) => x.state === "canceled"))
        assert.deepStrictEqual(
          state.requests.map((r) => r.code),
          ["0", "70409", "0"]
        )
      })
    )
  )

  it.live("a venue answering cancel-all-after in seconds (as OKX's example does): read as such, no mismatch", () =>
    withSimulator({ faults: { countdownUnit: "seconds" } }, (sim) =>
      Effect.gen(function* () {
        const client = yield* makeClient(sim)
        const armed = yield* client.cancelAllAfter("60 seconds")
        if (armed.triggerTime._tag !== "Utc") return assert.fail(armed.triggerTime._tag)
        const venue = Number((yield* sim.state).cancelAllAfterByUser[account.userId]!.triggerTime)
        assert.strictEqual(DateTime.toEpochMillis(armed.triggerTime), Math.floor(venue / 1000) * 1000)
        assert.isUndefined(RfqCancel.countdownProblem(60_000, armed))
        // disarm checks the answer: "0" in seconds is still "0"
        const disarmed = yield* client.disarm
        assert.strictEqual(disarmed.triggerTime._tag, "Disabled")
      })
    )
  )

  it.live("cancel-all-after arms the venue's countdown and disarm turns it off; quotes and rfqs confirm states", () =>
    withSimulator({ seedQuotes: 3 }, (sim) =>
      Effect.gen(function* () {
        const client = yield* makeClient(sim)
        const armed = yield* client.cancelAllAfter("60 seconds")
        assert.strictEqual(armed.triggerTime._tag, "Utc")
        const venue = (yield* sim.state).cancelAllAfterByUser[account.userId]!.triggerTime
        if (armed.triggerTime._tag === "Utc") {
          assert.strictEqual(String(DateTime.toEpochMillis(armed.triggerTime)), venue)
        }
        const disarmed = yield* client.disarm
        assert.strictEqual(disarmed.triggerTime._tag, "Disabled")
        assert.strictEqual((yield* sim.state).cancelAllAfterByUser[account.userId]!.triggerTime, "0")
        const [first] = (yield* sim.state).quotes
        yield* client.cancelQuote({ quoteId: first!.quoteId })
        const active = yield* client.quotes({ state: "active" })
        const venueActive = (yield* sim.state).quotes.filter((q) => q.state === "active").map((q) => q.quoteId)
        assert.sameMembers(
          active.map((q) => q.quoteId),
          venueActive
        )
        assert.strictEqual(active.length, 2)
        const [rfq] = yield* sim.createRfqs({ count: 2 })
        yield* client.cancelRfq({ rfqId: rfq!.rfqId })
        const canceled = yield* client.rfqs({ state: "canceled" })
        assert.deepStrictEqual(
          canceled.map((r) => [r.rfqId, r.clRfqId, r.state]),
          [[rfq!.rfqId, rfq!.clRfqId, "canceled"]]
        )
      })
    )
  )

  it.live("the module's accessors use the client in context: each reaches its own endpoint", () =>
    withSimulator({ seedQuotes: 4 }, (sim) =>
      Effect.gen(function* () {
        const client = yield* makeClient(sim)
        const [q1, q2, q3] = (yield* sim.state).quotes
        const [r1, r2, r3] = yield* Effect.orDie(sim.createRfqs({ count: 4 }))
        const results = yield* Effect.all([
          Effect.map(RfqCancelClient.cancelQuote({ quoteId: q1!.quoteId }), (r) => r.items[0]!.outcome._tag),
          Effect.map(RfqCancelClient.cancelBatchQuotes({ quoteIds: [q2!.quoteId, q3!.quoteId] }), (r) => r.code),
          Effect.map(RfqCancelClient.quotes({ state: "active" }), (qs) => qs.length),
          Effect.map(RfqCancelClient.cancelAllQuotes, (r) => r._tag),
          Effect.map(RfqCancelClient.cancelRfq({ rfqId: r1!.rfqId }), (r) => r.items[0]!.outcome._tag),
          Effect.map(RfqCancelClient.cancelBatchRfqs({ clRfqIds: [r2!.clRfqId, r3!.clRfqId] }), (r) => r.code),
          Effect.map(RfqCancelClient.rfqs({ state: "active" }), (rs) => rs.length),
          Effect.map(RfqCancelClient.cancelAllRfqs, (r) => r._tag),
          Effect.map(RfqCancelClient.cancelAllAfter("60 seconds"), (r) => r.triggerTime._tag),
          Effect.map(RfqCancelClient.disarm, (r) => r.triggerTime._tag)
        ]).pipe(Effect.provideService(RfqCancelClient.RfqCancelClient, client))
        assert.deepStrictEqual(results, [
          "Cancelled",
          "0",
          1,
          "AllCancelled",
          "Cancelled",
          "0",
          1,
          "AllCancelled",
          "Utc",
          "Disabled"
        ])
        assert.deepStrictEqual(
          (yield* sim.state).requests.map((r) => r.path.replace("/api/v5/rfq/", "").replace(/\?.*$/, "")),
          [
            "cancel-quote",
            "cancel-batch-quotes",
            "quotes",
            "cancel-all-quotes",
            "cancel-rfq",
            "cancel-batch-rfqs",
            "rfqs",
            "cancel-all-rfqs",
            "cancel-all-after",
            "cancel-all-after"
          ]
        )
      })
    )
  )

  it.live(
    "items refused with 70208 are sent again until cancelled; none reported cancelled stays live, none live unreported",
    () =>
      withSimulator(
        {
          seedQuotes: 20,
          seed: 7,
          faults: {
            endpoints: { "/api/v5/rfq/cancel-batch-quotes": { itemError: { code: "70208", probability: 0.5 } } }
          }
        },
        (sim) =>
          Effect.gen(function* () {
            const client = yield* makeClient(sim, { retry: { baseDelay: "10 millis", maxDelay: "50 millis" } })
            const ids = (yield* sim.state).quotes.map((q) => q.quoteId)
            const result = yield* client.cancelBatchQuotes({ quoteIds: ids })
            const venue = new Map((yield* sim.state).quotes.map((q) => [q.quoteId, q.state]))
            for (const item of result.items) {
              const expected = item.outcome._tag === "Cancelled" ? "canceled" : "active"
              assert.strictEqual(venue.get(item.quoteId), expected, `${item.quoteId}: ${item.outcome._tag}`)
              if (item.outcome._tag !== "Cancelled") assert.strictEqual(item.outcome.sCode, "70208")
            }
            assert.deepStrictEqual(
              result.items.map((item) => item.quoteId),
              ids
            )
            const batches = (yield* sim.state).requests.filter((r) => r.path.endsWith("cancel-batch-quotes"))
            // about half refused each time: re-sent, within the 5 attempts of the call
            assert.isAbove(batches.length, 1)
            assert.isAtMost(batches.length, 5)
            assert.isAbove(result.items.filter((item) => item.outcome._tag === "Cancelled").length, 15)
          })
      )
  )
})
