import type { OkxSimulator } from "@okx-rfq/simulator"
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import { closeSync, constants, createReadStream, mkdtempSync, openSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "vitest"
import { finish, inParallel, lastJson, pause, useSimulator, waitFor } from "./utils/cliProcess.js"

const account = { apiKey: "cli-key", secretKey: "cli-secret", passphrase: "cli-pass", userId: "2002" }
const demoAccount = {
  apiKey: "cli-demo-key",
  secretKey: "cli-demo-secret",
  passphrase: "cli-demo-pass",
  userId: "2003",
  demo: true
}
const demoEnv = {
  OKX_API_KEY: demoAccount.apiKey,
  OKX_SECRET_KEY: demoAccount.secretKey,
  OKX_PASSPHRASE: demoAccount.passphrase
}

const { run, sim, start, state } = useSimulator({ accounts: [account, demoAccount], countdownPaceMs: 20 })
const quotes = (count: number, userId = account.userId) => Effect.runPromise(sim().createQuotes({ count, userId }))
const rfqs = (specs: ReadonlyArray<OkxSimulator.RfqSpec>) => Effect.runPromise(sim().createRfqs({ rfqs: specs }))
const rfqState = async (rfqId: string) => (await state()).rfqs.find((r) => r.rfqId === rfqId)!.state
const armed = async () => (await state()).cancelAllAfter.triggerTime !== "0"

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

  it("cancel-rfq by --rfq-id and by --cl-rfq-id: the venue cancels the RFQ", async () => {
    const [byId, byClientId] = await rfqs([{}, { clRfqId: "CliRfq1" }])
    const [first, second] = await inParallel([
      () => run(["cancel-rfq", "--rfq-id", byId!.rfqId, "--json"]),
      () => run(["cancel-rfq", "--cl-rfq-id", "CliRfq1"])
    ])
    assert.strictEqual(first!.code, 0, first!.stderr)
    assert.deepStrictEqual(
      [lastJson(first!.stdout).items[0].rfqId, lastJson(first!.stdout).items[0].outcome._tag],
      [byId!.rfqId, "Cancelled"]
    )
    assert.strictEqual(second!.code, 0, second!.stderr)
    assert.strictEqual(second!.stdout.trim(), `${byClientId!.rfqId} (CliRfq1) cancelled`)
    assert.strictEqual(await rfqState(byId!.rfqId), "canceled")
    assert.strictEqual(await rfqState(byClientId!.rfqId), "canceled")
  })

  it("cancel-batch-rfqs: a partial batch exits 1 and prints every item's outcome; by client ids all cancelled", async () => {
    const [a, done, b, c, d] = await rfqs([
      {},
      { state: "canceled" },
      {},
      { clRfqId: "CliBatchC" },
      { clRfqId: "CliBatchD" }
    ])
    const [partial, byClientIds] = await inParallel([
      () =>
        run([
          "cancel-batch-rfqs",
          "--rfq-id",
          a!.rfqId,
          "--rfq-id",
          "31337",
          "--rfq-id",
          done!.rfqId,
          "--rfq-id",
          b!.rfqId,
          "--json"
        ]),
      () => run(["cancel-batch-rfqs", "--cl-rfq-id", "CliBatchC", "--cl-rfq-id", "CliBatchD"])
    ])
    assert.strictEqual(partial!.code, 1, partial!.stderr)
    const lines = partial!.stdout.trim().split("\n")
    assert.deepStrictEqual(
      lines.slice(0, 4).map((line) => line.replace(/ \(sCode (\d+)[^)]*\)$/, " $1")),
      [
        `${a!.rfqId} (${a!.clRfqId}) cancelled`,
        "31337 NotFound 70000",
        `${done!.rfqId} (${done!.clRfqId}) AlreadyInactive 70200`,
        `${b!.rfqId} (${b!.clRfqId}) cancelled`
      ]
    )
    const json = lastJson(partial!.stdout)
    assert.strictEqual(json.code, "2")
    assert.deepStrictEqual(
      json.items.map((i: { rfqId: string; outcome: { _tag: string } }) => [i.rfqId, i.outcome._tag]),
      [
        [a!.rfqId, "Cancelled"],
        ["31337", "NotFound"],
        [done!.rfqId, "AlreadyInactive"],
        [b!.rfqId, "Cancelled"]
      ]
    )
    assert.strictEqual(byClientIds!.code, 0, byClientIds!.stderr)
    assert.deepStrictEqual(byClientIds!.stdout.trim().split("\n"), [
      `${c!.rfqId} (CliBatchC) cancelled`,
      `${d!.rfqId} (CliBatchD) cancelled`
    ])
    for (const r of [a, b, c, d]) assert.strictEqual(await rfqState(r!.rfqId), "canceled")
  })

  it("cancel-all-quotes, cancel-all-rfqs and cancel-all-after (arm, then 0 to disable) exit 0", async () => {
    await quotes(3)
    await rfqs([{}, {}, {}])
    const [all, allRfqs] = await inParallel([
      () => run(["cancel-all-quotes", "--json"]),
      () => run(["cancel-all-rfqs"])
    ])
    assert.strictEqual(all!.code, 0, all!.stderr)
    assert.strictEqual(lastJson(all!.stdout)._tag, "AllCancelled")
    assert.strictEqual(allRfqs!.code, 0, allRfqs!.stderr)
    assert.strictEqual(allRfqs!.stdout.trim(), "every active one cancelled")
    const after = await state()
    assert.strictEqual(after.quotes.filter((q) => q.state === "active" && q.userId === account.userId).length, 0)
    assert.strictEqual(after.rfqs.filter((r) => r.state === "active").length, 0)
    const arm = await run(["cancel-all-after", "--timeout", "60", "--json"])
    assert.strictEqual(arm.code, 0, arm.stderr)
    assert.notStrictEqual((await state()).cancelAllAfter.triggerTime, "0")
    const disarm = await run(["cancel-all-after", "--timeout", "0"])
    assert.strictEqual(disarm.code, 0, disarm.stderr)
    assert.strictEqual((await state()).cancelAllAfter.triggerTime, "0")
  })

  it("options after the command name: cancel-all-quotes --demo --json with a demo key; without --demo, 50101", async () => {
    await quotes(2, demoAccount.userId)
    const [demo, live] = await inParallel([
      () => run(["cancel-all-quotes", "--demo", "--json"], demoEnv),
      () => run(["cancel-all-quotes", "--json"], demoEnv)
    ])
    assert.strictEqual(demo!.code, 0, demo!.stderr)
    assert.strictEqual(lastJson(demo!.stdout)._tag, "AllCancelled")
    const demoQuotes = (await state()).quotes.filter((q) => q.userId === demoAccount.userId)
    assert.deepStrictEqual(
      demoQuotes.map((q) => q.state),
      ["canceled", "canceled"]
    )
    assert.strictEqual(live!.code, 1)
    assert.strictEqual(lastJson(live!.stdout).error.code, "50101")
  })

  it("a call that failed after the venue may have acted says the outcome is unknown; a refusal does not", async () => {
    try {
      const [q] = await quotes(1)
      await Effect.runPromise(sim().setFaults({ endpoints: { "/api/v5/rfq/cancel-quote": { drop: 1 } } }))
      const dropped = await run(["cancel-quote", "--quote-id", q!.quoteId])
      assert.strictEqual(dropped.code, 1)
      assert.include(dropped.stderr, "may or may not be cancelled; run it again")
      // a gateway's 502 page after the venue acted: Unavailable, and its JSON says the venue may have acted
      await Effect.runPromise(sim().reset)
      const [g] = await quotes(1)
      await Effect.runPromise(sim().setFaults({ endpoints: { "/api/v5/rfq/cancel-quote": { gateway: 1 } } }))
      const gateway = await run(["cancel-quote", "--quote-id", g!.quoteId, "--json"])
      assert.strictEqual(gateway.code, 1)
      assert.include(gateway.stderr, "may or may not be cancelled; run it again")
      assert.deepStrictEqual(
        [lastJson(gateway.stdout).error._tag, lastJson(gateway.stdout).error.mayHaveActed],
        ["Unavailable", true]
      )
      // a countdown's call says what is unknown about the countdown, not about cancels
      await Effect.runPromise(sim().setFaults({ endpoints: { "/api/v5/rfq/cancel-all-after": { drop: 1 } } }))
      const countdown = await run(["cancel-all-after", "--timeout", "60"])
      assert.strictEqual(countdown.code, 1)
      assert.include(countdown.stderr, "the countdown may or may not be set as asked; run it again")
      assert.notInclude(countdown.stderr, "cancelled")
      // an item without its quoteId still answers the one id asked (an item's ids only inform)
      await Effect.runPromise(sim().reset)
      const [r] = await quotes(1)
      await Effect.runPromise(sim().setFaults({ endpoints: { "/api/v5/rfq/cancel-quote": { drift: "missing" } } }))
      const anonymous = await run(["cancel-quote", "--quote-id", r!.quoteId])
      assert.strictEqual(anonymous.code, 0, anonymous.stderr)
      assert.include(anonymous.stdout, r!.quoteId)
      // an answer without cancel-all-quotes' ts: the venue took the request, and what it did cannot be read
      await Effect.runPromise(sim().reset)
      await quotes(1)
      await Effect.runPromise(sim().setFaults({ endpoints: { "/api/v5/rfq/cancel-all-quotes": { drift: "missing" } } }))
      const unreadable = await run(["cancel-all-quotes"])
      assert.strictEqual(unreadable.code, 1)
      assert.include(unreadable.stderr, "DecodeError")
      assert.include(unreadable.stderr, "may or may not be cancelled; run it again")
      await Effect.runPromise(sim().reset)
      const refused = await run(["cancel-quote", "--quote-id", q!.quoteId], { OKX_PASSPHRASE: "wrong-passphrase" })
      assert.strictEqual(refused.code, 1)
      assert.notInclude(refused.stderr, "may or may not be cancelled")
    } finally {
      await Effect.runPromise(sim().reset)
    }
  })

  it("a signal during a one-shot call exits 1 and says the outcome is unknown (never 0 in silence)", async () => {
    try {
      for (const signal of ["SIGTERM", "SIGINT"] as const) {
        // a clean request log, and a venue that takes 20 s to answer cancel-all-quotes
        await Effect.runPromise(sim().reset)
        await Effect.runPromise(
          sim().setFaults({ endpoints: { "/api/v5/rfq/cancel-all-quotes": { latencyMs: 20_000 } } })
        )
        const child = start(["cancel-all-quotes", "--json"])
        const done = finish(child)
        // the server time is synced first (not delayed); the cancel is then on its way
        const synced = async () => (await state()).requests.filter((r) => r.path === "/api/v5/public/time").length >= 3
        assert.isTrue(await waitFor(synced))
        await pause(300)
        child.kill(signal)
        const result = await done
        assert.strictEqual(result.code, 1, `${signal}: ${result.stderr}`)
        assert.include(result.stderr, "outcome is unknown")
        assert.strictEqual(lastJson(result.stdout).error._tag, "Interrupted")
      }
    } finally {
      await Effect.runPromise(sim().reset)
    }
  })

  it("a signal during a batch of more than 100 ids prints the items already answered and the ids not answered", async () => {
    const ids = (await quotes(250)).map((q) => q.quoteId)
    const child = start(["cancel-batch-quotes", ...ids.flatMap((id) => ["--quote-id", id]), "--json"])
    const done = finish(child)
    // cancel-batch-quotes allows 2 requests per 2 s: once two are answered, the third waits in the lane
    const cancelled = async () => (await state()).quotes.filter((q) => ids.includes(q.quoteId) && q.state !== "active")
    assert.isTrue(await waitFor(async () => (await cancelled()).length === 200))
    child.kill("SIGINT")
    const result = await done
    assert.strictEqual(result.code, 1, result.stderr)
    assert.include(result.stderr, "200 items answered, 50 ids not answered")
    const lines = result.stdout.trim().split("\n")
    assert.deepStrictEqual(
      lines.filter((line) => line.endsWith(" cancelled")).map((line) => line.split(" ")[0]),
      ids.slice(0, 200)
    )
    assert.deepStrictEqual(
      lines.filter((line) => line.endsWith(" not answered (interrupted: outcome unknown)")),
      ids.slice(200).map((id) => `${id} not answered (interrupted: outcome unknown)`)
    )
    const { error } = lastJson(result.stdout)
    assert.strictEqual(error._tag, "Interrupted")
    assert.strictEqual(error.completed.items.length, 200)
    assert.deepStrictEqual(error.remaining, ids.slice(200))
    assert.strictEqual((await cancelled()).length, 200)
  })

  it("a signal after the result, while stdout still drains, neither kills the process nor cuts its output", async () => {
    const ids = (await quotes(600)).map((q) => q.quoteId)
    // stdout is a FIFO the test does not read until after the signal: once its 64 KiB are full, the rest of the
    // output waits in the process, which has its result and is ending
    const dir = mkdtempSync(join(tmpdir(), "okx-rfq-"))
    const fifo = join(dir, "stdout")
    execFileSync("mkfifo", [fifo])
    // opening either end alone blocks: a non-blocking read end first, then the write end, then a blocking read end
    const opening = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK)
    const writer = openSync(fifo, constants.O_WRONLY)
    const reader = openSync(fifo, constants.O_RDONLY)
    closeSync(opening)
    const child = start(["cancel-batch-quotes", ...ids.flatMap((id) => ["--quote-id", id]), "--json"], {}, writer)
    closeSync(writer)
    let stderr = ""
    child.stderr!.on("data", (d) => (stderr += d))
    const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on("exit", (code, signal) => resolve([code, signal]))
    )
    const active = async () => (await state()).quotes.filter((q) => ids.includes(q.quoteId) && q.state === "active")
    assert.isTrue(await waitFor(async () => (await active()).length === 0))
    await pause(1000) // the answers are in: the program has printed them and is ending
    child.kill("SIGINT")
    const stdout = await new Promise<string>((resolve) => {
      let text = ""
      createReadStream("", { fd: reader })
        .on("data", (d) => (text += d))
        .on("end", () => resolve(text))
    })
    const [code, signal] = await closed
    rmSync(dir, { recursive: true })
    assert.isNull(signal, "killed by the signal")
    assert.strictEqual(code, 0, stderr)
    assert.isAbove(stdout.length, 64 * 1024)
    assert.strictEqual(lastJson(stdout).items.length, 600)
    assert.notInclude(stderr, "interrupted")
  })

  it("guard: SIGTERM cancels every quote, then disables the countdown, and exits 0", async () => {
    await quotes(3)
    const child = start(["guard", "--timeout", "10", "--interval", "2"])
    const done = finish(child)
    assert.isTrue(await waitFor(armed))
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
    assert.isTrue(await waitFor(armed))
    const trigger = Number((await state()).cancelAllAfter.triggerTime)
    child.kill("SIGKILL")
    await done
    assert.isAbove((await state()).quotes.filter((q) => q.state === "active").length, 0)
    // the countdown lapses within the timeout, then the venue cancels one by one at its pace
    const active = async () => (await state()).quotes.filter((q) => q.state === "active").length
    assert.isTrue(await waitFor(async () => (await active()) === 0, 150))
    assert.isAtMost(Effect.runSync(Effect.orDie(sim().now)) - trigger, 3000 + 20 * 3)
  })
}, 60_000)
