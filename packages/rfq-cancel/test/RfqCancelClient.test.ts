import { assert, describe, it } from "@effect/vitest"
import * as HttpClient from "@effect/platform/HttpClient"
import {
  Cause,
  Clock,
  ConfigProvider,
  Context,
  DateTime,
  DefaultServices,
  type Duration,
  Effect,
  Either,
  Exit,
  Fiber,
  Layer,
  Option,
  Redacted,
  Runtime,
  TestClock,
  Tracer
} from "effect"
import { OkxError } from "@okx-rfq/schema"
import * as Direct from "../src/internal/direct.js"
import * as Redact from "../src/internal/redact.js"
import * as RfqCancelClient from "../src/RfqCancelClient.js"
import * as RfqCancelError from "../src/RfqCancelError.js"
import { clientOver, type Fault, type FakeVenue, makeFakeVenue, syncResponse } from "./utils/fakeVenue.js"

const cancelAllQuotes = "/api/v5/rfq/cancel-all-quotes"

/** Runs `effect` while moving the TestClock in small steps until it completes. */
const drive = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(effect)
    for (let i = 0; i < 600 && fiber.unsafePoll() === null; i++) yield* TestClock.adjust("100 millis")
    return yield* Fiber.join(fiber)
  })

const transient: ReadonlyArray<readonly [string, Fault]> = [
  ["50001", { _tag: "code", code: "50001", httpStatus: 503 }],
  ["50004", { _tag: "code", code: "50004", httpStatus: 400 }],
  ["50011 (HTTP 200)", { _tag: "code", code: "50011" }],
  ["50011 (HTTP 429)", { _tag: "code", code: "50011", httpStatus: 429 }],
  ["50013", { _tag: "code", code: "50013", httpStatus: 429 }],
  ["50026", { _tag: "code", code: "50026", httpStatus: 500 }],
  ["70208", { _tag: "code", code: "70208" }],
  ["HTTP 502 without an envelope", { _tag: "http", status: 502, body: "<html>bad gateway</html>" }],
  ["a dropped connection", { _tag: "drop" }],
  ["an attempt timeout", { _tag: "hang" }]
]

const final: ReadonlyArray<readonly [string, string, number]> = [
  ["50000", "InvalidRequest", 400],
  ["50014", "InvalidRequest", 400],
  ["50101", "AuthenticationFailed", 401],
  ["50105", "AuthenticationFailed", 401],
  ["50111", "AuthenticationFailed", 401],
  ["50113", "AuthenticationFailed", 401],
  ["70008", "UnknownCode", 200],
  ["12345", "UnknownCode", 200]
]

/** A cancel's answer with these items (envelope `code`). */
const answer = (data: ReadonlyArray<unknown>, code = "1"): Fault => ({
  _tag: "http",
  status: 200,
  body: JSON.stringify({ code, msg: "", data })
})
const item = (quoteId: string, sCode: string) => ({ quoteId, clQuoteId: "", sCode, sMsg: "" })
/** Scripts the venue by request: what it answers the n-th request to each path (beyond the script, as usual). */
const scriptOf =
  (venue: FakeVenue) =>
  (answers: Record<string, ReadonlyArray<Fault | undefined>>): Effect.Effect<void> => {
    const n: Record<string, number> = {}
    return venue.setFault((s) => {
      const seen = n[s.path] ?? 0
      n[s.path] = seen + 1
      return answers[s.path]?.[seen]
    })
  }
const quote = "/api/v5/rfq/cancel-quote"
const batch = "/api/v5/rfq/cancel-batch-quotes"
// lost after the venue may have acted (a drop, a gateway's 502), or refused before (the venue's own 50001, a 503)
const lost: Fault = { _tag: "drop" }
const gateway: Fault = { _tag: "http", status: 502, body: "<html>502 Bad Gateway</html>" }
const refused: Fault = { _tag: "code", code: "50001", httpStatus: 503 }
const unavailable: Fault = { _tag: "http", status: 503, body: "<html>503 Service Unavailable</html>" }

