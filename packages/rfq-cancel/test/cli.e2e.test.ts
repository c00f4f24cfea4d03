import { OkxSimulator } from "@okx-rfq/simulator"
import { Effect, Exit, Scope } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { afterAll, assert, beforeAll, describe, it } from "vitest"

const bin = fileURLToPath(new URL("../src/bin/okx-rfq.ts", import.meta.url))
const account = { apiKey: "cli-key", secretKey: "cli-secret", passphrase: "cli-pass", userId: "2002" }
const secrets = [account.secretKey, account.passphrase]

let sim: OkxSimulator.Service
let scope: Scope.CloseableScope

beforeAll(async () => {
  scope = await Effect.runPromise(Scope.make())
  sim = await Effect.runPromise(
    OkxSimulator.make({ accounts: [account], countdownPaceMs: 20 }).pipe(Scope.extend(scope))
  )
})
afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Starts `okx-rfq` (from source) as a real child process pointed at the simulator. */
const start = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  spawn(process.execPath, ["--conditions=source", "--import", "tsx", bin, ...args], {
    env: {
      PATH: process.env.PATH ?? "",
      OKX_API_KEY: account.apiKey,
      OKX_SECRET_KEY: account.secretKey,
      OKX_PASSPHRASE: account.passphrase,
      OKX_BASE_URL: sim.url,
      ...env
    },
    stdio: ["ignore", "pipe", "pipe"]
  })

