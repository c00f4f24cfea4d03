import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { OkxSimulator } from "@okx-rfq/simulator"
import { authenticate, parseTimestamp, sign } from "../src/internal/auth.js"
import { account, accounts, call, demoAccount, hmac, iso } from "./utils/okx.js"

const start = OkxSimulator.make({ accounts, seedQuotes: 3 })
const cancel = { quoteId: "3000000001" }

describe("signing vectors", () => {
  it("the test's signer reproduces the reference vectors", () => {
    assert.strictEqual(
      hmac("chNOOS4KvNXR_Xq4k4c9qsfoKWvnDecLATCRlcBwyKDYnWgO", "2020-12-08T09:08:57.715ZGET/api/v5/account/balance"),
      "PJ61e1nb2F2Qd7D8SPiaIcx2gjdELc+o0ygzre9z33k="
    )
    assert.strictEqual(
      hmac(
        "22582BD0CFF14C41EDBF1AB98506286D",
        '2020-12-08T09:08:57.715ZPOST/api/v5/trade/order{"instId":"MON-USDT-SWAP","sz":"20"}'
      ),
      "D/l8rzAnDNHvrCyonnfOzknaxied4b3JiL3jEegP7PI="
    )
  })
})

describe("the venue's verifier (its own code)", () => {
  const vector = {
    apiKey: "k",
    secretKey: "22582BD0CFF14C41EDBF1AB98506286D",
    passphrase: "p",
    userId: "1",
    demo: false
  }
  const input = {
    headers: {
      "ok-access-key": "k",
      "ok-access-passphrase": "p",
      "ok-access-timestamp": "2020-12-08T09:08:57.715Z",
      "ok-access-sign": "D/l8rzAnDNHvrCyonnfOzknaxied4b3JiL3jEegP7PI="
    },
    method: "POST",
    requestPath: "/api/v5/trade/order",
    body: Buffer.from('{"instId":"MON-USDT-SWAP","sz":"20"}'),
    venueNow: Date.parse("2020-12-08T09:09:10.000Z"),
    accounts: new Map([["k", vector]])
  }

  it("accepts the reference vectors and rejects any change to them", () => {
    assert.deepStrictEqual(authenticate(input), { _tag: "Ok", account: vector })
    assert.deepStrictEqual(authenticate({ ...input, body: Buffer.from('{"instId":"MON-USDT-SWAP","sz":"21"}') }), {
      _tag: "Rejected",
      code: "50113"
    })
    assert.deepStrictEqual(
      authenticate({
        ...input,
        method: "GET",
        requestPath: "/api/v5/account/balance?ccy=USDT",
        body: new Uint8Array(0),
        headers: { ...input.headers, "ok-access-sign": "Ku79U+75wKPSP3i+t02ssUto76AYiAT/aws7hI3GZpg=" }
      }),
      { _tag: "Ok", account: vector }
    )
    assert.strictEqual(
      sign("chNOOS4KvNXR_Xq4k4c9qsfoKWvnDecLATCRlcBwyKDYnWgO", "2020-12-08T09:08:57.715ZGET/api/v5/account/balance"),
      "PJ61e1nb2F2Qd7D8SPiaIcx2gjdELc+o0ygzre9z33k="
    )
  })

  it("parses only ISO 8601 UTC with milliseconds", () => {
    assert.strictEqual(parseTimestamp("2020-12-08T09:08:57.715Z"), Date.parse("2020-12-08T09:08:57.715Z"))
    assert.strictEqual(parseTimestamp("2020-12-08T09:08:57Z"), undefined)
    assert.strictEqual(parseTimestamp("2021-02-29T00:00:00.000Z"), undefined)
    assert.strictEqual(parseTimestamp("2020-12-08 09:08:57.715Z"), undefined)
  })
})

