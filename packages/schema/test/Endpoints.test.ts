import { assert, describe, it } from "@effect/vitest"
import { DateTime, Duration, Either, FastCheck as fc, Schema } from "effect"
import { Endpoints, OkxEnvelope, OkxError, RfqCancel } from "@okx-rfq/schema"

const ok = (body: unknown) => ({ httpStatus: 200, body })

const right = <A, E>(result: Either.Either<A, E>): A => {
  if (Either.isLeft(result)) return assert.fail(`expected Right, got ${String(result.left)}`)
  return result.right
}

const left = <A, E>(result: Either.Either<A, E>): E => {
  if (Either.isRight(result)) return assert.fail(`expected Left, got ${JSON.stringify(result.right)}`)
  return result.left
}

describe("endpoint table", () => {
  it("describes the seven cancellation endpoints, public time, quotes and RFQs", () => {
    assert.deepStrictEqual(
      Endpoints.all.map((e) => [e.name, e.method, e.path]),
      [
        ["cancel-rfq", "POST", "/api/v5/rfq/cancel-rfq"],
        ["cancel-batch-rfqs", "POST", "/api/v5/rfq/cancel-batch-rfqs"],
        ["cancel-all-rfqs", "POST", "/api/v5/rfq/cancel-all-rfqs"],
        ["cancel-quote", "POST", "/api/v5/rfq/cancel-quote"],
        ["cancel-batch-quotes", "POST", "/api/v5/rfq/cancel-batch-quotes"],
        ["cancel-all-quotes", "POST", "/api/v5/rfq/cancel-all-quotes"],
        ["cancel-all-after", "POST", "/api/v5/rfq/cancel-all-after"],
        ["public-time", "GET", "/api/v5/public/time"],
        ["quotes", "GET", "/api/v5/rfq/quotes"],
        ["rfqs", "GET", "/api/v5/rfq/rfqs"]
      ]
    )
  })

  it("descriptors are typed precisely", () => {
    const result: Endpoints.ResultOf<typeof Endpoints.cancelQuote> = {
      _tag: "Items",
      code: "0",
      msg: "",
      items: []
    }
    const items: Endpoints.ItemsResult<RfqCancel.QuoteCancellation> = result
    const name: "cancel-quote" = Endpoints.cancelQuote.name
    const path: "/api/v5/rfq/cancel-quote" = Endpoints.cancelQuote.path
    const encoded: { readonly quoteId?: string; readonly clQuoteId?: string; readonly rfqId?: string } =
      Schema.encodeSync(Endpoints.cancelQuote.request)({ quoteId: "1" })
    const names: ReadonlyArray<Endpoints.CancellationName> = Endpoints.cancellation.map((e) => e.name)
    assert.deepStrictEqual(
      [items.items, name, path, encoded, names.length],
      [[], "cancel-quote", path, { quoteId: "1" }, 7]
    )
  })

  it("prepare yields the exact JSON body or signed request path", () => {
    assert.deepStrictEqual(right(Endpoints.prepare(Endpoints.cancelQuote, { quoteId: "007", clQuoteId: "Bond007" })), {
      method: "POST",
      requestPath: "/api/v5/rfq/cancel-quote",
      body: '{"quoteId":"007","clQuoteId":"Bond007"}'
    })
    assert.deepStrictEqual(right(Endpoints.prepare(Endpoints.cancelAllAfter, { timeOut: Duration.seconds(60) })), {
      method: "POST",
      requestPath: "/api/v5/rfq/cancel-all-after",
      body: '{"timeOut":"60"}'
    })
    assert.strictEqual(right(Endpoints.prepare(Endpoints.cancelAllQuotes, {})).body, "{}")
    assert.deepStrictEqual(right(Endpoints.prepare(Endpoints.serverTime, {})), {
      method: "GET",
      requestPath: "/api/v5/public/time",
      body: ""
    })
    assert.deepStrictEqual(
      right(Endpoints.prepare(Endpoints.quotes, { quoteId: "007", state: "active", limit: 10, rfqId: undefined })),
      { method: "GET", requestPath: "/api/v5/rfq/quotes?quoteId=007&state=active&limit=10", body: "" }
    )
  })

  it("prepare rejects invalid input with a typed error naming field and value", () => {
    const error = left(Endpoints.prepare(Endpoints.cancelAllAfter, { timeOut: Duration.seconds(5) }))
    assert.strictEqual(error._tag, "InvalidRequest")
    assert.strictEqual(error.field, "timeOut")
    assert.strictEqual(error.endpoint, "cancel-all-after")
    assert.strictEqual(error.retry, "never")
    assert.include(error.msg, "got 5 seconds")
    assert.include(error.message, "cancel-all-after")
    const missing = left(Endpoints.prepare(Endpoints.cancelQuote, { rfqId: "1" }))
    assert.strictEqual(missing.field, "quoteId")
    assert.include(missing.msg, "clQuoteId")
  })

  it("a request that is not an object is named as the request, with what was given", () => {
    for (const [input, shown] of [
      [undefined, "undefined"],
      [null, "null"],
      [7, "7"],
      ["007", '"007"'],
      [["007"], '["007"]']
    ] as const) {
      for (const endpoint of [Endpoints.cancelQuote, Endpoints.cancelBatchQuotes, Endpoints.rfqs]) {
        const error = left(Endpoints.prepare(endpoint as typeof Endpoints.cancelQuote, input as never))
        assert.strictEqual(error.field, "request", shown)
        assert.strictEqual(error.endpoint, endpoint.name)
        assert.strictEqual(error.msg, `request: expected an object of the request's fields, got ${shown}`)
      }
    }
    assert.isUndefined(Endpoints.requestShapeProblem("cancel-quote", { quoteId: "007" }))
  })
})

