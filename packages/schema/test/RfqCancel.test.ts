import { assert, describe, it } from "@effect/vitest"
import { Arbitrary, DateTime, Duration, Either, Equal, FastCheck as fc, Schema } from "effect"
import { Endpoints, OkxEnvelope, OkxError, RfqCancel } from "@okx-rfq/schema"

const roundTrip = <A, I>(schema: Schema.Schema<A, I>, wire: unknown) => {
  const decoded = Schema.decodeUnknownSync(schema)(wire)
  const encoded = Schema.encodeSync(schema)(decoded)
  assert.deepStrictEqual(encoded, wire)
  return decoded
}

const invalid = <A, I>(schema: Schema.Schema<A, I>, input: A) => {
  const result = Schema.encodeEither(schema)(input)
  assert.isTrue(Either.isLeft(result), `expected ${JSON.stringify(input)} to be rejected`)
}

describe("documented examples round-trip", () => {
  it("cancel-quote request", () => {
    const request = roundTrip(RfqCancel.CancelQuoteRequest, { quoteId: "007", clQuoteId: "Bond007" })
    assert.deepStrictEqual(request, { quoteId: "007", clQuoteId: "Bond007" })
  })

  it("cancel-quote response", () => {
    const envelope = roundTrip(OkxEnvelope.Envelope(RfqCancel.QuoteCancellation), {
      code: "0",
      msg: "",
      data: [{ quoteId: "007", clQuoteId: "Bond007", sCode: "0", sMsg: "" }]
    })
    assert.deepStrictEqual(envelope.data, [
      { quoteId: "007", clQuoteId: "Bond007", outcome: { _tag: "Cancelled", sCode: "0", sMsg: "" } }
    ])
  })

  it("cancel-all-quotes request and response", () => {
    assert.deepStrictEqual(roundTrip(RfqCancel.CancelAllQuotesRequest, {}), {})
    const envelope = roundTrip(OkxEnvelope.Envelope(RfqCancel.CancelAllData), {
      code: "0",
      msg: "",
      data: [{ ts: "1697026383085" }]
    })
    assert.strictEqual(DateTime.toEpochMillis(envelope.data[0].ts), 1697026383085)
  })

  it("cancel-all-after request", () => {
    const request = roundTrip(RfqCancel.CancelAllAfterRequest, { timeOut: "60" })
    assert.isTrue(Equal.equals(request.timeOut, Duration.seconds(60)))
  })

  it("cancel-all-after response with the documented 10-digit (seconds) values", () => {
    const envelope = roundTrip(OkxEnvelope.Envelope(RfqCancel.CancelAllAfterData), {
      code: "0",
      msg: "",
      data: [{ triggerTime: "1587971460", ts: "1587971400" }]
    })
    const data = envelope.data[0]
    assert.strictEqual(data.unit, "seconds")
    assert.strictEqual(DateTime.toEpochMillis(data.ts), 1587971400000)
    assert.isTrue(DateTime.isDateTime(data.triggerTime))
    assert.strictEqual(DateTime.formatIso(data.ts), "2020-04-27T07:10:00.000Z")
    if (data.triggerTime._tag === "Disabled") assert.fail("expected a trigger time")
    assert.strictEqual(DateTime.toEpochMillis(data.triggerTime), 1587971460000)
  })

  it("cancel-all-after response with 13-digit (milliseconds) values", () => {
    const data = roundTrip(RfqCancel.CancelAllAfterData, { triggerTime: "1697026443085", ts: "1697026383085" })
    assert.strictEqual(data.unit, "milliseconds")
    assert.strictEqual(DateTime.toEpochMillis(data.ts), 1697026383085)
  })

  it("cancel-all-after triggerTime 0 decodes to Disabled", () => {
    const data = roundTrip(RfqCancel.CancelAllAfterData, { triggerTime: "0", ts: "1587971400" })
    assert.deepStrictEqual(data.triggerTime, { _tag: "Disabled" })
    const disarm = roundTrip(RfqCancel.CancelAllAfterRequest, { timeOut: "0" })
    assert.isTrue(Equal.equals(disarm.timeOut, RfqCancel.disabledTimeout))
  })

  it("countdownMillis: triggerTime - ts on the venue's clock in either unit; 0 when disabled or not after ts", () => {
    const decode = (triggerTime: string, ts: string) =>
      RfqCancel.countdownMillis(roundTrip(RfqCancel.CancelAllAfterData, { triggerTime, ts }))
    assert.strictEqual(decode("1587971460", "1587971400"), 60_000)
    assert.strictEqual(decode("1697026443085", "1697026383085"), 60_000)
    assert.strictEqual(decode("0", "1587971400"), 0)
    assert.strictEqual(decode("1587971400", "1587971400"), 0)
    assert.strictEqual(decode("1587971300", "1587971400"), 0)
  })

  it("the epoch unit by magnitude: seconds from 1e9 up to 1e12; a virtual clock's small values are milliseconds", () => {
    assert.strictEqual(RfqCancel.epochUnitOf(1587971400), "seconds")
    assert.strictEqual(RfqCancel.epochUnitOf(1697026383085), "milliseconds")
    // the TestClock starts at 0: 15 s after it is 15,000 ms, not the year 1970 + 4 h
    assert.strictEqual(RfqCancel.epochUnitOf(15_000), "milliseconds")
    const early = roundTrip(RfqCancel.CancelAllAfterData, { triggerTime: "15000", ts: "5000" })
    assert.strictEqual(RfqCancel.countdownMillis(early), 10_000)
  })

  it("countdownProblem: the countdown asked for, or why the answer is not it", () => {
    const problem = (askedMillis: number, triggerTime: string, ts: string) =>
      RfqCancel.countdownProblem(askedMillis, roundTrip(RfqCancel.CancelAllAfterData, { triggerTime, ts }))
    assert.isUndefined(problem(60_000, "1587971460", "1587971400"))
    assert.isUndefined(problem(0, "0", "1587971400"))
    // a second of rounding is allowed
    assert.isUndefined(problem(10_000, "1697026394085", "1697026383085"))
    assert.include(problem(10_000, "1587971460", "1587971400"), "armed a longer countdown")
    assert.include(problem(60_000, "1587971410", "1587971400"), "armed a shorter countdown")
    assert.isUndefined(problem(10_000, "1697026392085", "1697026383085"))
    // seconds read as milliseconds (a clock at 0, as the TestClock's): "10" after "0" is 10 ms, not the 10 s asked
    assert.include(problem(10_000, "10", "0"), "armed a shorter countdown")
    assert.include(problem(10_000, "0", "1587971400"), 'did not arm the countdown: the venue answered triggerTime "0"')
    assert.include(problem(10_000, "1587971400", "1587971400"), "not after its own ts")
    assert.include(problem(0, "1587971460", "1587971400"), "did not disable the countdown")
  })

  it("partial (code 2) and all-failed (code 1) batches keep every item", () => {
    const partial = roundTrip(OkxEnvelope.Envelope(RfqCancel.QuoteCancellation), {
      code: "2",
      msg: "",
      data: [
        { quoteId: "1", clQuoteId: "a1", sCode: "0", sMsg: "" },
        { quoteId: "2", clQuoteId: "a2", sCode: "70001", sMsg: "Quote does not exist." },
        { quoteId: "3", clQuoteId: "", sCode: "70400", sMsg: "Quote cannot be cancelled." },
        { quoteId: "4", clQuoteId: "a4", sCode: "70008", sMsg: "MMP" }
      ]
    })
    assert.deepStrictEqual(
      partial.data.map((item) => item.outcome._tag),
      ["Cancelled", "NotFound", "AlreadyInactive", "Rejected"]
    )
    const failed = roundTrip(OkxEnvelope.Envelope(RfqCancel.RfqCancellation), {
      code: "1",
      msg: "",
      data: [
        { rfqId: "10", clRfqId: "r10", sCode: "70000", sMsg: "" },
        { rfqId: "11", clRfqId: "r11", sCode: "70200", sMsg: "" }
      ]
    })
    assert.deepStrictEqual(
      failed.data.map((item) => [item.rfqId, item.outcome._tag]),
      [
        ["10", "NotFound"],
        ["11", "AlreadyInactive"]
      ]
    )
  })

  it("server time and quotes", () => {
    const time = roundTrip(RfqCancel.ServerTimeData, { ts: "1597026383085" })
    assert.strictEqual(DateTime.toEpochMillis(time.ts), 1597026383085)
    const quote = roundTrip(RfqCancel.Quote, {
      quoteId: "25092",
      clQuoteId: "cq1",
      rfqId: "18753",
      state: "canceled",
      cTime: "1650968131774",
      uTime: "1650968164944",
      validUntil: "1650968191774"
    })
    assert.strictEqual(quote.state, "canceled")
    const query = roundTrip(RfqCancel.QuotesRequest, { quoteId: "25092", state: "active", limit: "100" })
    assert.strictEqual(query.limit, 100)
  })

  it("unknown extra fields are tolerated", () => {
    const item = Schema.decodeUnknownSync(RfqCancel.QuoteCancellation)({
      quoteId: "1",
      clQuoteId: "c",
      sCode: "0",
      sMsg: "",
      rfqId: "9",
      futureField: { nested: true }
    })
    assert.deepStrictEqual(item, { quoteId: "1", clQuoteId: "c", outcome: { _tag: "Cancelled", sCode: "0", sMsg: "" } })
  })

  it("a missing required field fails", () => {
    const result = Schema.decodeUnknownEither(RfqCancel.QuoteCancellation)({ quoteId: "1", clQuoteId: "", sMsg: "" })
    assert.isTrue(Either.isLeft(result))
    for (const [schema, wire] of [
      [RfqCancel.RfqCancellation, { rfqId: "1" }],
      [RfqCancel.QuoteCancellation, { sCode: 0 }],
      [RfqCancel.Quote, { rfqId: "1", state: "active" }]
    ] as const) {
      assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(schema as Schema.Schema<unknown, unknown>)(wire)))
    }
  })

  it("an absent informational field (an id, sMsg) is an empty string, not a decode error", () => {
    // matched by the id the request used (Endpoints.accountForQuotes): the other one may be left out
    assert.deepStrictEqual(Schema.decodeUnknownSync(RfqCancel.QuoteCancellation)({ clQuoteId: "a", sCode: "0" }), {
      quoteId: "",
      clQuoteId: "a",
      outcome: { _tag: "Cancelled", sCode: "0", sMsg: "" }
    })
    assert.strictEqual(Schema.decodeUnknownSync(RfqCancel.RfqCancellation)({ clRfqId: "b", sCode: "0" }).rfqId, "")
    // OKX documents sMsg as the rejection message "if the request is unsuccessful": a venue may leave it out on success
    assert.deepStrictEqual(Schema.decodeUnknownSync(RfqCancel.QuoteCancellation)({ quoteId: "1", sCode: "0" }), {
      quoteId: "1",
      clQuoteId: "",
      outcome: { _tag: "Cancelled", sCode: "0", sMsg: "" }
    })
    assert.deepStrictEqual(Schema.decodeUnknownSync(RfqCancel.RfqCancellation)({ rfqId: "2", sCode: "70000" }), {
      rfqId: "2",
      clRfqId: "",
      outcome: { _tag: "NotFound", sCode: "70000", sMsg: "" }
    })
    assert.strictEqual(
      Schema.decodeUnknownSync(RfqCancel.Quote)({ quoteId: "3", rfqId: "4", state: "active" }).clQuoteId,
      ""
    )
    // encoding writes them back, as OKX sends them
    assert.deepStrictEqual(
      Schema.encodeSync(RfqCancel.QuoteCancellation)({
        quoteId: "1",
        clQuoteId: "",
        outcome: { _tag: "Cancelled", sCode: "0", sMsg: "" }
      }),
      { quoteId: "1", clQuoteId: "", sCode: "0", sMsg: "" }
    )
  })
})

