import { assert, describe, it } from "@effect/vitest"
import type { OkxSimulator } from "@okx-rfq/simulator"
import { Cause, Context, Effect, Exit, Fiber, FiberId, Layer, type Scope } from "effect"
import * as net from "node:net"
import * as RfqCancelClient from "../../src/RfqCancelClient.js"
import * as UndiciHttpClient from "../../src/UndiciHttpClient.js"
import {
  account,
  arrivals,
  assertTypedExit,
  type ClientOptions,
  guardUnhandledRejections,
  makeClient,
  makeWire,
  tracked,
  withSimulator
} from "../utils/simulatorClient.js"

/**
 * The fault matrix: every fault the simulator injects, end to end through one `RfqCancelClient` over real sockets.
 * For every call: it ends in a typed success or one typed error (no defect, no interruption), its attempts are
 * counted (the venue's request log, and the requests handed to the transport), no promise rejection goes unhandled,
 * and no fiber is left running when the scenario's scope closes.
 */

const path = "/api/v5/rfq/cancel-quote"
const timePath = "/api/v5/public/time"
const maxAttempts = 4

// The simulator and the client share a scaled cancel-quote limit (50 per 200 ms instead of per 2 s), so that the lane
// pause after a 50011 costs 210 ms instead of 2.1 s. Retry delays are a few milliseconds; the attempt timeout is long
// (10 s) except where a scenario is about it, so that a slow CI machine does not add attempts.
const limits = { [path]: { requests: 50, windowMs: 200 } }
const lanes: ClientOptions["lanes"] = { limits: { [path]: { limit: 50, window: "200 millis" } } }
const retry: RfqCancelClient.RetryOptions = {
  maxAttempts,
  baseDelay: "1 millis",
  maxDelay: "4 millis",
  attemptTimeout: "10 seconds"
}

const rejections = guardUnhandledRejections()

/** The typed error a call failed with, if it failed. */
const errorOf = (exit: Exit.Exit<unknown, unknown>) =>
  Exit.isFailure(exit) && Cause.isFailType(exit.cause)
    ? (exit.cause.error as { readonly _tag: string; readonly [key: string]: unknown })
    : undefined

interface Setup {
  readonly sim?: Omit<OkxSimulator.Options, "accounts"> | undefined
  readonly client?: ClientOptions | undefined
}

/**
 * A client over `sim`, in the current scope. `call` runs one call and returns its exit, the venue's log during the call
 * (`log`, and `seen`: its entries for `logPath`), and how many requests the client sent to `logPath`.
 */
const clientOver = (sim: OkxSimulator.Service, options: ClientOptions = {}) =>
  Effect.gen(function* () {
    const wire = makeWire()
    const client = yield* makeClient(sim, { lanes, retry, ...options }, wire.layer)
    const quoteIds = (yield* sim.state).quotes.map((q) => q.quoteId)
    const call = <A, E>(effect: Effect.Effect<A, E>, logPath: string = path) =>
      Effect.gen(function* () {
        const before = (yield* sim.state).requests.length
        const sentBefore = wire.sent(logPath)
        const exit = yield* Effect.exit(effect)
        assertTypedExit(exit)
        assert.deepStrictEqual(rejections.seen(), [])
        const log = (yield* sim.state).requests.slice(before)
        return { exit, log, seen: arrivals(log, logPath), sent: wire.sent(logPath) - sentBefore }
      })
    const stateOf = (quoteId: string) =>
      Effect.map(sim.state, (s) => s.quotes.find((q) => q.quoteId === quoteId)?.state)
    return { sim, client, quoteIds, call, stateOf }
  })

/** One scenario: a simulator (12 active quotes, fault seed 7, the scaled limit) and a client over it. */
const matrix = <A, E>(
  options: Setup,
  body: (env: Effect.Effect.Success<ReturnType<typeof clientOver>>) => Effect.Effect<A, E, Scope.Scope>
) =>
  withSimulator({ limits, seedQuotes: 12, seed: 7, ...options.sim }, (sim) =>
    Effect.flatMap(clientOver(sim, options.client), body)
  )

