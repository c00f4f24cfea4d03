import { assert, describe, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { OkxSimulator } from "@okx-rfq/simulator"
import { request } from "node:http"
import { connect } from "node:net"
import { account, accounts, call, control, hmac, iso, other } from "./utils/okx.js"

const noLimits = Object.fromEntries(
  [
    "/api/v5/rfq/quotes",
    "/api/v5/rfq/rfqs",
    "/api/v5/rfq/cancel-rfq",
    "/api/v5/rfq/cancel-batch-rfqs",
    "/api/v5/rfq/cancel-all-rfqs",
    "/api/v5/rfq/cancel-quote",
    "/api/v5/rfq/cancel-batch-quotes",
    "/api/v5/rfq/cancel-all-quotes",
    "/api/v5/rfq/cancel-all-after"
  ].map((path) => [path, { requests: 1000, windowMs: 1000 }])
)

const start = OkxSimulator.make({ accounts, limits: noLimits, faults: { clockOffsetMs: 1_700_000_000_000 } })

const quoteState = (sim: OkxSimulator.Service, quoteId: string) =>
  Effect.map(sim.state, (s) => s.quotes.find((q) => q.quoteId === quoteId)?.state)

describe("OKX endpoints over a real socket", () => {
  it.scoped("GET /api/v5/public/time: the venue clock in ms, unauthenticated", () =>
    Effect.gen(function* () {
      const sim = yield* start
      const answer = yield* call(sim, "/api/v5/public/time", { credentials: null })
      assert.strictEqual(answer.status, 200)
      assert.deepStrictEqual(answer.json, { code: "0", msg: "", data: [{ ts: "1700000000000" }] })
      yield* TestClock.adjust("1500 millis")
      const later = yield* call(sim, "/api/v5/public/time", { credentials: null })
      assert.strictEqual(later.json.data[0]!.ts, "1700000001500")
    })
  )

  it.scoped("cancel-quote: by quoteId, by clQuoteId, quoteId wins, rfqId must match, 70001, 70400, 50015", () =>
    Effect.gen(function* () {
      const sim = yield* start
      const [a, b, c, d] = yield* sim.createQuotes({
        quotes: [
          { quoteId: "11", clQuoteId: "A1", rfqId: "r1" },
          { quoteId: "12", clQuoteId: "B2", rfqId: "r4" },
          { quoteId: "13", clQuoteId: "C3", rfqId: "r2" },
          { quoteId: "14", clQuoteId: "D4", rfqId: "r2", state: "filled" }
        ]
      })
      const path = "/api/v5/rfq/cancel-quote"
      const byId = yield* call(sim, path, { body: { quoteId: a!.quoteId } })
      assert.deepStrictEqual(byId.json, {
        code: "0",
        msg: "",
        data: [{ quoteId: "11", clQuoteId: "A1", sCode: "0", sMsg: "" }]
      })
      const again = yield* call(sim, path, { body: { quoteId: "11" } })
      assert.strictEqual(again.status, 200)
      assert.strictEqual(again.json.code, "1")
      assert.deepStrictEqual(again.json.data[0], {
        quoteId: "11",
        clQuoteId: "A1",
        sCode: "70400",
        sMsg: "Cancellation failed as quote is not in cancellable state."
      })
      const byCl = yield* call(sim, path, { body: { clQuoteId: b!.clQuoteId } })
      assert.deepStrictEqual(byCl.json.data[0], { quoteId: "12", clQuoteId: "B2", sCode: "0", sMsg: "" })
      const wins = yield* call(sim, path, { body: { quoteId: c!.quoteId, clQuoteId: "nothing" } })
      assert.strictEqual(wins.json.data[0]!.sCode, "0")
      assert.strictEqual(yield* quoteState(sim, "13"), "canceled")
      const unknown = yield* call(sim, path, { body: { quoteId: "999", clQuoteId: "Z" } })
      assert.strictEqual(unknown.json.code, "1")
      assert.deepStrictEqual(unknown.json.data[0], {
        quoteId: "999",
        clQuoteId: "Z",
        sCode: "70001",
        sMsg: "Quote does not exist."
      })
      assert.strictEqual((yield* call(sim, path, { body: { quoteId: d!.quoteId } })).json.data[0]!.sCode, "70400")
      const [e] = yield* sim.createQuotes({ quotes: [{ quoteId: "15", rfqId: "r3" }] })
      const wrongRfq = yield* call(sim, path, { body: { quoteId: e!.quoteId, rfqId: "r1" } })
      assert.strictEqual(wrongRfq.json.data[0]!.sCode, "70001")
      assert.strictEqual(yield* quoteState(sim, "15"), "active")
      const rightRfq = yield* call(sim, path, { body: { quoteId: e!.quoteId, rfqId: "r3" } })
      assert.strictEqual(rightRfq.json.data[0]!.sCode, "0")
      const missing = yield* call(sim, path, { body: { rfqId: "r3" } })
      assert.strictEqual(missing.status, 400)
      assert.strictEqual(missing.json.code, "50015")
      assert.deepStrictEqual(missing.json.data, [])
      const wrongType = yield* call(sim, path, { body: { quoteId: 11 } })
      assert.strictEqual(wrongType.json.code, "51000")
    })
  )

  it.scoped("mmp-reset answers its ts, signed and limited like the cancels (5 per 2 s)", () =>
    Effect.gen(function* () {
      const sim = yield* start
      for (let i = 0; i < 5; i++) {
        const reset = yield* call(sim, "/api/v5/rfq/mmp-reset", { body: {} })
        const ts = String(yield* sim.now)
        assert.deepStrictEqual([reset.status, reset.json], [200, { code: "0", msg: "", data: [{ ts }] }])
      }
      const limited = yield* call(sim, "/api/v5/rfq/mmp-reset", { body: {} })
      assert.deepStrictEqual([limited.status, limited.json.code], [429, "50011"])
      const unsigned = yield* call(sim, "/api/v5/rfq/mmp-reset", { body: {}, credentials: null })
      assert.strictEqual(unsigned.status, 401)
    })
  )

  it.scoped("a newer quote of a user on an RFQ cancels their active one on it, as on OKX: its cancel gets 70400", () =>
    Effect.gen(function* () {
      const sim = yield* start
      const [older] = yield* sim.createQuotes({ count: 1, rfqId: "555" })
      // another user's quote on the RFQ, and the user's quote on another RFQ, stay
      yield* sim.createQuotes({ quotes: [{ quoteId: "o1", rfqId: "555", userId: other.userId }, { quoteId: "s1" }] })
      const [newer] = yield* sim.createQuotes({ count: 1, rfqId: "555" })
      assert.deepStrictEqual(
        [yield* quoteState(sim, older!.quoteId), yield* quoteState(sim, "o1"), yield* quoteState(sim, "s1")],
        ["canceled", "active", "active"]
      )
      const path = "/api/v5/rfq/cancel-quote"
      assert.strictEqual((yield* call(sim, path, { body: { quoteId: older!.quoteId } })).json.data[0]!.sCode, "70400")
      assert.strictEqual((yield* call(sim, path, { body: { quoteId: newer!.quoteId } })).json.data[0]!.sCode, "0")
      // two in one request: the second replaces the first
      const [first, second] = yield* sim.createQuotes({ count: 2, rfqId: "556" })
      assert.deepStrictEqual([first!.state, second!.state], ["canceled", "active"])
      // ids with a line break in them name other users and RFQs: nothing of theirs is replaced
      const [a] = yield* sim.createQuotes({ quotes: [{ quoteId: "a1", userId: "7", rfqId: "8\n9" }] })
      yield* sim.createQuotes({ quotes: [{ quoteId: "b1", userId: "7\n8", rfqId: "9" }] })
      assert.strictEqual(yield* quoteState(sim, a!.quoteId), "active")
      // one already past its validUntil expired then, and stays so
      const [short] = yield* sim.createQuotes({ count: 1, rfqId: "557", validForMs: 1_000 })
      yield* TestClock.adjust("2 seconds")
      yield* sim.createQuotes({ count: 1, rfqId: "557" })
      const expired = (yield* sim.state).quotes.find((q) => q.quoteId === short!.quoteId)
      assert.deepStrictEqual([expired?.state, expired?.uTime], ["expired", String(Number(short!.cTime) + 1_000)])
    })
  )

  it.scoped("cancel-quote by a client id used on several RFQs: rfqId picks the quote, else the active one", () =>
    Effect.gen(function* () {
      const sim = yield* start
      yield* sim.createQuotes({
        quotes: [
          { quoteId: "21", clQuoteId: "dup", rfqId: "r1", state: "canceled" },
          { quoteId: "22", clQuoteId: "dup", rfqId: "r2" },
          { quoteId: "23", clQuoteId: "dup", rfqId: "r3", state: "filled" }
        ]
      })
      const path = "/api/v5/rfq/cancel-quote"
      // the quote on r1 is the one asked for: it is no longer cancellable (not "not found"), and r2's stays active
      const onR1 = yield* call(sim, path, { body: { clQuoteId: "dup", rfqId: "r1" } })
      assert.deepStrictEqual(
        [onR1.json.data[0]!.quoteId, onR1.json.data[0]!.sCode, yield* quoteState(sim, "22")],
        ["21", "70400", "active"]
      )
      const onR4 = yield* call(sim, path, { body: { clQuoteId: "dup", rfqId: "r4" } })
      assert.strictEqual(onR4.json.data[0]!.sCode, "70001")
      const active = yield* call(sim, path, { body: { clQuoteId: "dup" } })
      assert.deepStrictEqual([active.json.data[0]!.quoteId, active.json.data[0]!.sCode], ["22", "0"])
      // none active: the newest is the one answered for
      const newest = yield* call(sim, path, { body: { clQuoteId: "dup" } })
      assert.deepStrictEqual([newest.json.data[0]!.quoteId, newest.json.data[0]!.sCode], ["23", "70400"])
    })
  )

  it.scoped("client ids outside OKX's 1-32 letters and digits are 51000 naming the field, unless an id wins", () =>
    Effect.gen(function* () {
      const sim = yield* start
      const [quote] = yield* sim.createQuotes({ count: 1 })
      const [rfq] = yield* sim.createRfqs({ count: 1 })
      const bad = ["x-y", "has space", "é1", "a".repeat(33)]
      for (const clQuoteId of bad) {
        const answer = yield* call(sim, "/api/v5/rfq/cancel-quote", { body: { clQuoteId } })
        assert.deepStrictEqual(
          [answer.status, answer.json.code, answer.json.msg, answer.json.data],
          [200, "51000", "Parameter clQuoteId error", []],
          clQuoteId
        )
        const rfqAnswer = yield* call(sim, "/api/v5/rfq/cancel-rfq", { body: { clRfqId: clQuoteId } })
        assert.deepStrictEqual([rfqAnswer.json.code, rfqAnswer.json.msg], ["51000", "Parameter clRfqId error"])
      }
      const batch = yield* call(sim, "/api/v5/rfq/cancel-batch-quotes", {
        body: { clQuoteIds: [quote!.clQuoteId, "x-y"] }
      })
      assert.deepStrictEqual([batch.json.code, batch.json.msg], ["51000", "Parameter clQuoteIds error"])
      const emptyId = yield* call(sim, "/api/v5/rfq/cancel-batch-quotes", { body: { quoteIds: [quote!.quoteId, ""] } })
      assert.deepStrictEqual([emptyId.json.code, emptyId.json.msg], ["51000", "Parameter quoteIds error"])
      const rfqBatch = yield* call(sim, "/api/v5/rfq/cancel-batch-rfqs", { body: { clRfqIds: ["a".repeat(33)] } })
      assert.deepStrictEqual([rfqBatch.json.code, rfqBatch.json.msg], ["51000", "Parameter clRfqIds error"])
      assert.strictEqual(yield* quoteState(sim, quote!.quoteId), "active")
      const longest = "Z".repeat(32)
      yield* sim.createQuotes({ quotes: [{ clQuoteId: longest }] })
      assert.strictEqual(
        (yield* call(sim, "/api/v5/rfq/cancel-quote", { body: { clQuoteId: longest } })).json.data[0]!.sCode,
        "0"
      )
      const idWins = yield* call(sim, "/api/v5/rfq/cancel-quote", {
        body: { quoteId: quote!.quoteId, clQuoteId: "x-y" }
      })
      assert.strictEqual(idWins.json.data[0]!.sCode, "0")
      const rfqIdWins = yield* call(sim, "/api/v5/rfq/cancel-rfq", { body: { rfqId: rfq!.rfqId, clRfqId: "x-y" } })
      assert.strictEqual(rfqIdWins.json.data[0]!.sCode, "0")
    })
  )

  it.scoped("quotes belong to a User ID: another user's quote is 70001, a second key of the same user cancels", () =>
    Effect.gen(function* () {
      const sim = yield* start
      const [mine] = yield* sim.createQuotes({ count: 1 })
      const theirs = yield* call(sim, "/api/v5/rfq/cancel-quote", {
        credentials: other,
        body: { quoteId: mine!.quoteId }
      })
      assert.strictEqual(theirs.json.data[0]!.sCode, "70001")
      const sameUser = yield* call(sim, "/api/v5/rfq/cancel-quote", {
        credentials: accounts[1]!,
        body: { quoteId: mine!.quoteId }
      })
      assert.strictEqual(sameUser.json.data[0]!.sCode, "0")
    })
  )

  it.scoped("cancel-batch-quotes: code 0 / 2 / 1 with an item per id; quoteIds win; 50015; over 100 is 70408", () =>
    Effect.gen(function* () {
      const sim = yield* start
      const quotes = yield* sim.createQuotes({ count: 4 })
      const ids = quotes.map((q) => q.quoteId)
      const path = "/api/v5/rfq/cancel-batch-quotes"
      const all = yield* call(sim, path, { body: { quoteIds: ids.slice(0, 2) } })
      assert.strictEqual(all.json.code, "0")
      assert.deepStrictEqual(
        all.json.data.map((i) => [i.quoteId, i.clQuoteId, i.sCode]),
        [
          [ids[0], quotes[0]!.clQuoteId, "0"],
          [ids[1], quotes[1]!.clQuoteId, "0"]
        ]
      )
      const partial = yield* call(sim, path, { body: { quoteIds: [ids[1], ids[2], "404"], clQuoteIds: ["x"] } })
      assert.strictEqual(partial.status, 200)
      assert.strictEqual(partial.json.code, "2")
      assert.deepStrictEqual(
        partial.json.data.map((i) => [i.quoteId, i.sCode]),
        [
          [ids[1], "70400"],
          [ids[2], "0"],
          ["404", "70001"]
        ]
      )
      const byCl = yield* call(sim, path, { body: { clQuoteIds: [quotes[3]!.clQuoteId] } })
      assert.deepStrictEqual(byCl.json.data, [
        { quoteId: ids[3], clQuoteId: quotes[3]!.clQuoteId, sCode: "0", sMsg: "" }
      ])
      const none = yield* call(sim, path, { body: { quoteIds: ids } })
      assert.strictEqual(none.json.code, "1")
      assert.strictEqual(none.json.data.length, 4)
      const empty = yield* call(sim, path, { body: { quoteIds: [] } })
      assert.deepStrictEqual([empty.status, empty.json.code], [400, "50015"])
      const tooMany = yield* call(sim, path, { body: { quoteIds: Array.from({ length: 101 }, (_, i) => String(i)) } })
      assert.deepStrictEqual([tooMany.status, tooMany.json.code, tooMany.json.data.length], [200, "70408", 0])
      const hundred = yield* call(sim, path, { body: { quoteIds: Array.from({ length: 100 }, (_, i) => String(i)) } })
      assert.deepStrictEqual([hundred.json.code, hundred.json.data.length], ["1", 100])
    })
  )

  it.scoped("cancel-all-quotes: cancels only the user's active quotes, ts in ms; 70409 when none", () =>
    Effect.gen(function* () {
      const sim = yield* start
      yield* sim.createQuotes({ count: 3 })
      const [theirs] = yield* sim.createQuotes({ count: 1, userId: other.userId })
      const path = "/api/v5/rfq/cancel-all-quotes"
      const answer = yield* call(sim, path, { body: {} })
      assert.deepStrictEqual(answer.json, { code: "0", msg: "", data: [{ ts: "1700000000000" }] })
      const state = yield* sim.state
      assert.deepStrictEqual(
        state.quotes.map((q) => q.state),
        ["canceled", "canceled", "canceled", "active"]
      )
      assert.strictEqual(yield* quoteState(sim, theirs!.quoteId), "active")
      const nothing = yield* call(sim, path, { body: {} })
      assert.deepStrictEqual([nothing.status, nothing.json.code, nothing.json.data], [200, "70409", []])
    })
  )

  it.scoped("cancel-rfq, cancel-batch-rfqs, cancel-all-rfqs", () =>
    Effect.gen(function* () {
      const sim = yield* start
      const rfqs = yield* sim.createRfqs({ count: 5 })
      const ids = rfqs.map((r) => r.rfqId)
      const one = yield* call(sim, "/api/v5/rfq/cancel-rfq", { body: { rfqId: ids[0], clRfqId: "ignored" } })
      assert.deepStrictEqual(one.json, {
        code: "0",
        msg: "",
        data: [{ rfqId: ids[0], clRfqId: rfqs[0]!.clRfqId, sCode: "0", sMsg: "" }]
      })
      const byCl = yield* call(sim, "/api/v5/rfq/cancel-rfq", { body: { clRfqId: rfqs[1]!.clRfqId } })
      assert.strictEqual(byCl.json.data[0]!.rfqId, ids[1])
      const twice = yield* call(sim, "/api/v5/rfq/cancel-rfq", { body: { rfqId: ids[0] } })
      assert.deepStrictEqual([twice.json.code, twice.json.data[0]!.sCode], ["1", "70200"])
      const unknown = yield* call(sim, "/api/v5/rfq/cancel-rfq", { body: { rfqId: "1" } })
      assert.strictEqual(unknown.json.data[0]!.sCode, "70000")
      const missing = yield* call(sim, "/api/v5/rfq/cancel-rfq", { body: {} })
      assert.deepStrictEqual([missing.status, missing.json.code], [400, "50015"])
      const batch = yield* call(sim, "/api/v5/rfq/cancel-batch-rfqs", { body: { rfqIds: [ids[1], ids[2]] } })
      assert.deepStrictEqual(
        [batch.json.code, ...batch.json.data.map((i) => `${i.rfqId}:${i.sCode}`)],
        ["2", `${ids[1]}:70200`, `${ids[2]}:0`]
      )
      const over = yield* call(sim, "/api/v5/rfq/cancel-batch-rfqs", {
        body: { clRfqIds: Array.from({ length: 101 }, (_, i) => `c${i}`) }
      })
      assert.strictEqual(over.json.code, "70203")
      const all = yield* call(sim, "/api/v5/rfq/cancel-all-rfqs", { body: {} })
      assert.deepStrictEqual(all.json.data, [{ ts: "1700000000000" }])
      const state = yield* sim.state
      assert.isTrue(state.rfqs.every((r) => r.state === "canceled"))
      const none = yield* call(sim, "/api/v5/rfq/cancel-all-rfqs", { body: {} })
      assert.strictEqual(none.json.code, "70207")
    })
  )

  it.scoped("cancel-all-after: arm, re-arm, disable; timeOut validated (50014 empty, 51000 out of range)", () =>
    Effect.gen(function* () {
      const sim = yield* start
      const path = "/api/v5/rfq/cancel-all-after"
      const armed = yield* call(sim, path, { body: { timeOut: "60" } })
      assert.deepStrictEqual(armed.json, {
        code: "0",
        msg: "",
        data: [{ triggerTime: "1700000060000", ts: "1700000000000" }]
      })
      assert.deepStrictEqual((yield* sim.state).cancelAllAfter, { triggerTime: "1700000060000" })
      yield* TestClock.adjust("5 seconds")
      const rearmed = yield* call(sim, path, { body: { timeOut: "10" } })
      assert.deepStrictEqual(rearmed.json.data, [{ triggerTime: "1700000015000", ts: "1700000005000" }])
      const off = yield* call(sim, path, { body: { timeOut: "0" } })
      assert.deepStrictEqual(off.json.data, [{ triggerTime: "0", ts: "1700000005000" }])
      assert.deepStrictEqual((yield* sim.state).cancelAllAfter, { triggerTime: "0" })
      for (const timeOut of ["9", "121", "-1", "1.5", "abc", true]) {
        const bad = yield* call(sim, path, { body: { timeOut } })
        assert.deepStrictEqual([bad.status, bad.json.code], [200, "51000"], String(timeOut))
      }
      const empty = yield* call(sim, path, { body: {} })
      assert.deepStrictEqual([empty.status, empty.json.code], [400, "50014"])
      assert.strictEqual((yield* call(sim, path, { body: { timeOut: "120" } })).json.code, "0")
      assert.strictEqual((yield* call(sim, path, { body: { timeOut: 10 } })).json.code, "0")
    })
  )

  it.scoped("GET /api/v5/rfq/quotes: the user's quotes, newest first, with filters and limit", () =>
    Effect.gen(function* () {
      const sim = yield* start
      const quotes = yield* sim.createQuotes({ count: 3, rfqId: "77" })
      yield* sim.createQuotes({ count: 1, userId: other.userId })
      yield* call(sim, "/api/v5/rfq/cancel-quote", { body: { quoteId: quotes[0]!.quoteId } })
      const all = yield* call(sim, "/api/v5/rfq/quotes")
      assert.strictEqual(all.json.code, "0")
      assert.deepStrictEqual(
        all.json.data.map((q) => q.quoteId),
        quotes.map((q) => q.quoteId).reverse()
      )
      const first = all.json.data[2]!
      assert.strictEqual(first.state, "canceled")
      for (const field of ["quoteId", "clQuoteId", "rfqId", "state", "cTime", "uTime"]) {
        assert.strictEqual(typeof first[field], "string", field)
      }
      const active = yield* call(sim, "/api/v5/rfq/quotes?state=active&limit=1")
      assert.deepStrictEqual(
        active.json.data.map((q) => q.quoteId),
        [quotes[2]!.quoteId]
      )
      const byCl = yield* call(sim, `/api/v5/rfq/quotes?clQuoteId=${quotes[1]!.clQuoteId}&rfqId=77`)
      assert.deepStrictEqual(
        byCl.json.data.map((q) => q.quoteId),
        [quotes[1]!.quoteId]
      )
      const byId = yield* call(sim, `/api/v5/rfq/quotes?quoteId=${quotes[0]!.quoteId}`)
      assert.strictEqual(byId.json.data.length, 1)
      // with both, quoteId wins and the client id is not looked at (as in the cancels)
      for (const clQuoteId of [quotes[1]!.clQuoteId, "x-y"]) {
        const both = yield* call(sim, `/api/v5/rfq/quotes?quoteId=${quotes[0]!.quoteId}&clQuoteId=${clQuoteId}`)
        assert.deepStrictEqual(
          both.json.data.map((q) => q.quoteId),
          [quotes[0]!.quoteId]
        )
      }
      assert.strictEqual((yield* call(sim, "/api/v5/rfq/quotes?limit=101")).json.code, "51000")
      assert.strictEqual((yield* call(sim, "/api/v5/rfq/quotes?state=nope")).json.code, "51000")
    })
  )

  it.scoped("GET /api/v5/rfq/quotes pages with endId (older) and beginId (newer), neither included", () =>
    Effect.gen(function* () {
      const sim = yield* start
      const ids = (yield* sim.createQuotes({ count: 150 })).map((q) => q.quoteId)
      const newestFirst = [...ids].reverse()
      const page = (query: string) =>
        Effect.map(call(sim, `/api/v5/rfq/quotes?${query}`), (answer) => {
          assert.strictEqual(answer.json.code, "0", query)
          return answer.json.data.map((q) => q.quoteId as string)
        })
      const first = yield* page("limit=100")
      assert.deepStrictEqual(first, newestFirst.slice(0, 100))
      const second = yield* page(`limit=100&endId=${first.at(-1)}`)
      assert.deepStrictEqual(second, newestFirst.slice(100))
      assert.deepStrictEqual(yield* page(`endId=${ids[0]}`), [])
      assert.deepStrictEqual(yield* page(`beginId=${ids[146]}`), [ids[149], ids[148], ids[147]])
      assert.deepStrictEqual(yield* page(`beginId=${ids[10]}&endId=${ids[14]}`), [ids[13], ids[12], ids[11]])
      // an id the venue does not know compares as a number
      assert.deepStrictEqual(yield* page("endId=3000000003"), [ids[1], ids[0]])
      assert.deepStrictEqual(yield* page("beginId=9000000000"), [])
      const bad = yield* call(sim, "/api/v5/rfq/quotes?endId=abc")
      assert.deepStrictEqual([bad.json.code, bad.json.msg], ["51000", "Parameter endId error"])
    })
  )

  it.scoped(
    "GET /api/v5/rfq/quotes filters by the RFQ's clRfqId; a malformed client id is 51000 as in the cancels",
    () =>
      Effect.gen(function* () {
        const sim = yield* start
        const [rfq] = yield* sim.createRfqs({ rfqs: [{ clRfqId: "Taker1" }] })
        const onRfq = yield* sim.createQuotes({ count: 2, rfqId: rfq!.rfqId })
        yield* sim.createQuotes({ count: 1 })
        const byClRfq = yield* call(sim, "/api/v5/rfq/quotes?clRfqId=Taker1")
        assert.deepStrictEqual(
          byClRfq.json.data.map((q) => [q.quoteId, q.clRfqId]),
          onRfq.map((q) => [q.quoteId, "Taker1"]).reverse()
        )
        assert.deepStrictEqual((yield* call(sim, "/api/v5/rfq/quotes?clRfqId=nope")).json.data, [])
        for (const query of ["clQuoteId=bad-id!", `clRfqId=${"a".repeat(33)}`]) {
          const bad = yield* call(sim, `/api/v5/rfq/quotes?${query}`)
          assert.deepStrictEqual([bad.json.code, bad.json.msg], ["51000", `Parameter ${query.split("=")[0]} error`])
        }
        const badRfqs = yield* call(sim, "/api/v5/rfq/rfqs?clRfqId=x%20y")
        assert.deepStrictEqual([badRfqs.json.code, badRfqs.json.msg], ["51000", "Parameter clRfqId error"])
      })
  )

  it.scoped("GET /api/v5/rfq/rfqs: the user's RFQs, newest first, with filters, paging and limit", () =>
    Effect.gen(function* () {
      const sim = yield* start
      const rfqs = yield* sim.createRfqs({ count: 3 })
      yield* sim.createRfqs({ count: 1, userId: other.userId })
      yield* call(sim, "/api/v5/rfq/cancel-rfq", { body: { rfqId: rfqs[0]!.rfqId } })
      const all = yield* call(sim, "/api/v5/rfq/rfqs")
      assert.strictEqual(all.json.code, "0")
      assert.deepStrictEqual(
        all.json.data.map((r) => [r.rfqId, r.clRfqId, r.state]),
        rfqs.map((r, i) => [r.rfqId, r.clRfqId, i === 0 ? "canceled" : "active"]).reverse()
      )
      for (const field of ["rfqId", "clRfqId", "state", "traderCode", "validUntil", "cTime", "uTime"]) {
        assert.strictEqual(typeof all.json.data[0]![field], "string", field)
      }
      const canceled = yield* call(sim, "/api/v5/rfq/rfqs?state=canceled")
      assert.deepStrictEqual(
        canceled.json.data.map((r) => r.rfqId),
        [rfqs[0]!.rfqId]
      )
      const byCl = yield* call(sim, `/api/v5/rfq/rfqs?clRfqId=${rfqs[1]!.clRfqId}`)
      assert.deepStrictEqual(
        byCl.json.data.map((r) => r.rfqId),
        [rfqs[1]!.rfqId]
      )
      const both = yield* call(sim, `/api/v5/rfq/rfqs?rfqId=${rfqs[2]!.rfqId}&clRfqId=${rfqs[1]!.clRfqId}`)
      assert.deepStrictEqual(
        both.json.data.map((r) => r.rfqId),
        [rfqs[2]!.rfqId]
      )
      const older = yield* call(sim, `/api/v5/rfq/rfqs?endId=${rfqs[2]!.rfqId}&limit=1`)
      assert.deepStrictEqual(
        older.json.data.map((r) => r.rfqId),
        [rfqs[1]!.rfqId]
      )
      assert.strictEqual((yield* call(sim, "/api/v5/rfq/rfqs?state=traded_away")).json.data.length, 0)
      assert.strictEqual((yield* call(sim, "/api/v5/rfq/rfqs?state=nope")).json.code, "51000")
      assert.strictEqual((yield* call(sim, "/api/v5/rfq/rfqs?limit=0")).json.code, "51000")
    })
  )
})

describe("request targets", () => {
  it.scoped("the absolute form a client sends through a forward proxy is served as its path, signed as such", () =>
    Effect.gen(function* () {
      const sim = yield* start
      const [quote] = yield* sim.createQuotes({ count: 1 })
      const path = "/api/v5/rfq/cancel-quote"
      const body = JSON.stringify({ quoteId: quote!.quoteId })
      const timestamp = iso(yield* sim.now)
      const answer = yield* Effect.promise(
        () =>
          new Promise<{ status: number; text: string }>((resolve, reject) => {
            const req = request(
              {
                host: "127.0.0.1",
                port: sim.port,
                method: "POST",
                path: `${sim.url}${path}`,
                headers: {
                  "Content-Type": "application/json",
                  "OK-ACCESS-KEY": account.apiKey,
                  "OK-ACCESS-PASSPHRASE": account.passphrase,
                  "OK-ACCESS-TIMESTAMP": timestamp,
                  "OK-ACCESS-SIGN": hmac(account.secretKey, `${timestamp}POST${path}${body}`)
                }
              },
              (res) => {
                let text = ""
                res.on("data", (chunk) => (text += chunk))
                res.on("end", () => resolve({ status: res.statusCode ?? 0, text }))
              }
            )
            req.on("error", reject)
            req.end(body)
          })
      )
      assert.strictEqual(answer.status, 200, answer.text)
      assert.strictEqual(JSON.parse(answer.text).data[0].sCode, "0")
    })
  )
})

/** Writes `head` (and then `body`, if any) on a fresh socket; everything the server sent until it closed. */
const exchange = (port: number, head: string, body?: Buffer) =>
  Effect.promise(
    () =>
      new Promise<string>((resolve) => {
        const socket = connect(port, "127.0.0.1")
        let text = ""
        socket.on("data", (chunk) => (text += chunk.toString("latin1")))
        socket.on("error", () => socket.destroy())
        socket.on("close", () => resolve(text))
        socket.write(head, () => {
          if (body !== undefined) socket.write(body, () => undefined)
        })
      })
  )

describe("request bodies over the limit", () => {
  it.scoped("a declared length over 1 MiB gets 413 and the connection closed, unread; the venue goes on", () =>
    Effect.gen(function* () {
      const sim = yield* start
      const [quote] = yield* sim.createQuotes({ count: 1 })
      const huge = yield* exchange(
        sim.port,
        "POST /api/v5/rfq/cancel-quote HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
          `Content-Length: ${600 * 1024 * 1024}\r\n\r\n`
      )
      assert.match(huge, /^HTTP\/1\.1 413 /)
      assert.match(huge, /\r\nconnection: close\r\n/i)
      assert.include(huge, '"code":"413"')
      const control = yield* exchange(
        sim.port,
        `POST /sim/quotes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${17 << 20}\r\n\r\n`
      )
      assert.match(control, /^HTTP\/1\.1 413 /)
      assert.strictEqual(yield* quoteState(sim, quote!.quoteId), "active")
      const answer = yield* call(sim, "/api/v5/rfq/cancel-quote", { body: { quoteId: quote!.quoteId } })
      assert.strictEqual(answer.json.data[0]!.sCode, "0")
      const log = (yield* sim.state).requests.map((r) => [r.path, r.code, r.httpStatus])
      assert.deepStrictEqual(log.slice(-2), [
        ["/api/v5/rfq/cancel-quote", "413", 413],
        ["/api/v5/rfq/cancel-quote", "0", 200]
      ])
    })
  )

  it.scoped("a chunked body that goes over 1 MiB is cut off without an answer; the venue goes on", () =>
    Effect.gen(function* () {
      const sim = yield* start
      const [quote] = yield* sim.createQuotes({ count: 1 })
      const size = 2 << 20
      const body = Buffer.concat([
        Buffer.from(`${size.toString(16)}\r\n`),
        Buffer.alloc(size, 0x20),
        Buffer.from("\r\n0\r\n\r\n")
      ])
      const cut = yield* exchange(
        sim.port,
        "POST /api/v5/rfq/cancel-quote HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
          "Transfer-Encoding: chunked\r\n\r\n",
        body
      )
      assert.strictEqual(cut, "")
      assert.strictEqual(yield* quoteState(sim, quote!.quoteId), "active")
      const answer = yield* call(sim, "/api/v5/rfq/cancel-quote", { body: { quoteId: quote!.quoteId } })
      assert.strictEqual(answer.json.data[0]!.sCode, "0")
    })
  )
})

describe("control API", () => {
  it.scoped("POST /sim/quotes, /sim/rfqs, GET /sim/state, POST /sim/reset", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({ accounts, seedQuotes: 2 })
      const created = yield* control<{ quotes: Array<OkxSimulator.Quote> }>(sim, "/sim/quotes", { count: 2 })
      assert.strictEqual(created.status, 200)
      assert.strictEqual(created.json.quotes.length, 2)
      assert.deepStrictEqual(Object.keys(created.json.quotes[0]!).sort(), [
        "cTime",
        "clQuoteId",
        "quoteId",
        "rfqId",
        "state",
        "uTime",
        "userId",
        "validUntil"
      ])
      const explicit = yield* control<{ quotes: Array<OkxSimulator.Quote> }>(sim, "/sim/quotes", {
        quotes: [{ quoteId: "q-1", clQuoteId: "mine1", rfqId: "r-1", userId: other.userId }]
      })
      assert.deepStrictEqual(
        explicit.json.quotes.map((q) => [q.quoteId, q.clQuoteId, q.rfqId, q.userId, q.state]),
        [["q-1", "mine1", "r-1", other.userId, "active"]]
      )
      const duplicate = yield* control(sim, "/sim/quotes", { quotes: [{ quoteId: "q-1" }] })
      assert.strictEqual(duplicate.status, 400)
      const invalid = yield* control(sim, "/sim/quotes", { count: "many" })
      assert.strictEqual(invalid.status, 400)
      for (const document of [{ quotes: [{ clQuoteId: "bad-id!" }] }, { quotes: [{ clQuoteId: "a".repeat(33) }] }]) {
        assert.strictEqual((yield* control(sim, "/sim/quotes", document)).status, 400)
      }
      assert.strictEqual((yield* control(sim, "/sim/rfqs", { rfqs: [{ clRfqId: "bad id" }] })).status, 400)
      const rfqs = yield* control<{ rfqs: Array<OkxSimulator.Rfq> }>(sim, "/sim/rfqs", { count: 1 })
      assert.strictEqual(rfqs.json.rfqs[0]!.state, "active")
      yield* call(sim, "/api/v5/rfq/cancel-all-after", { body: { timeOut: "30" } })
      const state = yield* control<OkxSimulator.State>(sim, "/sim/state")
      assert.strictEqual(state.json.quotes.length, 5)
      assert.deepStrictEqual(state.json.cancelAllAfter, { triggerTime: "30000" })
      assert.deepStrictEqual(state.json.requests, [
        { at: 0, method: "POST", path: "/api/v5/rfq/cancel-all-after", code: "0", httpStatus: 200 }
      ])
      const reset = yield* control(sim, "/sim/reset", {})
      assert.strictEqual(reset.status, 200)
      const after = yield* sim.state
      assert.deepStrictEqual(
        after.quotes.map((q) => q.quoteId),
        ["3000000001", "3000000002"]
      )
      assert.deepStrictEqual(after.rfqs, [])
      assert.deepStrictEqual(after.requests, [])
      assert.deepStrictEqual(after.cancelAllAfter, { triggerTime: "0" })
      assert.strictEqual((yield* control(sim, "/sim/nothing")).status, 404)
    })
  )
})