describe("interpret: results", () => {
  it("cancel-quote documented example", () => {
    const result = right(
      Endpoints.interpret(
        Endpoints.cancelQuote,
        ok({ code: "0", msg: "", data: [{ quoteId: "007", clQuoteId: "Bond007", sCode: "0", sMsg: "" }] })
      )
    )
    assert.deepStrictEqual(result, {
      _tag: "Items",
      code: "0",
      msg: "",
      items: [{ quoteId: "007", clQuoteId: "Bond007", outcome: { _tag: "Cancelled", sCode: "0", sMsg: "" } }]
    })
  })

  it("partial batch (code 2) keeps every item with its outcome", () => {
    const result = right(
      Endpoints.interpret(
        Endpoints.cancelBatchQuotes,
        ok({
          code: "2",
          msg: "Partially successful",
          data: [
            { quoteId: "1", clQuoteId: "q1", sCode: "0", sMsg: "" },
            { quoteId: "2", clQuoteId: "q2", sCode: "70001", sMsg: "x" },
            { quoteId: "3", clQuoteId: "q3", sCode: "70400", sMsg: "y" },
            { quoteId: "4", clQuoteId: "q4", sCode: "50011", sMsg: "z" }
          ]
        })
      )
    )
    assert.strictEqual(result.code, "2")
    assert.deepStrictEqual(
      result.items.map((i) => [i.clQuoteId, i.outcome._tag, i.outcome.sCode]),
      [
        ["q1", "Cancelled", "0"],
        ["q2", "NotFound", "70001"],
        ["q3", "AlreadyInactive", "70400"],
        ["q4", "Rejected", "50011"]
      ]
    )
    assert.strictEqual(OkxError.retryRuleForCode(result.items[3].outcome.sCode), "backoff")
  })

  it("all-failed batch (code 1) is a result, not an error", () => {
    const result = right(
      Endpoints.interpret(
        Endpoints.cancelBatchRfqs,
        ok({
          code: "1",
          msg: "All operations failed",
          data: [
            { rfqId: "1", clRfqId: "", sCode: "70000", sMsg: "" },
            { rfqId: "2", clRfqId: "", sCode: "70200", sMsg: "" }
          ]
        })
      )
    )
    assert.strictEqual(result.code, "1")
    assert.deepStrictEqual(
      result.items.map((i) => i.outcome._tag),
      ["NotFound", "AlreadyInactive"]
    )
  })

  it("single cancel with code 1 keeps the item", () => {
    const result = right(
      Endpoints.interpret(
        Endpoints.cancelRfq,
        ok({ code: "1", msg: "", data: [{ rfqId: "1", clRfqId: "c", sCode: "70000", sMsg: "" }] })
      )
    )
    assert.strictEqual(result.items[0].outcome._tag, "NotFound")
  })

  it("the code is the one the items say: an envelope 0 beside an item not cancelled is not a complete cancel", () => {
    const answer = (code: string, sCodes: ReadonlyArray<string>) =>
      Endpoints.accountForQuotes(
        right(
          Endpoints.interpret(
            Endpoints.cancelBatchQuotes,
            ok({ code, msg: "", data: sCodes.map((sCode, i) => ({ quoteId: String(i + 1), sCode, sMsg: "" })) })
          )
        ),
        { ids: sCodes.map((_, i) => String(i + 1)), byClientId: false }
      ).code
    assert.strictEqual(answer("0", ["70400"]), "1")
    assert.strictEqual(answer("0", ["0", "70001"]), "2")
    assert.strictEqual(answer("2", ["0", "0"]), "0")
    assert.strictEqual(answer("0", ["0", "0"]), "0")
  })

  it("items without the asked id take the ids no item names only when that is unambiguous", () => {
    const items = (...outcomes: ReadonlyArray<readonly [quoteId: string, sCode: string]>) =>
      right(
        Endpoints.interpret(
          Endpoints.cancelBatchQuotes,
          ok({ code: "0", msg: "", data: outcomes.map(([quoteId, sCode]) => ({ quoteId, sCode, sMsg: "" })) })
        )
      )
    const view = (result: Endpoints.ItemsResult<RfqCancel.QuoteCancellation>) =>
      result.items.map((item) => `${item.quoteId}/${item.clQuoteId} ${item.outcome._tag}`)
    // one item without quoteId for the one id asked: that id's
    assert.deepStrictEqual(view(Endpoints.accountForQuotes(items(["", "0"]), { ids: ["101"], byClientId: false })), [
      "101/ Cancelled"
    ])
    // by client id, two items without clQuoteId and with the same outcome: both ids cancelled, each in an item of
    // its own (which quoteId is whose is not known, so none is made up)
    const byClient = { ids: ["a1", "b2"], byClientId: true }
    assert.deepStrictEqual(view(Endpoints.accountForQuotes(items(["11", "0"], ["12", "0"]), byClient)), [
      "/a1 Cancelled",
      "/b2 Cancelled"
    ])
    // different outcomes: which id is still live is unknown, so both are Unanswered beside the venue's items
    const mixed = Endpoints.accountForQuotes(items(["12", "70001"], ["11", "0"]), byClient)
    assert.deepStrictEqual(view(mixed), ["12/ NotFound", "11/ Cancelled", "/a1 Unanswered", "/b2 Unanswered"])
    assert.strictEqual(mixed.code, "2")
    // by client id, an item that leaves out the quoteId (the id the request did not use) still answers its id
    const withoutQuoteId = right(
      Endpoints.interpret(
        Endpoints.cancelBatchQuotes,
        ok({ code: "0", msg: "", data: [{ clQuoteId: "a1", sCode: "0", sMsg: "" }] })
      )
    )
    assert.deepStrictEqual(view(Endpoints.accountForQuotes(withoutQuoteId, { ids: ["a1"], byClientId: true })), [
      "/a1 Cancelled"
    ])
    const withoutRfqId = right(
      Endpoints.interpret(Endpoints.cancelRfq, ok({ code: "0", msg: "", data: [{ clRfqId: "r1", sCode: "0" }] }))
    )
    assert.deepStrictEqual(
      Endpoints.accountForRfqs(withoutRfqId, { ids: ["r1"], byClientId: true }).items.map((item) => [
        item.rfqId,
        item.clRfqId,
        item.outcome._tag
      ]),
      [["", "r1", "Cancelled"]]
    )
    // fewer such items than ids: the same
    assert.deepStrictEqual(view(Endpoints.accountForQuotes(items(["11", "0"]), byClient)), [
      "11/ Cancelled",
      "/a1 Unanswered",
      "/b2 Unanswered"
    ])
  })

  it("an item's code for the whole request is an all-failed result naming it, with whatever items came", () => {
    for (const code of Endpoints.itemCodes) {
      const result = right(Endpoints.interpret(Endpoints.cancelQuote, ok({ code, msg: "m", data: [] })))
      assert.deepStrictEqual(result, { _tag: "Items", code: "1", msg: "m", items: [], topLevel: { code, msg: "m" } })
      // accounted for: the only id gets the code's outcome, several get Rejected with it
      const one = Endpoints.accountForQuotes(result, { ids: ["7"], byClientId: false })
      assert.deepStrictEqual(one.items[0]?.outcome, RfqCancel.itemOutcome(code, "m"))
      const two = Endpoints.accountForQuotes(result, { ids: ["7", "8"], byClientId: false })
      assert.deepStrictEqual(
        two.items.map((item) => item.outcome),
        [
          { _tag: "Rejected", sCode: code, sMsg: "m" },
          { _tag: "Rejected", sCode: code, sMsg: "m" }
        ]
      )
    }
    const withoutData = right(Endpoints.interpret(Endpoints.cancelBatchRfqs, ok({ code: "70000", msg: "" })))
    assert.deepStrictEqual(withoutData.items, [])
    // `data: null` says the same as no data
    const nullData = right(Endpoints.interpret(Endpoints.cancelQuote, ok({ code: "70001", msg: "", data: null })))
    assert.deepStrictEqual(nullData.items, [])
    const withItem = right(
      Endpoints.interpret(
        Endpoints.cancelBatchRfqs,
        ok({ code: "70000", msg: "", data: [{ rfqId: "1", clRfqId: "", sCode: "70000", sMsg: "" }] })
      )
    )
    assert.deepStrictEqual(
      withItem.items.map((item) => item.outcome._tag),
      ["NotFound"]
    )
    // on another endpoint it is not a result
    assert.strictEqual(
      left(Endpoints.interpret(Endpoints.cancelAllQuotes, ok({ code: "70001", msg: "", data: [] })))._tag,
      "UnknownCode"
    )
  })

  it("cancel-all: ts, and 70409 / 70207 as NothingToCancel", () => {
    const all = right(
      Endpoints.interpret(Endpoints.cancelAllQuotes, ok({ code: "0", msg: "", data: [{ ts: "1697026383085" }] }))
    )
    if (all._tag !== "AllCancelled") return assert.fail(all._tag)
    assert.strictEqual(DateTime.toEpochMillis(all.ts), 1697026383085)
    assert.deepStrictEqual(
      right(Endpoints.interpret(Endpoints.cancelAllQuotes, ok({ code: "70409", msg: "whatever", data: [] }))),
      { _tag: "NothingToCancel", code: "70409", msg: "whatever" }
    )
    assert.deepStrictEqual(right(Endpoints.interpret(Endpoints.cancelAllRfqs, ok({ code: "70207", msg: "" }))), {
      _tag: "NothingToCancel",
      code: "70207",
      msg: ""
    })
  })

  it("70409 on another endpoint is the NothingToCancel error", () => {
    const error = left(Endpoints.interpret(Endpoints.cancelQuote, ok({ code: "70409", msg: "", data: [] })))
    assert.strictEqual(error._tag, "NothingToCancel")
    assert.strictEqual(error.retry, "never")
  })

  it("each cancel-all takes only its own nothing-active code: the RFQs' 70207 says nothing about quotes", () => {
    for (const [endpoint, code] of [
      [Endpoints.cancelAllQuotes, "70207"],
      [Endpoints.cancelAllRfqs, "70409"]
    ] as const) {
      const error = left(Endpoints.interpret(endpoint, ok({ code, msg: "", data: [] })))
      assert.deepStrictEqual([error._tag, error.code], ["NothingToCancel", code])
    }
  })

  it("cancel-all-after documented example and disabled", () => {
    const armed = right(
      Endpoints.interpret(
        Endpoints.cancelAllAfter,
        ok({ code: "0", msg: "", data: [{ triggerTime: "1587971460", ts: "1587971400" }] })
      )
    )
    if (armed.triggerTime._tag === "Disabled") return assert.fail("expected armed")
    assert.strictEqual(DateTime.toEpochMillis(armed.triggerTime) - DateTime.toEpochMillis(armed.ts), 60_000)
    const disabled = right(
      Endpoints.interpret(
        Endpoints.cancelAllAfter,
        ok({ code: "0", msg: "", data: [{ triggerTime: "0", ts: "1587971400" }] })
      )
    )
    assert.strictEqual(disabled.triggerTime._tag, "Disabled")
  })

  it("server time and quotes", () => {
    const time = right(
      Endpoints.interpret(Endpoints.serverTime, ok({ code: "0", msg: "", data: [{ ts: "1597026383085" }] }))
    )
    assert.strictEqual(DateTime.toEpochMillis(time.ts), 1597026383085)
    const quotes = right(
      Endpoints.interpret(
        Endpoints.quotes,
        ok({
          code: "0",
          msg: "",
          data: [
            { quoteId: "1", clQuoteId: "a", rfqId: "9", state: "active", legs: [], quoteSide: "buy" },
            { quoteId: "2", clQuoteId: "", rfqId: "9", state: "canceled", uTime: "1650968164944" },
            // OKX writes "" for a time it has none of
            { quoteId: "3", rfqId: "9", state: "active", cTime: "1650968164944", uTime: "", validUntil: "" }
          ]
        })
      )
    )
    assert.deepStrictEqual(
      quotes.map((q) => q.state),
      ["active", "canceled", "active"]
    )
    assert.deepStrictEqual(
      [quotes[2]!.cTime === undefined, "uTime" in quotes[2]!, "validUntil" in quotes[2]!],
      [false, false, false]
    )
    // a time that is there is still checked
    assert.strictEqual(
      left(
        Endpoints.interpret(
          Endpoints.quotes,
          ok({ code: "0", msg: "", data: [{ quoteId: "1", rfqId: "9", state: "active", uTime: "soon" }] })
        )
      )._tag,
      "DecodeError"
    )
  })

  it('RFQs: states (pending_fill, traded_away too), an absent clRfqId is "", extra fields ignored; paging query', () => {
    const rfqs = right(
      Endpoints.interpret(
        Endpoints.rfqs,
        ok({
          code: "0",
          msg: "",
          data: [
            { rfqId: "2", clRfqId: "b", state: "traded_away", counterparties: [], legs: [], cTime: "1650968164944" },
            { rfqId: "1", state: "pending_fill" }
          ]
        })
      )
    )
    assert.deepStrictEqual(
      rfqs.map((r) => [r.rfqId, r.clRfqId, r.state]),
      [
        ["2", "b", "traded_away"],
        ["1", "", "pending_fill"]
      ]
    )
    assert.strictEqual(
      left(Endpoints.interpret(Endpoints.rfqs, ok({ code: "0", msg: "", data: [{ rfqId: "1", state: "gone" }] })))._tag,
      "DecodeError"
    )
    assert.deepStrictEqual(
      right(Endpoints.prepare(Endpoints.rfqs, { endId: "2000000051", limit: 100, state: "canceled" })),
      {
        method: "GET",
        requestPath: "/api/v5/rfq/rfqs?state=canceled&endId=2000000051&limit=100",
        body: ""
      }
    )
    const bad = left(Endpoints.prepare(Endpoints.rfqs, { clRfqId: "x-y" }))
    assert.strictEqual(bad.field, "clRfqId")
  })

  it("a body kept as raw JSON text is parsed", () => {
    const result = right(
      Endpoints.interpret(Endpoints.serverTime, { httpStatus: 200, body: '{"code":"0","msg":"","data":[{"ts":"1"}]}' })
    )
    assert.strictEqual(DateTime.toEpochMillis(result.ts), 1)
  })
})

