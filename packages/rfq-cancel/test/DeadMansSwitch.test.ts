import { assert, describe, it } from "@effect/vitest"
import * as HttpClient from "@effect/platform/HttpClient"
import { SteadyTime } from "@okx-rfq/rate-limit"
import { ServerTime } from "@okx-rfq/signing"
import {
  DateTime,
  Deferred,
  Duration,
  Effect,
  Exit,
  Fiber,
  FiberId,
  FiberRef,
  Layer,
  Option,
  Scope,
  Stream,
  TestClock
} from "effect"
import * as DeadMansSwitch from "../src/DeadMansSwitch.js"
import * as FairScheduler from "../src/FairScheduler.js"
import type * as RfqCancelClient from "../src/RfqCancelClient.js"
import { clientOver, type Fault, type FakeVenue, makeFakeVenue } from "./utils/fakeVenue.js"
import { parkingScheduler } from "./utils/parkingScheduler.js"
import { makeVirtualClock } from "./utils/virtualClock.js"

const armPath = "/api/v5/rfq/cancel-all-after"
const timePath = "/api/v5/public/time"

/**
 * Starts a switch in its own scope and records every status with the virtual time it was published at; its client
 * has a fixed server time unless `serverTime` is given.
 */
const start = (venue: FakeVenue, options: DeadMansSwitch.Options, serverTime?: ServerTime.Service) =>
  Effect.gen(function* () {
    const { client, resyncs } = yield* clientOver(
      venue,
      { retry: { attemptTimeout: "1 second", maxAttempts: 3 } },
      undefined,
      serverTime
    )
    const scope = yield* Scope.make()
    const dms = yield* DeadMansSwitch.makeWith(client, options).pipe(Scope.extend(scope))
    const history: Array<{ readonly at: number; readonly status: DeadMansSwitch.Status }> = []
    yield* dms.changes.pipe(
      Stream.runForEach((status) => Effect.map(TestClock.currentTimeMillis, (at) => history.push({ at, status }))),
      Effect.forkIn(scope)
    )
    yield* Effect.yieldNow()
    return { dms, scope, history: Effect.sync(() => history), client, resyncs }
  })

/** A 10 s countdown re-armed every 2 s, left armed when the test's scope closes (nothing sent then). */
const tenSecondsLeftArmed: DeadMansSwitch.Options = {
  timeout: "10 seconds",
  interval: "2 seconds",
  onExit: "leave-armed"
}

const arms = (venue: FakeVenue) =>
  Effect.map(venue.seen, (seen) => seen.filter((s) => s.path === armPath && s.body.timeOut !== "0"))

/** From now on the venue answers every arm (or, with `disarms`, every disarm) with code 0 and this item. */
const answerArms = (venue: FakeVenue, item: { readonly triggerTime: string; readonly ts: string }, disarms = false) =>
  venue.setFault((s) =>
    s.path === armPath && (s.body.timeOut === "0") === disarms
      ? { _tag: "http", status: 200, body: JSON.stringify({ code: "0", msg: "", data: [item] }) }
      : undefined
  )