describe("request validation", () => {
  it("requires one of quoteId / clQuoteId, allows both, rfqId optional", () => {
    invalid(RfqCancel.CancelQuoteRequest, {})
    invalid(RfqCancel.CancelQuoteRequest, { rfqId: "1" })
    invalid(RfqCancel.CancelQuoteRequest, { quoteId: undefined, clQuoteId: undefined })
    assert.deepStrictEqual(Schema.encodeSync(RfqCancel.CancelQuoteRequest)({ clQuoteId: "x", quoteId: undefined }), {
      clQuoteId: "x"
    })
    assert.deepStrictEqual(Schema.encodeSync(RfqCancel.CancelQuoteRequest)({ quoteId: "1", rfqId: "2" }), {
      quoteId: "1",
      rfqId: "2"
    })
    invalid(RfqCancel.CancelRfqRequest, {})
    assert.deepStrictEqual(Schema.encodeSync(RfqCancel.CancelRfqRequest)({ clRfqId: "r1" }), { clRfqId: "r1" })
  })

  it("rejects empty ids and bad client ids", () => {
    invalid(RfqCancel.CancelQuoteRequest, { quoteId: "" })
    invalid(RfqCancel.CancelQuoteRequest, { clQuoteId: "" })
    invalid(RfqCancel.CancelQuoteRequest, { clQuoteId: "a".repeat(33) })
    invalid(RfqCancel.CancelQuoteRequest, { clQuoteId: "bad_id" })
    invalid(RfqCancel.CancelQuoteRequest, { quoteId: "1", rfqId: "" })
    invalid(RfqCancel.CancelRfqRequest, { clRfqId: "é" })
    assert.deepStrictEqual(Schema.encodeSync(RfqCancel.CancelQuoteRequest)({ clQuoteId: "A".repeat(32) }), {
      clQuoteId: "A".repeat(32)
    })
  })

  it("batches: 1..100 ids, no duplicates, no empty ids", () => {
    invalid(RfqCancel.CancelBatchQuotesRequest, {})
    invalid(RfqCancel.CancelBatchQuotesRequest, { quoteIds: [] })
    invalid(RfqCancel.CancelBatchQuotesRequest, { quoteIds: ["1", "1"] })
    invalid(RfqCancel.CancelBatchQuotesRequest, { quoteIds: ["1", ""] })
    invalid(RfqCancel.CancelBatchRfqsRequest, { clRfqIds: Array.from({ length: 101 }, (_, i) => `r${i}`) })
    const hundred = Array.from({ length: 100 }, (_, i) => `r${i}`)
    assert.deepStrictEqual(Schema.encodeSync(RfqCancel.CancelBatchRfqsRequest)({ clRfqIds: hundred }), {
      clRfqIds: hundred
    })
  })

  it("timeOut: 0 or a whole number of seconds in [10, 120]", () => {
    const encode = (timeOut: Duration.Duration) => Schema.encodeEither(RfqCancel.CancelAllAfterRequest)({ timeOut })
    assert.deepStrictEqual(encode(Duration.zero), Either.right({ timeOut: "0" }))
    assert.deepStrictEqual(encode(Duration.seconds(10)), Either.right({ timeOut: "10" }))
    assert.deepStrictEqual(encode(Duration.minutes(2)), Either.right({ timeOut: "120" }))
    for (const bad of [Duration.seconds(9), Duration.seconds(121), Duration.millis(10_500), Duration.infinity]) {
      assert.isTrue(Either.isLeft(encode(bad)), Duration.format(bad))
    }
    for (const wire of ["", "5", "121", "10.0", "010", "-1", " 60", "1e2", "abc"]) {
      assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(RfqCancel.CancelAllAfterRequest)({ timeOut: wire })), wire)
    }
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(RfqCancel.CancelAllAfterRequest)({ timeOut: 60 })))
  })

  it("no-parameter requests encode to {}", () => {
    for (const endpoint of [Endpoints.cancelAllQuotes, Endpoints.cancelAllRfqs, Endpoints.serverTime]) {
      assert.deepStrictEqual(Schema.encodeSync(endpoint.request)({}), {})
    }
  })
})