const outcomeOf = (
  exit: Exit.Exit<{ readonly items: ReadonlyArray<{ readonly outcome: { _tag: string } }> }, unknown>
) => (Exit.isSuccess(exit) ? exit.value.items[0]!.outcome._tag : undefined)

describe("fault matrix: transient codes", () => {
  const transient: ReadonlyArray<readonly [string, { code: string; httpStatus?: number }, string]> = [
    ["50001 (HTTP 503)", { code: "50001" }, "Unavailable"],
    ["50004 (HTTP 400)", { code: "50004" }, "OutcomeUnknown"],
    ["50011 (HTTP 429)", { code: "50011" }, "RateLimited"],
    ["50013 (HTTP 429)", { code: "50013" }, "Unavailable"],
    ["50026 (HTTP 500)", { code: "50026" }, "Unavailable"],
    ["70208 (HTTP 200)", { code: "70208" }, "Unavailable"],
    ["HTTP 502 (envelope code 0: classified by the status)", { code: "0", httpStatus: 502 }, "Unavailable"]
  ]
  for (const [name, error, tag] of transient) {
    it.live(`${name}: retried; each call ends Cancelled, or ${tag} after exactly ${maxAttempts} attempts`, () =>
      matrix(
        {
          sim: { faults: { endpoints: { [path]: { error: { ...error, probability: 0.5 } } } } }
        },
        ({ call, client, quoteIds, sim, stateOf }) =>
          Effect.gen(function* () {
            let retried = 0
            for (const quoteId of quoteIds.slice(0, 10)) {
              const { exit, seen, sent } = yield* call(client.cancelQuote({ quoteId }))
              assert.strictEqual(seen.length, sent, "every attempt reached the venue")
              assert.isTrue(seen.slice(0, -1).every((r) => r.fault === "error" && r.code === error.code))
              if (Exit.isSuccess(exit)) {
                assert.isAtMost(seen.length, maxAttempts)
                assert.strictEqual(seen.at(-1)!.fault, undefined)
                assert.strictEqual(outcomeOf(exit), "Cancelled")
              } else {
                assert.strictEqual(seen.length, maxAttempts)
                assert.strictEqual(errorOf(exit)!._tag, tag)
              }
              if (seen.length > 1) retried++
            }
            assert.isAbove(retried, 0, "the seed draws some faults")
            yield* sim.setFaults({ endpoints: { [path]: { error } } })
            const { exit, seen, sent } = yield* call(client.cancelQuote({ quoteId: quoteIds[10]! }))
            assert.strictEqual(errorOf(exit)!._tag, tag)
            assert.deepStrictEqual([seen.length, sent], [maxAttempts, maxAttempts])
            assert.strictEqual(yield* stateOf(quoteIds[10]!), "active", "an injected error has no effect")
          })
      )
    )
  }
})