describe("DeadMansSwitch", () => {
  it.scoped("validates timeout, interval and attempt timeout, naming the field", () =>
    Effect.sync(() => {
      const bad: ReadonlyArray<readonly [DeadMansSwitch.Options, string]> = [
        [{ timeout: "5 seconds" }, "timeout"],
        [{ timeout: "121 seconds" }, "timeout"],
        [{ timeout: "10.5 seconds" }, "timeout"],
        [{ timeout: 0 }, "timeout"],
        [{ timeout: "30 seconds", interval: "500 millis" }, "interval"],
        // 1 s would queue each re-arm behind the last in the lane (1 s window plus its 50 ms margin); 1.2 s leaves
        // too little room for a late re-arm to get back on schedule
        [{ timeout: "30 seconds", interval: "1 second" }, "interval"],
        [{ timeout: "30 seconds", interval: "1200 millis" }, "interval"],
        [{ timeout: "30 seconds", interval: "20 seconds" }, "interval"],
        [{ timeout: "30 seconds", interval: "2 seconds", attemptTimeout: "2 seconds" }, "attemptTimeout"],
        // not durations, or negative ones that Duration.decode would read as zero: the field, never a defect
        [{ timeout: "soon" as Duration.DurationInput }, "timeout"],
        [{ timeout: "30 seconds", interval: "-2 seconds" }, "interval"],
        [{ timeout: "30 seconds", attemptTimeout: Number.NaN }, "attemptTimeout"],
        [{ timeout: "30 seconds", retryDelay: -250 }, "retryDelay"],
        [{ timeout: "30 seconds", cancelQuotesBelow: "-5 seconds" }, "cancelQuotesBelow"],
        // a healthy venue's slack goes down to timeout - interval - attemptTimeout (10 - 2.5 - 2 s) before each
        // acknowledgement, a second less when it answers in whole seconds: a threshold at or above it cancels every
        // quote while every re-arm succeeds
        [{ timeout: "10 seconds", cancelQuotesBelow: "8 seconds" }, "cancelQuotesBelow"],
        [{ timeout: "10 seconds", cancelQuotesBelow: "5 seconds" }, "cancelQuotesBelow"],
        [{ timeout: "10 seconds", cancelQuotesBelow: "4500 millis" }, "cancelQuotesBelow"]
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
      const below = DeadMansSwitch.settings({ timeout: "10 seconds", cancelQuotesBelow: "4 seconds" })
      assert.isTrue(below._tag === "Right")
      const above = DeadMansSwitch.settings({ timeout: "10 seconds", cancelQuotesBelow: "8 seconds" })
      if (above._tag === "Left") {
        assert.include(above.left.message, "timeout - interval - attemptTimeout - 1 s (4s 500ms)")
      }
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
    it.scoped(`${name} shorter than the slack: AtRisk, then Armed again, never Expired`, () =>
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

  it.scoped("at the shortest interval, a re-arm sent off the beat delays the next ones only for a few beats", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const interval = Duration.toMillis(DeadMansSwitch.minimumInterval)
      const { history, client } = yield* start(venue, { timeout: "10 seconds", interval, onExit: "leave-armed" })
      yield* TestClock.adjust(5 * interval + 300)
      // a re-arm off the beat: here the application's own call on the same client (it waits in the lane if the
      // lane is busy); a beat the event loop delayed, or a retry, takes the lane off the beat the same way
      const own = yield* Effect.fork(client.cancelAllAfter("10 seconds"))
      yield* TestClock.adjust("40 seconds")
      yield* Fiber.join(own)
      const tags = (yield* history).map((h) => h.status._tag)
      assert.notInclude(tags, "AtRisk")
      // the re-arms reach the venue on the interval's grid again (the first arm, at 0, is its origin); with an
      // interval equal to the lane's window the next beat would wait a whole window in the lane (and time out
      // there), and every later one as long as the first
      const offGrid = (yield* arms(venue)).slice(-5).map((s) => s.at % interval)
      assert.deepStrictEqual(offGrid, [0, 0, 0, 0, 0])
    })
  )

  it.scoped("a first arm failing for longer than the interval: retries without a gap, then the grid from 0", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      yield* venue.setFault((s) => (s.path === armPath && s.at < 4500 ? { _tag: "code", code: "50001" } : undefined))
      const { dms } = yield* start(venue, tenSecondsLeftArmed)
      yield* TestClock.adjust("20 seconds")
      assert.strictEqual((yield* dms.status)._tag, "Armed")
      const at = (yield* arms(venue)).map((s) => s.at)
      const failing = at.filter((t) => t < 4500)
      // each retry as soon as the lane lets it (1 per s plus the margin); no beat-long pause while nothing is armed
      const gaps = failing.slice(1).map((t, i) => t - failing[i]!)
      assert.isBelow(Math.max(...gaps), 1100, JSON.stringify(failing))
      // once armed, the beats are back on the grid of the first one's start
      assert.deepStrictEqual(
        at.slice(-5).map((t) => t % 2000),
        [0, 0, 0, 0, 0]
      )
    })
  )

  it.scoped(
    "a wall clock stepped back moves no beat or deadline; a suspend (wall time ahead) is read as the lapse",
    () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        // the wall clock (currentTimeMillis) stepped by `step`: an NTP correction, or a suspend, which the monotonic
        // time (nanos) and the timers do not count
        let step = 0
        const stepped = SteadyTime.withWallOffset(yield* Effect.clock, () => step)
        // the venue answers with its own ts, the (stepped) wall time: a real date, so that no step makes it negative
        const base = 1_700_000_000_000
        yield* TestClock.setTime(base)
        const { dms, history } = yield* start(venue, tenSecondsLeftArmed).pipe(Effect.withClock(stepped))
        yield* TestClock.adjust("4 seconds")
        // 12 s back, past the 10 s countdown: the beats stay on their grid, nothing lapses
        step = -12_000
        yield* TestClock.adjust("16 seconds")
        assert.deepStrictEqual(
          (yield* arms(venue)).map((s) => s.at - base),
          Array.from({ length: 11 }, (_, i) => i * 2000 + (i <= 2 ? 0 : -12_000))
        )
        assert.deepStrictEqual(
          (yield* history).map((h) => h.status._tag),
          ["Arming", ...Array.from({ length: 11 }, () => "Armed")]
        )
        // asleep for 30 s (the wall clock 30 s ahead of the monotonic one): the venue's countdown lapsed meanwhile, so
        // the switch reads Expired at once, and its first re-arm announces it before Armed
        step = -12_000 + 30_000
        assert.strictEqual((yield* dms.status)._tag, "Expired")
        yield* TestClock.adjust("2 seconds")
        assert.deepStrictEqual(
          (yield* history).slice(12).map((h) => h.status._tag),
          ["Expired", "Armed"]
        )
      })
  )

  it.scoped("a fault longer than the slack publishes Expired no later than the deadline", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { history } = yield* start(venue, tenSecondsLeftArmed)
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

  it.scoped(
    "the deadline is triggerTime - ts on the venue's own clock, so OKX's literal example (seconds, 2020) arms",
    () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        // the seed page's example answer to its timeOut "60": 60 s between ts and triggerTime, in seconds, in 2020
        yield* answerArms(venue, { triggerTime: "1587971460", ts: "1587971400" })
        const { dms, history } = yield* start(venue, {
          timeout: "60 seconds",
          interval: "2 seconds",
          onExit: "leave-armed"
        })
        yield* TestClock.adjust("5 seconds")
        const status = yield* dms.status
        if (status._tag !== "Armed") return assert.fail(status._tag)
        // counted from the last re-arm's start (at 4 s), a second early: a venue counting in whole seconds may have
        // truncated its triggerTime
        assert.strictEqual(DateTime.toEpochMillis(status.deadline), 4000 + 60_000 - 1000)
        assert.isFalse((yield* history).some((h) => h.status._tag !== "Arming" && h.status._tag !== "Armed"))
        // a triggerTime not after ts arms nothing: a failed re-arm
        yield* answerArms(venue, { triggerTime: "1587971400", ts: "1587971400" })
        yield* TestClock.adjust("2 seconds")
        const atRisk = yield* dms.status
        if (atRisk._tag !== "AtRisk") return assert.fail(atRisk._tag)
        assert.include(atRisk.lastError, "not after its own ts")
      })
  )

  it.scoped("a countdown up to a second longer than asked (rounding) arms, its deadline capped at the timeout", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      yield* answerArms(venue, { triggerTime: "1587971410500", ts: "1587971400000" })
      const { dms } = yield* start(venue, tenSecondsLeftArmed)
      yield* TestClock.adjust("5 seconds")
      const status = yield* dms.status
      if (status._tag !== "Armed") return assert.fail(status._tag)
      // the last re-arm started at 4 s: 10 s from it, not 10.5 s
      assert.strictEqual(DateTime.toEpochMillis(status.deadline), 4000 + 10_000)
    })
  )

  it.scoped(
    "a consumer of changes that lags sees the statuses as they were, never an Expired that did not happen",
    () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        const { dms } = yield* start(venue, tenSecondsLeftArmed)
        const seen: Array<string> = []
        // a handler that takes 13 s over its first status: the Armed statuses queue behind it meanwhile, the next one
        // with a deadline (12 s) passed by the time it is read
        const consumer = yield* dms.changes.pipe(
          Stream.runForEach((status) =>
            Effect.suspend(() => {
              seen.push(status._tag)
              return seen.length === 1 ? Effect.sleep("13 seconds") : Effect.void
            })
          ),
          Effect.fork
        )
        yield* Effect.yieldNow()
        for (let i = 0; i < 30; i++) yield* TestClock.adjust("500 millis")
        assert.strictEqual((yield* dms.status)._tag, "Armed")
        yield* Fiber.interrupt(consumer)
        assert.isAbove(seen.length, 2)
        assert.notInclude(seen, "Expired")
      })
  )

  it.scoped("roundTrip counts from the request's send: a wait in the lane is not in it", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      // the first arm is refused (50001); the retry 250 ms later waits in cancel-all-after's lane until 1.05 s,
      // and the venue answers at once
      let n = 0
      yield* venue.setFault((s) =>
        s.path === armPath && n++ === 0 ? { _tag: "code", code: "50001", httpStatus: 503 } : undefined
      )
      const { dms } = yield* start(venue, tenSecondsLeftArmed)
      yield* TestClock.adjust("1100 millis")
      const status = yield* dms.status
      if (status._tag !== "Armed") return assert.fail(status._tag)
      assert.strictEqual(DateTime.toEpochMillis(status.lastAck), 1050)
      assert.strictEqual(Duration.toMillis(status.roundTrip), 0)
    })
  )

  it.scoped("a countdown shorter than asked is a failed re-arm (AtRisk) that says so, at the venue's deadline", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      // asked 10 s, the venue arms 3 s (or an answer in seconds read as milliseconds): quotes go sooner than planned
      yield* answerArms(venue, { triggerTime: "1587971403", ts: "1587971400" })
      const { dms } = yield* start(venue, tenSecondsLeftArmed)
      yield* TestClock.adjust("1 second")
      const status = yield* dms.status
      if (status._tag !== "AtRisk") return assert.fail(status._tag)
      assert.include(status.lastError, "armed a shorter countdown")
      const deadline = status.deadline === undefined ? 0 : DateTime.toEpochMillis(status.deadline)
      assert.isAtMost(deadline, 3000)
    })
  )

  it.scoped("a countdown longer than asked is a failed re-arm (AtRisk), never Armed at the shorter deadline", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      // asked 10 s, the venue arms 60 s: after a stall the quotes would stay live 50 s longer than the status says
      yield* answerArms(venue, { triggerTime: "1587971460", ts: "1587971400" })
      const { dms, history } = yield* start(venue, {
        timeout: "10 seconds",
        interval: "2 seconds",
        onExit: "disarm-only"
      })
      yield* TestClock.adjust("5 seconds")
      const status = yield* dms.status
      if (status._tag !== "AtRisk") return assert.fail(status._tag)
      assert.include(status.lastError, "armed a longer countdown")
      // the deadline shown is the venue's own (60 s from the last re-arm's start, a second early for the unit), not
      // the 10 s asked: when a stall follows, that is when the quotes go
      const deadline = status.deadline === undefined ? 0 : DateTime.toEpochMillis(status.deadline)
      assert.isAbove(deadline, 5000 + 50_000)
      assert.isAtMost(deadline, 5000 + 59_000)
      assert.isAbove((yield* arms(venue)).length, 1)
      assert.isFalse((yield* history).some((h) => h.status._tag === "Armed"))
      // the venue did arm a countdown: a failed disarm says it stays armed, not that none was armed
      yield* venue.setFault((s) => (s.path === armPath ? { _tag: "code", code: "50113", httpStatus: 401 } : undefined))
      const shuttingDown = yield* Effect.fork(Effect.either(dms.shutdown))
      yield* TestClock.adjust("5 seconds")
      const outcome = yield* Fiber.join(shuttingDown)
      if (outcome._tag !== "Left") return assert.fail("the shutdown succeeded")
      assert.isTrue(outcome.left.armed)
      assert.include(outcome.left.message, "it stays armed")
    })
  )

  it.scoped("an unreadable answer to the first arm is not final: the venue may have armed, so it retries", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      // code 0 (accepted) with triggerTime as a number: a DecodeError, whose retry rule is "never"
      yield* venue.setFault((s) =>
        s.path === armPath
          ? { _tag: "http", status: 200, body: '{"code":"0","msg":"","data":[{"triggerTime":1587971460,"ts":"1"}]}' }
          : undefined
      )
      const { dms } = yield* start(venue, { timeout: "10 seconds", interval: "2 seconds" })
      yield* TestClock.adjust("5 seconds")
      const status = yield* dms.status
      if (status._tag !== "AtRisk") return assert.fail(status._tag)
      assert.strictEqual(status.error?._tag, "DecodeError")
      assert.isAbove((yield* arms(venue)).length, 1)
      yield* venue.setFault(() => undefined)
      yield* TestClock.adjust("2 seconds")
      const after = yield* dms.status
      assert.strictEqual(after._tag, "Armed", JSON.stringify(after))
    })
  )

  it.scoped(
    'a re-arm answered "0" (disabled): AtRisk without a deadline, and no Expired announced for the old one',
    () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        const { dms, history } = yield* start(venue, {
          timeout: "10 seconds",
          interval: "2 seconds",
          onExit: "leave-armed"
        })
        yield* dms.awaitArmed
        yield* answerArms(venue, { triggerTime: "0", ts: "1587971400000" })
        yield* TestClock.adjust("20 seconds")
        const status = yield* dms.status
        if (status._tag !== "AtRisk") return assert.fail(status._tag)
        assert.isUndefined(status.deadline)
        assert.isUndefined(status.slack)
        assert.include(status.lastError, "did not arm")
        assert.isFalse((yield* history).some((h) => h.status._tag === "Expired"))
        yield* venue.setFault(() => undefined)
        yield* TestClock.adjust("2 seconds")
        assert.strictEqual((yield* dms.status)._tag, "Armed")
      })
  )

  it.scoped("a transport that dies (a throwing middleware) is a failed re-arm: AtRisk, never a silent stop", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const dying = () =>
        venue.setFault((s) => (s.path === armPath ? { _tag: "die", defect: new Error("boom") } : undefined))
      // before the first arm: not Arming forever
      yield* dying()
      const { dms, history } = yield* start(venue, { timeout: "10 seconds", interval: "2 seconds" })
      yield* TestClock.adjust("1 second")
      const first = yield* dms.status
      if (first._tag !== "AtRisk") return assert.fail(first._tag)
      assert.strictEqual(first.error?._tag, "TransportError")
      assert.include(first.lastError, "died: boom")
      yield* venue.setFault(() => undefined)
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual((yield* dms.status)._tag, "Armed")
      // once armed: the beats go on after the defect, and it recovers
      yield* dying()
      yield* TestClock.adjust("2 seconds")
      const atRisk = yield* dms.status
      if (atRisk._tag !== "AtRisk") return assert.fail(atRisk._tag)
      assert.isDefined(atRisk.deadline)
      const before = (yield* arms(venue)).length
      yield* TestClock.adjust("2 seconds")
      assert.isAbove((yield* arms(venue)).length, before)
      yield* venue.setFault(() => undefined)
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual((yield* dms.status)._tag, "Armed")
      assert.isFalse((yield* history).some((h) => h.status._tag === "Expired" || h.status._tag === "Failed"))
    })
  )

  const finalFaults: ReadonlyArray<readonly [string, Fault, string]> = [
    ["a wrong signature (50113)", { _tag: "code", code: "50113", httpStatus: 401 }, "AuthenticationFailed"],
    ["a missing permission (50120)", { _tag: "code", code: "50120", httpStatus: 401 }, "PermissionDenied"],
    ["a parameter error (51000)", { _tag: "code", code: "51000" }, "InvalidRequest"]
  ]

  for (const [name, fault, tag] of finalFaults) {
    it.scoped(`the first arm refused with ${name}: Failed, awaitArmed fails with ${tag}, no retry`, () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        yield* venue.setFault((s) => (s.path === armPath ? fault : undefined))
        const { dms, history } = yield* start(venue, { timeout: "10 seconds", interval: "2 seconds" })
        yield* TestClock.adjust("20 seconds")
        assert.strictEqual((yield* arms(venue)).length, 1)
        const status = yield* dms.status
        assert.strictEqual(status._tag, "Failed")
        if (status._tag === "Failed") {
          assert.strictEqual(status.error._tag, tag)
          assert.isFalse(status.mayBeArmed)
        }
        assert.deepStrictEqual(
          (yield* history).map((h) => h.status._tag),
          ["Arming", "Failed"]
        )
        const error = yield* Effect.flip(dms.awaitArmed)
        assert.strictEqual(error._tag, tag)
      })
    )
  }

  it.scoped("a final error after transient ones, before any acknowledgement: Failed, and maybe armed by them", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      yield* venue.setFault((s) =>
        s.path !== armPath
          ? undefined
          : s.at < 1_000
            ? { _tag: "drop" }
            : { _tag: "code", code: "50111", httpStatus: 401 }
      )
      const { dms, history } = yield* start(venue, { timeout: "10 seconds", interval: "2 seconds" })
      yield* TestClock.adjust("20 seconds")
      assert.deepStrictEqual(
        (yield* history).map((h) => h.status._tag),
        ["Arming", "AtRisk", "Failed"]
      )
      assert.strictEqual((yield* Effect.flip(dms.awaitArmed))._tag, "AuthenticationFailed")
      // the dropped answers came after the venue saw the arm: it may have armed the countdown, which Failed says
      const status = yield* dms.status
      assert.isTrue(status._tag === "Failed" && status.mayBeArmed)
    })
  )

  it.scoped("a final error once armed: AtRisk and Expired carry it, re-arming goes on and recovers", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { history } = yield* start(venue, tenSecondsLeftArmed)
      yield* TestClock.adjust("3 seconds")
      // the key is rejected from t = 3 s to t = 20 s: longer than the countdown
      yield* venue.setFault((s) =>
        s.path === armPath && s.at < 20_000 ? { _tag: "code", code: "50113", httpStatus: 401 } : undefined
      )
      yield* TestClock.adjust("14 seconds")
      const refused = (yield* arms(venue)).filter((s) => s.at >= 3_000).length
      assert.isAbove(refused, 5)
      const statuses = (yield* history).map((h) => h.status)
      const atRisk = statuses.filter((s) => s._tag === "AtRisk")
      assert.isNotEmpty(atRisk)
      for (const s of atRisk) {
        if (s._tag !== "AtRisk") continue
        assert.strictEqual(s.error?._tag, "AuthenticationFailed")
        assert.include(s.lastError, "code=50113")
      }
      const expired = statuses.find((s) => s._tag === "Expired")
      assert.isDefined(expired)
      if (expired?._tag === "Expired") {
        assert.strictEqual(expired.error?._tag, "AuthenticationFailed")
        assert.include(expired.lastError, "code=50113")
      }
      yield* TestClock.adjust("5 seconds")
      assert.strictEqual((yield* history).at(-1)!.status._tag, "Armed")
    })
  )

  it.scoped("50102 (timestamp expired) re-syncs the server time before the retry", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      yield* venue.setFault((s) =>
        s.path === armPath && s.at < 1_000 ? { _tag: "code", code: "50102", httpStatus: 401 } : undefined
      )
      const { dms, resyncs } = yield* start(venue, { timeout: "10 seconds", interval: "2 seconds" })
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual(yield* resyncs, 1)
      assert.strictEqual((yield* dms.status)._tag, "Armed")
    })
  )

  // the real ServerTime over the fake venue: after one 50102 at 2 s, its resync of /api/v5/public/time dies (a
  // throwing middleware) or hangs; the re-arm endpoint answers every other request
  for (const [name, fault] of [
    ["dies", { _tag: "die", defect: new Error("boom on /public/time") }],
    ["hangs", { _tag: "hang" }]
  ] as const) {
    it.scoped(
      `a server-time resync that ${name} after a 50102 does not stop the heartbeat or lapse the countdown`,
      () =>
        Effect.gen(function* () {
          const venue = yield* makeFakeVenue
          yield* venue.setFault((s) =>
            s.path === timePath
              ? s.at < 1000
                ? {
                    _tag: "http",
                    status: 200,
                    body: JSON.stringify({ code: "0", msg: "", data: [{ ts: String(s.at) }] })
                  }
                : fault
              : s.path === armPath && s.at === 2000
                ? { _tag: "code", code: "50102", httpStatus: 401 }
                : undefined
          )
          const serverTime = yield* ServerTime.make({ baseUrl: "https://venue.test" }).pipe(
            Effect.provide(Layer.succeed(HttpClient.HttpClient, venue.client))
          )
          const { dms, history } = yield* start(
            venue,
            { timeout: "10 seconds", interval: "2 seconds", onExit: "leave-armed" },
            serverTime
          )
          yield* TestClock.adjust("30 seconds")
          // the resync is bounded by an attempt (1.6 s) and its failure kept the old offset: the re-arm is tried again
          // within the slack, and every later beat re-arms
          const armedAt = (yield* arms(venue)).map((s) => s.at)
          assert.isTrue(
            armedAt.some((at) => at > 2000 && at < 4000),
            `a retry after the resync: ${armedAt}`
          )
          assert.includeMembers(armedAt, [20_000, 28_000])
          assert.notInclude(
            (yield* history).map((h) => h.status._tag),
            "Expired"
          )
          assert.strictEqual((yield* dms.status)._tag, "Armed")
          const gate = yield* Effect.fork(dms.awaitArmed)
          yield* TestClock.adjust("2 seconds")
          assert.isTrue(Option.isSome(yield* Fiber.poll(gate)), "awaitArmed returns")
        })
    )
  }

  it.scoped(
    "a time endpoint slower than an attempt: the resync goes on past a beat's wait, and a later beat uses it",
    () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        // from 10 s on the venue's clock is 40 s ahead of this process's (a stepped local clock, a resumed VM)
        const venueTime = (at: number) => (at < 10_000 ? at : at + 40_000)
        yield* venue.setFault((s) => {
          if (s.path === timePath) {
            const body = JSON.stringify({ code: "0", msg: "", data: [{ ts: String(venueTime(s.at)) }] })
            return { _tag: "http", status: 200, body }
          }
          const signed = Date.parse(s.headers["ok-access-timestamp"] ?? "")
          return s.path === armPath && Math.abs(signed - venueTime(s.at)) > 30_000
            ? { _tag: "code", code: "50102", httpStatus: 401 }
            : undefined
        })
        // each time sample takes 500 ms: the five-sample sync (2.5 s) is longer than an attempt (2 s)
        const slowTime = HttpClient.make((request, url) =>
          url.pathname === timePath
            ? Effect.zipRight(Effect.sleep("500 millis"), venue.client.execute(request))
            : venue.client.execute(request)
        )
        const serverTime = yield* ServerTime.make({ baseUrl: "https://venue.test", initialSync: "lazy" }).pipe(
          Effect.provide(Layer.succeed(HttpClient.HttpClient, slowTime))
        )
        const { history } = yield* start(venue, { timeout: "10 seconds", onExit: "leave-armed" }, serverTime)
        for (let i = 0; i < 25; i++) yield* TestClock.adjust("1 second")
        const after = (yield* history).filter((h) => h.at > 10_000).map((h) => h.status._tag)
        assert.include(after, "Armed", after.join(","))
        assert.notInclude(after, "Expired", after.join(","))
      })
  )

  it.scoped("after the lapse, Expired carries each later failure: its error and the count go on", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { dms, history } = yield* start(venue, {
        timeout: "10 seconds",
        interval: "2 seconds",
        onExit: "leave-armed"
      })
      yield* TestClock.adjust("3 seconds")
      // last ack at 2 s (deadline 12 s); the network drops until 15 s, then the venue refuses the key (50113)
      yield* venue.setFault((s) =>
        s.path !== armPath
          ? undefined
          : s.at < 15_000
            ? { _tag: "drop" }
            : { _tag: "code", code: "50113", httpStatus: 401 }
      )
      yield* TestClock.adjust("12 seconds")
      const atLapse = yield* dms.status
      if (atLapse._tag !== "Expired") return assert.fail(atLapse._tag)
      yield* TestClock.adjust("10 seconds")
      const now = yield* dms.status
      if (now._tag !== "Expired") return assert.fail(now._tag)
      // a watcher that sees error?.retry === "never" knows that waiting will not help
      assert.strictEqual(now.error?._tag, "AuthenticationFailed")
      assert.isAbove(now.failures, atLapse.failures)
      const last = (yield* history).at(-1)!.status
      assert.isTrue(last._tag === "Expired" && last.error?._tag === "AuthenticationFailed", "changes too")
    })
  )

  // asked 10 s, the first answer arms 60 s; the later re-arms are refused by the venue (its countdown runs on), or
  // left unanswered: the first of those (its attempt started at 250 ms) may have re-armed it for 10 s
  const inMillis = { triggerTime: "60000", ts: "0" }
  // whole seconds, which the venue may truncate: every deadline from such answers is a second earlier
  const inSeconds = { triggerTime: "1000000060", ts: "1000000000" }
  const afterLonger: ReadonlyArray<readonly [string, typeof inMillis, Fault, number]> = [
    ["refused", inMillis, { _tag: "code", code: "50001", httpStatus: 503 }, 60_000],
    [
      "left unanswered (its deadline comes back to the earliest the venue may cancel)",
      inMillis,
      { _tag: "hang" },
      10_250
    ],
    ["left unanswered, after an answer in seconds", inSeconds, { _tag: "hang" }, 9_250]
  ]
  for (const [name, first, fault, deadline] of afterLonger) {
    it.scoped(
      `a first answer with a longer countdown, then re-arms ${name}: the cancel and Expired at its deadline`,
      () =>
        Effect.gen(function* () {
          const venue = yield* makeFakeVenue
          yield* venue.setFault((s) =>
            s.path !== armPath
              ? undefined
              : s.at === 0
                ? {
                    _tag: "http",
                    status: 200,
                    body: JSON.stringify({ code: "0", msg: "", data: [first] })
                  }
                : fault
          )
          const { history } = yield* start(venue, {
            timeout: "10 seconds",
            interval: "2 seconds",
            cancelQuotesBelow: "5 seconds",
            onExit: "leave-armed"
          })
          yield* TestClock.adjust("65 seconds")
          const cancels = (yield* venue.seen).filter((s) => s.path === "/api/v5/rfq/cancel-all-quotes")
          assert.deepStrictEqual(
            cancels.map((s) => s.at),
            [deadline - 5_000]
          )
          const expired = (yield* history).find((h) => h.status._tag === "Expired")
          assert.strictEqual(expired?.at, deadline)
        })
    )
  }

  it.scoped("a deadline that moves earlier (a normal answer after a longer countdown) is watched from then on", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      // the first answer arms 60 s; the next re-arm (its attempt started 250 ms later, sent after the lane's 1.05 s)
      // is a normal 10 s, so the deadline moves to 10.25 s, counted from that attempt's start; then the venue is
      // unreachable
      let n = 0
      yield* venue.setFault((s) => {
        if (s.path !== armPath) return undefined
        n++
        return n === 1
          ? {
              _tag: "http",
              status: 200,
              body: JSON.stringify({ code: "0", msg: "", data: [{ triggerTime: "60000", ts: "0" }] })
            }
          : n === 2
            ? undefined
            : { _tag: "drop" }
      })
      const { history } = yield* start(venue, tenSecondsLeftArmed)
      yield* TestClock.adjust("20 seconds")
      // announced at that deadline, and every later failure publishes it again with its own error
      const expired = (yield* history).flatMap((h) =>
        h.status._tag === "Expired" ? [{ at: h.at, deadline: DateTime.toEpochMillis(h.status.deadline) }] : []
      )
      assert.strictEqual(expired[0]?.at, 10_250)
      assert.deepStrictEqual([...new Set(expired.map((e) => e.deadline))], [10_250])
    })
  )

  it.scoped("fires cancel-all-quotes when the slack falls below the threshold", () =>
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

describe("DeadMansSwitch after a stall (the event loop blocked past the deadline)", () => {
  const stalled = (virtual: ReturnType<typeof makeVirtualClock>) =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client } = yield* clientOver(venue)
      const dms = yield* DeadMansSwitch.makeWith(client, {
        timeout: "10 seconds",
        interval: "2 seconds",
        onExit: "leave-armed"
      })
      const history: Array<{ readonly at: number; readonly status: DeadMansSwitch.Status }> = []
      yield* dms.changes.pipe(
        Stream.runForEach((status) => Effect.sync(() => history.push({ at: virtual.now(), status }))),
        Effect.forkScoped
      )
      yield* virtual.advance(1000)
      const armed = yield* dms.awaitArmed
      assert.strictEqual(DateTime.toEpochMillis(armed.deadline), 10_000)
      return { dms, history }
    })

  it("what runs first after it reads Expired, not the stale Armed, and awaitArmed waits for a fresh arm", () => {
    const virtual = makeVirtualClock()
    return Effect.gen(function* () {
      const { dms } = yield* stalled(virtual)
      let seen: DeadMansSwitch.Status | undefined
      let gate: Fiber.RuntimeFiber<DeadMansSwitch.Status, unknown> | undefined
      // 30 s later: the quoting loop's timer fires before the switch's fibers run
      yield* virtual.jump(30_000, () =>
        Effect.runPromise(
          Effect.gen(function* () {
            seen = yield* dms.status
            gate = yield* Effect.forkDaemon(dms.awaitArmed)
            yield* Effect.yieldNow()
            assert.isTrue(Option.isNone(yield* Fiber.poll(gate)), "awaitArmed let the quoting loop through")
          }).pipe(Effect.withClock(virtual.clock))
        )
      )
      assert.strictEqual(seen?._tag, "Expired")
      assert.strictEqual(seen?._tag === "Expired" && DateTime.toEpochMillis(seen.deadline), 10_000)
      // then the beat re-arms, and the gate opens on the fresh acknowledgement
      yield* virtual.advance(100)
      const fresh = yield* Fiber.join(gate!)
      assert.isTrue(fresh._tag === "Armed" && DateTime.toEpochMillis(fresh.deadline) > 30_000)
    }).pipe(Effect.scoped, Effect.withClock(virtual.clock), Effect.runPromise)
  })

  it("a waiter parked at any of its steps while the beat re-arms never gets the Armed whose deadline passed", async () => {
    const stale: Array<number> = []
    for (let k = 1; k <= 300; k++) {
      const virtual = makeVirtualClock()
      const deadline = await Effect.gen(function* () {
        const { dms } = yield* stalled(virtual)
        const parking = parkingScheduler(k)
        let gate: Fiber.RuntimeFiber<DeadMansSwitch.Status, unknown> | undefined
        // the quoting loop's timer fires first after the stall and calls awaitArmed, which is parked at its k-th step
        // while the switch's fibers wake and re-arm
        yield* virtual.jump(30_000, async () => {
          gate = Effect.runFork(
            dms.awaitArmed.pipe(Effect.withClock(virtual.clock), Effect.withScheduler(parking.scheduler))
          )
          await new Promise((resolve) => setImmediate(resolve))
        })
        yield* virtual.advance(100)
        yield* parking.release
        yield* virtual.advance(100)
        const armed = yield* Fiber.join(gate!)
        return armed._tag === "Armed" ? DateTime.toEpochMillis(armed.deadline) : -1
      }).pipe(Effect.scoped, Effect.withClock(virtual.clock), Effect.runPromise)
      if (deadline <= 31_000) stale.push(k)
    }
    assert.deepStrictEqual(stale, [], "awaitArmed returned the Armed whose deadline (10 s) passed at 30 s")
  })

  it("the lapse is announced before the switch reports Armed again, whichever fiber wakes first", () => {
    const virtual = makeVirtualClock()
    return Effect.gen(function* () {
      const { history } = yield* stalled(virtual)
      yield* virtual.jump(30_000)
      yield* virtual.advance(5000)
      const after = history.filter((h) => h.at >= 31_000).map((h) => h.status._tag)
      assert.deepStrictEqual(after.slice(0, 2), ["Expired", "Armed"], JSON.stringify(after))
      assert.strictEqual(after.filter((tag) => tag === "Expired").length, 1)
    }).pipe(Effect.scoped, Effect.withClock(virtual.clock), Effect.runPromise)
  })
})

