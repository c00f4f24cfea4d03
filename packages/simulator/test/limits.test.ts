import { assert, describe, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { OkxSimulator } from "@okx-rfq/simulator"
import * as net from "node:net"
import { account, account2, accounts, call, control, hmac, iso, other } from "./utils/okx.js"

const cancelQuote = (sim: OkxSimulator.Service, credentials = accounts[0]!) =>
  call(sim, "/api/v5/rfq/cancel-quote", { credentials, body: { quoteId: "1" } })

/** One cancel-all-after re-arm: the answer's code. */
const rearm = (sim: OkxSimulator.Service) =>
  Effect.map(call(sim, "/api/v5/rfq/cancel-all-after", { body: { timeOut: "60" } }), (answer) => answer.json.code)

/** The codes of six re-arms 995 ms apart: a heartbeat a little faster than the limit of 1 per second. */
const earlyHeartbeat = (sim: OkxSimulator.Service) =>
  Effect.gen(function* () {
    const codes: Array<string> = []
    for (let i = 0; i < 6; i++) {
      codes.push(yield* rearm(sim))
      yield* TestClock.adjust("995 millis")
    }
    return codes
  })

/**
 * A cancel-quote whose headers arrive now and whose body only comes with `finish` (a slow upload): the venue takes its
 * arrival time from the headers and decides it once the body is in. `finish` sends the body and gives the answer.
 */
const slowBody = (sim: OkxSimulator.Service) =>
  Effect.gen(function* () {
    const body = JSON.stringify({ quoteId: "1" })
    const timestamp = iso(yield* sim.now)
    const path = "/api/v5/rfq/cancel-quote"
    const head = [
      `POST ${path} HTTP/1.1`,
      `Host: ${new URL(sim.url).host}`,
      "Content-Type: application/json",
      `Content-Length: ${Buffer.byteLength(body)}`,
      `OK-ACCESS-KEY: ${account.apiKey}`,
      `OK-ACCESS-PASSPHRASE: ${account.passphrase}`,
      `OK-ACCESS-TIMESTAMP: ${timestamp}`,
      `OK-ACCESS-SIGN: ${hmac(account.secretKey, `${timestamp}POST${path}${body}`)}`,
      "Connection: close"
    ].join("\r\n")
    const socket = net.connect(Number(new URL(sim.url).port), "127.0.0.1")
    const answer = new Promise<string>((resolve) => {
      let text = ""
      socket.on("data", (chunk) => (text += chunk.toString()))
      socket.on("close", () => resolve(text))
    })
    socket.write(`${head}\r\n\r\n`)
    // real time for the venue to read the headers (and the arrival time); the TestClock does not move meanwhile
    yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 200)))
    return {
      finish: Effect.zipRight(
        Effect.sync(() => socket.end(body)),
        Effect.promise(() => answer)
      )
    }
  })