const venueId = fc.string({ minLength: 1, maxLength: 24 }).filter((s) => /^\S+$/.test(s))
const clientId = fc.stringMatching(/^[A-Za-z0-9]{1,32}$/)
const badClientId = fc.string({ maxLength: 40 }).filter((s) => !/^[A-Za-z0-9]{1,32}$/.test(s))

const cancelQuoteArb = fc
  .record({ quoteId: venueId, clQuoteId: clientId, rfqId: venueId }, { requiredKeys: [] })
  .filter((r) => r.quoteId !== undefined || r.clQuoteId !== undefined)

const cancelBatchQuotesArb = fc
  .record(
    {
      quoteIds: fc.uniqueArray(venueId, { minLength: 1, maxLength: 100 }),
      clQuoteIds: fc.uniqueArray(clientId, { minLength: 1, maxLength: 100 })
    },
    { requiredKeys: [] }
  )
  .filter((r) => r.quoteIds !== undefined || r.clQuoteIds !== undefined)

const validSeconds = fc.oneof(fc.constant(0), fc.integer({ min: 10, max: 120 }))

const isWireObject = (u: unknown) =>
  typeof u === "object" &&
  u !== null &&
  Object.values(u).every((v) => typeof v === "string" || (Array.isArray(v) && v.every((x) => typeof x === "string")))