describe("DeadMansSwitch shutdown", () => {
  /**
   * Arms, then shuts down by closing the scope, or (`explicit`) by `dms.shutdown` first and closing the scope after
   * it; `failing` is refused with 50113 during the shutdown. Returns the calls of the shutdown and its outcome.
   */
  const afterShutdown = (
    venue: FakeVenue,
    policy: DeadMansSwitch.ShutdownPolicy,
    options: { readonly failing?: "cancel" | "disarm" | undefined; readonly explicit?: boolean | undefined } = {}
  ) =>
    Effect.gen(function* () {
      const { dms, scope } = yield* start(venue, { timeout: "30 seconds", interval: "3 seconds", onExit: policy })
      yield* TestClock.adjust("10 seconds")
      yield* venue.clear
      const failing = options.failing === "disarm" ? armPath : "/api/v5/rfq/cancel-all-quotes"
      if (options.failing !== undefined) {
        yield* venue.setFault((s) =>
          s.path === failing && (s.path !== armPath || s.body.timeOut === "0")
            ? { _tag: "code", code: "50113", httpStatus: 401 }
            : undefined
        )
      }
      const shuttingDown = yield* Effect.fork(Effect.either(dms.shutdown))
      const closing = yield* Effect.fork(
        Effect.zipRight(options.explicit ? Fiber.join(shuttingDown) : Effect.void, Scope.close(scope, Exit.void))
      )
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(closing)
      const calls = (yield* venue.seen).map((s) =>
        s.path === armPath ? `${s.path} ${String(s.body.timeOut)}` : s.path
      )
      // whichever came first, the policy ran once: shutdown after the scope closed reports the same outcome
      const outcome = yield* Fiber.join(shuttingDown)
      yield* TestClock.adjust("5 seconds")
      assert.strictEqual((yield* venue.seen).length, calls.length, "nothing is sent after the shutdown")
      return { calls, status: yield* dms.status, outcome, again: yield* Effect.either(dms.shutdown) }
    })

  it.scoped("cancel-then-disarm: cancels every quote, then disables the countdown", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { calls, status } = yield* afterShutdown(venue, "cancel-then-disarm")
      assert.deepStrictEqual(calls, ["/api/v5/rfq/cancel-all-quotes", `${armPath} 0`])
      assert.strictEqual(status._tag, "Disarmed")
    })
  )

  it.scoped("cancel-then-disarm with a failing cancel leaves the countdown armed", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { calls, status } = yield* afterShutdown(venue, "cancel-then-disarm", { failing: "cancel" })
      assert.deepStrictEqual(calls, ["/api/v5/rfq/cancel-all-quotes"])
      assert.strictEqual(status._tag, "Armed")
    })
  )

  const firstArms: ReadonlyArray<readonly [string, Fault | undefined]> = [
    ["its first arm unanswered (it may have armed)", { _tag: "hang" }],
    [
      "its first arm answered by a gateway's 502 (it may have armed)",
      { _tag: "http", status: 502, body: "<html><h1>502 Bad Gateway</h1></html>" }
    ],
    ["every arm refused (nothing armed)", undefined]
  ]
  for (const [first, firstFault] of firstArms) {
    const unanswered = firstFault !== undefined
    it.scoped(`a shutdown failing before the first acknowledgement, ${first}: AtRisk for good, and says so`, () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        // the arms are refused with a definite transient answer (a 503 from the venue), the first one answered by
        // `firstFault` when there is one; the shutdown's cancel is refused too
        let arms = 0
        yield* venue.setFault((s) =>
          s.path === armPath && firstFault !== undefined && arms++ === 0
            ? firstFault
            : s.path === armPath || s.path === "/api/v5/rfq/cancel-all-quotes"
              ? { _tag: "code", code: "50001", httpStatus: 503 }
              : undefined
        )
        const { dms } = yield* start(venue, { timeout: "30 seconds", interval: "3 seconds" })
        yield* TestClock.adjust("10 seconds")
        const shuttingDown = yield* Effect.fork(Effect.either(dms.shutdown))
        yield* TestClock.adjust("10 seconds")
        const outcome = yield* Fiber.join(shuttingDown)
        if (outcome._tag !== "Left") return assert.fail("the shutdown succeeded")
        assert.deepStrictEqual(
          [outcome.left.step, outcome.left.armed, outcome.left.acknowledged],
          ["cancel-all-quotes", unanswered, false]
        )
        // never "leaving the countdown armed": no arm was acknowledged
        assert.include(
          outcome.left.message,
          unanswered ? "no arm of the countdown was acknowledged, but one may have reached the venue" : "never armed"
        )
        assert.notInclude(outcome.left.message, "leaving the countdown armed")
        // no deadline to turn Expired at: the status stays as it was, for good, and nothing more is sent
        const sent = (yield* venue.seen).length
        yield* TestClock.adjust("5 minutes")
        const status = yield* dms.status
        if (status._tag !== "AtRisk") return assert.fail(status._tag)
        assert.isUndefined(status.deadline)
        assert.strictEqual((yield* venue.seen).length, sent)
        assert.strictEqual((yield* Effect.flip(dms.awaitArmed))._tag, "SwitchStopped")
      })
    )
  }

  for (const step of ["cancel-all-quotes", "disarm"] as const) {
    it.scoped(`a transport that throws during the shutdown's ${step}: ShutdownFailed naming it, never a defect`, () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        const { dms, scope } = yield* start(venue, { timeout: "10 seconds", interval: "2 seconds" })
        yield* TestClock.adjust("2500 millis")
        const throwsOn = (s: { readonly path: string; readonly body: Record<string, unknown> }) =>
          step === "disarm" ? s.path === armPath && s.body.timeOut === "0" : s.path === "/api/v5/rfq/cancel-all-quotes"
        yield* venue.setFault((s) => (throwsOn(s) ? { _tag: "die", defect: new Error("middleware threw") } : undefined))
        const shuttingDown = yield* Effect.fork(Effect.either(dms.shutdown))
        yield* TestClock.adjust("5 seconds")
        const outcome = yield* Fiber.join(shuttingDown)
        if (outcome._tag !== "Left") return assert.fail("the shutdown succeeded")
        assert.deepStrictEqual(
          [outcome.left.step, outcome.left.cause._tag, outcome.left.armed],
          [step, "TransportError", true]
        )
        assert.include(outcome.left.cause.message, "died: middleware threw")
        // the scope's close (a layer's release) ends too, with the same outcome kept, not a defect
        assert.isTrue(Exit.isSuccess(yield* Effect.exit(Scope.close(scope, Exit.void))))
      })
    )
  }

  it.scoped("a disarm left unanswered may have disabled the countdown: AtRisk, and the shutdown's error says so", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { dms } = yield* start(venue, { timeout: "30 seconds", interval: "3 seconds", onExit: "disarm-only" })
      yield* TestClock.adjust("3500 millis")
      yield* venue.setFault((s) => (s.path === armPath && s.body.timeOut === "0" ? { _tag: "hang" } : undefined))
      const shuttingDown = yield* Effect.fork(Effect.either(dms.shutdown))
      yield* TestClock.adjust("10 seconds")
      const outcome = yield* Fiber.join(shuttingDown)
      if (outcome._tag !== "Left") return assert.fail("the shutdown succeeded")
      assert.strictEqual(outcome.left.step, "disarm")
      assert.include(outcome.left.message, "the countdown may be disabled, or still armed until it lapses")
      assert.notInclude(outcome.left.message, "it stays armed")
      const status = yield* dms.status
      if (status._tag !== "AtRisk") return assert.fail(status._tag)
      assert.include(status.lastError, "the disarm may have reached the venue")
      // a switch whose first arm was refused for good never armed anything: it stays Failed, and says so
      const never = yield* makeFakeVenue
      yield* never.setFault((s) =>
        s.path !== armPath ? undefined : s.body.timeOut === "0" ? { _tag: "hang" } : { _tag: "code", code: "50120" }
      )
      const third = yield* start(never, { timeout: "30 seconds", interval: "3 seconds", onExit: "disarm-only" })
      yield* TestClock.adjust("3500 millis")
      const unarmed = yield* Fiber.join(
        yield* Effect.fork(Effect.either(third.dms.shutdown)).pipe(Effect.tap(() => TestClock.adjust("10 seconds")))
      )
      if (unarmed._tag !== "Left") return assert.fail("the shutdown succeeded")
      assert.include(unarmed.left.message, "this switch never armed it")
      assert.strictEqual((yield* third.dms.status)._tag, "Failed")
      // a disarm the venue refused (it did not act) leaves the countdown armed, and says that
      const refused = yield* makeFakeVenue
      const second = yield* start(refused, { timeout: "30 seconds", interval: "3 seconds", onExit: "disarm-only" })
      yield* TestClock.adjust("3500 millis")
      yield* refused.setFault((s) =>
        s.path === armPath && s.body.timeOut === "0" ? { _tag: "code", code: "50001", httpStatus: 503 } : undefined
      )
      const failing = yield* Effect.fork(Effect.either(second.dms.shutdown))
      yield* TestClock.adjust("10 seconds")
      const failed = yield* Fiber.join(failing)
      if (failed._tag !== "Left") return assert.fail("the shutdown succeeded")
      assert.include(failed.left.message, "it stays armed unless it already lapsed")
      assert.strictEqual((yield* second.dms.status)._tag, "Armed")
    })
  )

  for (const explicit of [false, true]) {
    const how = explicit ? "shutdown, then the scope's close" : "the scope's close"
    it.scoped(`${how}: the policy runs once and shutdown reports its outcome`, () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        const ok = yield* afterShutdown(venue, "cancel-then-disarm", { explicit })
        assert.deepStrictEqual(ok.calls, ["/api/v5/rfq/cancel-all-quotes", `${armPath} 0`])
        assert.isTrue(ok.outcome._tag === "Right" && ok.again._tag === "Right")
        const refused = yield* afterShutdown(yield* makeFakeVenue, "cancel-then-disarm", {
          failing: "cancel",
          explicit
        })
        assert.deepStrictEqual(refused.calls, ["/api/v5/rfq/cancel-all-quotes"])
        assert.strictEqual(refused.status._tag, "Armed")
        assert.isTrue(refused.outcome._tag === "Left")
        if (refused.outcome._tag === "Left") {
          const failure = refused.outcome.left
          assert.strictEqual(failure._tag, "ShutdownFailed")
          assert.strictEqual(failure.step, "cancel-all-quotes")
          assert.strictEqual(failure.cause._tag, "AuthenticationFailed")
          assert.include(failure.message, "shutdown: cancel-all-quotes failed; leaving the countdown armed")
          assert.include(failure.message, "code=50113")
        }
        assert.deepStrictEqual(refused.again, refused.outcome)
      })
    )
  }

  it.scoped("a disarm the venue answers with a triggerTime: CountdownMismatch, the shutdown fails at the disarm", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { dms, scope } = yield* start(venue, {
        timeout: "10 seconds",
        interval: "2 seconds",
        onExit: "disarm-only"
      })
      yield* TestClock.adjust("3 seconds")
      yield* answerArms(venue, { triggerTime: "1587971410000", ts: "1587971400000" }, true)
      const shuttingDown = yield* Effect.fork(Effect.either(dms.shutdown))
      yield* TestClock.adjust("5 seconds")
      const outcome = yield* Fiber.join(shuttingDown)
      if (outcome._tag !== "Left") return assert.fail("the shutdown succeeded")
      assert.deepStrictEqual([outcome.left.step, outcome.left.cause._tag], ["disarm", "CountdownMismatch"])
      assert.include(outcome.left.message, "it stays armed")
      assert.include(
        outcome.left.message,
        "did not disable the countdown: the venue answered triggerTime 2020-04-27T07:10:10.000Z"
      )
      assert.notStrictEqual((yield* dms.status)._tag, "Disarmed")
      yield* Scope.close(scope, Exit.void)
    })
  )

  it.scoped("a failed disarm: shutdown fails naming the disarm, the countdown stays armed", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { calls, outcome, status } = yield* afterShutdown(venue, "disarm-only", { failing: "disarm" })
      assert.deepStrictEqual(calls, [`${armPath} 0`])
      assert.strictEqual(status._tag, "Armed")
      assert.isTrue(outcome._tag === "Left" && outcome.left.step === "disarm")
      if (outcome._tag === "Left") assert.include(outcome.left.message, "shutdown: disabling the countdown failed")
    })
  )

  it.scoped("a re-arm on its way at the shutdown: the disarm goes only after its answer (or its timeout)", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { dms } = yield* start(venue, { timeout: "10 seconds", interval: "2 seconds", onExit: "disarm-only" })
      yield* dms.awaitArmed
      // the next re-arm is written and left unanswered: the venue may still act on it
      yield* venue.setFault((s) => (s.path === armPath && s.body.timeOut !== "0" ? { _tag: "hang" } : undefined))
      yield* TestClock.adjust("2 seconds")
      const rearm = (yield* arms(venue)).at(-1)!
      assert.strictEqual(rearm.at, 2000)
      const down = yield* Effect.fork(dms.shutdown)
      yield* TestClock.adjust("1 second")
      const disarmsEarly = (yield* venue.seen).filter((s) => s.path === armPath && s.body.timeOut === "0")
      assert.deepStrictEqual(disarmsEarly, [], "no disarm beside a re-arm on its way")
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(down)
      const disarms = (yield* venue.seen).filter((s) => s.path === armPath && s.body.timeOut === "0")
      assert.strictEqual(disarms.length, 1)
      // after the re-arm's attempt timeout (80 % of the interval)
      assert.isAtLeast(disarms[0]!.at, rearm.at + Duration.toMillis(dms.settings.attemptTimeout))
      assert.strictEqual((yield* dms.status)._tag, "Disarmed")
    })
  )

  it.scoped(
    "a first arm unanswered at the shutdown, then a failed disarm: the countdown may be armed, not 'never'",
    () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        yield* venue.setFault((s) => (s.path === armPath ? { _tag: "hang" } : undefined))
        const { dms } = yield* start(venue, { timeout: "10 seconds", interval: "2 seconds", onExit: "disarm-only" })
        yield* TestClock.adjust("500 millis")
        const down = yield* Effect.fork(Effect.either(dms.shutdown))
        // the first arm's attempt timeout (1.6 s), then a disarm through the lane, unanswered, retried to its end
        yield* TestClock.adjust("10 seconds")
        const outcome = yield* Fiber.join(down)
        if (outcome._tag !== "Left") return assert.fail("the disarm succeeded")
        assert.strictEqual(outcome.left.step, "disarm")
        assert.isTrue(outcome.left.armed)
        assert.notInclude(outcome.left.message, "never armed")
      })
  )

  it.scoped("after the shutdown a countdown left armed turns Expired at its deadline, and awaitArmed fails", () =>
    Effect.gen(function* () {
      for (const [policy, failing] of [
        ["leave-armed", false],
        ["cancel-then-disarm", true]
      ] as const) {
        const venue = yield* makeFakeVenue
        const { dms, history, scope } = yield* start(venue, {
          timeout: "10 seconds",
          interval: "2 seconds",
          onExit: policy
        })
        const armed = yield* dms.awaitArmed
        const deadline = DateTime.toEpochMillis(armed.deadline)
        if (failing) yield* venue.setFault(() => ({ _tag: "code", code: "50030" }))
        yield* Effect.either(dms.shutdown)
        yield* venue.clear
        assert.strictEqual((yield* dms.status)._tag, "Armed", policy)
        yield* TestClock.setTime(deadline + 1)
        const after = yield* dms.status
        assert.strictEqual(after._tag, "Expired", policy)
        assert.strictEqual(after._tag === "Expired" && DateTime.toEpochMillis(after.deadline), deadline, policy)
        // published to the stream too, and nothing was sent for it
        assert.strictEqual((yield* history).at(-1)?.status._tag, "Expired", policy)
        assert.deepStrictEqual(yield* venue.seen, [], policy)
        assert.strictEqual((yield* Effect.flip(dms.awaitArmed))._tag, "SwitchStopped", policy)
        // also once the scope is closed
        yield* Scope.close(scope, Exit.void)
        yield* TestClock.adjust("30 seconds")
        assert.strictEqual((yield* dms.status)._tag, "Expired", policy)
      }
      // the scope closed before the deadline (nothing publishes any more): a subscriber that starts after it gets
      // Expired first, as status says, not the lapsed Armed
      {
        const venue = yield* makeFakeVenue
        const { dms, scope } = yield* start(venue, {
          timeout: "10 seconds",
          interval: "2 seconds",
          onExit: "leave-armed"
        })
        const armed = yield* dms.awaitArmed
        yield* Scope.close(scope, Exit.void)
        yield* TestClock.setTime(DateTime.toEpochMillis(armed.deadline) + 1)
        const first = yield* Stream.runHead(dms.changes)
        assert.strictEqual(Option.getOrUndefined(first)?._tag, "Expired")
      }
      // disarmed: stays Disarmed, and awaitArmed does not wait for ever
      const venue = yield* makeFakeVenue
      const { dms } = yield* start(venue, { timeout: "10 seconds", interval: "2 seconds", onExit: "disarm-only" })
      yield* dms.awaitArmed
      // the disarm waits in the cancel-all-after lane (1 per second) behind the arm
      const down = yield* Effect.fork(dms.shutdown)
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(down)
      yield* TestClock.adjust("30 seconds")
      assert.strictEqual((yield* dms.status)._tag, "Disarmed")
      assert.strictEqual((yield* Effect.flip(dms.awaitArmed))._tag, "SwitchStopped")
      // a waiter blocked in awaitArmed (the first arm hangs) is released by the shutdown
      const hung = yield* makeFakeVenue
      yield* hung.setFault(() => ({ _tag: "hang" }))
      const blocked = yield* start(hung, { timeout: "10 seconds", interval: "2 seconds", onExit: "leave-armed" })
      const waiting = yield* Effect.fork(Effect.flip(blocked.dms.awaitArmed))
      yield* Effect.yieldNow()
      assert.isTrue(Option.isNone(yield* Fiber.poll(waiting)), "awaitArmed waits while Arming")
      yield* blocked.dms.shutdown
      assert.strictEqual((yield* Fiber.join(waiting))._tag, "SwitchStopped")
    })
  )

  it.scoped("disarm-only: disables the countdown and cancels nothing", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { calls, status } = yield* afterShutdown(venue, "disarm-only")
      assert.deepStrictEqual(calls, [`${armPath} 0`])
      assert.strictEqual(status._tag, "Disarmed")
    })
  )

  it.scoped("leave-armed: sends nothing more", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { calls, status } = yield* afterShutdown(venue, "leave-armed")
      assert.deepStrictEqual(calls, [])
      assert.strictEqual(status._tag, "Armed")
    })
  )

  for (const armed of [true, false]) {
    const when = armed ? "a re-arm" : "the first arm"
    it.scoped(`leave-armed with ${when} on its way: AtRisk, saying it may have armed the countdown anew`, () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        const { dms } = yield* start(venue, { timeout: "10 seconds", interval: "2 seconds", onExit: "leave-armed" })
        if (armed) yield* dms.awaitArmed
        // the next arm is written and left unanswered: the venue may still act on it
        yield* venue.setFault((s) => (s.path === armPath ? { _tag: "hang" } : undefined))
        yield* TestClock.adjust(armed ? "2 seconds" : "0 millis")
        yield* dms.shutdown
        const status = yield* dms.status
        if (status._tag !== "AtRisk") return assert.fail(status._tag)
        assert.include(status.lastError, "may have armed the countdown anew")
        // the known deadline stays the one to go by (early, never late); before the first arm there is none
        assert.strictEqual(
          status.deadline === undefined ? undefined : DateTime.toEpochMillis(status.deadline),
          armed ? 10_000 : undefined
        )
      })
    )
  }

  it.scoped("made in an uninterruptible region, it still stops re-arming and shuts down", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client } = yield* clientOver(venue)
      const scope = yield* Scope.make()
      yield* Effect.uninterruptible(DeadMansSwitch.makeWith(client, { timeout: "30 seconds" })).pipe(
        Scope.extend(scope)
      )
      yield* TestClock.adjust("10 seconds")
      yield* venue.clear
      // a daemon: with the bug, the close never ends, and the test must fail rather than hang on its child
      const closing = yield* Effect.forkDaemon(Scope.close(scope, Exit.void))
      yield* TestClock.adjust("5 seconds")
      assert.isTrue((yield* Fiber.poll(closing))._tag === "Some", "the scope's close is stuck")
      yield* TestClock.adjust("30 seconds")
      assert.deepStrictEqual(yield* venue.paths, ["/api/v5/rfq/cancel-all-quotes", armPath])
    })
  )

  it.scoped(
    "a first caller interrupted while it waits: the shutdown goes on, later calls and the close get its outcome",
    () =>
      Effect.gen(function* () {
        const venue = yield* makeFakeVenue
        const { dms, scope } = yield* start(venue, { timeout: "10 seconds", interval: "2 seconds" })
        yield* TestClock.adjust("1 second")
        yield* venue.setFault((s) => (s.path === armPath && s.at === 2000 ? { _tag: "hang" } : undefined))
        yield* TestClock.adjust("1100 millis") // the re-arm of 2 s is on its way: the shutdown waits for it
        // a SIGTERM handler's fiber runs the shutdown; a second signal interrupts that fiber while it waits
        const handler = yield* Effect.fork(dms.shutdown)
        yield* TestClock.adjust("100 millis")
        const interrupting = yield* Effect.fork(Fiber.interrupt(handler))
        yield* TestClock.adjust("5 seconds")
        yield* Fiber.join(interrupting)
        assert.isTrue(Exit.isSuccess(yield* Effect.exit(dms.shutdown)))
        assert.isTrue(Exit.isSuccess(yield* Effect.exit(Scope.close(scope, Exit.void))))
        assert.strictEqual((yield* dms.status)._tag, "Disarmed")
        const disarms = (yield* venue.seen).filter((s) => s.path === armPath && s.body.timeOut === "0")
        assert.strictEqual(disarms.length, 1)
      })
  )

  it.scoped("a first caller interrupted at any step of starting the shutdown: it still runs, once, for everyone", () =>
    Effect.gen(function* () {
      const hung: Array<number> = []
      let parkedAtAll = 0
      for (let k = 1; k <= 12; k++) {
        const venue = yield* makeFakeVenue
        const { dms, scope } = yield* start(venue, { timeout: "10 seconds", interval: "2 seconds" })
        yield* TestClock.adjust("1 second")
        yield* venue.clear
        // a SIGTERM handler (or a caller with its own timeout) calls shutdown, parked at its k-th step and
        // interrupted there (a second signal, its timeout)
        const parking = parkingScheduler(k, true)
        const caller = yield* Effect.fork(Effect.withScheduler(dms.shutdown, parking.scheduler))
        yield* Effect.yieldNow()
        if (parking.parked()) {
          parkedAtAll++
          caller.unsafeInterruptAsFork(FiberId.none)
        }
        yield* parking.release
        yield* Effect.yieldNow()
        const second = yield* Effect.fork(dms.shutdown)
        yield* TestClock.adjust("10 seconds")
        const outcome = yield* Fiber.poll(second)
        if (Option.isNone(outcome)) hung.push(k)
        else {
          assert.isTrue(Exit.isSuccess(outcome.value))
          assert.deepStrictEqual(yield* venue.paths, ["/api/v5/rfq/cancel-all-quotes", armPath])
          yield* Scope.close(scope, Exit.void)
        }
      }
      assert.isAbove(parkedAtAll, 5)
      assert.deepStrictEqual(hung, [], "the shutdown never ran and every later call waits")
    })
  )

  it.scoped("a shutdown called from another scheduler runs on the one the switch was made under", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client } = yield* clientOver(venue)
      const scheduler = new FairScheduler.FairScheduler(FairScheduler.defaultTasksPerTurn)
      const seen: Array<readonly [string, boolean]> = []
      const observed = <A, E>(call: string, effect: Effect.Effect<A, E>) =>
        Effect.zipRight(
          Effect.withFiberRuntime<void>((fiber) => {
            seen.push([call, fiber.currentScheduler === scheduler])
            return Effect.void
          }),
          effect
        )
      const scope = yield* Scope.make()
      const dms = yield* DeadMansSwitch.makeWith(
        {
          ...client,
          cancelAllQuotes: observed("cancel-all-quotes", client.cancelAllQuotes),
          disarm: observed("disarm", client.disarm)
        },
        { timeout: "10 seconds", interval: "2 seconds" }
      ).pipe(Scope.extend(scope), Effect.withScheduler(scheduler))
      yield* TestClock.adjust("3 seconds")
      // a signal handler's own fiber, on the default scheduler
      const down = yield* Effect.fork(dms.shutdown)
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(down)
      assert.deepStrictEqual(seen, [
        ["cancel-all-quotes", true],
        ["disarm", true]
      ])
    })
  )

  it.scoped("made on the default scheduler, a shutdown called from a FairScheduler runs on the default one", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client } = yield* clientOver(venue)
      const fair = new FairScheduler.FairScheduler(FairScheduler.defaultTasksPerTurn)
      const onFair: Array<boolean> = []
      const observed = <A, E>(effect: Effect.Effect<A, E>) =>
        Effect.zipRight(
          Effect.withFiberRuntime<void>((fiber) => {
            onFair.push(fiber.currentScheduler === fair)
            return Effect.void
          }),
          effect
        )
      const scope = yield* Scope.make()
      const made = yield* DeadMansSwitch.makeWith(
        { ...client, cancelAllQuotes: observed(client.cancelAllQuotes), disarm: observed(client.disarm) },
        { timeout: "10 seconds", interval: "2 seconds" }
      ).pipe(Scope.extend(scope))
      yield* TestClock.adjust("3 seconds")
      const down = yield* Effect.fork(Effect.withScheduler(made.shutdown, fair))
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(down)
      assert.deepStrictEqual(onFair, [false, false])
    })
  )

  it.scoped("a switch made by a fiber with an interruption pending still runs its shutdown, uninterrupted", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client } = yield* clientOver(venue)
      // any Client: here one whose cancel-all-quotes has an interruptible step, as a user's wrapper may; a fiber that
      // is interrupted is stopped there
      const wrapped: RfqCancelClient.Service = {
        ...client,
        cancelAllQuotes: Effect.interruptible(client.cancelAllQuotes)
      }
      const scope = yield* Scope.make()
      const gate = yield* Deferred.make<void>()
      const made = yield* Deferred.make<DeadMansSwitch.Service>()
      // the maker is interrupted while in an uninterruptible region (an acquireRelease's acquire, say): the
      // interruption waits in its fiber as the switch is made
      const maker = yield* Effect.fork(
        Effect.uninterruptible(
          Effect.gen(function* () {
            yield* Deferred.await(gate)
            const dms = yield* DeadMansSwitch.makeWith(wrapped, { timeout: "30 seconds" }).pipe(Scope.extend(scope))
            yield* Deferred.succeed(made, dms)
          })
        )
      )
      yield* Effect.yieldNow()
      const interrupting = yield* Effect.fork(Fiber.interrupt(maker))
      yield* Effect.yieldNow()
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(interrupting)
      const dms = yield* Deferred.await(made)
      yield* TestClock.adjust("10 seconds")
      yield* venue.clear
      const down = yield* Effect.fork(Effect.exit(dms.shutdown))
      yield* TestClock.adjust("5 seconds")
      const exit = yield* Fiber.join(down)
      assert.isTrue(Exit.isSuccess(exit), String(exit))
      assert.deepStrictEqual(yield* venue.paths, ["/api/v5/rfq/cancel-all-quotes", armPath])
      yield* Scope.close(scope, Exit.void)
    })
  )

  it.scoped("interrupting the owning fiber takes the same path", () =>
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

describe("DeadMansSwitch scheduling", () => {
  it.scoped("re-arms, fires and shuts down at FairScheduler.urgentPriority, on the scheduler it was made under", () =>
    Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client } = yield* clientOver(venue)
      const scheduler = new FairScheduler.FairScheduler(FairScheduler.defaultTasksPerTurn)
      const seen: Array<{ readonly call: string; readonly priority: number; readonly fair: boolean }> = []
      const observed = <A, E>(call: string, effect: Effect.Effect<A, E>) =>
        Effect.zipRight(
          Effect.withFiberRuntime<void>((fiber) => {
            seen.push({
              call,
              priority: fiber.getFiberRef(FiberRef.currentSchedulingPriority),
              fair: fiber.currentScheduler === scheduler
            })
            return Effect.void
          }),
          effect
        )
      const scope = yield* Scope.make()
      yield* DeadMansSwitch.makeWith(
        {
          ...client,
          cancelAllAfterOnce: (timeout, attemptTimeout) =>
            observed("re-arm", client.cancelAllAfterOnce(timeout, attemptTimeout)),
          cancelAllQuotes: observed("cancel-all-quotes", client.cancelAllQuotes),
          disarm: observed("disarm", client.disarm)
        },
        { timeout: "10 seconds", interval: "2 seconds", cancelQuotesBelow: "3 seconds" }
      ).pipe(Scope.extend(scope), Effect.withScheduler(scheduler))
      yield* TestClock.adjust("4 seconds")
      yield* venue.setFault((s) => (s.path === armPath && s.body.timeOut !== "0" ? { _tag: "drop" } : undefined))
      yield* TestClock.adjust("8 seconds")
      // the shutdown's disarm waits in the cancel-all-after lane: the clock must move on meanwhile
      const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(closing)
      // the slack-triggered cancel-all-quotes (from the watcher) and the shutdown's two calls are there
      assert.deepStrictEqual([...new Set(seen.map((s) => s.call))].sort(), ["cancel-all-quotes", "disarm", "re-arm"])
      assert.isAtLeast(seen.filter((s) => s.call === "cancel-all-quotes").length, 2)
      for (const s of seen) {
        assert.strictEqual(s.priority, FairScheduler.urgentPriority, s.call)
        assert.isTrue(s.fair, s.call)
      }
      // this fiber, which made the switch, keeps its own priority
      assert.strictEqual(yield* FiberRef.get(FiberRef.currentSchedulingPriority), 0)
    })
  )
})