describe("fault matrix: final answers are not retried", () => {
  it.live("final codes: the typed error after one attempt", () =>
    matrix({}, ({ call, client, quoteIds, sim }) =>
      Effect.gen(function* () {
        const final = [
          ["50113", "AuthenticationFailed"],
          ["50101", "AuthenticationFailed"],
          ["50030", "PermissionDenied"],
          ["50000", "InvalidRequest"],
          ["51000", "InvalidRequest"],
          ["99999", "UnknownCode"]
        ] as const
        for (const [code, tag] of final) {
          yield* sim.setFaults({ endpoints: { [path]: { error: { code } } } })
          const { exit, seen, sent } = yield* call(client.cancelQuote({ quoteId: quoteIds[0]! }))
          assert.strictEqual(errorOf(exit)?._tag, tag, code)
          assert.strictEqual(errorOf(exit)?.code, code)
          assert.deepStrictEqual([seen.length, sent], [1, 1], code)
        }
        // an item's code for the whole request (MMP) is the quote's outcome, a result: final too
        yield* sim.setFaults({ endpoints: { [path]: { error: { code: "70008" } } } })
        const { exit, seen, sent } = yield* call(client.cancelQuote({ quoteId: quoteIds[0]! }))
        assert.isTrue(Exit.isSuccess(exit))
        if (Exit.isSuccess(exit)) {
          assert.deepStrictEqual(
            exit.value.items.map((item) => [item.quoteId, item.outcome._tag, item.outcome.sCode]),
            [[quoteIds[0], "Rejected", "70008"]]
          )
        }
        assert.deepStrictEqual([seen.length, sent], [1, 1])
      })
    )
  )

  it.live("the venue's own 50113 (a wrong secret key): AuthenticationFailed with its hint, one attempt", () =>
    matrix(
      {
        client: { credentials: { apiKey: "e2e-key", secretKey: "e2e-pass", passphrase: "e2e-pass" } }
      },
      ({ call, client }) =>
        Effect.gen(function* () {
          const { exit, seen } = yield* call(client.cancelQuote({ quoteId: "3000000001" }))
          assert.strictEqual(errorOf(exit)?._tag, "AuthenticationFailed")
          assert.include(String(errorOf(exit)?.message), "secret key and the passphrase")
          assert.deepStrictEqual(
            seen.map((r) => [r.code, r.httpStatus]),
            [["50113", 401]]
          )
        })
    )
  )

  it.live("item outcomes are results: 70001 NotFound and 70400 AlreadyInactive after one attempt", () =>
    matrix({}, ({ call, client, quoteIds }) =>
      Effect.gen(function* () {
        yield* client.cancelQuote({ quoteId: quoteIds[0]! })
        const inactive = yield* call(client.cancelQuote({ quoteId: quoteIds[0]! }))
        const unknown = yield* call(client.cancelQuote({ quoteId: "123" }))
        const batch = yield* call(
          client.cancelBatchQuotes({ quoteIds: [quoteIds[1]!, "124"] }),
          "/api/v5/rfq/cancel-batch-quotes"
        )
        assert.deepStrictEqual(
          [inactive, unknown].map((r) => [outcomeOf(r.exit), r.seen.length]),
          [
            ["AlreadyInactive", 1],
            ["NotFound", 1]
          ]
        )
        assert.isTrue(Exit.isSuccess(batch.exit))
        if (Exit.isSuccess(batch.exit)) {
          assert.deepStrictEqual(
            [batch.exit.value.code, ...batch.exit.value.items.map((i) => i.outcome._tag)],
            ["2", "Cancelled", "NotFound"]
          )
        }
        assert.strictEqual(batch.seen.length, 1)
      })
    )
  )
})