describe("interpret: errors", () => {
  it("every classified envelope code maps to its error and retry rule, on HTTP 200 and on its HTTP status", () => {
    const errorTags = new Set<string>([
      "RateLimited",
      "Unavailable",
      "OutcomeUnknown",
      "TimestampExpired",
      "AuthenticationFailed",
      "PermissionDenied",
      "InvalidRequest",
      "NothingToCancel"
    ])
    const rows = OkxError.codeTable.filter((row) => errorTags.has(row.tag))
    assert.isAtLeast(rows.length, 30)
    for (const row of rows) {
      for (const httpStatus of [200, 400, 401, 429, 503]) {
        const error = left(
          Endpoints.interpret(Endpoints.cancelBatchQuotes, { httpStatus, body: { code: row.code, msg: "m", data: [] } })
        )
        assert.strictEqual(error._tag, row.tag, row.code)
        assert.strictEqual(error.code, row.code)
        assert.strictEqual(error.retry, row.retry)
        assert.strictEqual(error.httpStatus, httpStatus)
        assert.strictEqual(OkxError.isRetriable(error), row.retry !== "never")
        assert.include(error.message, "cancel-batch-quotes")
        assert.include(error.message, row.code)
      }
    }
  })

  it("taxonomy from the issue", () => {
    const tagOf = (code: string) =>
      left(Endpoints.interpret(Endpoints.cancelQuote, { httpStatus: 200, body: { code, msg: "", data: [] } }))
    assert.strictEqual(tagOf("50011").retry, "backoff")
    for (const code of ["50001", "50013", "50026", "70208"]) assert.strictEqual(tagOf(code)._tag, "Unavailable")
    assert.strictEqual(tagOf("50004")._tag, "OutcomeUnknown")
    assert.strictEqual(tagOf("50102").retry, "resync-then-retry-once")
    for (const code of ["50101", "50103", "50104", "50105", "50106", "50107", "50111", "50112", "50113", "50114"]) {
      const error = tagOf(code)
      assert.strictEqual(error._tag, "AuthenticationFailed", code)
      assert.strictEqual(error.retry, "never")
    }
    assert.include(tagOf("50113").message, "swapped")
  })

  it("decisions use codes, never msg", () => {
    const a = left(
      Endpoints.interpret(Endpoints.cancelQuote, ok({ code: "50001", msg: "Rate limit reached", data: [] }))
    )
    assert.strictEqual(a._tag, "Unavailable")
    const b = left(Endpoints.interpret(Endpoints.cancelQuote, ok({ code: "50011", msg: "", data: [] })))
    assert.strictEqual(b._tag, "RateLimited")
  })

  it("rate limit on HTTP 429 with an envelope", () => {
    const error = left(
      Endpoints.interpret(Endpoints.cancelAllAfter, { httpStatus: 429, body: { code: "50011", msg: "Too Many" } })
    )
    assert.strictEqual(error._tag, "RateLimited")
    assert.strictEqual(error.httpStatus, 429)
  })

  it("unknown code keeps code and msg", () => {
    const error = left(Endpoints.interpret(Endpoints.cancelQuote, ok({ code: "59999", msg: "new thing", data: [] })))
    assert.strictEqual(error._tag, "UnknownCode")
    assert.strictEqual(error.code, "59999")
    if (error._tag === "UnknownCode") assert.strictEqual(error.msg, "new thing")
    assert.strictEqual(error.retry, "never")
  })

  it("non-2xx without an envelope: 429, 5xx, other", () => {
    const at = (httpStatus: number, body: unknown) =>
      left(Endpoints.interpret(Endpoints.cancelQuote, { httpStatus, body }))
    const limited = at(429, "Too Many Requests")
    assert.strictEqual(limited._tag, "RateLimited")
    assert.strictEqual(limited.code, undefined)
    for (const status of [500, 502, 503, 504]) {
      const error = at(status, "<html>Bad Gateway</html>")
      assert.strictEqual(error._tag, "Unavailable")
      assert.strictEqual(error.retry, "backoff")
      if (error._tag === "Unavailable") assert.strictEqual(error.body, "<html>Bad Gateway</html>")
    }
    const notFound = at(404, { error: "not found" })
    assert.strictEqual(notFound._tag, "UnknownCode")
    assert.strictEqual(notFound.httpStatus, 404)
    assert.strictEqual(notFound.retry, "never")
  })

  it("non-2xx with a success code is an HTTP error", () => {
    const error = left(Endpoints.interpret(Endpoints.cancelAllQuotes, { httpStatus: 503, body: { code: "0" } }))
    assert.strictEqual(error._tag, "Unavailable")
  })

  it("2xx without a readable envelope is OutcomeUnknown (retried), keeping the raw body and no code", () => {
    for (const raw of ["<html>oops</html>", '{"code":"0","msg":"","data":[{"quoteId":', "", "[]", { data: [] }]) {
      const error = left(Endpoints.interpret(Endpoints.cancelQuote, ok(raw)))
      if (error._tag !== "OutcomeUnknown") return assert.fail(`${JSON.stringify(raw)}: ${error._tag}`)
      assert.deepStrictEqual([error.body, error.code, error.httpStatus, error.retry], [raw, undefined, 200, "backoff"])
      assert.include(error.msg, "not an OKX envelope")
    }
  })

  it("2xx with an envelope whose deciding field is missing or malformed is a DecodeError keeping the raw body", () => {
    const body = { code: "0", msg: "", data: [{ quoteId: "1", clQuoteId: "", sMsg: "" }] }
    const missing = left(Endpoints.interpret(Endpoints.cancelQuote, ok(body)))
    if (missing._tag !== "DecodeError") return assert.fail(missing._tag)
    assert.strictEqual(missing.body, body)
    assert.strictEqual(missing.code, "0")
    assert.include(missing.detail, "data[0].sCode")
    assert.strictEqual(missing.retry, "never")
    const noData = left(Endpoints.interpret(Endpoints.cancelAllQuotes, ok({ code: "0", msg: "" })))
    assert.strictEqual(noData._tag, "DecodeError")
    const empty = left(Endpoints.interpret(Endpoints.cancelAllAfter, ok({ code: "0", msg: "", data: [] })))
    assert.strictEqual(empty._tag, "DecodeError")
    const badTs = left(Endpoints.interpret(Endpoints.serverTime, ok({ code: "0", msg: "", data: [{ ts: "soon" }] })))
    assert.strictEqual(badTs._tag, "DecodeError")
  })

  it("errors are recognised by the guard", () => {
    const error = left(Endpoints.interpret(Endpoints.cancelQuote, ok(null)))
    assert.isTrue(OkxError.isOkxError(error))
    assert.isFalse(OkxError.isOkxError(new Error("x")))
    assert.isFalse(OkxError.isOkxError({ _tag: "RateLimited" }))
  })
})

