import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, Fiber, Option, Ref, TestClock } from "effect"
import { SteadyTime } from "@okx-rfq/rate-limit"
import * as ServerTime from "../src/ServerTime.js"
import { fakeClient, timeAnswer, until } from "./utils/fakeVenue.js"

const baseUrl = "https://venue.test"

describe("ServerTime", () => {
  it.scoped("keeps the median of the samples, each corrected by half its round trip", () =>
    Effect.gen(function* () {
      // Offsets seen by the five samples: 5000+noise; round trips are large and different.
      const noise = [0, 300, -10, 10, 5]
      const rtts = [40, 1000, 20, 600, 80]
      const i = yield* Ref.make(0)
      const venue = yield* fakeClient((_, url) =>
        Effect.gen(function* () {
          assert.strictEqual(url.toString(), `${baseUrl}/api/v5/public/time`)
          const n = yield* Ref.getAndUpdate(i, (k) => k + 1)
          return yield* timeAnswer(5000 + noise[n % 5]!, rtts[n % 5]!)
        })
      )
      // the samples' round trips add up to 1.74 s of TestClock time: wait for the whole sync
      const time = yield* ServerTime.make({ baseUrl, initialWait: "10 seconds" }).pipe(Effect.provide(venue.layer))
      assert.strictEqual((yield* venue.seen).length, 5)
      assert.strictEqual(yield* time.offsetMillis, 5005)
      const sync = yield* time.lastSync
      assert.isTrue(Option.isSome(sync))
      assert.strictEqual(Option.getOrThrow(sync).roundTripMillis, 80)
      const now = yield* TestClock.currentTimeMillis
      assert.strictEqual(yield* time.currentTimeMillis, now + 5005)
      assert.strictEqual(yield* time.timestamp, new Date(now + 5005).toISOString())
    })
  )

  it.scoped("resyncs on its schedule and follows the venue's clock", () =>
    Effect.gen(function* () {
      const venueOffset = yield* Ref.make(1000)
      const venue = yield* fakeClient(() => Effect.flatMap(Ref.get(venueOffset), (o) => timeAnswer(o)))
      const time = yield* ServerTime.make({ baseUrl, samples: 3, interval: "1 minute" }).pipe(
        Effect.provide(venue.layer)
      )
      assert.strictEqual(yield* time.offsetMillis, 1000)
      yield* Ref.set(venueOffset, -2500)
      yield* TestClock.adjust("59 seconds")
      assert.strictEqual((yield* venue.seen).length, 3)
      assert.strictEqual(yield* time.offsetMillis, 1000)
      yield* TestClock.adjust("1 second")
      yield* until(Effect.map(time.offsetMillis, (o) => o === -2500))
      assert.strictEqual((yield* venue.seen).length, 6)
      for (let minute = 0; minute < 10; minute++) {
        const before = (yield* venue.seen).length
        yield* TestClock.adjust("1 minute")
        yield* until(Effect.map(venue.seen, (seen) => seen.length === before + 3))
      }
      assert.strictEqual((yield* venue.seen).length, 6 + 30)
    })
  )

  it.scoped("resyncs on demand, and concurrent demands share one sync", () =>
    Effect.gen(function* () {
      const venueOffset = yield* Ref.make(0)
      const venue = yield* fakeClient(() => Effect.flatMap(Ref.get(venueOffset), (o) => timeAnswer(o, 4)))
      const time = yield* ServerTime.make({ baseUrl, samples: 5, interval: "1 hour" }).pipe(Effect.provide(venue.layer))
      yield* Ref.set(venueOffset, 42_000)
      const fibers = yield* Effect.forEach(Array.from({ length: 10 }), () => Effect.fork(time.resync))
      const results = yield* Effect.forEach(fibers, Fiber.join)
      assert.deepStrictEqual(
        results.map((r) => r.offsetMillis),
        Array.from({ length: 10 }, () => 42_000)
      )
      assert.strictEqual((yield* venue.seen).length, 10)
      assert.strictEqual(yield* time.offsetMillis, 42_000)
    })
  )

  it.scoped("keeps offset 0 when the venue gives no valid answer, and reports a typed error", () =>
    Effect.gen(function* () {
      const venue = yield* fakeClient(() => Effect.succeed(Response.json({ code: "50001", msg: "busy", data: [] })))
      const time = yield* ServerTime.make({ baseUrl, samples: 2 }).pipe(Effect.provide(venue.layer))
      assert.strictEqual(yield* time.offsetMillis, 0)
      const result = yield* Effect.either(time.resync)
      assert.isTrue(Either.isLeft(result) && result.left._tag === "ServerTimeError")
    })
  )

  it.scoped("a transport that throws (a defect) is a failed sample: a typed error, and the schedule goes on", () =>
    Effect.gen(function* () {
      const calls = yield* Ref.make(0)
      const venue = yield* fakeClient(() =>
        Effect.flatMap(
          Ref.getAndUpdate(calls, (n) => n + 1),
          (n) => (n < 5 ? Effect.die(new Error("boom")) : timeAnswer(7000))
        )
      )
      const time = yield* ServerTime.make({ baseUrl, interval: "1 minute" }).pipe(Effect.provide(venue.layer))
      assert.strictEqual(yield* time.offsetMillis, 0)
      // the background sync did not die with the first sync's defects: a minute later it syncs again
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* time.offsetMillis, 7000)
      yield* Ref.set(calls, 0)
      const result = yield* Effect.either(time.resync)
      assert.isTrue(Either.isLeft(result) && result.left._tag === "ServerTimeError")
    })
  )

  it.scoped("a ts that cannot be the venue's time (0 to a real clock, microseconds, past 2200) is not used", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(1_795_000_000_000)
      for (const ts of ["0", "123456789", "99999999999999", "1735689600000000", "9999999999999999"]) {
        const venue = yield* fakeClient(() => Effect.succeed(Response.json({ code: "0", msg: "", data: [{ ts }] })))
        const time = yield* ServerTime.make({ baseUrl, samples: 2, initialSync: "lazy" }).pipe(
          Effect.provide(venue.layer)
        )
        const result = yield* Effect.either(time.resync)
        if (Either.isRight(result)) return assert.fail(`${ts}: the sync succeeded`)
        assert.include(result.left.message, "cannot be the venue's time in milliseconds", ts)
        assert.strictEqual(yield* time.offsetMillis, 0, ts)
        // signing still works: the timestamp is the local clock's
        assert.strictEqual(yield* time.currentTimeMillis, 1_795_000_000_000, ts)
      }
    })
  )

  it.scoped("a ts in seconds is not used: the offset stays 0 and the error says why; a large offset in ms is", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(1_795_000_000_000)
      const venue = yield* fakeClient(() =>
        Effect.map(TestClock.currentTimeMillis, (now) =>
          Response.json({ code: "0", msg: "", data: [{ ts: String(Math.floor(now / 1000)) }] })
        )
      )
      const time = yield* ServerTime.make({ baseUrl, samples: 2 }).pipe(Effect.provide(venue.layer))
      assert.strictEqual(yield* time.offsetMillis, 0)
      const result = yield* Effect.either(time.resync)
      if (Either.isRight(result)) return assert.fail("the sync succeeded")
      assert.include(result.left.message, "is in seconds, not the milliseconds OKX sends")
      // a venue clock far from a virtual one, in milliseconds (a simulator with clockOffsetMs under the TestClock)
      yield* TestClock.setTime(0)
      const far = yield* fakeClient(() => timeAnswer(1_700_000_000_000, 10))
      const synced = yield* ServerTime.make({ baseUrl, samples: 1, initialWait: "1 second" }).pipe(
        Effect.provide(far.layer)
      )
      assert.strictEqual(yield* synced.offsetMillis, 1_700_000_000_000)
    })
  )

  it.scoped("lazy: sends nothing until the offset is first used, then syncs once", () =>
    Effect.gen(function* () {
      const venue = yield* fakeClient(() => timeAnswer(700))
      const time = yield* ServerTime.make({ baseUrl, samples: 3, initialSync: "lazy" }).pipe(
        Effect.provide(venue.layer)
      )
      assert.strictEqual((yield* venue.seen).length, 0)
      assert.strictEqual(yield* time.offsetMillis, 700)
      yield* time.timestamp
      assert.strictEqual((yield* venue.seen).length, 3)
    })
  )

  it.scoped(
    "a caller interrupted while it waits for the first sync does not interrupt it; later uses get its offset",
    () =>
      Effect.gen(function* () {
        const venue = yield* fakeClient(() => Effect.zipRight(Effect.sleep("300 millis"), timeAnswer(4000)))
        const time = yield* ServerTime.make({ baseUrl, samples: 2, initialSync: "lazy" }).pipe(
          Effect.provide(venue.layer)
        )
        const first = yield* Effect.fork(time.timestamp)
        yield* until(Effect.map(venue.seen, (seen) => seen.length === 1))
        yield* Fiber.interrupt(first)
        yield* TestClock.adjust("600 millis")
        assert.strictEqual((yield* venue.seen).length, 2)
        // each answer read the venue clock at the end of a 300 ms round trip: 4000 + 300 / 2
        assert.strictEqual(yield* time.offsetMillis, 4150)
        assert.strictEqual((yield* venue.seen).length, 2)
      })
  )

  it.scoped(
    "a time endpoint that hangs delays a use by initialWait at most, uninterruptible too; then the offset follows",
    () =>
      Effect.gen(function* () {
        const venue = yield* fakeClient(() => Effect.zipRight(Effect.sleep("1500 millis"), timeAnswer(9000)))
        const time = yield* ServerTime.make({
          baseUrl,
          samples: 2,
          sampleTimeout: "2 seconds",
          initialSync: "lazy",
          initialWait: "1 second"
        }).pipe(Effect.provide(venue.layer))
        // uninterruptible, as in a switch's shutdown: the wait still ends on time
        const first = yield* Effect.fork(Effect.uninterruptible(time.offsetMillis))
        yield* until(Effect.map(venue.seen, (seen) => seen.length === 1))
        yield* TestClock.adjust("1 second")
        assert.strictEqual(yield* Fiber.join(first), 0)
        // past initialWait, uses do not wait any more while the sync goes on
        assert.strictEqual(yield* time.offsetMillis, 0)
        // the first sample answers at 1.5 s, the second at 3 s (each inside its 2 s timeout)
        yield* TestClock.adjust("500 millis")
        yield* until(Effect.map(venue.seen, (seen) => seen.length === 2))
        yield* TestClock.adjust("1500 millis")
        // read at the end of a 1.5 s round trip: 9000 + 1500 / 2
        yield* until(Effect.map(time.offsetMillis, (offset) => offset === 9750))
        assert.strictEqual((yield* venue.seen).length, 2)
      })
  )

  it.scoped(
    "a wall clock stepped back during the first sync neither stretches the initial wait nor the round trip",
    () =>
      Effect.gen(function* () {
        // the wall clock (currentTimeMillis) stepped by `step` (an NTP correction); the monotonic time (nanos) is not
        let step = 0
        const stepped = SteadyTime.withWallOffset(yield* Effect.clock, () => step)
        yield* TestClock.setTime(1_700_000_000_000)
        // the venue answers after 1.5 s
        const venue = yield* fakeClient(() => Effect.zipRight(Effect.sleep("1500 millis"), timeAnswer(9000)))
        const time = yield* ServerTime.make({ baseUrl, samples: 1, initialSync: "lazy", initialWait: "1 second" }).pipe(
          Effect.provide(venue.layer),
          Effect.withClock(stepped)
        )
        const first = yield* Effect.fork(time.offsetMillis.pipe(Effect.withClock(stepped)))
        yield* until(Effect.map(venue.seen, (seen) => seen.length === 1))
        // 12 s back while the sample is on its way: the first use still waits 1 s at most
        step = -12_000
        yield* TestClock.adjust("1 second")
        assert.isTrue(Option.isSome(yield* Fiber.poll(first)), "the first use waited past its initial wait")
        // and a use after it does not wait again (by the wall clock, the initial wait would end 11 s from now)
        const second = yield* Effect.fork(time.offsetMillis.pipe(Effect.withClock(stepped)))
        yield* TestClock.adjust("100 millis")
        assert.isTrue(Option.isSome(yield* Fiber.poll(second)), "a later use waited for the first sync again")
        // the round trip is 1.5 s, not 1.5 - 12 s
        yield* TestClock.adjust("500 millis")
        yield* until(Effect.map(time.lastSync, Option.isSome))
        const sync = Option.getOrThrow(yield* time.lastSync)
        assert.strictEqual(sync.roundTripMillis, 1500)
      })
  )

  it.effect("a fixed ServerTime reads the Clock plus its offset", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(1607418537000)
      const time = ServerTime.makeFixed(715)
      assert.strictEqual(yield* time.timestamp, "2020-12-08T09:08:57.715Z")
    })
  )
})
