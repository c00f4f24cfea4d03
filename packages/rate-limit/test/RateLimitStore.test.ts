import { RateLimitStore } from "@okx-rfq/rate-limit"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"

describe("RateLimitStore.makeMemory", () => {
  it.effect("grants while the log has room, then names the exact instant the request fits", () =>
    Effect.gen(function* () {
      const store = RateLimitStore.makeMemory()
      const request = { key: "k", limit: 3, windowMillis: 1000, cost: 1 }
      assert.deepStrictEqual(yield* store.acquire({ ...request, now: 0 }), { _tag: "Granted", at: 0 })
      assert.deepStrictEqual(yield* store.acquire({ ...request, now: 100 }), { _tag: "Granted", at: 100 })
      assert.deepStrictEqual(yield* store.acquire({ ...request, now: 200 }), { _tag: "Granted", at: 200 })
      assert.deepStrictEqual(yield* store.acquire({ ...request, now: 999 }), { _tag: "Denied", retryAt: 1000 })
      assert.deepStrictEqual(yield* store.acquire({ ...request, cost: 2, now: 1000 }), {
        _tag: "Denied",
        retryAt: 1100
      })
      assert.deepStrictEqual(yield* store.acquire({ ...request, cost: 2, now: 1100 }), { _tag: "Granted", at: 1100 })
      assert.deepStrictEqual(yield* store.acquire({ ...request, now: 1100 }), { _tag: "Denied", retryAt: 1200 })
      assert.deepStrictEqual(yield* store.acquire({ ...request, key: "other", now: 1100 }), {
        _tag: "Granted",
        at: 1100
      })
    })
  )

  it.effect("a pause set before the first request applies, and only ever extends", () =>
    Effect.gen(function* () {
      const store = RateLimitStore.makeMemory()
      yield* store.pauseUntil("k", 500)
      yield* store.pauseUntil("k", 300)
      const request = { key: "k", limit: 2, windowMillis: 1000, cost: 1 }
      assert.deepStrictEqual(yield* store.acquire({ ...request, now: 0 }), { _tag: "Denied", retryAt: 500 })
      assert.deepStrictEqual(yield* store.acquire({ ...request, now: 500 }), { _tag: "Granted", at: 500 })
    })
  )

  it.effect("a clock that steps backwards records at the latest instant, keeping the bound", () =>
    Effect.gen(function* () {
      const store = RateLimitStore.makeMemory()
      const request = { key: "k", limit: 1, windowMillis: 1000, cost: 1 }
      assert.deepStrictEqual(yield* store.acquire({ ...request, now: 5000 }), { _tag: "Granted", at: 5000 })
      assert.deepStrictEqual(yield* store.acquire({ ...request, now: 4500 }), { _tag: "Denied", retryAt: 6000 })
    })
  )

  it.effect("a held permit counts at every instant until it is committed at its real start, or released", () =>
    Effect.gen(function* () {
      const store = RateLimitStore.makeMemory()
      const request = { key: "k", limit: 2, windowMillis: 1000, cost: 1 }
      assert.deepStrictEqual(yield* store.acquire({ ...request, now: 0, hold: true }), { _tag: "Granted", at: 0 })
      assert.deepStrictEqual(yield* store.acquire({ ...request, now: 0, hold: true }), { _tag: "Granted", at: 0 })
      // both held: nothing can say when the lane frees, at any time
      assert.deepStrictEqual(yield* store.acquire({ ...request, now: 5000 }), {
        _tag: "Denied",
        retryAt: Number.POSITIVE_INFINITY
      })
      // one is written at 900 and committed first; the other was written earlier, at 700, and committed after it:
      // the log stays in time order
      yield* store.commit({ key: "k", limit: 2, cost: 1, at: 900 })
      assert.deepStrictEqual(yield* store.acquire({ ...request, now: 1000 }), { _tag: "Denied", retryAt: 1900 })
      yield* store.commit({ key: "k", limit: 2, cost: 1, at: 700 })
      assert.deepStrictEqual(yield* store.acquire({ ...request, now: 1000 }), { _tag: "Denied", retryAt: 1700 })
      assert.deepStrictEqual(yield* store.acquire({ ...request, now: 1700, hold: true }), {
        _tag: "Granted",
        at: 1700
      })
      yield* store.release("k", 1)
      yield* store.release("other", 1)
      // released: the log is 700, 900 again, so one more starts now and the next when 900 leaves the window
      assert.deepStrictEqual(yield* store.acquire({ ...request, now: 1800 }), { _tag: "Granted", at: 1800 })
      assert.deepStrictEqual(yield* store.acquire({ ...request, now: 1800 }), { _tag: "Denied", retryAt: 1900 })
    })
  )

  it.effect("a start committed late goes to its place in a full log, or is dropped when older than all it keeps", () =>
    Effect.gen(function* () {
      const store = RateLimitStore.makeMemory()
      const request = { key: "k", limit: 3, windowMillis: 1000, cost: 1 }
      yield* store.acquire({ ...request, now: 0, hold: true })
      yield* store.acquire({ ...request, now: 0, hold: true })
      yield* store.acquire({ ...request, now: 100 })
      yield* store.commit({ key: "k", limit: 3, cost: 1, at: 300 })
      yield* store.commit({ key: "k", limit: 3, cost: 1, at: 50 })
      // starts 50, 100, 300: the third most recent is 50
      assert.deepStrictEqual(yield* store.acquire({ ...request, now: 500 }), { _tag: "Denied", retryAt: 1050 })
      assert.deepStrictEqual(yield* store.acquire({ ...request, now: 1050, hold: true }), {
        _tag: "Granted",
        at: 1050
      })
      // one held, and 100 and 300 in the window: one more starts at 1100, and the full log is 100, 300, 1100
      assert.deepStrictEqual(yield* store.acquire({ ...request, now: 1100 }), { _tag: "Granted", at: 1100 })
      // the held one, written at 1200, pushes 100 out; a start at 20 is older than every start the log keeps
      yield* store.commit({ key: "k", limit: 3, cost: 1, at: 1200 })
      yield* store.commit({ key: "k", limit: 3, cost: 1, at: 20 })
      assert.deepStrictEqual(yield* store.acquire({ ...request, now: 1200 }), { _tag: "Denied", retryAt: 1300 })
    })
  )
})