describe("limits per User ID and endpoint, by arrival time over a sliding window", () => {
  it.scoped("the 51st cancel-quote inside 2 s gets HTTP 429 with code 50011", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({ accounts })
      for (let i = 0; i < 50; i++) {
        const answer = yield* cancelQuote(sim)
        assert.deepStrictEqual([answer.status, answer.json.code], [200, "1"])
        if (i % 10 === 9) yield* TestClock.adjust("100 millis")
      }
      const limited = yield* cancelQuote(sim)
      assert.strictEqual(limited.status, 429)
      assert.strictEqual(limited.json.code, "50011")
      assert.deepStrictEqual(limited.json.data, [])
      const log = (yield* sim.state).requests
      assert.strictEqual(log.length, 51)
      assert.deepStrictEqual(log[50], {
        at: 500,
        method: "POST",
        path: "/api/v5/rfq/cancel-quote",
        code: "50011",
        httpStatus: 429
      })
    })
  )

  it.scoped("a request whose body comes in after a later arrival's answer counts from its own arrival", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({
        accounts,
        limits: { "/api/v5/rfq/cancel-quote": { requests: 2, windowMs: 2000 } }
      })
      // A: its headers at 0, its body only after B, which arrives whole at 100 ms and is answered first
      const slow = yield* slowBody(sim)
      yield* TestClock.adjust("100 millis")
      assert.strictEqual((yield* cancelQuote(sim)).json.code, "1")
      assert.include(yield* slow.finish, '"code":"1"')
      // at 2,050 ms A's place (0) has left the window and B's (100) has not: one place is free, then none
      yield* TestClock.adjust("1950 millis")
      assert.strictEqual((yield* cancelQuote(sim)).json.code, "1")
      assert.strictEqual((yield* cancelQuote(sim)).json.code, "50011")
    })
  )

  it.scoped("a slow body's request counts the places of its own window, even those a later arrival let go", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({
        accounts,
        limits: { "/api/v5/rfq/cancel-quote": { requests: 2, windowMs: 2000 } }
      })
      // X1 at 0 and X2 at 10 fill the window until 2,000 / 2,010; A's headers arrive at 1,500
      assert.strictEqual((yield* cancelQuote(sim)).json.code, "1")
      yield* TestClock.adjust("10 millis")
      assert.strictEqual((yield* cancelQuote(sim)).json.code, "1")
      yield* TestClock.adjust("1490 millis")
      const slow = yield* slowBody(sim)
      // Z at 2,050: X1 and X2 are out of its window
      yield* TestClock.adjust("550 millis")
      assert.strictEqual((yield* cancelQuote(sim)).json.code, "1")
      // A arrived at 1,500, with X1 and X2 in (-500, 1500]: no place was free
      assert.include(yield* slow.finish, '"code":"50011"')
    })
  )

  it.scoped("the window slides: arrivals older than 2 s free their places one by one", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({
        accounts,
        limits: { "/api/v5/rfq/cancel-quote": { requests: 3, windowMs: 2000 } }
      })
      yield* cancelQuote(sim)
      yield* TestClock.adjust("1 second")
      yield* cancelQuote(sim)
      yield* cancelQuote(sim)
      assert.strictEqual((yield* cancelQuote(sim)).json.code, "50011")
      yield* TestClock.adjust("999 millis")
      assert.strictEqual((yield* cancelQuote(sim)).json.code, "50011")
      // exactly 2 s after the first: it left the window, so one more passes, and the window is full again
      yield* TestClock.adjust("1 millis")
      assert.strictEqual((yield* cancelQuote(sim)).json.code, "1")
      assert.strictEqual((yield* cancelQuote(sim)).json.code, "50011")
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual((yield* cancelQuote(sim)).json.code, "1")
    })
  )

  it.scoped(
    "a request rejected with 50011 takes no place: an early client gets through once the last passed is W old",
    () =>
      Effect.gen(function* () {
        const sim = yield* OkxSimulator.make({ accounts })
        // every other re-arm passes, none is locked out for good
        assert.deepStrictEqual(yield* earlyHeartbeat(sim), ["0", "50011", "0", "50011", "0", "50011"])
        yield* TestClock.adjust("5 seconds")
        assert.strictEqual(yield* rearm(sim), "0")
        yield* TestClock.adjust("600 millis")
        assert.strictEqual(yield* rearm(sim), "50011")
        yield* TestClock.adjust("400 millis")
        assert.strictEqual(yield* rearm(sim), "0")
        const log = (yield* sim.state).requests
        assert.strictEqual(log.filter((entry) => entry.code === "50011").length, 4)
      })
  )

  it.scoped(
    "with countRejected every authenticated arrival counts: a client hammering over the limit stays limited",
    () =>
      Effect.gen(function* () {
        const sim = yield* OkxSimulator.make({ accounts, countRejected: true })
        assert.deepStrictEqual(yield* earlyHeartbeat(sim), ["0", "50011", "50011", "50011", "50011", "50011"])
        assert.strictEqual(yield* rearm(sim), "50011")
        yield* TestClock.adjust("1 second")
        assert.strictEqual(yield* rearm(sim), "0")
      })
  )

  it.scoped("keys of one User ID share a lane; another User ID and another endpoint have their own", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({ accounts, seedQuotes: 1 })
      const path = "/api/v5/rfq/cancel-all-quotes"
      assert.strictEqual((yield* call(sim, path, { body: {} })).json.code, "0")
      assert.strictEqual((yield* call(sim, path, { credentials: account2, body: {} })).json.code, "70409")
      const third = yield* call(sim, path, { credentials: account2, body: {} })
      assert.deepStrictEqual([third.status, third.json.code], [429, "50011"])
      assert.strictEqual((yield* call(sim, path, { credentials: other, body: {} })).json.code, "70409")
      assert.strictEqual((yield* call(sim, "/api/v5/rfq/cancel-all-rfqs", { body: {} })).json.code, "70207")
    })
  )

  it.scoped("unauthenticated requests are not counted against the user; public time is limited per IP", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({ accounts })
      for (let i = 0; i < 5; i++) {
        yield* call(sim, "/api/v5/rfq/cancel-all-after", { body: { timeOut: "60" }, signature: "bad" })
      }
      assert.strictEqual((yield* call(sim, "/api/v5/rfq/cancel-all-after", { body: { timeOut: "60" } })).json.code, "0")
      for (let i = 0; i < 10; i++) {
        assert.strictEqual((yield* call(sim, "/api/v5/public/time", { credentials: null })).json.code, "0")
      }
      const limited = yield* call(sim, "/api/v5/public/time", { credentials: null })
      assert.deepStrictEqual([limited.status, limited.json.code], [429, "50011"])
    })
  )

  it.scoped("the request log is bounded: only the last maxRequestLog entries are kept", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({ accounts, maxRequestLog: 5 })
      for (let i = 0; i < 12; i++) {
        yield* call(sim, "/api/v5/public/time", { credentials: null })
        yield* TestClock.adjust("1 second")
      }
      const log = (yield* sim.state).requests
      assert.deepStrictEqual(
        log.map((r) => r.at),
        [7000, 8000, 9000, 10000, 11000]
      )
      const last = yield* control<OkxSimulator.State>(sim, "/sim/state?requests=2")
      assert.deepStrictEqual(
        last.json.requests.map((r) => r.at),
        [10000, 11000]
      )
    })
  )
})
