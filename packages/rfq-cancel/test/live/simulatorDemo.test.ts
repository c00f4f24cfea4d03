/**
 * The live suite against the simulator as a program in its own process (`okx-rfq-sim --demo`), over real HTTP: the
 * same tests `okxDemo.test.ts` runs against OKX, so the suite keeps working when no OKX account is at hand.
 */
import { benchAccount, type SimulatorProcess, startSimulator } from "@okx-rfq/bench-kit"
import { afterAll, beforeAll, describe } from "@effect/vitest"
import { liveSuite } from "./liveSuite.js"

describe("the simulator as a demo-trading venue (its own process)", () => {
  let sim: SimulatorProcess | undefined
  beforeAll(async () => {
    sim = await startSimulator(["--demo"])
  }, 60_000)
  afterAll(() => sim?.stop())
  liveSuite("live suite", () => {
    if (sim === undefined) throw new Error("the simulator is not started")
    return { ...benchAccount, baseUrl: sim.url }
  })
})
