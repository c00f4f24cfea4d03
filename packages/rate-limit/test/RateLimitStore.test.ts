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
})
