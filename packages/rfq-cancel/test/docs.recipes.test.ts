/**
 * The recipes of `docs/testing.md`. Each `// #region` is embedded verbatim in the doc (`pnpm check-docs` compares
 * them), so the doc's recipes are tests that run, not just samples that compile.
 */
// #region imports
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import { OkxRateLimiter } from "@okx-rfq/rate-limit"
import { DeadMansSwitch, RfqCancelClient, UndiciHttpClient } from "@okx-rfq/rfq-cancel"
import { OkxSimulator } from "@okx-rfq/simulator"
import { Clock, DateTime, Effect, Exit, Fiber, Layer, Option, Scope, Stream, TestClock, TestServices } from "effect"
// #endregion

// #region setup
const account = { apiKey: "test-key", secretKey: "test-secret", passphrase: "test-pass", userId: "1001" }

// The venue on a real socket (127.0.0.1, a free port), with 3 active quotes. Built inside a test, it runs on the
// test's TestClock: the countdown, the limits and every `ts` follow TestClock.adjust.
const Simulator = OkxSimulator.layer({ accounts: [account], seedQuotes: 3, countdownPaceMs: 100 })

// The real client (signer, lanes, retries) over the real transport, pointed at the simulator. layerTest signs with a
// server-time offset of 0, so the client's clock and the venue's are the same TestClock. Provides both the client
// and the simulator.
const venueWith = (options: Partial<Omit<RfqCancelClient.LayerOptions, "serverTime">> = {}) =>
  Layer.unwrapEffect(
    Effect.map(OkxSimulator.OkxSimulator, (sim) =>
      RfqCancelClient.layerTest({ credentials: account, baseUrl: sim.url, userId: account.userId, ...options })
    )
  ).pipe(Layer.provide(UndiciHttpClient.layer), Layer.provideMerge(Simulator))

const Venue = venueWith()

// The dead-man's switch over that client: a 10 s countdown re-armed every 2 s. `leave-armed`: releasing the layer
// at the end of a test sends nothing (see the shutdown recipe for the default policy).
const Protected = DeadMansSwitch.layer({ timeout: "10 seconds", interval: "2 seconds", onExit: "leave-armed" }).pipe(
  Layer.provideMerge(Venue)
)

// TestClock.adjust runs the sleepers that are due, but it does not wait for the HTTP round trips they start:
// wait for the status the round trip produces instead (the current status first, then every change).
type StatusOf<Tag extends DeadMansSwitch.Status["_tag"]> = Extract<DeadMansSwitch.Status, { readonly _tag: Tag }>
const awaitStatus = <Tag extends DeadMansSwitch.Status["_tag"]>(
  dms: DeadMansSwitch.Service,
  tag: Tag,
  where: (status: StatusOf<Tag>) => boolean = () => true
) =>
  dms.changes.pipe(
    Stream.filter((status): status is StatusOf<Tag> => status._tag === tag),
    Stream.filter(where),
    Stream.runHead,
    Effect.flatten
  )

// A scope whose finalizers wait on the clock (the switch's shutdown: a permit of a lane, or the attempt timeout of a
// re-arm still on its way) closes only while the clock moves. Close it in a fiber and move the TestClock in small
// steps until it is closed, giving each step a few real milliseconds first, so that a request the shutdown sent
// over the loopback is answered before the clock moves past its attempt timeout.
const closeMovingClock = (scope: Scope.CloseableScope) =>
  Effect.gen(function* () {
    const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
    while (Option.isNone(yield* Fiber.poll(closing))) {
      yield* TestServices.provideLive(Effect.sleep("5 millis"))
      yield* TestClock.adjust("50 millis")
    }
    yield* Fiber.join(closing)
  })
// #endregion

