import { assert, describe, it } from "vitest"
import { Effect, Exit, Scope, Stream } from "effect"
import * as v8 from "node:v8"
import * as vm from "node:vm"
import * as DeadMansSwitch from "../src/DeadMansSwitch.js"
import { clientOver, makeFakeVenue } from "./utils/fakeVenue.js"
import { makeVirtualClock } from "./utils/virtualClock.js"

v8.setFlagsFromString("--expose-gc")
const gc = vm.runInNewContext("gc") as () => void

const heapAfterGc = Effect.promise(async () => {
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
  return process.memoryUsage().heapUsed
})

describe("DeadMansSwitch soak", () => {
  it("24 h of virtual time at interval 2 s: every re-arm on time, no drift, never lapses, memory flat", () => {
    const virtual = makeVirtualClock()
    return Effect.gen(function* () {
      const venue = yield* makeFakeVenue
      const { client } = yield* clientOver(venue)
      const scope = yield* Scope.make()
      const dms = yield* DeadMansSwitch.makeWith(client, {
        timeout: "10 seconds",
        interval: "2 seconds",
        onExit: "leave-armed"
      }).pipe(Scope.extend(scope))
      let armed = 0
      let offGrid = 0
      let lapsed = 0
      yield* dms.changes.pipe(
        Stream.runForEach((status) =>
          Effect.sync(() => {
            const at = virtual.clock.unsafeCurrentTimeMillis()
            if (status._tag === "Armed") {
              if (at !== armed * 2000) offGrid++
              armed++
            } else if (status._tag !== "Arming") lapsed++
          })
        ),
        Effect.forkIn(scope)
      )
      const heap: Array<number> = []
      const timers: Array<number> = []
      for (let hour = 1; hour <= 24; hour++) {
        yield* virtual.advance(3_600_000)
        yield* venue.clear
        timers.push(virtual.pending())
        if (hour % 6 === 0) heap.push(yield* heapAfterGc)
      }
      assert.strictEqual((yield* dms.status)._tag, "Armed")
      yield* Scope.close(scope, Exit.void)
      // t = 0, 2 s, …, 24 h: exactly one re-arm per interval, each on the fixed-rate grid
      assert.strictEqual(armed, (24 * 3600) / 2 + 1)
      assert.strictEqual(offGrid, 0)
      assert.strictEqual(lapsed, 0, "never AtRisk or Expired")
      // no timer or memory build-up: the same few timers every hour, and little heap growth over 18 hours
      assert.isAtMost(Math.max(...timers), 4)
      assert.isBelow(heap[3]! - heap[0]!, 4 * 1024 * 1024, `heap at 6, 12, 18, 24 h: ${heap.join(", ")}`)
    }).pipe(Effect.withClock(virtual.clock), Effect.scoped, Effect.runPromise)
  }, 300_000)
})