describe("properties", () => {
  it.prop("every valid cancel-quote request encodes to JSON strings and decodes to itself", [cancelQuoteArb], ([r]) => {
    const encoded = Schema.encodeSync(RfqCancel.CancelQuoteRequest)(r)
    assert.isTrue(isWireObject(encoded))
    assert.deepStrictEqual(JSON.parse(JSON.stringify(encoded)), encoded)
    assert.deepStrictEqual(Schema.decodeUnknownSync(RfqCancel.CancelQuoteRequest)(encoded), r)
  })

  it.prop("every valid batch request encodes then decodes to itself", [cancelBatchQuotesArb], ([r]) => {
    const encoded = Schema.encodeSync(RfqCancel.CancelBatchQuotesRequest)(r)
    assert.isTrue(isWireObject(encoded))
    assert.deepStrictEqual(Schema.decodeUnknownSync(RfqCancel.CancelBatchQuotesRequest)(encoded), r)
  })

  it.prop(
    "every valid rfq request encodes then decodes to itself",
    [venueId, clientId, fc.boolean()],
    ([id, cl, both]) => {
      const request = both ? { rfqId: id, clRfqId: cl } : { clRfqId: cl }
      const encoded = Schema.encodeSync(RfqCancel.CancelRfqRequest)(request)
      assert.deepStrictEqual(Schema.decodeUnknownSync(RfqCancel.CancelRfqRequest)(encoded), request)
    }
  )

  it.prop("every valid timeOut encodes to its seconds string and decodes to itself", [validSeconds], ([seconds]) => {
    const request = { timeOut: Duration.seconds(seconds) }
    const encoded = Schema.encodeSync(RfqCancel.CancelAllAfterRequest)(request)
    assert.deepStrictEqual(encoded, { timeOut: String(seconds) })
    const decoded = Schema.decodeUnknownSync(RfqCancel.CancelAllAfterRequest)(encoded)
    assert.isTrue(Equal.equals(decoded.timeOut, request.timeOut))
  })

  it.prop(
    "every valid quotes query encodes then decodes to itself",
    [
      fc.record(
        {
          quoteId: venueId,
          clQuoteId: clientId,
          state: fc.constantFrom(...RfqCancel.QuoteState.literals),
          limit: fc.integer({ min: 1, max: 100 })
        },
        { requiredKeys: [] }
      )
    ],
    ([query]) => {
      const encoded = Schema.encodeSync(RfqCancel.QuotesRequest)(query)
      assert.isTrue(isWireObject(encoded))
      assert.deepStrictEqual(Schema.decodeUnknownSync(RfqCancel.QuotesRequest)(encoded), query)
    }
  )

  it.prop("response items decode then encode to the same wire", [venueId, clientId, fc.string()], ([id, cl, sMsg]) => {
    for (const sCode of ["0", "70000", "70001", "70200", "70400", "70008", "50011"]) {
      const wire = { quoteId: id, clQuoteId: cl, sCode, sMsg }
      assert.deepStrictEqual(roundTrip(RfqCancel.QuoteCancellation, wire).outcome, RfqCancel.itemOutcome(sCode, sMsg))
    }
  })

  it.prop(
    "cancel-all-after data round-trips in seconds and milliseconds",
    [fc.integer({ min: 1_000_000_000, max: 9_999_999_999 }), fc.integer({ min: 0, max: 120 }), fc.boolean()],
    ([seconds, countdown, millis]) => {
      const scale = millis ? 1000 : 1
      const trigger = countdown === 0 ? "0" : String((seconds + countdown) * scale)
      const data = roundTrip(RfqCancel.CancelAllAfterData, { triggerTime: trigger, ts: String(seconds * scale) })
      assert.strictEqual(data.unit, millis ? "milliseconds" : "seconds")
      assert.strictEqual(DateTime.toEpochMillis(data.ts), seconds * 1000)
      if (data.triggerTime._tag === "Disabled") assert.strictEqual(countdown, 0)
      else assert.strictEqual(DateTime.toEpochMillis(data.triggerTime), (seconds + countdown) * 1000)
    }
  )
})