describe("docs/testing.md recipes", () => {
  // #region cancel-over-http
  it.effect("cancels a quote over HTTP; a second cancel finds it inactive", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.OkxSimulator
      const client = yield* RfqCancelClient.RfqCancelClient
      const [quote] = (yield* sim.state).quotes
      const first = yield* client.cancelQuote({ quoteId: quote!.quoteId })
      assert.strictEqual(first.items[0]!.outcome._tag, "Cancelled")
      const again = yield* client.cancelQuote({ quoteId: quote!.quoteId })
      assert.strictEqual(again.items[0]!.outcome._tag, "AlreadyInactive")
      const after = yield* sim.state
      assert.strictEqual(after.quotes.find((q) => q.quoteId === quote!.quoteId)!.state, "canceled")
    }).pipe(Effect.provide(Venue))
  )
  // #endregion

  // #region switch-fixed-grid
  it.effect("the switch re-arms on a fixed grid and the venue's deadline follows", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.OkxSimulator
      const dms = yield* DeadMansSwitch.DeadMansSwitch
      const first = yield* dms.awaitArmed // the first arm goes out at once, at t = 0
      assert.strictEqual(DateTime.toEpochMillis(first.deadline), 10_000)
      for (const t of [2_000, 4_000, 6_000]) {
        yield* TestClock.adjust("2 seconds") // the next tick of the 2 s grid
        const armed = yield* awaitStatus(dms, "Armed", (s) => DateTime.toEpochMillis(s.deadline) === t + 10_000)
        assert.strictEqual(DateTime.toEpochMillis(armed.lastAck), t)
        assert.strictEqual((yield* sim.state).cancelAllAfter.triggerTime, String(t + 10_000))
      }
    }).pipe(Effect.provide(Protected))
  )
  // #endregion

  // #region switch-expires
  it.effect("re-arms refused: Armed, then AtRisk, then Expired, and the venue cancels every quote", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.OkxSimulator
      const dms = yield* DeadMansSwitch.DeadMansSwitch
      yield* dms.awaitArmed // t = 0: the venue cancels everything at 10 s unless re-armed
      yield* sim.setFaults({ endpoints: { "/api/v5/rfq/cancel-all-after": { error: { code: "50001" } } } })
      yield* TestClock.adjust("2 seconds") // the re-arm at 2 s is refused
      const atRisk = yield* awaitStatus(dms, "AtRisk")
      assert.strictEqual(atRisk.failures, 1)
      assert.strictEqual(DateTime.toEpochMillis(atRisk.deadline!), 10_000)
      assert.strictEqual((yield* sim.state).quotes.filter((q) => q.state === "active").length, 3)
      yield* TestClock.adjust("8 seconds") // t = 10 s: the deadline passes without a re-arm
      const expired = yield* awaitStatus(dms, "Expired")
      assert.strictEqual(DateTime.toEpochMillis(expired.deadline), 10_000)
      yield* TestClock.adjust("1 second") // the venue cancels one quote every 100 ms
      const state = yield* sim.state
      assert.deepStrictEqual(
        state.quotes.map((q) => [q.state, q.uTime]),
        [
          ["canceled", "10000"],
          ["canceled", "10100"],
          ["canceled", "10200"]
        ]
      )
    }).pipe(Effect.provide(Protected))
  )
  // #endregion

  // #region switch-shutdown
  it.effect("on shutdown the switch cancels every quote first, then disarms", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.OkxSimulator
      const dms = yield* Effect.scoped(
        Effect.gen(function* () {
          const dms = yield* DeadMansSwitch.make({ timeout: "10 seconds", interval: "2 seconds" })
          yield* dms.awaitArmed
          // The disarm needs a permit of cancel-all-after's lane (1 per second, plus the 50 ms margin): move past
          // the arm's window, or the shutdown would wait on a TestClock that nobody moves.
          yield* TestClock.adjust("1500 millis")
          return dms
        })
      ) // the scope closes here: cancel-then-disarm (the default policy)
      const state = yield* sim.state
      assert.deepStrictEqual(
        state.quotes.map((q) => q.state),
        ["canceled", "canceled", "canceled"]
      )
      assert.strictEqual(state.cancelAllAfter.triggerTime, "0")
      assert.deepStrictEqual(
        state.requests.slice(-2).map((r) => [r.path, r.code]),
        [
          ["/api/v5/rfq/cancel-all-quotes", "0"],
          ["/api/v5/rfq/cancel-all-after", "0"]
        ]
      )
      assert.strictEqual((yield* dms.status)._tag, "Disarmed")
    }).pipe(Effect.provide(Venue))
  )
  // #endregion

  // #region switch-shutdown-any-time
  it.effect("a shutdown at any moment: close the switch's scope while the clock moves", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.OkxSimulator
      const scope = yield* Scope.make()
      const dms = yield* DeadMansSwitch.make({ timeout: "10 seconds", interval: "2 seconds" }).pipe(Scope.extend(scope))
      yield* dms.awaitArmed
      yield* TestClock.adjust("2 seconds") // t = 2 s: the re-arm
      yield* awaitStatus(dms, "Armed", (armed) => DateTime.toEpochMillis(armed.lastAck) >= 2000)
      yield* TestClock.adjust("300 millis") // t = 2.3 s: the disarm's permit is free at 3.05 s
      yield* closeMovingClock(scope) // cancel-then-disarm (the default policy)
      const state = yield* sim.state
      assert.deepStrictEqual(
        state.quotes.map((q) => q.state),
        ["canceled", "canceled", "canceled"]
      )
      assert.strictEqual(state.cancelAllAfter.triggerTime, "0")
      assert.strictEqual((yield* dms.status)._tag, "Disarmed")
    }).pipe(Effect.provide(Venue))
  )
  // #endregion

  // #region switch-refused
  it.effect("a refused key: the switch fails at once instead of waiting to be armed", () =>
    Effect.gen(function* () {
      const dms = yield* DeadMansSwitch.DeadMansSwitch
      // The venue answers 50105 (wrong passphrase): retrying the same request cannot help, nothing is armed.
      const error = yield* Effect.flip(dms.awaitArmed)
      assert.strictEqual(error._tag, "AuthenticationFailed")
      assert.strictEqual((yield* dms.status)._tag, "Failed")
      const sim = yield* OkxSimulator.OkxSimulator
      assert.deepStrictEqual(
        (yield* sim.state).requests.map((r) => [r.path, r.code]),
        [["/api/v5/rfq/cancel-all-after", "50105"]]
      )
    }).pipe(
      Effect.provide(
        DeadMansSwitch.layer({ timeout: "10 seconds", onExit: "leave-armed" }).pipe(
          Layer.provideMerge(venueWith({ credentials: { ...account, passphrase: "not-the-passphrase" } }))
        )
      )
    )
  )
  // #endregion

  // #region fault-drop
  it.effect("a dropped answer: the cancel took effect, and the retry finds the quote inactive", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.OkxSimulator
      const client = yield* RfqCancelClient.RfqCancelClient
      const [quote] = (yield* sim.state).quotes
      // The venue processes the cancel, then closes the socket without answering.
      yield* sim.setFaults({ endpoints: { "/api/v5/rfq/cancel-quote": { drop: 1 } } })
      const error = yield* Effect.flip(client.cancelQuote({ quoteId: quote!.quoteId }))
      assert.strictEqual(error._tag, "TransportError")
      assert.strictEqual((yield* sim.state).quotes[0]!.state, "canceled")
      // Cancels are idempotent: once the venue answers again, the same cancel reports the quote inactive.
      yield* sim.setFaults({})
      const retried = yield* client.cancelQuote({ quoteId: quote!.quoteId })
      assert.strictEqual(retried.items[0]!.outcome._tag, "AlreadyInactive")
    }).pipe(Effect.provide(venueWith({ retry: { maxAttempts: 1 } })))
  )
  // #endregion

  // #region fault-retries
  it.effect("a venue answering 50001 is retried maxAttempts times, then the error is Unavailable", () =>
    Effect.gen(function* () {
      const sim = yield* OkxSimulator.OkxSimulator
      const client = yield* RfqCancelClient.RfqCancelClient
      yield* sim.setFaults({ endpoints: { "/api/v5/rfq/cancel-quote": { error: { code: "50001" } } } })
      const error = yield* Effect.flip(client.cancelQuote({ quoteId: "3000000001" }))
      assert.strictEqual(error._tag, "Unavailable")
      const attempts = (yield* sim.state).requests.filter((r) => r.path === "/api/v5/rfq/cancel-quote")
      assert.deepStrictEqual(
        attempts.map((r) => r.code),
        ["50001", "50001", "50001"]
      )
    }).pipe(
      // A zero backoff: the retries do not sleep, so the test needs no TestClock.adjust.
      Effect.provide(venueWith({ retry: { maxAttempts: 3, baseDelay: 0 } }))
    )
  )
  // #endregion

  // #region limiter
  it.effect("the limiter under the TestClock: at most `limit` starts in any window", () =>
    Effect.gen(function* () {
      const limiter = yield* OkxRateLimiter.make({ limit: 2, window: "2 seconds" })
      const starts: Array<number> = []
      const take = limiter.take().pipe(
        Effect.zipRight(Clock.currentTimeMillis),
        Effect.map((t) => starts.push(t))
      )
      const fiber = yield* Effect.fork(Effect.all([take, take, take, take, take], { concurrency: "unbounded" }))
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(starts, [0, 0, 2000, 2000, 4000])

      // The client's lanes add a 50 ms margin: cancel-quote allows 50 starts in any 2.05 s.
      const lane = yield* OkxRateLimiter.lane({ user: "1001", endpoint: "/api/v5/rfq/cancel-quote" })
      assert.strictEqual(lane.windowMillis, 2050)
    }).pipe(Effect.provide(OkxRateLimiter.layerMemory))
  )
  // #endregion

  // #region fake-http-client
  it.effect("a fake HttpClient: the exact request on the wire, and the decoded answer", () =>
    Effect.gen(function* () {
      const sent: Array<{ readonly path: string; readonly body: string }> = []
      const fake = HttpClient.make((request, url) =>
        Effect.sync(() => {
          const body = request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : ""
          sent.push({ path: url.pathname, body })
          const answer = { code: "0", msg: "", data: [{ triggerTime: "1700000060000", ts: "1700000000000" }] }
          return HttpClientResponse.fromWeb(request, new Response(JSON.stringify(answer)))
        })
      )
      const result = yield* RfqCancelClient.cancelAllAfter("60 seconds").pipe(
        Effect.provide(
          RfqCancelClient.layerTest({ credentials: account }).pipe(
            Layer.provide(Layer.succeed(HttpClient.HttpClient, fake))
          )
        )
      )
      assert.deepStrictEqual(sent, [{ path: "/api/v5/rfq/cancel-all-after", body: '{"timeOut":"60"}' }])
      assert.strictEqual(result.triggerTime._tag, "Utc")
      if (result.triggerTime._tag === "Utc") {
        assert.strictEqual(DateTime.toEpochMillis(result.triggerTime), 1_700_000_060_000)
      }
    })
  )
  // #endregion
})
