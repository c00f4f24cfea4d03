import { assert, describe, it } from "@effect/vitest"
import { DateTime, Duration, Effect, Exit, Fiber, Scope, Stream, TestClock } from "effect"
import * as DeadMansSwitch from "../src/DeadMansSwitch.js"
import { clientOver, type Fault, type FakeVenue, makeFakeVenue } from "./utils/fakeVenue.js"

const armPath = "/api/v5/rfq/cancel-all-after"

/** Starts a switch in its own scope and records every status with the virtual time it was published at. */
const start = (venue: FakeVenue, options: DeadMansSwitch.Options) =>
  Effect.gen(function* () {
    const { client } = yield* clientOver(venue, { retry: { attemptTimeout: "1 second", maxAttempts: 3 } })
    const scope = yield* Scope.make()
    const dms = yield* DeadMansSwitch.makeWith(client, options).pipe(Scope.extend(scope))
    const history: Array<{ readonly at: number; readonly status: DeadMansSwitch.Status }> = []
    yield* dms.changes.pipe(
      Stream.runForEach((status) => Effect.map(TestClock.currentTimeMillis, (at) => history.push({ at, status }))),
      Effect.forkIn(scope)
    )
    yield* Effect.yieldNow()
    return { dms, scope, history: Effect.sync(() => history), client }
  })

const arms = (venue: FakeVenue) =>
  Effect.map(venue.seen, (seen) => seen.filter((s) => s.path === armPath && s.body.timeOut !== "0"))

describe("DeadMansSwitch", () => {
  it.effect("validates timeout, interval and attempt timeout, naming the field", () =>
    Effect.sync(() => {
      const bad: ReadonlyArray<readonly [DeadMansSwitch.Options, string]> = [
        [{ timeout: "5 seconds" }, "timeout"],
        [{ timeout: "121 seconds" }, "timeout"],
        [{ timeout: "10.5 seconds" }, "timeout"],
        [{ timeout: 0 }, "timeout"],
        [{ timeout: "30 seconds", interval: "500 millis" }, "interval"],
        [{ timeout: "30 seconds", interval: "20 seconds" }, "interval"],
        [{ timeout: "30 seconds", interval: "2 seconds", attemptTimeout: "2 seconds" }, "attemptTimeout"]
      ]
      for (const [options, field] of bad) {
        const result = DeadMansSwitch.settings(options)
        assert.isTrue(result._tag === "Left", field)
        if (result._tag === "Left") {
          assert.strictEqual(result.left.field, field)
          assert.include(result.left.message, field)
        }
      }
      const defaults = DeadMansSwitch.settings({ timeout: "60 seconds" })
      assert.isTrue(defaults._tag === "Right")
      if (defaults._tag === "Right") {
        assert.strictEqual(Duration.toMillis(defaults.right.interval), 3000)
        assert.strictEqual(defaults.right.onExit, "cancel-then-disarm")
      }
      const short = DeadMansSwitch.settings({ timeout: "10 seconds" })
      if (short._tag === "Right") assert.strictEqual(Duration.toMillis(short.right.interval), 2500)
    })
  )

  const shortFaults: ReadonlyArray<readonly [string, Fault]> = [
    ["timeouts", { _tag: "hang" }],
    ["HTTP 5xx", { _tag: "http", status: 503, body: "unavailable" }],
    ["50011", { _tag: "code", code: "50011", httpStatus: 429 }],
    ["50102", { _tag: "code", code: "50102", httpStatus: 401 }],
    ["dropped connections", { _tag: "drop" }]
  ]

  for (const [name, fault] of shortFaults) {
    it.effect(`${name} shorter than the slack: AtRisk, then Armed again, never Expired`, () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        const { dms, history } = yield* start(venue, {
          timeout: "10 seconds",
          interval: "2 seconds",
          onExit: "leave-armed"
        })
        yield* TestClock.adjust("10 seconds")
        // the venue misbehaves for 6 s: less than the 10 s countdown
        yield* venue.setFault((s) => (s.path === armPath && s.at >= 10_000 && s.at < 16_000 ? fault : undefined))
        yield* TestClock.adjust("20 seconds")
        const tags = (yield* history).map((h) => h.status._tag)
        const firstRisk = tags.indexOf("AtRisk")
        assert.isAbove(firstRisk, 0, tags.join(","))
        assert.include(tags.slice(firstRisk), "Armed")
        assert.notInclude(tags, "Expired")
        assert.strictEqual((yield* dms.status)._tag, "Armed")
      })
    )
  }

  it.effect("a fault longer than the slack publishes Expired no later than the deadline", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { history } = yield* start(venue, { timeout: "10 seconds", interval: "2 seconds", onExit: "leave-armed" })
      yield* TestClock.adjust("9 seconds")
      const lastAck = (yield* arms(venue)).at(-1)!
      yield* venue.setFault((s) => (s.path === armPath ? { _tag: "drop" } : undefined))
      yield* TestClock.adjust("30 seconds")
      const statuses = yield* history
      const expired = statuses.find((h) => h.status._tag === "Expired")!
      assert.isDefined(expired)
      const deadline = lastAck.at + 10_000
      assert.isAtMost(expired.at, deadline)
      if (expired.status._tag === "Expired")
        assert.strictEqual(DateTime.toEpochMillis(expired.status.deadline), deadline)
      // and when the venue is back, it re-arms
      yield* venue.setFault(() => undefined)
      yield* TestClock.adjust("3 seconds")
      assert.strictEqual(statuses.length > 0 && (yield* history).at(-1)!.status._tag, "Armed")
    })
  )

  it.effect("fires cancel-all-quotes when the slack falls below the threshold", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      yield* start(venue, {
        timeout: "10 seconds",
        interval: "2 seconds",
        cancelQuotesBelow: "3 seconds",
        onExit: "leave-armed"
      })
      yield* TestClock.adjust("4 seconds")
      yield* venue.setFault((s) => (s.path === armPath ? { _tag: "drop" } : undefined))
      yield* TestClock.adjust("5 seconds")
      assert.notInclude(yield* venue.paths, "/api/v5/rfq/cancel-all-quotes")
      yield* TestClock.adjust("3 seconds")
      // last ack at t=4 s → deadline 14 s → fire at 11 s
      const cancel = (yield* venue.seen).find((s) => s.path === "/api/v5/rfq/cancel-all-quotes")
      assert.isDefined(cancel)
      assert.strictEqual(cancel!.at, 11_000)
    })
  )
})