describe("authentication over a real socket", () => {
  const expectCode = (answer: { status: number; json: { code: string } }, status: number, code: string) => {
    assert.strictEqual(answer.json.code, code)
    assert.strictEqual(answer.status, status)
  }

  it.scoped("a correctly signed request succeeds", () =>
    Effect.gen(function* () {
      const sim = yield* start
      const answer = yield* call(sim, "/api/v5/rfq/cancel-quote", { body: cancel })
      expectCode(answer, 200, "0")
    })
  )

  it.scoped("missing headers: 50103 key, 50104 passphrase, 50106 sign, 50107 timestamp (HTTP 401)", () =>
    Effect.gen(function* () {
      const sim = yield* start
      const path = "/api/v5/rfq/cancel-quote"
      expectCode(yield* call(sim, path, { body: cancel, headers: { "OK-ACCESS-KEY": undefined } }), 401, "50103")
      expectCode(yield* call(sim, path, { body: cancel, headers: { "OK-ACCESS-KEY": "" } }), 401, "50103")
      expectCode(yield* call(sim, path, { body: cancel, headers: { "OK-ACCESS-PASSPHRASE": undefined } }), 401, "50104")
      expectCode(yield* call(sim, path, { body: cancel, headers: { "OK-ACCESS-SIGN": undefined } }), 401, "50106")
      expectCode(yield* call(sim, path, { body: cancel, headers: { "OK-ACCESS-TIMESTAMP": undefined } }), 401, "50107")
      expectCode(yield* call(sim, path, { body: cancel, credentials: null, headers: {} }), 401, "50103")
    })
  )

  it.scoped("timestamp format: 50112 for anything but ISO 8601 with milliseconds and Z", () =>
    Effect.gen(function* () {
      const sim = yield* start
      const now = yield* sim.now
      const path = "/api/v5/rfq/cancel-quote"
      for (const timestamp of [
        String(now),
        iso(now).replace(/\.\d{3}Z$/, "Z"),
        iso(now).replace("Z", "+00:00"),
        "1970-02-30T00:00:00.000Z",
        "yesterday"
      ]) {
        expectCode(yield* call(sim, path, { body: cancel, timestamp }), 401, "50112")
      }
    })
  )

  it.scoped("timestamp more than 30 s off the venue clock: 50102; at 30 s exactly it passes", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({ accounts, faults: { clockOffsetMs: 1_700_000_000_000 } })
      const now = yield* sim.now
      const path = "/api/v5/rfq/quotes"
      expectCode(yield* call(sim, path, { timestamp: iso(now - 30_001) }), 401, "50102")
      expectCode(yield* call(sim, path, { timestamp: iso(now + 30_001) }), 401, "50102")
      expectCode(yield* call(sim, path, { timestamp: iso(now - 30_000) }), 200, "0")
    })
  )

  it.scoped("unknown key 50111, wrong passphrase 50105, bad signature 50113 (swapped secret and passphrase too)", () =>
    Effect.gen(function* () {
      const sim = yield* start
      const path = "/api/v5/rfq/cancel-quote"
      expectCode(yield* call(sim, path, { body: cancel, credentials: { ...account, apiKey: "nope" } }), 401, "50111")
      expectCode(yield* call(sim, path, { body: cancel, credentials: { ...account, passphrase: "x" } }), 401, "50105")
      expectCode(yield* call(sim, path, { body: cancel, credentials: { ...account, secretKey: "x" } }), 401, "50113")
      // the signature is checked before the passphrase: swapped, they fail as OKX's error table says they often do
      expectCode(
        yield* call(sim, path, {
          body: cancel,
          credentials: { ...account, secretKey: account.passphrase, passphrase: account.secretKey }
        }),
        401,
        "50113"
      )
      expectCode(yield* call(sim, path, { body: cancel, signature: "AAAA" }), 401, "50113")
    })
  )

  it.scoped("the signature covers the body as received and the query string", () =>
    Effect.gen(function* () {
      const sim = yield* start
      const timestamp = iso(yield* sim.now)
      const signedFor = hmac(account.secretKey, `${timestamp}POST/api/v5/rfq/cancel-quote{"quoteId":"3000000001"}`)
      const tampered = yield* call(sim, "/api/v5/rfq/cancel-quote", {
        body: '{"quoteId":"3000000002"}',
        timestamp,
        signature: signedFor
      })
      expectCode(tampered, 401, "50113")
      const spaced = yield* call(sim, "/api/v5/rfq/cancel-quote", { body: '{ "quoteId" : "3000000001" }' })
      expectCode(spaced, 200, "0")
      const withoutQuery = hmac(account.secretKey, `${timestamp}GET/api/v5/rfq/quotes`)
      const query = yield* call(sim, "/api/v5/rfq/quotes?state=active", { timestamp, signature: withoutQuery })
      expectCode(query, 401, "50113")
      expectCode(yield* call(sim, "/api/v5/rfq/quotes?state=active"), 200, "0")
      // bytes that are not UTF-8, signed as sent: the signature holds, and the body is a JSON syntax error
      const latin1 = Buffer.from('{"quoteId":"3000000001","note":"caf\xe9"}', "latin1")
      expectCode(yield* call(sim, "/api/v5/rfq/cancel-quote", { body: latin1 }), 400, "50002")
      const invalid = Uint8Array.from([...Buffer.from('{"quoteId":"'), 0xff, ...Buffer.from('"}')])
      expectCode(yield* call(sim, "/api/v5/rfq/cancel-quote", { body: invalid }), 400, "50002")
    })
  )

  it.scoped("demo keys need x-simulated-trading: 1, live keys must not send it: 50101", () =>
    Effect.gen(function* () {
      const sim = yield* start
      const path = "/api/v5/rfq/quotes"
      expectCode(yield* call(sim, path, { demo: true }), 401, "50101")
      expectCode(yield* call(sim, path, { credentials: demoAccount }), 401, "50101")
      expectCode(yield* call(sim, path, { credentials: demoAccount, demo: true }), 200, "0")
    })
  )

  it.scoped("the checks run in the gateway's order", () =>
    Effect.gen(function* () {
      const sim = yield* start
      const path = "/api/v5/rfq/cancel-quote"
      const now = yield* sim.now
      expectCode(yield* call(sim, "/api/v5/rfq/nope", { body: cancel, credentials: null }), 404, "404")
      const wrongMethod = yield* call(sim, path, { credentials: null })
      expectCode(wrongMethod, 405, "405")
      assert.strictEqual(wrongMethod.headers.allow, "POST")
      expectCode(yield* call(sim, path, { body: cancel, timestamp: "bad", signature: "x" }), 401, "50112")
      expectCode(
        yield* call(sim, path, {
          body: cancel,
          timestamp: iso(now - 60_000),
          credentials: { ...account, apiKey: "?" }
        }),
        401,
        "50102"
      )
      expectCode(
        yield* call(sim, path, { body: cancel, credentials: { ...account, apiKey: "?", passphrase: "?" } }),
        401,
        "50111"
      )
      expectCode(
        yield* call(sim, path, { body: cancel, credentials: { ...account, passphrase: "?" }, demo: true }),
        401,
        "50105"
      )
      expectCode(yield* call(sim, path, { body: cancel, signature: "x", demo: true }), 401, "50113")
      expectCode(yield* call(sim, path, { body: cancel, demo: true }), 401, "50101")
      expectCode(yield* call(sim, path, { body: "", signature: "x" }), 401, "50113")
    })
  )

  it.scoped("bodies: not application/json 50006, empty 50000, invalid JSON or a non-object 50002 (HTTP 400 each)", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.make({
        accounts,
        seedQuotes: 1,
        limits: { "/api/v5/rfq/cancel-all-quotes": { requests: 10, windowMs: 2000 } }
      })
      const path = "/api/v5/rfq/cancel-all-quotes"
      const typed = (contentType: string | undefined) =>
        call(sim, path, { body: {}, headers: { "Content-Type": contentType } })
      const wrong = yield* typed("text/plain")
      expectCode(wrong, 400, "50006")
      assert.strictEqual(wrong.json.msg, 'Invalid Content_Type, please use "application/json" format')
      expectCode(yield* typed("application/x-www-form-urlencoded"), 400, "50006")
      expectCode(yield* typed(undefined), 400, "50006")
      // a GET has no body to type
      expectCode(yield* call(sim, "/api/v5/rfq/quotes", { headers: { "Content-Type": undefined } }), 200, "0")
      expectCode(yield* call(sim, path, { method: "POST", body: "" }), 400, "50000")
      expectCode(yield* call(sim, path, { body: "{" }), 400, "50002")
      expectCode(yield* call(sim, path, { body: "[]" }), 400, "50002")
      // nothing was cancelled by the rejected requests; a charset parameter is fine
      expectCode(yield* typed("Application/JSON; charset=utf-8"), 200, "0")
    })
  )

  it.scoped("every rejection is in the request log", () =>
    Effect.gen(function* () {
      const sim = yield* start
      yield* call(sim, "/api/v5/rfq/cancel-quote", { body: cancel, credentials: { ...account, secretKey: "x" } })
      yield* call(sim, "/api/v5/rfq/cancel-quote", { body: cancel })
      const state = yield* sim.state
      assert.deepStrictEqual(
        state.requests.map((r) => [r.method, r.path, r.code, r.httpStatus]),
        [
          ["POST", "/api/v5/rfq/cancel-quote", "50113", 401],
          ["POST", "/api/v5/rfq/cancel-quote", "0", 200]
        ]
      )
    })
  )
})