const envelopeLike = fc.record(
  {
    code: fc.oneof(fc.constantFrom("0", "1", "2", "50011", "70409", "70207", "50102"), fc.string()),
    msg: fc.oneof(fc.string(), fc.anything()),
    data: fc.oneof(
      fc.array(fc.anything()),
      fc.array(
        fc.dictionary(
          fc.constantFrom("quoteId", "clQuoteId", "rfqId", "clRfqId", "sCode", "sMsg", "ts", "triggerTime", "state"),
          fc.oneof(fc.string(), fc.integer().map(String), fc.anything())
        )
      ),
      fc.anything()
    )
  },
  { requiredKeys: [] }
)

describe("interpret is total", () => {
  it("a body nested thousands of levels deep is an unreadable answer, not a stack overflow", () => {
    // about 10 KB of JSON text, far under any body limit; built as text (stringifying it would overflow the stack)
    const deepText = `${'{"a":['.repeat(2500)}1${"]}".repeat(2500)}`
    const texts = [
      deepText,
      `{"code":"0","msg":"","data":${deepText}}`,
      `{"code":"0","msg":"","data":[{"quoteId":${deepText}}]}`
    ]
    for (const body of [...texts, ...texts.map((text): unknown => JSON.parse(text))]) {
      const unreadable = left(Endpoints.interpret(Endpoints.cancelQuote, ok(body)))
      if (unreadable._tag !== "OutcomeUnknown") return assert.fail(unreadable._tag)
      assert.include(unreadable.msg, `nested deeper than ${OkxEnvelope.maxDepth} levels`)
      assert.strictEqual(
        left(Endpoints.interpret(Endpoints.cancelQuote, { httpStatus: 502, body }))._tag,
        "Unavailable"
      )
    }
    // an OKX answer nests five levels; a body at the limit is still read
    let atLimit: unknown = []
    for (let i = 2; i < OkxEnvelope.maxDepth; i++) atLimit = [atLimit]
    assert.isFalse(OkxEnvelope.tooDeep({ code: "0", msg: "", data: atLimit }))
    assert.isTrue(OkxEnvelope.tooDeep({ code: "0", msg: "", data: [atLimit] }))
  })

  it("a byte order mark before the JSON is skipped (RFC 8259 lets a parser ignore it); anywhere else it is text", () => {
    const answer = '{"code":"0","msg":"","data":[{"quoteId":"q1","clQuoteId":"","sCode":"0","sMsg":""}]}'
    const read = Endpoints.interpret(Endpoints.cancelQuote, ok(`\ufeff${answer}`))
    assert.deepStrictEqual(read, Endpoints.interpret(Endpoints.cancelQuote, ok(answer)))
    assert.isTrue(Either.isRight(read))
    assert.strictEqual(left(Endpoints.interpret(Endpoints.cancelQuote, ok(` \ufeff${answer}`)))._tag, "OutcomeUnknown")
  })

  it.prop(
    "arbitrary bodies and statuses never throw and only fail with an OkxError",
    [
      fc.oneof(
        fc.jsonValue(),
        fc.anything(),
        fc.string(),
        envelopeLike,
        envelopeLike.map((e) => JSON.stringify(e))
      ),
      fc.integer({ min: 100, max: 599 })
    ],
    ([body, httpStatus]) => {
      const endpoints: ReadonlyArray<Endpoints.AnyEndpoint> = Endpoints.all
      for (const endpoint of endpoints) {
        const result: Either.Either<unknown, OkxError.OkxError> = Endpoints.interpret(endpoint, { httpStatus, body })
        if (Either.isLeft(result)) {
          assert.isTrue(OkxError.isOkxError(result.left))
          assert.isString(result.left.message)
          assert.include(["backoff", "resync-then-retry-once", "never"], result.left.retry)
        }
      }
    },
    { fastCheck: { numRuns: 300 } }
  )
})