describe("DeadMansSwitch shutdown", () => {
  const afterShutdown = (venue: FakeVenue, policy: DeadMansSwitch.ShutdownPolicy, failCancel = false) =>
    Effect.gen(function* () {
      const { dms, scope } = yield* start(venue, { timeout: "30 seconds", interval: "3 seconds", onExit: policy })
      yield* TestClock.adjust("10 seconds")
      yield* venue.clear
      if (failCancel) {
        yield* venue.setFault((s) =>
          s.path === "/api/v5/rfq/cancel-all-quotes" ? { _tag: "code", code: "50113", httpStatus: 401 } : undefined
        )
      }
      const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(closing)
      const seen = yield* venue.seen
      return {
        calls: seen.map((s) => (s.path === armPath ? `${s.path} ${String(s.body.timeOut)}` : s.path)),
        status: yield* dms.status
      }
    })

  it.effect("cancel-then-disarm: cancels every quote, then disables the countdown", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { calls, status } = yield* afterShutdown(venue, "cancel-then-disarm")
      assert.deepStrictEqual(calls, ["/api/v5/rfq/cancel-all-quotes", `${armPath} 0`])
      assert.strictEqual(status._tag, "Disarmed")
    })
  )

  it.effect("cancel-then-disarm with a failing cancel leaves the countdown armed", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { calls, status } = yield* afterShutdown(venue, "cancel-then-disarm", true)
      assert.deepStrictEqual(calls, ["/api/v5/rfq/cancel-all-quotes"])
      assert.strictEqual(status._tag, "Armed")
    })
  )

  it.effect("disarm-only: disables the countdown and cancels nothing", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { calls, status } = yield* afterShutdown(venue, "disarm-only")
      assert.deepStrictEqual(calls, [`${armPath} 0`])
      assert.strictEqual(status._tag, "Disarmed")
    })
  )

  it.effect("leave-armed: sends nothing more", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { calls, status } = yield* afterShutdown(venue, "leave-armed")
      assert.deepStrictEqual(calls, [])
      assert.strictEqual(status._tag, "Armed")
    })
  )

  it.effect("interrupting the owning fiber takes the same path", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client } = yield* clientOver(venue)
      const owner = yield* Effect.fork(
        Effect.scoped(Effect.zipRight(DeadMansSwitch.makeWith(client, { timeout: "30 seconds" }), Effect.never))
      )
      yield* TestClock.adjust("10 seconds")
      yield* venue.clear
      const interrupting = yield* Effect.fork(Fiber.interrupt(owner))
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(interrupting)
      assert.deepStrictEqual(yield* venue.paths, ["/api/v5/rfq/cancel-all-quotes", armPath])
      assert.strictEqual((yield* venue.seen)[1]!.body.timeOut, "0")
    })
  )
})