const rejection = <A, I>(
  endpoint: Endpoints.Endpoint<
    string,
    Endpoints.Method,
    string,
    Schema.Schema<A, I>,
    Schema.Schema.AnyNoContext,
    unknown
  >,
  input: A
) => {
  const result = Endpoints.encodeRequest(endpoint, input)
  if (Either.isRight(result)) return assert.fail(`expected ${JSON.stringify(input)} to be rejected`)
  return result.left
}

describe("invalid requests are rejected with the field named", () => {
  it.prop("invalid client quote ids", [badClientId], ([clQuoteId]) => {
    const error = rejection(Endpoints.cancelQuote, { clQuoteId })
    assert.strictEqual(error._tag, "InvalidRequest")
    assert.strictEqual(error.field, "clQuoteId")
    assert.include(error.msg, "clQuoteId")
    assert.include(error.msg, JSON.stringify(clQuoteId))
    assert.include(error.msg, "1 to 32")
  })

  it.prop(
    "empty or whitespace venue ids, alone or inside a batch",
    [fc.string({ maxLength: 10 }).filter((s) => !/^\S+$/.test(s)), fc.uniqueArray(venueId, { maxLength: 50 })],
    ([bad, good]) => {
      const single = rejection(Endpoints.cancelQuote, { quoteId: bad })
      assert.strictEqual(single.field, "quoteId")
      assert.include(single.msg, JSON.stringify(bad))
      const rfq = rejection(Endpoints.cancelQuote, { clQuoteId: "ok", rfqId: bad })
      assert.strictEqual(rfq.field, "rfqId")
      const batch = rejection(Endpoints.cancelBatchRfqs, { rfqIds: [...good.filter((id) => id !== bad), bad] })
      assert.strictEqual(batch.field, "rfqIds")
      assert.include(batch.msg, `rfqIds[`)
    }
  )

  it.prop("invalid client rfq ids", [badClientId, venueId], ([clRfqId, rfqId]) => {
    const error = rejection(Endpoints.cancelRfq, { rfqId, clRfqId })
    assert.strictEqual(error.field, "clRfqId")
    assert.include(error.msg, JSON.stringify(clRfqId))
  })

  it.prop(
    "invalid batches: empty, oversized, duplicated or with a bad id",
    [
      fc.oneof(
        fc.constant<ReadonlyArray<string>>([]),
        fc.uniqueArray(clientId, { minLength: 101, maxLength: 150 }),
        fc.array(clientId, { minLength: 1, maxLength: 99 }).map((ids) => [...ids, ids[0]]),
        fc.tuple(fc.uniqueArray(clientId, { maxLength: 99 }), badClientId).map(([ids, bad]) => [...ids, bad])
      ),
      fc.boolean()
    ],
    ([ids, quotes]) => {
      const error = quotes
        ? rejection(Endpoints.cancelBatchQuotes, { clQuoteIds: ids })
        : rejection(Endpoints.cancelBatchRfqs, { clRfqIds: ids })
      const field = quotes ? "clQuoteIds" : "clRfqIds"
      assert.strictEqual(error.field, field)
      assert.isTrue(error.msg.startsWith(field), error.msg)
    }
  )

  it.prop(
    "invalid timeOuts (as Durations)",
    [
      fc.oneof(
        fc.integer({ min: 1, max: 9 }).map(Duration.seconds),
        fc.integer({ min: 121, max: 1_000_000 }).map(Duration.seconds),
        fc
          .integer({ min: 1, max: 120_000 })
          .filter((ms) => ms % 1000 !== 0)
          .map(Duration.millis),
        fc.constant(Duration.infinity)
      )
    ],
    ([timeOut]) => {
      const error = rejection(Endpoints.cancelAllAfter, { timeOut })
      assert.strictEqual(error.field, "timeOut")
      assert.include(error.msg, "timeOut")
      assert.include(error.msg, "[10, 120]")
    }
  )

  it.prop(
    "invalid timeOuts (on the wire)",
    [
      fc
        .oneof(fc.string(), fc.integer().map(String), fc.double().map(String))
        .filter((s) => !/^(0|[1-9][0-9]?|1[01][0-9]|120)$/.test(s) || /^[1-9]$/.test(s))
    ],
    ([timeOut]) => {
      const result = Schema.decodeUnknownEither(RfqCancel.CancelAllAfterRequest)({ timeOut })
      if (Either.isRight(result)) return assert.fail(`expected ${timeOut} to be rejected`)
      const error = OkxError.InvalidRequest.fromParseError("cancel-all-after", result.left)
      assert.strictEqual(error.field, "timeOut")
      assert.include(error.msg, "[10, 120]")
    }
  )
})