describe("RfqCancelClient retries", () => {
  for (const [name, fault] of transient) {
    it.scoped(`retries ${name} and succeeds`, () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        const { client, lanes } = yield* clientOver(venue, { retry: { attemptTimeout: "1 second" } })
        let n = 0
        yield* venue.setFault((s) => (s.path === cancelAllQuotes && n++ < 2 ? fault : undefined))
        const result = yield* drive(client.cancelAllQuotes)
        assert.strictEqual(result._tag, "AllCancelled")
        assert.strictEqual((yield* venue.paths).length, 3)
        const lane = yield* lanes.lane({ user: "key-1", endpoint: cancelAllQuotes })
        assert.strictEqual((yield* lane.stats).requestsGranted, 3, "the limiter is consulted on every attempt")
      })
    )
  }

  for (const [code, tag, status] of final) {
    it.scoped(`does not retry ${code}: ${tag}`, () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        const { client } = yield* clientOver(venue)
        yield* venue.setFault(() => ({ _tag: "code", code, httpStatus: status }))
        const error = yield* Effect.flip(drive(client.cancelAllQuotes))
        assert.strictEqual(error._tag, tag)
        assert.strictEqual((yield* venue.paths).length, 1)
      })
    )
  }

  it.scoped(
    "an answer after an attempt that may have acted says so: what it finds inactive may be that attempt's",
    () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        const { client } = yield* clientOver(venue)
        const script = scriptOf(venue)
        const inactive = answer([item("q1", "70400")])
        const marks: Array<unknown> = []
        for (const first of [lost, gateway, refused]) {
          yield* script({ [quote]: [first, inactive], [cancelAllQuotes]: [first, { _tag: "code", code: "70409" }] })
          const one = yield* drive(client.cancelQuote({ quoteId: "q1" }))
          const all = yield* drive(client.cancelAllQuotes)
          assert.deepStrictEqual([one.items[0]!.outcome._tag, all._tag], ["AlreadyInactive", "NothingToCancel"])
          marks.push([
            one.earlierAttemptMayHaveActed,
            (all as { earlierAttemptMayHaveActed?: true }).earlierAttemptMayHaveActed
          ])
        }
        assert.deepStrictEqual(marks, [
          [true, true],
          [true, true],
          [undefined, undefined]
        ])
        // a single cancel: lost, then refused for a passing reason (70208), then its re-send finds it inactive: the
        // re-send's result replaces the first, and keeps the mark
        yield* script({ [quote]: [lost, answer([item("q1", "70208")]), inactive] })
        const resent = yield* drive(client.cancelQuote({ quoteId: "q1" }))
        assert.deepStrictEqual(
          [resent.items[0]!.outcome._tag, resent.earlierAttemptMayHaveActed],
          ["AlreadyInactive", true]
        )
        // a batch: q2 refused for a passing reason (70208), its re-send lost, then answered inactive; q1 and q3 cancelled
        // in the first answer, which had no attempt before it. The merged result carries the re-send's mark
        yield* script({
          [batch]: [
            answer([item("q1", "0"), item("q2", "70208"), item("q3", "0")], "2"),
            lost,
            answer([item("q2", "70400")])
          ]
        })
        const merged = yield* drive(client.cancelBatchQuotes({ quoteIds: ["q1", "q2", "q3"] }))
        assert.deepStrictEqual(
          [merged.code, merged.earlierAttemptMayHaveActed, ...merged.items.map((i) => i.outcome._tag)],
          ["2", true, "Cancelled", "AlreadyInactive", "Cancelled"]
        )
      })
  )

  it.scoped("a call whose last error cannot have acted, after an attempt that may have: it may have acted", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client } = yield* clientOver(venue)
      const script = scriptOf(venue)
      const arm = "/api/v5/rfq/cancel-all-after"
      // dropped after the venue acted, then 503s until the attempts run out: the 503 itself says nothing was done
      const lostThen503s = [lost, unavailable, unavailable, unavailable, unavailable]
      yield* script({ [quote]: lostThen503s, [arm]: lostThen503s })
      const cancel = yield* Effect.flip(drive(client.cancelQuote({ quoteId: "q1" })))
      const disarm = yield* Effect.flip(drive(client.disarm))
      assert.deepStrictEqual(
        [cancel._tag, (cancel as OkxError.Unavailable).mayHaveActed, RfqCancelError.mayHaveActed(cancel)],
        ["Unavailable", false, true]
      )
      assert.isTrue(RfqCancelError.mayHaveActed(disarm))
      // 503s alone: nothing was done
      yield* script({ [quote]: [unavailable, unavailable, unavailable, unavailable, unavailable] })
      assert.isFalse(RfqCancelError.mayHaveActed(yield* Effect.flip(drive(client.cancelQuote({ quoteId: "q1" })))))
    })
  )

  it.scoped("re-sent items: only their own ids are replaced, each id is sent once, and a lost re-send is unknown", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client } = yield* clientOver(venue, { retry: { maxAttempts: 3 } })
      const script = scriptOf(venue)
      // q1 refused for a passing reason, twice over; q2 does not exist. The re-send asks q1 once, and its answer's
      // item for q2 says nothing about q2
      yield* script({
        [batch]: [
          answer([item("q1", "70208"), item("q1", "70208"), item("q2", "70001")]),
          answer([item("q1", "0"), item("q2", "0")], "0")
        ]
      })
      const replaced = yield* drive(client.cancelBatchQuotes({ quoteIds: ["q1", "q2"] }))
      const seen = yield* venue.seen
      assert.deepStrictEqual(seen.at(-1)!.body.quoteIds, ["q1"])
      assert.deepStrictEqual(
        replaced.items.map((i) => [i.quoteId, i.outcome._tag]),
        [
          ["q1", "Cancelled"],
          ["q1", "Cancelled"],
          ["q2", "NotFound"]
        ]
      )
      // the re-send dropped after the venue acted, then a 503 ends it: the re-sent items' outcome is unknown
      yield* script({ [batch]: [answer([item("q1", "70208"), item("q2", "70208")]), lost, unavailable] })
      const unknown = yield* drive(client.cancelBatchQuotes({ quoteIds: ["q1", "q2"] }))
      assert.deepStrictEqual(
        unknown.items.map((i) => i.outcome._tag),
        ["Unanswered", "Unanswered"]
      )
    })
  )

  it.scoped("gives up after maxAttempts with the last error", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client } = yield* clientOver(venue, { retry: { maxAttempts: 4 } })
      yield* venue.setFault(() => ({ _tag: "code", code: "50013", httpStatus: 429 }))
      const error = yield* Effect.flip(drive(client.cancelAllQuotes))
      assert.strictEqual(error._tag, "Unavailable")
      assert.strictEqual((yield* venue.paths).length, 4)
    })
  )

  it.scoped("ends at the overall deadline with DeadlineExceeded", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      // a lane with room for every attempt: the deadline, not the lane, ends the call
      const { client } = yield* clientOver(
        venue,
        { retry: { maxAttempts: 100, deadline: "3 seconds", attemptTimeout: "1 second" } },
        { limits: { [cancelAllQuotes]: { limit: 100, window: "2 seconds" } } }
      )
      yield* venue.setFault(() => ({ _tag: "hang" }))
      const error = yield* Effect.flip(drive(client.cancelAllQuotes))
      assert.strictEqual(error._tag, "DeadlineExceeded")
      if (error._tag === "DeadlineExceeded") {
        assert.isAtLeast(error.attempts, 2)
        assert.strictEqual(error.attempts, (yield* venue.paths).length)
        assert.include(error.last ?? "", "timed out")
      }
    })
  )

  it.scoped("a call still queued in its lane at the deadline ends with DeadlineExceeded and leaves the queue", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client, lanes } = yield* clientOver(venue, { retry: { deadline: "1 second" } })
      // cancel-all-quotes: 2 per 2 s, so the third call waits about 2.1 s for a permit, past its 1 s deadline
      const started = yield* TestClock.currentTimeMillis
      const exits = yield* drive(
        Effect.all([client.cancelAllQuotes, client.cancelAllQuotes, client.cancelAllQuotes], {
          concurrency: "unbounded",
          mode: "either"
        })
      )
      assert.deepStrictEqual(
        exits.map((e) => (Either.isRight(e) ? e.right._tag : e.left._tag)),
        ["AllCancelled", "AllCancelled", "DeadlineExceeded"]
      )
      assert.strictEqual((yield* venue.paths).length, 2, "the late call never reached the wire")
      const third = exits[2]!
      if (Either.isLeft(third) && third.left._tag === "DeadlineExceeded") assert.strictEqual(third.left.attempts, 1)
      const lane = yield* lanes.lane({ user: "key-1", endpoint: cancelAllQuotes })
      assert.strictEqual((yield* lane.stats).queued, 0, "the waiter left the lane's queue")
      assert.isAtMost(
        (yield* TestClock.currentTimeMillis) - started,
        1100,
        "it ended at its deadline, not at its permit"
      )
    })
  )

  it.scoped("on 50102 resyncs server time and retries exactly once", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client, resyncs } = yield* clientOver(venue)
      yield* venue.setFault(() => ({ _tag: "code", code: "50102", httpStatus: 401 }))
      const error = yield* Effect.flip(drive(client.cancelQuote({ quoteId: "q1" })))
      assert.strictEqual(error._tag, "TimestampExpired")
      assert.strictEqual((yield* venue.paths).length, 2)
      assert.strictEqual(yield* resyncs, 1)
      const [first, second] = yield* venue.seen
      assert.notStrictEqual(first!.headers["ok-access-timestamp"], undefined)
      assert.notStrictEqual(first!.headers["ok-access-sign"], undefined)
      assert.isTrue(second!.at >= first!.at)
    })
  )

  it.scoped("a 50011 pauses the endpoint's lane for its window before the retry", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client } = yield* clientOver(venue, { retry: { baseDelay: "1 millis" } })
      let n = 0
      yield* venue.setFault(() => (n++ === 0 ? { _tag: "code", code: "50011", httpStatus: 429 } : undefined))
      yield* drive(client.cancelQuote({ quoteId: "q1" }))
      const [first, second] = yield* venue.seen
      assert.isTrue(second!.at - first!.at >= 2000, `retry after ${second!.at - first!.at} ms`)
    })
  )

  it.scoped(
    "a lane counts a request from its write, so one held up after its grant cannot break the venue's limit",
    () =>
      Effect.gen(function* () {
        const runtime = yield* Effect.runtime<never>()
        // the direct path of a transport whose second request waits 800 ms for a connection before it is written
        const writeDelays = [0, 800]
        const arrivals: Array<number> = []
        let sends = 0
        const transport = HttpClient.make(() => Effect.die("the client sends through the direct path"))
        Direct.register(transport, (request, done, written) => {
          const delay = writeDelays[sends++] ?? 0
          const quoteId = JSON.parse(request.body ?? "{}").quoteId
          const body = JSON.stringify({ code: "0", msg: "", data: [{ quoteId, clQuoteId: "", sCode: "0", sMsg: "" }] })
          const fiber = Runtime.runFork(runtime)(
            Effect.gen(function* () {
              yield* Effect.sleep(delay)
              written()
              arrivals.push(yield* Clock.currentTimeMillis)
              yield* Effect.sleep("50 millis")
              done(Either.right({ status: 200, body }))
            })
          )
          return () => Runtime.runFork(runtime)(Fiber.interrupt(fiber))
        })
        const { client } = yield* clientOver(
          { client: transport },
          {},
          {
            margin: 0,
            limits: { "/api/v5/rfq/cancel-quote": { limit: 2, window: "1 second" } }
          }
        )
        const results = yield* drive(
          Effect.forEach(["q1", "q2", "q3", "q4"], (quoteId) => client.cancelQuote({ quoteId }), {
            concurrency: "unbounded"
          })
        )
        assert.deepStrictEqual(
          results.map((r) => [r.items[0]!.quoteId, r.items[0]!.outcome._tag]),
          ["q1", "q2", "q3", "q4"].map((id) => [id, "Cancelled"])
        )
        // q2 counts from 800, when it was written, not from its grant at 0: q4 waits for 1800. Counted from the grant,
        // q3 and q4 would both start at 1000, three arrivals within [800, 1800)
        assert.deepStrictEqual(arrivals, [0, 800, 1000, 1800])
      })
  )

  it.scoped("through any other HttpClient, a lane counts a request from the end of its exchange", () =>
    Effect.gen(function* () {
      // an HttpClient that holds the first request 300 ms before it reaches the venue: the client cannot see that
      const delays = [300, 0, 0]
      const arrivals: Array<number> = []
      const transport = HttpClient.make((request) =>
        Effect.gen(function* () {
          yield* Effect.sleep(delays[arrivals.length] ?? 0)
          arrivals.push(yield* Clock.currentTimeMillis)
          return syncResponse(request, 200, JSON.stringify({ code: "0", msg: "", data: [{ ts: "0" }] }))
        })
      )
      const { client } = yield* clientOver(
        { client: transport },
        {},
        { margin: 0, limits: { "/api/v5/rfq/cancel-all-quotes": { limit: 1, window: "1 second" } } }
      )
      yield* drive(Effect.forEach([1, 2, 3], () => client.cancelAllQuotes, { concurrency: "unbounded", discard: true }))
      // counted from the start of the exchange, the second would start at 1000, 700 ms after the first arrived
      assert.deepStrictEqual(arrivals, [300, 1300, 2300])
    })
  )

  it.scoped("interrupting a call stops it at once", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client } = yield* clientOver(venue)
      yield* venue.setFault(() => ({ _tag: "code", code: "50001", httpStatus: 503 }))
      const fiber = yield* Effect.fork(client.cancelAllQuotes)
      yield* TestClock.adjust("1 millis")
      yield* Fiber.interrupt(fiber)
      const before = (yield* venue.paths).length
      yield* TestClock.adjust("1 minute")
      assert.strictEqual((yield* venue.paths).length, before)
    })
  )
})

