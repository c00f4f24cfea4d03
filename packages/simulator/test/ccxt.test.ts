import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import ccxt from "ccxt"
import { OkxSimulator } from "@okx-rfq/simulator"
import { account, demoAccount } from "./utils/okx.js"

type Okx = InstanceType<typeof ccxt.okx> & Record<string, (params?: Record<string, unknown>) => Promise<unknown>>

interface Envelope {
  readonly code: string
  readonly data: ReadonlyArray<Record<string, string>>
}

/** ccxt's own OKX client, its REST base pointed at the simulator (no `{hostname}` template left to expand). */
const okx = (
  sim: OkxSimulator.Service,
  credentials: { apiKey: string; secretKey: string; passphrase: string },
  sandbox = false
): Okx => {
  const client = new ccxt.okx({
    apiKey: credentials.apiKey,
    secret: credentials.secretKey,
    password: credentials.passphrase
  })
  if (sandbox) client.setSandboxMode(true)
  client.urls.api = { rest: sim.url }
  return client as Okx
}

const run = <A>(f: () => Promise<unknown>) => Effect.promise(() => f() as Promise<A>)
const failure = (f: () => Promise<unknown>) =>
  Effect.promise(() =>
    f().then(
      () => "no error",
      (e: Error) => `${e.constructor.name}: ${e.message}`
    )
  )

const start = OkxSimulator.make({ accounts: [account, demoAccount], seedQuotes: 2 })

describe("ccxt's OKX client against the simulator (real clock, real sockets)", () => {
  it.scopedLive("cancel-quote and cancel-all-after answer code 0", () =>
    Effect.gen(function* () {
      const sim = yield* start
      const client = okx(sim, account)
      const cancelled = yield* run<Envelope>(() => client.privatePostRfqCancelQuote({ quoteId: "3000000001" }))
      assert.strictEqual(cancelled.code, "0")
      assert.deepStrictEqual(cancelled.data[0], { quoteId: "3000000001", clQuoteId: "simq1", sCode: "0", sMsg: "" })
      const armed = yield* run<Envelope>(() => client.privatePostRfqCancelAllAfter({ timeOut: "60" }))
      assert.strictEqual(armed.code, "0")
      const { triggerTime, ts } = armed.data[0]!
      assert.strictEqual(Number(triggerTime) - Number(ts), 60_000)
      assert.isBelow(Math.abs(Number(ts) - Date.now()), 5_000)
      const quotes = yield* run<Envelope>(() => client.privateGetRfqQuotes({ state: "active" }))
      assert.deepStrictEqual(
        quotes.data.map((q) => q.quoteId),
        ["3000000002"]
      )
      const state = yield* sim.state
      assert.deepStrictEqual(
        state.quotes.map((q) => q.state),
        ["canceled", "active"]
      )
      assert.deepStrictEqual(
        state.requests.map((r) => r.code),
        ["0", "0", "0"]
      )
    })
  )

  it.scopedLive("a wrong secret gets 50113 (ccxt: AuthenticationError)", () =>
    Effect.gen(function* () {
      const sim = yield* start
      const client = okx(sim, { ...account, secretKey: "wrong" })
      const error = yield* failure(() => client.privatePostRfqCancelQuote({ quoteId: "3000000001" }))
      assert.match(error, /^AuthenticationError: .*50113/)
      assert.deepStrictEqual(
        (yield* sim.state).requests.map((r) => [r.code, r.httpStatus]),
        [["50113", 401]]
      )
    })
  )

  it.scopedLive("setSandboxMode(true) sends x-simulated-trading: 1 — a demo key needs it, a live key gets 50101", () =>
    Effect.gen(function* () {
      const sim = yield* start
      const demo = yield* run<Envelope>(() =>
        okx(sim, demoAccount, true).privatePostRfqCancelAllAfter({ timeOut: "0" })
      )
      assert.deepStrictEqual(demo.data[0]!.triggerTime, "0")
      const live = yield* failure(() => okx(sim, account, true).privatePostRfqCancelAllAfter({ timeOut: "0" }))
      assert.match(live, /50101/)
      const demoWithout = yield* failure(() => okx(sim, demoAccount).privatePostRfqCancelAllAfter({ timeOut: "0" }))
      assert.match(demoWithout, /50101/)
    })
  )

  it.scopedLive("ccxt sends no body for a POST without parameters, which OKX (and the venue) answer with 50000", () =>
    Effect.gen(function* () {
      const sim = yield* start
      const error = yield* failure(() => okx(sim, account).privatePostRfqCancelAllQuotes({}))
      assert.match(error, /50000/)
      assert.deepStrictEqual(
        (yield* sim.state).requests.map((r) => [r.code, r.httpStatus]),
        [["50000", 400]]
      )
    })
  )
})