const endpoints: ReadonlyArray<Endpoints.AnyEndpoint> = Endpoints.all

// an optional field set to `undefined` means "absent": it is omitted on the wire and decodes back as absent
const withoutUndefined = (request: object) =>
  Object.fromEntries(Object.entries(request).filter(([, value]) => value !== undefined))

describe("every endpoint's schemas", () => {
  for (const endpoint of endpoints) {
    it.prop(
      `${endpoint.name}: every valid request (Arbitrary) encodes to strings and decodes to itself`,
      [Arbitrary.make(endpoint.request)],
      ([request]) => {
        const encoded = Schema.encodeSync(endpoint.request)(request)
        assert.isTrue(isWireObject(encoded), JSON.stringify(encoded))
        const decoded = Schema.decodeUnknownSync(endpoint.request)(JSON.parse(JSON.stringify(encoded)))
        assert.deepStrictEqual(decoded, withoutUndefined(request))
      },
      { fastCheck: { numRuns: 50 } }
    )

    it.prop(
      `${endpoint.name}: decoding arbitrary JSON never throws`,
      [fc.oneof(fc.jsonValue(), fc.anything())],
      ([input]) => {
        for (const schema of [endpoint.request, endpoint.data]) {
          const result = Schema.decodeUnknownEither(schema)(input)
          assert.isTrue(Either.isEither(result))
        }
      },
      { fastCheck: { numRuns: 100 } }
    )
  }
})