describe("RfqCancelClient requests and results", () => {
  it.scoped("sends the documented bodies, {} for the no-parameter calls", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client } = yield* clientOver(venue)
      yield* drive(client.cancelQuote({ quoteId: "007", clQuoteId: "Bond007" }))
      yield* drive(client.cancelAllQuotes)
      yield* drive(client.cancelAllAfter("60 seconds"))
      yield* drive(client.disarm)
      const seen = yield* venue.seen
      assert.deepStrictEqual(
        seen.map((s) => [s.path, s.body]),
        [
          ["/api/v5/rfq/cancel-quote", { quoteId: "007", clQuoteId: "Bond007" }],
          ["/api/v5/rfq/cancel-all-quotes", {}],
          ["/api/v5/rfq/cancel-all-after", { timeOut: "60" }],
          ["/api/v5/rfq/cancel-all-after", { timeOut: "0" }]
        ]
      )
    })
  )

  for (const httpSpans of [false, true]) {
    it.scoped(`a call's span: endpoint, ids and outcome, a child of the caller's span (httpSpans ${httpSpans})`, () =>
      Effect.gen(function* () {
        const spans: Array<Tracer.Span> = []
        const native = Context.get(DefaultServices.liveServices, Tracer.Tracer)
        const capturing = Tracer.make({
          span: (...args) => {
            const span = native.span(...args)
            spans.push(span)
            return span
          },
          context: (f) => f()
        })
        const venue = yield* makeFakeVenue
        const { client } = yield* clientOver(venue, { httpSpans })
        yield* drive(client.cancelQuote({ quoteId: "007" })).pipe(
          Effect.withSpan("caller"),
          Effect.withTracer(capturing)
        )
        yield* venue.setFault(() => ({ _tag: "code", code: "50113", httpStatus: 401 }))
        yield* Effect.flip(drive(client.cancelAllQuotes)).pipe(Effect.withTracer(capturing))
        const caller = spans.find((span) => span.name === "caller")!
        const quote = spans.find((span) => span.name === "RfqCancelClient.cancelQuote")!
        assert.strictEqual(Option.getOrThrow(quote.parent).spanId, caller.spanId)
        assert.deepStrictEqual(Object.fromEntries(quote.attributes), {
          "okx.endpoint": "/api/v5/rfq/cancel-quote",
          "okx.quoteId": "007",
          "okx.outcome": "code 0: 1 Cancelled"
        })
        assert.strictEqual(quote.status._tag, "Ended")
        const failed = spans.find((span) => span.name === "RfqCancelClient.cancelAllQuotes")!
        assert.isTrue(
          failed.status._tag === "Ended" && Exit.isFailure(failed.status.exit),
          "a failed call ends its span failed"
        )
        assert.strictEqual(
          spans.some((span) => span.name.startsWith("http.client")),
          httpSpans
        )
        // a request that is not an object (a JavaScript caller's cancelQuote()) fails typed under a tracer too: its
        // span has no ids, and nothing reaches the wire
        yield* venue.clear
        for (const call of [client.cancelQuote, client.cancelBatchQuotes, client.cancelRfq, client.cancelBatchRfqs]) {
          const error = yield* Effect.flip(
            (call as (input: unknown) => Effect.Effect<unknown, { _tag: string }>)(undefined)
          ).pipe(Effect.withTracer(capturing))
          assert.strictEqual(error._tag, "InvalidRequest")
        }
        assert.deepStrictEqual(yield* venue.paths, [])
      })
    )
  }

  it.scoped("an answer that echoes the passphrase (a proxy's error page) never carries it into the error", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client } = yield* clientOver(venue, { retry: { maxAttempts: 1 } })
      const passphrase = "pass-1" // the fake venue's credentials
      const echoes = [
        { status: 400, body: `<html>Bad Request. Headers: OK-ACCESS-PASSPHRASE: ${passphrase}</html>` },
        { status: 502, body: `<html>upstream failed for ok-access-passphrase=${passphrase}</html>` },
        { status: 200, body: JSON.stringify({ code: "50000", msg: `body empty (${passphrase})`, data: [] }) },
        { status: 200, body: `{"code":"0","data":[{"quoteId":"${passphrase}"` },
        // a readable envelope whose items echo it: a DecodeError keeps the parsed body
        { status: 200, body: JSON.stringify({ code: "0", msg: "", data: [{ [passphrase]: [passphrase] }] }) }
      ]
      for (const echo of echoes) {
        yield* venue.setFault(() => ({ _tag: "http", ...echo }))
        const error = yield* Effect.flip(client.cancelQuote({ quoteId: "1" }))
        const shown = `${JSON.stringify(error)} ${error.message} ${String(error)}`
        assert.notInclude(shown, passphrase, echo.body)
        assert.include(shown, "<redacted>", echo.body)
      }
      // nor into a result: an item's sMsg, the envelope's msg
      yield* venue.setFault(() => ({
        _tag: "http",
        status: 200,
        body: JSON.stringify({
          code: "1",
          msg: `failed for ${passphrase}`,
          data: [{ quoteId: "1", clQuoteId: "", sCode: "70001", sMsg: `no quote (key ${passphrase})` }]
        })
      }))
      const result = yield* client.cancelQuote({ quoteId: "1" })
      assert.notInclude(JSON.stringify(result), passphrase)
      assert.strictEqual(result.items[0]?.outcome.sMsg, "no quote (key <redacted>)")
      // an answer that is not JSON for the echo of a passphrase with a `"` or a `\` in it is unreadable, as sent:
      // the scrub never makes it an envelope the venue did not send
      for (const odd of ['Desk"7Secret', "Desk\\7Secret"]) {
        const { client: oddClient } = yield* clientOver(venue, { retry: { maxAttempts: 1 } }, undefined, undefined, odd)
        const body = `{"code":"0","msg":"","data":[{"quoteId":"1","clQuoteId":"","sCode":"0","sMsg":"${odd}"}]}`
        yield* venue.setFault(() => ({ _tag: "http", status: 200, body }))
        const error = yield* Effect.flip(oddClient.cancelQuote({ quoteId: "1" }))
        assert.strictEqual(error._tag, "OutcomeUnknown", odd)
        assert.notInclude(`${JSON.stringify(error)} ${error.message}`, "Desk", odd)
      }
      // nor a part of it: JSON.parse's message about a text answer quotes its first characters
      const { client: desk } = yield* clientOver(
        venue,
        { retry: { maxAttempts: 1 } },
        undefined,
        undefined,
        "Desk7Secret2024xyz"
      )
      for (const body of ["Desk7Secret2024xyz is not a valid passphrase", '{"passphrase": Desk7Secret2024xyz}']) {
        yield* venue.setFault(() => ({ _tag: "http", status: 200, body }))
        const error = yield* Effect.flip(desk.cancelQuote({ quoteId: "1" }))
        assert.notInclude(`${JSON.stringify(error)} ${error.message} ${String(error)}`, "Desk7Secr", body)
      }
    })
  )

  it.scoped("an echo is taken out of the free text only: an id or a time holding the passphrase still decides", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      // the venue answers ts = its clock: 1712024000123 holds "2024"
      const year = yield* clientOver(venue, { retry: { maxAttempts: 1 } }, undefined, undefined, "2024")
      yield* TestClock.setTime(1_712_024_000_123)
      const all = yield* year.client.cancelAllQuotes
      assert.strictEqual(all._tag === "AllCancelled" && DateTime.toEpochMillis(all.ts), 1_712_024_000_123)
      // the venue echoes each quoteId as asked: one holding the passphrase is still that id's answer
      const desk = yield* clientOver(venue, { retry: { maxAttempts: 1 } }, undefined, undefined, "Desk7")
      const batch = yield* desk.client.cancelBatchQuotes({ quoteIds: ["1", "Desk7q2"] })
      assert.deepStrictEqual(
        batch.items.map((item) => [item.quoteId, item.outcome._tag]),
        [
          ["1", "Cancelled"],
          ["Desk7q2", "Cancelled"]
        ]
      )
    })
  )

  it.scoped("an answer nested thousands of levels deep is an unreadable answer (retried), not a defect", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client } = yield* clientOver(venue, { retry: { maxAttempts: 2 } })
      const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`
      for (const [status, body, tag] of [
        [200, `{"code":"0","msg":"","data":${deep}}`, "OutcomeUnknown"],
        [200, deep, "OutcomeUnknown"],
        [500, deep, "Unavailable"]
      ] as const) {
        yield* venue.clear
        yield* venue.setFault(() => ({ _tag: "http", status, body }))
        const error = yield* Effect.flip(drive(client.cancelQuote({ quoteId: "1" })))
        assert.strictEqual(error._tag, tag)
        // the error keeps the text, and shows it without walking it
        assert.isString(JSON.stringify(error))
        assert.isString(String(error))
        assert.strictEqual((yield* venue.paths).length, 2, "retried as an unreadable answer is")
      }
    })
  )

  it("a passphrase echoed escaped (an HTML page, a URL, a JSON text) is scrubbed in each form", () => {
    const passphrase = `p&<>"'/ ü+x(1)!`
    const forms = [
      "p&amp;&lt;&gt;&quot;&#39;/ ü+x(1)!",
      "p&amp;&lt;&gt;&quot;&#x27;/ ü+x(1)!",
      // Go's html.EscapeString, and numeric entities
      "p&amp;&lt;&gt;&#34;&#39;/ ü+x(1)!",
      "p&#38;&#60;&#62;&#34;&#39;/ ü+x(1)!",
      "p&#x26;&#x3c;&#x3e;&#x22;&#x27;/ ü+x(1)!",
      encodeURIComponent(passphrase),
      // RFC 3986 (!'()* too), a form body (URLSearchParams: space as +), lower-case hex
      "p%26%3C%3E%22%27%2F%20%C3%BC%2Bx%281%29%21",
      "p%26%3C%3E%22%27%2F+%C3%BC%2Bx%281%29%21",
      "p%26%3c%3e%22%27%2f+%c3%bc%2bx%281%29%21",
      JSON.stringify(passphrase).slice(1, -1),
      // JSON with the non-ASCII escaped
      String.raw`p&<>\"'/ \u00fc+x(1)!`,
      passphrase
    ]
    const echoes = Redact.echoForms(passphrase)
    /** What the client makes of an answer's text: the error it decodes to, with the echoes taken out. */
    const scrubbed = (text: string) => {
      assert.isTrue(Redact.mayEcho(text, echoes), text)
      return Redact.withoutEcho(
        new OkxError.DecodeError({
          endpoint: "/api/v5/rfq/cancel-quote",
          httpStatus: 400,
          detail: `headers: passphrase=${text};`,
          body: Redact.readAnswer(text, [])
        }),
        echoes
      )
    }
    for (const form of forms) {
      // a text answer, and a JSON one with the echo in a value and a key
      const page = scrubbed(`<td>${form}</td>`)
      assert.deepStrictEqual(
        [page.body, page.detail],
        ["<td><redacted></td>", "headers: passphrase=<td><redacted></td>;"]
      )
      const json = scrubbed(JSON.stringify({ page: `<td>${form}</td>`, [form]: [form] }))
      assert.deepStrictEqual(json.body, { page: "<td><redacted></td>", "<redacted>": ["<redacted>"] })
      assert.notInclude(`${JSON.stringify(json)} ${json.message}`, form)
    }
    // JSON may escape any character (`\/`, `\u0070`): the parsed strings are scrubbed, not only the text
    assert.deepStrictEqual(scrubbed(String.raw`{"msg":"\u0070&<>\"'\/ \u00fc+x(1)!"}`).body, { msg: "<redacted>" })
  })

  it.scoped("bad input fails with the field named and never reaches the wire", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client } = yield* clientOver(venue)
      const cases = [
        [client.cancelQuote({}), "quoteId"],
        [client.cancelQuote({ clQuoteId: "not-valid!" }), "clQuoteId"],
        [client.cancelBatchQuotes({ quoteIds: [] }), "quoteIds"],
        [client.cancelBatchQuotes({ quoteIds: ["a", "a"] }), "quoteIds"],
        [client.cancelBatchQuotes({ quoteIds: [...Array.from({ length: 150 }, (_, i) => `q${i}`), "q3"] }), "quoteIds"],
        // OKX would go by quoteIds and leave "A" live
        [client.cancelBatchQuotes({ quoteIds: ["1"], clQuoteIds: ["A"] }), "clQuoteIds"],
        [
          client.cancelBatchQuotes({ quoteIds: Array.from({ length: 150 }, (_, i) => `${i + 1}`), clQuoteIds: ["A"] }),
          "clQuoteIds"
        ],
        [client.cancelBatchRfqs({ rfqIds: ["1"], clRfqIds: ["A"] }), "clRfqIds"],
        // a bad id is named by its index in the caller's list, not in the request of 100 it would have gone in
        [
          client.cancelBatchQuotes({
            quoteIds: Array.from({ length: 150 }, (_, i) => (i === 120 ? "1 2" : `${i + 1}`))
          }),
          "quoteIds[120]"
        ],
        [client.cancelAllAfter("5 seconds"), "timeOut"],
        [client.cancelAllAfter("121 seconds"), "timeOut"],
        // Duration.decode would turn these into 0, i.e. a disarm
        [client.cancelAllAfter(-5), "timeOut"],
        [client.cancelAllAfter(Number.NaN), "timeOut"],
        [client.cancelAllAfter("-30 seconds"), "timeOut"],
        [client.cancelAllAfter("soon" as Duration.DurationInput), "timeOut"],
        [client.cancelAllAfterOnce(-1), "timeOut"],
        [client.cancelRfq({ clRfqId: "" }), "clRfqId"]
      ] as const
      for (const [effect, field] of cases) {
        const error = yield* Effect.flip(
          effect as Effect.Effect<unknown, { _tag: string; field?: string; message: string }>
        )
        assert.strictEqual(error._tag, "InvalidRequest", field)
        assert.strictEqual(error.field, field.replace(/\[\d+\]$/, ""))
        assert.include(error.message, field)
      }
      assert.strictEqual((yield* venue.paths).length, 0)
    })
  )

  it.scoped("bad options fail the client's construction with the option named, and nothing reaches the wire", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const secret = "s3cr3t-value"
      const options: ReadonlyArray<readonly [RfqCancelClient.Options, string]> = [
        [{ baseUrl: "ftp://www.okx.com" }, "baseUrl"],
        [{ baseUrl: "www.okx.com" }, "baseUrl"],
        // the request path is appended to the base URL: a query or fragment would swallow it
        [{ baseUrl: "https://www.okx.com?x=1" }, "baseUrl"],
        [{ baseUrl: "https://www.okx.com?" }, "baseUrl"],
        [{ baseUrl: "https://www.okx.com#" }, "baseUrl"],
        // the URL parser would drop a stray space; the server time's URL, built from the text, would not
        [{ baseUrl: "https://www.okx.com " }, "baseUrl"],
        [{ baseUrl: "\thttps://www.okx.com" }, "baseUrl"],
        // OKX authenticates by headers; a password in the URL would only be printed (and is masked when it is)
        [{ baseUrl: `https://user:${secret}@www.okx.com` }, "baseUrl"],
        [{ userId: " " }, "userId"],
        [{ retry: { maxAttempts: 0 } }, "retry.maxAttempts"],
        [{ retry: { maxAttempts: 1.5 } }, "retry.maxAttempts"],
        [{ retry: { maxAttempts: Number.NaN } }, "retry.maxAttempts"],
        // Duration.decode reads these as zero: no backoff, or an attempt that times out at once
        [{ retry: { baseDelay: -100 } }, "retry.baseDelay"],
        [{ retry: { maxDelay: "-2 seconds" } }, "retry.maxDelay"],
        [{ retry: { attemptTimeout: 0 } }, "retry.attemptTimeout"],
        [{ retry: { deadline: Number.POSITIVE_INFINITY } }, "retry.deadline"],
        [{ retry: { baseDelay: "3 seconds" } }, "retry.maxDelay"]
      ]
      // the lanes' rules: they used to be a defect at the first request (the first emergency cancel)
      const lanes: ReadonlyArray<readonly [RfqCancelClient.LayerOptions["lanes"], string]> = [
        [{ margin: -1 }, "lanes.margin"],
        [
          { limits: { "/api/v5/rfq/cancel-quote": { limit: 0, window: "2 seconds" } } },
          'lanes.limits["/api/v5/rfq/cancel-quote"].limit'
        ],
        [
          { limits: { "/api/v5/rfq/cancel-quote": { limit: 50, window: "2 seconds", margin: "-1 millis" } } },
          'lanes.limits["/api/v5/rfq/cancel-quote"].margin'
        ],
        [{ fallback: { limit: 10, window: 0 } }, "lanes.fallback.window"]
      ]
      const credentials: ReadonlyArray<readonly [RfqCancelClient.LayerOptions["credentials"], string]> = [
        [{ apiKey: "", secretKey: secret, passphrase: "p" }, "credentials.apiKey"],
        [{ apiKey: "k", secretKey: " ", passphrase: "p" }, "credentials.secretKey"],
        // a pasted newline would only show as an authentication failure at the venue
        [{ apiKey: "k", secretKey: Redacted.make(`${secret}\n`), passphrase: "p" }, "credentials.secretKey"],
        [{ apiKey: "k", secretKey: secret, passphrase: Redacted.make("") }, "credentials.passphrase"]
      ]
      const transport = Layer.succeed(HttpClient.HttpClient, venue.client)
      const built = [
        ...options.map(([o, field]) => [Effect.asVoid(clientOver(venue, o)), field] as const),
        ...[
          ...options,
          ...credentials.map(([c, field]) => [{ credentials: c }, field] as const),
          ...lanes.map(([l, field]) => [{ lanes: l }, field] as const)
        ].map(
          ([o, field]) =>
            [
              Effect.asVoid(
                Layer.build(
                  RfqCancelClient.layerTest({
                    credentials: { apiKey: "k", secretKey: secret, passphrase: "p" },
                    ...o
                  }).pipe(Layer.provide(transport))
                )
              ),
              field
            ] as const
        )
      ]
      for (const [effect, field] of built) {
        // not Effect.flip: a client built by mistake would become the error, too big for the report to print
        const exit = yield* Effect.exit(effect)
        if (Exit.isSuccess(exit)) return assert.fail(`built a client despite a bad ${field}`)
        const error = Cause.squash(exit.cause)
        assert.instanceOf(error, OkxError.InvalidRequest, field)
        assert.strictEqual(error.field, field)
        assert.include(error.message, field)
        assert.notInclude(error.message, secret)
      }
      const { client } = yield* clientOver(venue)
      const once = yield* Effect.either(client.cancelAllAfterOnce("30 seconds", -1))
      if (Either.isRight(once)) return assert.fail("cancel-all-after sent with a negative attempt timeout")
      assert.instanceOf(once.left, OkxError.InvalidRequest)
      assert.strictEqual(once.left instanceof OkxError.InvalidRequest && once.left.field, "attemptTimeout")
      assert.strictEqual((yield* venue.paths).length, 0)
    })
  )

  it.effect("config: an empty OKX_USER_ID counts as unset; a set one keys the lanes", () =>
    Effect.gen(function* () {
      const env = (userId: string) =>
        ConfigProvider.fromMap(
          new Map([
            ["OKX_API_KEY", "k"],
            ["OKX_SECRET_KEY", "s"],
            ["OKX_PASSPHRASE", "p"],
            ["OKX_USER_ID", userId]
          ])
        )
      const empty = yield* Effect.withConfigProvider(RfqCancelClient.config, env(""))
      assert.isFalse("userId" in empty)
      const blank = yield* Effect.withConfigProvider(RfqCancelClient.config, env("  "))
      assert.isFalse("userId" in blank)
      const set = yield* Effect.withConfigProvider(RfqCancelClient.config, env("42"))
      assert.strictEqual(set.userId, "42")
    })
  )

  it.scoped("a partial batch keeps every item and its outcome", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client } = yield* clientOver(venue)
      const result = yield* drive(client.cancelBatchQuotes({ quoteIds: ["a", "gone1", "b"] }))
      assert.strictEqual(result.code, "2")
      assert.deepStrictEqual(
        result.items.map((i) => [i.quoteId, i.outcome._tag]),
        [
          ["a", "Cancelled"],
          ["gone1", "NotFound"],
          ["b", "Cancelled"]
        ]
      )
    })
  )

  it.scoped("a venue that leaves out sMsg and the client ids still reports the cancels, with empty strings", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client } = yield* clientOver(venue)
      // OKX documents sMsg as set only when a request fails; a venue may send neither it nor an unset client id
      yield* venue.setFault((seen) =>
        seen.path === "/api/v5/rfq/cancel-quote"
          ? { _tag: "http", status: 200, body: '{"code":"0","data":[{"quoteId":"q1","sCode":"0"}]}' }
          : { _tag: "http", status: 200, body: '{"code":"1","msg":"","data":[{"rfqId":"r1","sCode":"70000"}]}' }
      )
      const quote = yield* drive(client.cancelQuote({ quoteId: "q1" }))
      assert.deepStrictEqual(quote.items, [
        { quoteId: "q1", clQuoteId: "", outcome: { _tag: "Cancelled", sCode: "0", sMsg: "" } }
      ])
      const rfq = yield* drive(client.cancelRfq({ rfqId: "r1" }))
      assert.deepStrictEqual(rfq.items, [
        { rfqId: "r1", clRfqId: "", outcome: { _tag: "NotFound", sCode: "70000", sMsg: "" } }
      ])
    })
  )

  it.scoped("an id the venue's answer has no item for is Unanswered, and code 0 no longer claims all cancelled", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client } = yield* clientOver(venue)
      yield* venue.setFault((seen) => {
        switch (seen.path) {
          case "/api/v5/rfq/cancel-batch-quotes":
            // three ids asked, one item answered
            return { _tag: "http", status: 200, body: '{"code":"0","msg":"","data":[{"quoteId":"q2","sCode":"0"}]}' }
          case "/api/v5/rfq/cancel-quote":
            // an item for an id that was never asked for
            return { _tag: "http", status: 200, body: '{"code":"0","msg":"","data":[{"quoteId":"zz","sCode":"0"}]}' }
          case "/api/v5/rfq/cancel-rfq":
            return { _tag: "http", status: 200, body: '{"code":"0","msg":"","data":[]}' }
          default:
            // by client id, from a venue that leaves the client ids out: counted, not matched
            return {
              _tag: "http",
              status: 200,
              body: '{"code":"0","msg":"","data":[{"rfqId":"r1","sCode":"0"},{"rfqId":"r2","sCode":"0"}]}'
            }
        }
      })
      const unanswered = { _tag: "Unanswered", sCode: "", sMsg: "the venue's answer has no item for this id" }
      const batch = yield* drive(client.cancelBatchQuotes({ quoteIds: ["q1", "q2", "q3"] }))
      assert.strictEqual(batch.code, "2")
      assert.deepStrictEqual(
        batch.items.map((item) => [item.quoteId, item.outcome]),
        [
          ["q2", { _tag: "Cancelled", sCode: "0", sMsg: "" }],
          ["q1", unanswered],
          ["q3", unanswered]
        ]
      )
      const other = yield* drive(client.cancelQuote({ quoteId: "q9", clQuoteId: "mine9" }))
      assert.deepStrictEqual(
        [other.code, other.items.map((item) => [item.quoteId, item.outcome._tag])],
        [
          "2",
          [
            ["zz", "Cancelled"],
            ["q9", "Unanswered"]
          ]
        ]
      )
      const none = yield* drive(client.cancelRfq({ clRfqId: "MyRfq1" }))
      assert.deepStrictEqual([none.code, none.items], ["1", [{ rfqId: "", clRfqId: "MyRfq1", outcome: unanswered }]])
      const anonymous = yield* drive(client.cancelBatchRfqs({ clRfqIds: ["A1", "B2"] }))
      assert.deepStrictEqual(
        [anonymous.code, anonymous.items.map((item) => item.outcome._tag)],
        ["0", ["Cancelled", "Cancelled"]]
      )
      // fewer items without client ids than ids: which ones they answer is not known, so none is taken as answered
      const short = yield* drive(client.cancelBatchRfqs({ clRfqIds: ["A1", "B2", "C3"] }))
      assert.deepStrictEqual(
        short.items.map((item) => [item.clRfqId, item.outcome._tag]),
        [
          ["", "Cancelled"],
          ["", "Cancelled"],
          ["A1", "Unanswered"],
          ["B2", "Unanswered"],
          ["C3", "Unanswered"]
        ]
      )
    })
  )

  it.scoped(
    "an item's code for the whole request (70001 at the top): the single id's outcome, Rejected for several",
    () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        const { client } = yield* clientOver(venue)
        yield* venue.setFault((seen) => {
          switch (seen.path) {
            case "/api/v5/rfq/cancel-quote":
              return { _tag: "http", status: 200, body: '{"code":"70001","msg":"Quote does not exist","data":[]}' }
            case "/api/v5/rfq/cancel-rfq":
              return { _tag: "http", status: 200, body: '{"code":"70200","msg":"RFQ cannot be cancelled"}' }
            default:
              return { _tag: "http", status: 200, body: '{"code":"70400","msg":"cannot be cancelled","data":[]}' }
          }
        })
        const single = yield* drive(client.cancelQuote({ clQuoteId: "mine1" }))
        assert.deepStrictEqual(
          [single.code, single.topLevel, single.items],
          [
            "1",
            { code: "70001", msg: "Quote does not exist" },
            [
              {
                quoteId: "",
                clQuoteId: "mine1",
                outcome: { _tag: "NotFound", sCode: "70001", sMsg: "Quote does not exist" }
              }
            ]
          ]
        )
        const rfq = yield* drive(client.cancelRfq({ rfqId: "r1" }))
        assert.deepStrictEqual(
          rfq.items.map((item) => [item.rfqId, item.outcome._tag]),
          [["r1", "AlreadyInactive"]]
        )
        // of several ids the code does not say which one it is about: none is taken as inactive
        const batch = yield* drive(client.cancelBatchQuotes({ quoteIds: ["q1", "q2"] }))
        assert.deepStrictEqual(
          [batch.code, batch.items.map((item) => [item.quoteId, item.outcome])],
          [
            "1",
            [
              ["q1", { _tag: "Rejected", sCode: "70400", sMsg: "cannot be cancelled" }],
              ["q2", { _tag: "Rejected", sCode: "70400", sMsg: "cannot be cancelled" }]
            ]
          ]
        )
        // answered at once, not retried
        assert.strictEqual((yield* venue.seen).length, 3)
      })
  )

  it.scoped("a batch of 250 ids becomes 3 requests whose items are merged in order", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client } = yield* clientOver(venue)
      const ids = Array.from({ length: 250 }, (_, i) => (i === 120 ? "gone120" : `q${i}`))
      const result = yield* drive(client.cancelBatchQuotes({ quoteIds: ids }))
      const seen = yield* venue.seen
      assert.deepStrictEqual(
        seen.map((s) => (s.body.quoteIds as Array<string>).length),
        [100, 100, 50]
      )
      assert.deepStrictEqual(
        result.items.map((i) => i.quoteId),
        ids
      )
      assert.strictEqual(result.code, "2")
      assert.strictEqual(result.items[120]!.outcome._tag, "NotFound")
      // the batch endpoint allows 2 per 2 s: the third request waited for the window
      assert.isTrue(seen[2]!.at - seen[0]!.at >= 2000)
    })
  )

  it.scoped(
    "onAnswered gets each answered request of a split batch, so an interrupted caller knows what was cancelled",
    () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        const { client } = yield* clientOver(venue)
        const ids = Array.from({ length: 250 }, (_, i) => `q${i}`)
        const answered: Array<RfqCancelClient.QuoteItems> = []
        const fiber = yield* Effect.fork(
          client.cancelBatchQuotes(
            { quoteIds: ids },
            { onAnswered: (result) => Effect.sync(() => answered.push(result)) }
          )
        )
        // the batch endpoint allows 2 per 2 s: the third request waits in the lane, where the caller gives up
        for (let i = 0; i < 10 && answered.length < 2; i++) yield* TestClock.adjust("100 millis")
        yield* Fiber.interrupt(fiber)
        assert.deepStrictEqual(
          answered.map((result) => result.items.map((item) => item.quoteId)),
          [ids.slice(0, 100), ids.slice(100, 200)]
        )
        assert.isTrue(answered.every((result) => result.items.every((item) => item.outcome._tag === "Cancelled")))
        assert.strictEqual((yield* venue.seen).length, 2)
      })
  )

  it.scoped("when a later batch fails, the items already answered are kept in the error", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client } = yield* clientOver(venue)
      let n = 0
      yield* venue.setFault(() => (n++ >= 1 ? { _tag: "code", code: "50113", httpStatus: 401 } : undefined))
      const ids = Array.from({ length: 150 }, (_, i) => `q${i}`)
      const error = yield* Effect.flip(drive(client.cancelBatchQuotes({ quoteIds: ids })))
      assert.strictEqual(error._tag, "BatchIncomplete")
      if (error._tag === "BatchIncomplete") {
        assert.strictEqual(error.completed.items.length, 100)
        assert.deepStrictEqual(error.remaining, ids.slice(100))
        assert.strictEqual(error.cause._tag, "AuthenticationFailed")
      }
    })
  )

  it.scoped("when a later batch fails, a short answer to an earlier one still accounts for its ids", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client } = yield* clientOver(venue)
      let n = 0
      yield* venue.setFault(() =>
        n++ === 0
          ? { _tag: "http", status: 200, body: '{"code":"0","msg":"","data":[{"quoteId":"q0","sCode":"0"}]}' }
          : { _tag: "code", code: "50113", httpStatus: 401 }
      )
      const ids = Array.from({ length: 150 }, (_, i) => `q${i}`)
      const error = yield* Effect.flip(drive(client.cancelBatchQuotes({ quoteIds: ids })))
      if (error._tag !== "BatchIncomplete") return assert.fail(error._tag)
      assert.strictEqual(error.completed.code, "2")
      assert.deepStrictEqual(
        error.completed.items.map((item) => item.quoteId),
        ids.slice(0, 100)
      )
      assert.deepStrictEqual(
        error.completed.items.map((item) => item.outcome._tag),
        ["Cancelled", ...Array.from({ length: 99 }, () => "Unanswered")]
      )
      assert.deepStrictEqual(error.remaining, ids.slice(100))
    })
  )

  it.scoped("a split batch: an item one request's answer gives for another request's id is not taken for it", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client } = yield* clientOver(venue)
      const ids = [...Array.from({ length: 100 }, (_, i) => `q${i}`), "gone1"]
      // the first request's answer adds an item for gone1, which the second request asks for (and finds gone)
      yield* scriptOf(venue)({ [batch]: [answer([...ids.map((id) => item(id, "0"))], "0")] })
      const answered: Array<RfqCancelClient.QuoteItems> = []
      const result = yield* drive(
        client.cancelBatchQuotes({ quoteIds: ids }, { onAnswered: (r) => Effect.sync(() => answered.push(r)) })
      )
      assert.deepStrictEqual(
        result.items.filter((i) => i.quoteId === "gone1").map((i) => i.outcome._tag),
        ["NotFound"]
      )
      assert.deepStrictEqual([result.code, result.items.length], ["2", 101])
      assert.deepStrictEqual(
        answered.map((r) => r.items.length),
        [100, 1]
      )
    })
  )

  describe("items refused for a passing reason (70208 per item) are sent again, within the call's budget", () => {
    const unavailable = (quoteIds: ReadonlyArray<string>, refused: ReadonlySet<string>): Fault => {
      const items = quoteIds.map((quoteId) => ({
        quoteId,
        clQuoteId: "",
        sCode: refused.has(quoteId) ? "70208" : quoteId.startsWith("gone") ? "70001" : "0",
        sMsg: refused.has(quoteId) ? "Cancellation service unavailable" : ""
      }))
      const failed = items.filter((item) => item.sCode !== "0").length
      const code = failed === 0 ? "0" : failed === items.length ? "1" : "2"
      return { _tag: "http", status: 200, body: JSON.stringify({ code, msg: "", data: items }) }
    }
    const idsOf = (body: Record<string, unknown>) =>
      Array.isArray(body.quoteIds) ? (body.quoteIds as Array<string>) : [String(body.quoteId)]

    it.scoped("a single cancel: refused once, then cancelled by the same request", () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        const { client } = yield* clientOver(venue)
        let n = 0
        yield* venue.setFault((seen) => (n++ === 0 ? unavailable(idsOf(seen.body), new Set(["7"])) : undefined))
        const result = yield* drive(client.cancelQuote({ quoteId: "7" }))
        assert.deepStrictEqual([result.code, result.items.map((item) => item.outcome._tag)], ["0", ["Cancelled"]])
        const seen = yield* venue.seen
        assert.deepStrictEqual(
          seen.map((s) => s.body),
          [{ quoteId: "7" }, { quoteId: "7" }]
        )
      })
    )

    it.scoped("a batch: only the refused ids go again, and their new items take their places", () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        const { client } = yield* clientOver(venue)
        let n = 0
        yield* venue.setFault((seen) => (n++ === 0 ? unavailable(idsOf(seen.body), new Set(["q1", "q3"])) : undefined))
        const result = yield* drive(client.cancelBatchQuotes({ quoteIds: ["q0", "q1", "gone2", "q3"] }))
        assert.deepStrictEqual(
          result.items.map((item) => [item.quoteId, item.outcome._tag]),
          [
            ["q0", "Cancelled"],
            ["q1", "Cancelled"],
            ["gone2", "NotFound"],
            ["q3", "Cancelled"]
          ]
        )
        assert.strictEqual(result.code, "2")
        assert.deepStrictEqual(
          (yield* venue.seen).map((s) => s.body.quoteIds),
          [
            ["q0", "q1", "gone2", "q3"],
            ["q1", "q3"]
          ]
        )
      })
    )

    it.scoped("refused every time: maxAttempts requests in all, then the refusal as the item's outcome", () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        const { client } = yield* clientOver(venue, { retry: { maxAttempts: 3 } })
        yield* venue.setFault((seen) => unavailable(idsOf(seen.body), new Set(idsOf(seen.body))))
        const result = yield* drive(client.cancelBatchQuotes({ quoteIds: ["q0", "q1"] }))
        assert.deepStrictEqual(
          result.items.map((item) => [item.quoteId, item.outcome._tag, item.outcome.sCode]),
          [
            ["q0", "Rejected", "70208"],
            ["q1", "Rejected", "70208"]
          ]
        )
        assert.strictEqual(result.code, "1")
        assert.strictEqual((yield* venue.seen).length, 3)
      })
    )

    it.scoped("the attempts are shared: a transient error before the refusal leaves fewer re-sends", () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        const { client } = yield* clientOver(venue, { retry: { maxAttempts: 3 } })
        let n = 0
        yield* venue.setFault((seen) =>
          n++ === 0 ? { _tag: "code", code: "50001", httpStatus: 503 } : unavailable(idsOf(seen.body), new Set(["7"]))
        )
        const result = yield* drive(client.cancelQuote({ quoteId: "7" }))
        assert.strictEqual(result.items[0]!.outcome.sCode, "70208")
        assert.strictEqual((yield* venue.seen).length, 3)
      })
    )

    it.scoped("a re-send that fails ends the call with the last answer, not the re-send's error", () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        const { client } = yield* clientOver(venue)
        let n = 0
        yield* venue.setFault((seen) =>
          n++ === 0 ? unavailable(idsOf(seen.body), new Set(["q1"])) : { _tag: "code", code: "50113", httpStatus: 401 }
        )
        const result = yield* drive(client.cancelBatchQuotes({ quoteIds: ["q0", "q1"] }))
        assert.deepStrictEqual(
          result.items.map((item) => [item.quoteId, item.outcome._tag]),
          [
            ["q0", "Cancelled"],
            ["q1", "Rejected"]
          ]
        )
        assert.strictEqual((yield* venue.seen).length, 2)
      })
    )

    it.scoped("onAnswered gets a request's answer before its refused items are sent again, then the new result", () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        const { client } = yield* clientOver(venue)
        let n = 0
        let refused = new Set(["q5"])
        let resend: Fault | undefined
        yield* venue.setFault((seen) => (n++ === 0 ? unavailable(idsOf(seen.body), refused) : resend))
        const ids = Array.from({ length: 150 }, (_, i) => `q${i}`)
        const calls: Array<readonly [number, number, string]> = []
        const onAnswered = (result: RfqCancelClient.QuoteItems, index: number) =>
          Effect.sync(() => {
            const cancelled = result.items.filter((item) => item.outcome._tag === "Cancelled").length
            const refusedItem = result.items.find((item) => refused.has(item.quoteId))
            calls.push([index, cancelled, refusedItem?.outcome._tag ?? "-"])
          })
        // interrupted while q5 waits for its re-send: the 99 cancels of the first request are known, q5 still refused
        const waiting = yield* Effect.fork(client.cancelBatchQuotes({ quoteIds: ids }, { onAnswered }))
        for (let i = 0; i < 20; i++) yield* Effect.yieldNow()
        assert.strictEqual((yield* venue.seen).length, 1)
        yield* Fiber.interrupt(waiting)
        assert.deepStrictEqual(calls, [[0, 99, "Rejected"]])
        // interrupted while the re-send is on its way (the venue may act on it): q5's outcome is unknown
        calls.length = 0
        n = 0
        resend = { _tag: "hang" }
        yield* venue.clear
        const sending = yield* Effect.fork(client.cancelBatchQuotes({ quoteIds: ids }, { onAnswered }))
        for (let i = 0; i < 40 && (yield* venue.seen).length < 2; i++) yield* TestClock.adjust("100 millis")
        assert.strictEqual((yield* venue.seen).length, 2)
        yield* Fiber.interrupt(sending)
        assert.deepStrictEqual(calls, [
          [0, 99, "Rejected"],
          [0, 99, "Unanswered"]
        ])
        // not interrupted: request 0 again once q5 is cancelled too, then request 1
        calls.length = 0
        n = 0
        resend = undefined
        refused = new Set(["q5b"])
        yield* venue.clear
        yield* drive(client.cancelBatchQuotes({ quoteIds: ids.map((id) => `${id}b`) }, { onAnswered }))
        assert.deepStrictEqual(calls, [
          [0, 99, "Rejected"],
          [0, 100, "Cancelled"],
          [1, 50, "-"]
        ])
      })
    )

    it.scoped("a re-send that never left the lane leaves its items Rejected: at the deadline, or on a signal", () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        // one request a minute: the re-send of q1 waits for a permit past the call's 5 s deadline
        const { client } = yield* clientOver(
          venue,
          { retry: { deadline: "5 seconds", attemptTimeout: "1 second" } },
          { limits: { "/api/v5/rfq/cancel-batch-quotes": { limit: 1, window: "60 seconds" } } }
        )
        yield* venue.setFault((seen) => unavailable(idsOf(seen.body), new Set(["q1"])))
        const latest: Array<string> = []
        const onAnswered = (result: RfqCancelClient.QuoteItems) =>
          Effect.sync(() => latest.push(result.items[1]!.outcome._tag))
        const result = yield* drive(client.cancelBatchQuotes({ quoteIds: ["q0", "q1"] }, { onAnswered }))
        assert.lengthOf(yield* venue.seen, 1)
        assert.deepStrictEqual([result.items[1]!.outcome._tag, latest.at(-1)], ["Rejected", "Rejected"])
        // a signal while a re-send waits for its permit (OKX's 2 per 2 s; the batch's two requests took them)
        const other = yield* makeFakeVenue
        const second = yield* clientOver(other)
        let n = 0
        yield* other.setFault((seen) => (n++ === 1 ? unavailable(idsOf(seen.body), new Set(["q120"])) : undefined))
        const ids = Array.from({ length: 150 }, (_, i) => `q${i}`)
        const byIndex: Array<string> = []
        const waiting = yield* Effect.fork(
          second.client.cancelBatchQuotes(
            { quoteIds: ids },
            {
              onAnswered: (result, index) =>
                Effect.sync(() => {
                  byIndex[index] = result.items.find((item) => item.quoteId === "q120")?.outcome._tag ?? "-"
                })
            }
          )
        )
        for (let i = 0; i < 10; i++) yield* TestClock.adjust("100 millis")
        assert.lengthOf(yield* other.seen, 2)
        yield* Fiber.interrupt(waiting)
        assert.deepStrictEqual(byIndex, ["-", "Rejected"])
      })
    )

    it.scoped("a re-send answered with a deciding field malformed (DecodeError) leaves its items Unanswered", () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        const { client } = yield* clientOver(venue)
        let n = 0
        yield* venue.setFault((seen) =>
          n++ === 0
            ? unavailable(idsOf(seen.body), new Set(["q1"]))
            : { _tag: "http", status: 200, body: '{"code":"0","msg":"","data":[{"quoteId":1,"sCode":"0"}]}' }
        )
        const result = yield* drive(client.cancelBatchQuotes({ quoteIds: ["q0", "q1"] }))
        // the venue took the re-send, and what it did cannot be read: q1 may be cancelled, or not
        assert.deepStrictEqual(
          result.items.map((item) => [item.quoteId, item.outcome._tag]),
          [
            ["q0", "Cancelled"],
            ["q1", "Unanswered"]
          ]
        )
      })
    )

    const http = (code: string, data: ReadonlyArray<Record<string, string>>, msg = ""): Fault => ({
      _tag: "http",
      status: 200,
      body: JSON.stringify({ code, msg, data })
    })

    it.scoped("a venue that leaves clQuoteId out: the answer's items still take the right places", () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        const { client } = yield* clientOver(venue)
        let n = 0
        yield* venue.setFault(() =>
          n++ === 0
            ? http(
                "2",
                [
                  { quoteId: "1", clQuoteId: "A", sCode: "70208", sMsg: "busy" },
                  { quoteId: "2", sCode: "0", sMsg: "" }
                ],
                "Bulk operation partially succeeded."
              )
            : http("0", [{ quoteId: "1", sCode: "0", sMsg: "" }])
        )
        const result = yield* drive(client.cancelBatchQuotes({ clQuoteIds: ["A", "B"] }))
        assert.deepStrictEqual(
          result.items.map((item) => [item.quoteId, item.clQuoteId, item.outcome._tag]),
          // the items without clQuoteId are named by the ids they stand for
          [
            ["1", "A", "Cancelled"],
            ["2", "B", "Cancelled"]
          ]
        )
        // the first answer's message described the first answer
        assert.deepStrictEqual([result.code, result.msg], ["0", ""])
        assert.deepStrictEqual(
          (yield* venue.seen).map((s) => s.body.clQuoteIds),
          [["A", "B"], ["A"]]
        )
        // a single cancel: its item is its id's whatever ids the venue put in it
        n = 0
        const single = yield* drive(client.cancelQuote({ clQuoteId: "C" }))
        assert.strictEqual(single.items[0]!.outcome._tag, "Cancelled")
        assert.strictEqual((yield* venue.seen).length, 4)
      })
    )

    it.scoped("one server-time resync per call, however many re-sends", () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        const { client, resyncs } = yield* clientOver(venue, { retry: { maxAttempts: 3 } })
        let n = 0
        yield* venue.setFault(() =>
          n++ % 2 === 0
            ? { _tag: "code", code: "50102", httpStatus: 401 }
            : http("1", [{ quoteId: "7", clQuoteId: "", sCode: "70208", sMsg: "busy" }])
        )
        const result = yield* Effect.either(drive(client.cancelQuote({ quoteId: "7" })))
        // 50102, resync, 70208; then 50102 again, final this time
        assert.isTrue(Either.isRight(result) && result.right.items[0]!.outcome.sCode === "70208")
        assert.strictEqual(yield* resyncs, 1)
        assert.strictEqual((yield* venue.seen).length, 3)
      })
    )

    it.scoped("a re-send the venue may have acted on (dropped) leaves its items Unanswered, not Rejected", () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        const { client } = yield* clientOver(venue, { retry: { maxAttempts: 2 } })
        let n = 0
        yield* venue.setFault((seen) => (n++ === 0 ? unavailable(idsOf(seen.body), new Set(["q1"])) : { _tag: "drop" }))
        const result = yield* drive(client.cancelBatchQuotes({ quoteIds: ["q0", "q1"] }))
        assert.deepStrictEqual(
          result.items.map((item) => [item.quoteId, item.outcome._tag]),
          [
            ["q0", "Cancelled"],
            ["q1", "Unanswered"]
          ]
        )
        assert.include(result.items[1]!.outcome.sMsg, "70208")
        assert.strictEqual(result.code, "2")
      })
    )

    it.scoped("a final per-item refusal (70400, 70001) is not sent again", () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        const { client } = yield* clientOver(venue)
        const result = yield* drive(client.cancelBatchQuotes({ quoteIds: ["q0", "gone1"] }))
        assert.strictEqual(result.items[1]!.outcome._tag, "NotFound")
        assert.strictEqual((yield* venue.seen).length, 1)
      })
    )
  })

  it.scoped("cancel-all-after decodes the trigger time, and disarm the disabled state", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client } = yield* clientOver(venue)
      yield* TestClock.setTime(1_700_000_000_000)
      const armed = yield* drive(client.cancelAllAfter("30 seconds"))
      assert.strictEqual(armed.triggerTime._tag, "Utc")
      const disarmed = yield* drive(client.disarm)
      assert.strictEqual(disarmed.triggerTime._tag, "Disabled")
      assert.isTrue(Either.isRight(Either.right(disarmed)))
    })
  )
})