describe("fault matrix: the connection", () => {
  it.live("dropped every time: TransportError after exactly maxAttempts; the venue acted on the first", () =>
    matrix(
      {
        sim: { faults: { endpoints: { [path]: { drop: 1 } } } }
      },
      ({ call, client, quoteIds, stateOf }) =>
        Effect.gen(function* () {
          const { exit, seen, sent } = yield* call(client.cancelQuote({ quoteId: quoteIds[0]! }))
          assert.deepStrictEqual([errorOf(exit)?._tag, errorOf(exit)?.reason], ["TransportError", "Transport"])
          // written, then dropped: the venue may have acted (it did)
          assert.strictEqual(errorOf(exit)?.mayHaveActed, true)
          assert.deepStrictEqual([seen.length, sent], [maxAttempts, maxAttempts])
          assert.isTrue(seen.every((r) => r.fault === "drop" && r.httpStatus === 0))
          assert.strictEqual(yield* stateOf(quoteIds[0]!), "canceled")
        })
    )
  )

  it.live(
    "a request left queued in the pool: neither its attempt's timeout nor the call's deadline says it may have acted",
    () =>
      Effect.gen(function* () {
        // a venue that takes connections and never answers, and a client with one pooled connection to it
        const sockets: Array<net.Socket> = []
        const server = net.createServer((socket) => void sockets.push(socket))
        yield* Effect.acquireRelease(
          Effect.promise(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()))),
          () =>
            Effect.sync(() => {
              for (const socket of sockets) socket.destroy()
              server.close()
            })
        )
        const baseUrl = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`
        for (const [retry, tag] of [
          // the attempt's own timeout ends the wait in the pool
          [{ maxAttempts: 1, attemptTimeout: "400 millis", deadline: "5 seconds" }, "TransportError"],
          // the call's deadline ends it (it cuts the attempt short)
          [{ maxAttempts: 1, attemptTimeout: "5 seconds", deadline: "400 millis" }, "DeadlineExceeded"]
        ] as const) {
          const client = yield* Effect.map(
            Layer.build(
              RfqCancelClient.layer({
                baseUrl,
                credentials: { apiKey: account.apiKey, secretKey: account.secretKey, passphrase: account.passphrase },
                serverTime: { fixedOffsetMillis: 0 },
                retry
              }).pipe(Layer.provide(UndiciHttpClient.layerWith({ connections: 1 })))
            ),
            Context.get(RfqCancelClient.RfqCancelClient)
          )
          // the one connection is taken by a re-arm the venue never answers
          const first = yield* Effect.fork(client.cancelAllAfterOnce("10 seconds", "5 seconds"))
          yield* Effect.sleep("100 millis")
          const error = yield* Effect.flip(client.cancelQuote({ quoteId: "2" }))
          assert.strictEqual(error._tag, tag)
          assert.strictEqual((error as { readonly mayHaveActed?: boolean }).mayHaveActed, false, error.message)
          yield* Fiber.interrupt(first)
        }
      }).pipe(Effect.scoped)
  )

  it.live("a refused connection: TransportError that says the venue cannot have acted (direct path only)", () =>
    Effect.gen(function* () {
      for (const httpSpans of [false, true]) {
        // nothing listens on port 9
        const client = yield* Effect.map(
          Layer.build(
            RfqCancelClient.layer({
              baseUrl: "http://127.0.0.1:9",
              credentials: { apiKey: account.apiKey, secretKey: account.secretKey, passphrase: account.passphrase },
              serverTime: { fixedOffsetMillis: 0 },
              httpSpans,
              retry: { maxAttempts: 2, baseDelay: "10 millis" }
            }).pipe(Layer.provide(UndiciHttpClient.layer))
          ),
          Context.get(RfqCancelClient.RfqCancelClient)
        )
        const error = yield* Effect.flip(client.cancelQuote({ quoteId: "1" }))
        if (error._tag !== "TransportError") return assert.fail(error._tag)
        assert.include(error.description, "ECONNREFUSED")
        // the direct path knows no connection took the request; through `execute` (HTTP spans) it cannot tell
        assert.strictEqual(error.mayHaveActed, httpSpans, `httpSpans: ${httpSpans}`)
      }
    }).pipe(Effect.scoped)
  )

  // answers lost or garbled half the time, after the venue acted: retried, and a retry reads the venue's word
  const halfTheTime: ReadonlyArray<readonly [string, "drop" | "malformed" | "gateway", string]> = [
    [
      "a gateway's 502 page half the time, after the venue acted: retried; the retry's answer says an attempt may have",
      "gateway",
      "Unavailable"
    ],
    [
      "dropped half the time: retried; a cancel whose answer was lost comes back AlreadyInactive",
      "drop",
      "TransportError"
    ],
    [
      "one malformed answer, then a readable one: the retry reads the venue's word (already cancelled)",
      "malformed",
      "OutcomeUnknown"
    ]
  ]
  for (const [name, fault, lastError] of halfTheTime) {
    it.live(name, () =>
      matrix(
        {
          sim: { faults: { endpoints: { [path]: { [fault]: 0.5 } } } }
        },
        ({ call, client, quoteIds, stateOf }) =>
          Effect.gen(function* () {
            const outcomes = new Set<string>()
            for (const quoteId of quoteIds.slice(0, 10)) {
              const { exit, seen, sent } = yield* call(client.cancelQuote({ quoteId }))
              assert.strictEqual(seen.length, sent)
              assert.isTrue(seen.slice(0, -1).every((r) => r.fault === fault))
              if (Exit.isSuccess(exit)) {
                assert.isAtMost(seen.length, maxAttempts)
                assert.strictEqual(outcomeOf(exit), seen.length === 1 ? "Cancelled" : "AlreadyInactive")
                // a retry's answer says an earlier attempt may have been what cancelled it
                assert.strictEqual(exit.value.earlierAttemptMayHaveActed, seen.length === 1 ? undefined : true)
                outcomes.add(outcomeOf(exit)!)
              } else {
                assert.deepStrictEqual([errorOf(exit)?._tag, seen.length], [lastError, maxAttempts])
              }
              assert.strictEqual(yield* stateOf(quoteId), "canceled")
            }
            assert.deepStrictEqual([...outcomes].sort(), ["AlreadyInactive", "Cancelled"], "the seed draws both")
          })
      )
    )
  }

  it.live(
    "a malformed body (invalid JSON): OutcomeUnknown with the raw body after every attempt; quotes confirms the cancel",
    () =>
      matrix(
        {
          sim: { faults: { endpoints: { [path]: { malformed: 1 } } } }
        },
        ({ call, client, quoteIds }) =>
          Effect.gen(function* () {
            const { exit, seen, sent } = yield* call(client.cancelQuote({ quoteId: quoteIds[0]! }))
            const error = errorOf(exit)
            assert.deepStrictEqual([error?._tag, error?.code], ["OutcomeUnknown", undefined])
            assert.include(String(error?.msg), "not an OKX envelope")
            assert.strictEqual(typeof error?.body, "string")
            assert.deepStrictEqual([seen.length, sent], [maxAttempts, maxAttempts])
            assert.isTrue(seen.every((request) => request.fault === "malformed"))
            const [quote] = yield* client.quotes({ quoteId: quoteIds[0]! })
            assert.strictEqual(quote!.state, "canceled")
          })
      )
  )
})

describe("fault matrix: latency", () => {
  const below: ReadonlyArray<readonly [string, OkxSimulator.Latency]> = [
    ["fixed 30 ms", 30],
    ["uniform 5-60 ms", { min: 5, max: 60 }],
    ["log-normal p50 10 ms, p99 80 ms", { p50: 10, p99: 80 }]
  ]
  for (const [name, latencyMs] of below) {
    it.live(`${name}, below the attempt timeout: every call succeeds at the first attempt`, () =>
      matrix({ sim: { faults: { endpoints: { "*": { latencyMs } } } } }, ({ call, client, quoteIds }) =>
        Effect.gen(function* () {
          for (const quoteId of quoteIds.slice(0, 5)) {
            const { exit, seen, sent } = yield* call(client.cancelQuote({ quoteId }))
            assert.deepStrictEqual([outcomeOf(exit), seen.length, sent], ["Cancelled", 1, 1])
          }
        })
      )
    )
  }

  it.live("beyond the attempt timeout every time: TransportError Timeout after exactly maxAttempts attempts", () =>
    matrix(
      {
        sim: { faults: { endpoints: { [path]: { latencyMs: 2000 } } } },
        client: { retry: { ...retry, attemptTimeout: "100 millis" } }
      },
      ({ call, client, quoteIds }) =>
        Effect.gen(function* () {
          const { exit, sent } = yield* call(client.cancelQuote({ quoteId: quoteIds[0]! }))
          assert.deepStrictEqual([errorOf(exit)?._tag, errorOf(exit)?.reason], ["TransportError", "Timeout"])
          assert.strictEqual(sent, maxAttempts)
        })
    )
  )

  it.live("beyond the attempt timeout now and then: the timed-out attempts are retried and every call succeeds", () =>
    // Uniform in [0, 400] ms against a 200 ms attempt timeout: about half of the attempts time out.
    matrix(
      {
        sim: { faults: { endpoints: { [path]: { latencyMs: { min: 0, max: 400 } } } } },
        client: { retry: { ...retry, maxAttempts: 10, attemptTimeout: "200 millis" } }
      },
      ({ call, client, quoteIds, stateOf }) =>
        Effect.gen(function* () {
          let sentInAll = 0
          for (const quoteId of quoteIds.slice(0, 6)) {
            const { exit, sent } = yield* call(client.cancelQuote({ quoteId }))
            // A late answer can still have cancelled the quote: the retry then finds it inactive.
            assert.include(["Cancelled", "AlreadyInactive"], outcomeOf(exit))
            assert.isAtMost(sent, 10)
            assert.strictEqual(yield* stateOf(quoteId), "canceled")
            sentInAll += sent
          }
          assert.isAbove(sentInAll, 6, "some attempts timed out and were retried")
        })
    )
  )
})

describe("fault matrix: the venue's clock", () => {
  for (const clockOffsetMs of [40_000, -40_000]) {
    it.live(
      `venue clock ${clockOffsetMs > 0 ? "+" : ""}${clockOffsetMs / 1000} s: the client syncs server time and succeeds`,
      () =>
        matrix(
          {
            sim: { faults: { clockOffsetMs } },
            client: { serverTime: {} }
          },
          ({ call, client, quoteIds }) =>
            Effect.gen(function* () {
              const { exit, log, seen } = yield* call(client.cancelQuote({ quoteId: quoteIds[0]! }))
              assert.strictEqual(outcomeOf(exit), "Cancelled")
              assert.deepStrictEqual(
                seen.map((r) => r.code),
                ["0"]
              )
              assert.deepStrictEqual(log, seen, "the initial sync happened before the call")
              const offset = yield* client.serverTime.offsetMillis
              assert.isBelow(Math.abs(offset - clockOffsetMs), 5000, `offset ${offset}`)
            })
        )
    )
  }

  it.live("venue clock +40 s and a fixed offset of 0: 50102, one retry after the resync, then TimestampExpired", () =>
    matrix({ sim: { faults: { clockOffsetMs: 40_000 } } }, ({ call, client, quoteIds, stateOf }) =>
      Effect.gen(function* () {
        const { exit, seen, sent } = yield* call(client.cancelQuote({ quoteId: quoteIds[0]! }))
        assert.strictEqual(errorOf(exit)?._tag, "TimestampExpired")
        assert.deepStrictEqual(
          seen.map((r) => [r.code, r.httpStatus]),
          [
            ["50102", 401],
            ["50102", 401]
          ]
        )
        assert.strictEqual(sent, 2)
        assert.strictEqual(yield* stateOf(quoteIds[0]!), "active")
      })
    )
  )

  it.live("the venue clock jumps +40 s after the sync: 50102, the client resyncs, re-signs and succeeds", () =>
    matrix({ client: { serverTime: { samples: 3 } } }, ({ call, client, quoteIds, sim }) =>
      Effect.gen(function* () {
        yield* sim.setFaults({ clockOffsetMs: 40_000 })
        const { exit, log } = yield* call(client.cancelQuote({ quoteId: quoteIds[0]! }))
        assert.strictEqual(outcomeOf(exit), "Cancelled")
        assert.deepStrictEqual(
          log.map((r) => [r.path, r.code]),
          [
            [path, "50102"],
            [timePath, "0"],
            [timePath, "0"],
            [timePath, "0"],
            [path, "0"]
          ]
        )
      })
    )
  )
})

describe("fault matrix: schema drift", () => {
  it.live("extra fields in the envelope and the items: every endpoint still decodes", () =>
    matrix(
      {
        sim: { faults: { endpoints: { "*": { drift: "extra" } } } }
      },
      ({ call, client, quoteIds, sim }) =>
        Effect.gen(function* () {
          const rfq = (yield* Effect.orDie(sim.createRfqs({ count: 2 })))[0]!
          const single = yield* call(client.cancelQuote({ quoteId: quoteIds[0]! }))
          assert.strictEqual(outcomeOf(single.exit), "Cancelled")
          const cancelRfq = yield* call(client.cancelRfq({ rfqId: rfq.rfqId }), "/api/v5/rfq/cancel-rfq")
          assert.strictEqual(outcomeOf(cancelRfq.exit), "Cancelled")
          const all = yield* call(client.cancelAllQuotes, "/api/v5/rfq/cancel-all-quotes")
          assert.strictEqual(Exit.isSuccess(all.exit) && all.exit.value._tag, "AllCancelled")
          const armed = yield* call(client.cancelAllAfter("30 seconds"), "/api/v5/rfq/cancel-all-after")
          assert.strictEqual(Exit.isSuccess(armed.exit) && armed.exit.value.triggerTime._tag, "Utc")
          const listed = yield* call(client.quotes({ quoteId: quoteIds[0]! }), "/api/v5/rfq/quotes")
          assert.strictEqual(Exit.isSuccess(listed.exit) && listed.exit.value[0]!.state, "canceled")
          const log = (yield* sim.state).requests
          assert.strictEqual(log.length, 5)
          assert.isTrue(log.every((r) => r.fault === "drift" && r.code === "0"))
        })
    )
  )

  it.live("a required field missing: a typed DecodeError naming the field, not retried", () =>
    matrix(
      {
        sim: { faults: { endpoints: { "*": { drift: "missing" } } } }
      },
      ({ call, client, quoteIds }) =>
        Effect.gen(function* () {
          // an item's id only informs: the one item of a one-id cancel, without its quoteId, is that id's
          const single = yield* call(client.cancelQuote({ quoteId: quoteIds[2]! }))
          assert.strictEqual(outcomeOf(single.exit), "Cancelled")
          assert.strictEqual(Exit.isSuccess(single.exit) && single.exit.value.items[0]?.quoteId, quoteIds[2])
          assert.deepStrictEqual([single.seen.length, single.sent], [1, 1])
          const cases = [
            [client.cancelAllQuotes, "/api/v5/rfq/cancel-all-quotes", "ts"],
            [client.cancelAllAfter("30 seconds"), "/api/v5/rfq/cancel-all-after", "triggerTime"],
            [client.quotes({ quoteId: quoteIds[1]! }), "/api/v5/rfq/quotes", "quoteId"]
          ] as const
          for (const [effect, logPath, field] of cases) {
            const { exit, seen, sent } = yield* call(effect as Effect.Effect<unknown, unknown>, logPath)
            const error = errorOf(exit)
            assert.strictEqual(error?._tag, "DecodeError", logPath)
            assert.strictEqual(error?.code, "0")
            assert.include(String(error?.detail), field)
            assert.deepStrictEqual([seen.length, sent], [1, 1], logPath)
          }
        })
    )
  )
})

describe("the checks themselves", () => {
  it.live("the fiber check sees a fiber left running", () =>
    Effect.gen(function* () {
      const { alive } = yield* tracked(Effect.forkDaemon(Effect.never))
      assert.strictEqual(alive.length, 1)
      yield* Fiber.interrupt(alive[0]!)
    })
  )

  it("the exit check rejects a defect, an interruption and an untyped failure", () => {
    assert.throws(() => assertTypedExit(Exit.die(new Error("boom"))))
    assert.throws(() => assertTypedExit(Exit.interrupt(FiberId.none)))
    assert.throws(() => assertTypedExit(Exit.fail(new Error("untyped"))))
    assertTypedExit(Exit.succeed(1))
  })
})