const finish = (child: ChildProcess) =>
  new Promise<Run>((resolve) => {
    let stdout = ""
    let stderr = ""
    child.stdout!.on("data", (d) => (stdout += d))
    child.stderr!.on("data", (d) => (stderr += d))
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

const run = (args: ReadonlyArray<string>, env?: Record<string, string>) => finish(start(args, env))
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split("\n").at(-1)!)
const state = () => Effect.runPromise(sim.state)
const quotes = (count: number) => Effect.runPromise(sim.createQuotes({ count, userId: account.userId }))
const requestCount = async () => (await state()).requests.length

describe("okx-rfq against the simulator (real process, real sockets)", () => {
  it("cancel-quote cancels and prints the decoded result as JSON", async () => {
    const [q] = await quotes(1)
    const result = await run(["cancel-quote", "--quote-id", q!.quoteId, "--json"])
    assert.strictEqual(result.code, 0, result.stderr)
    const json = lastJson(result.stdout)
    assert.strictEqual(json.items[0].quoteId, q!.quoteId)
    assert.strictEqual(json.items[0].outcome._tag, "Cancelled")
    assert.strictEqual((await state()).quotes.find((x) => x.quoteId === q!.quoteId)!.state, "canceled")
  })

  it("cancel-quote of an unknown quote exits 1 and prints its outcome", async () => {
    const result = await run(["cancel-quote", "--quote-id", "999999999", "--json"])
    assert.strictEqual(result.code, 1)
    assert.include(result.stdout, "NotFound")
  })

  it("cancel-batch-quotes keeps every item of a partial batch and exits 1", async () => {
    const qs = await quotes(2)
    const result = await run([
      "cancel-batch-quotes",
      "--quote-id",
      qs[0]!.quoteId,
      "--quote-id",
      "424242",
      "--quote-id",
      qs[1]!.quoteId,
      "--json"
    ])
    assert.strictEqual(result.code, 1)
    const json = lastJson(result.stdout)
    assert.strictEqual(json.code, "2")
    assert.deepStrictEqual(
      json.items.map((i: { outcome: { _tag: string } }) => i.outcome._tag),
      ["Cancelled", "NotFound", "Cancelled"]
    )
  })

  it("cancel-all-quotes, cancel-all-rfqs and cancel-all-after (arm, then 0 to disable) exit 0", async () => {
    await quotes(3)
    const all = await run(["cancel-all-quotes", "--json"])
    assert.strictEqual(all.code, 0, all.stderr)
    assert.strictEqual((await state()).quotes.filter((q) => q.state === "active").length, 0)
    const rfqs = await run(["cancel-all-rfqs"])
    assert.strictEqual(rfqs.code, 0, rfqs.stderr)
    const arm = await run(["cancel-all-after", "--timeout", "60", "--json"])
    assert.strictEqual(arm.code, 0, arm.stderr)
    assert.notStrictEqual((await state()).cancelAllAfter.triggerTime, "0")
    const disarm = await run(["cancel-all-after", "--timeout", "0"])
    assert.strictEqual(disarm.code, 0, disarm.stderr)
    assert.strictEqual((await state()).cancelAllAfter.triggerTime, "0")
  })

  it("invalid input exits 2, names the field, and sends nothing", async () => {
    const before = await requestCount()
    for (const args of [
      ["cancel-all-after", "--timeout", "5"],
      ["cancel-quote"],
      ["cancel-quote", "--cl-quote-id", "bad-id!"],
      ["cancel-quote", "--quote-id"],
      ["guard", "--timeout", "200"]
    ]) {
      const result = await run(args)
      assert.strictEqual(result.code, 2, `${args.join(" ")}: ${result.stderr}`)
    }
    const named = await run(["cancel-all-after", "--timeout", "5"])
    assert.include(named.stderr, "timeOut")
    assert.strictEqual(await requestCount(), before)
  })

  it("a wrong secret is refused (50113, exit 1) and no secret is printed", async () => {
    const result = await run(["cancel-all-quotes", "--json"], { OKX_SECRET_KEY: "wrong-secret" })
    assert.strictEqual(result.code, 1)
    assert.include(result.stdout + result.stderr, "50113")
    for (const secret of [...secrets, "wrong-secret"]) assert.notInclude(result.stdout + result.stderr, secret)
  })

  it("guard: SIGTERM cancels every quote, then disables the countdown, and exits 0", async () => {
    await quotes(3)
    const child = start(["guard", "--timeout", "10", "--interval", "2"])
    const done = finish(child)
    for (let i = 0; i < 100 && (await state()).cancelAllAfter.triggerTime === "0"; i++) {
      await new Promise((r) => setTimeout(r, 100))
    }
    const before = (await state()).requests.length
    child.kill("SIGTERM")
    const result = await done
    assert.strictEqual(result.code, 0, result.stderr)
    const after = await state()
    const calls = after.requests.slice(before).map((r) => r.path)
    const cancelAt = calls.indexOf("/api/v5/rfq/cancel-all-quotes")
    const disarmAt = calls.lastIndexOf("/api/v5/rfq/cancel-all-after")
    assert.isAtLeast(cancelAt, 0, calls.join(","))
    assert.isAbove(disarmAt, cancelAt)
    assert.strictEqual(after.quotes.filter((q) => q.state === "active").length, 0)
    assert.strictEqual(after.cancelAllAfter.triggerTime, "0")
  })

  it("guard: SIGKILL leaves the countdown armed and the venue cancels every quote when it lapses", async () => {
    await quotes(3)
    const child = start(["guard", "--timeout", "10", "--interval", "2"])
    const done = finish(child)
    for (let i = 0; i < 100 && (await state()).cancelAllAfter.triggerTime === "0"; i++) {
      await new Promise((r) => setTimeout(r, 100))
    }
    const trigger = Number((await state()).cancelAllAfter.triggerTime)
    child.kill("SIGKILL")
    await done
    assert.isAbove((await state()).quotes.filter((q) => q.state === "active").length, 0)
    // the countdown lapses within the timeout, then the venue cancels one by one at its pace
    let active = 1
    for (let i = 0; i < 150 && active > 0; i++) {
      await new Promise((r) => setTimeout(r, 100))
      active = (await state()).quotes.filter((q) => q.state === "active").length
    }
    assert.strictEqual(active, 0)
    assert.isAtMost(Effect.runSync(Effect.orDie(sim.now)) - trigger, 3000 + 20 * 3)
  })
}, 60_000)
