import type { ChildProcess } from "node:child_process"
import { Effect } from "effect"
import { assert, describe, it } from "vitest"
import { finish, inParallel, lastJson, useSimulator, waitFor } from "./utils/cliProcess.js"

const account = { apiKey: "guard-key", secretKey: "guard-secret", passphrase: "guard-pass", userId: "2004" }
const armPath = "/api/v5/rfq/cancel-all-after"

const { run, sim, start, state } = useSimulator({ accounts: [account], countdownPaceMs: 20 })
const requestsSince = async (before: number) => (await state()).requests.slice(before)
const armed = async () => (await state()).cancelAllAfter.triggerTime !== "0"

/** Waits for a text to appear in what a child prints on `stream` (false after `attempts` polls, about 10 s). */
const watch = (child: ChildProcess, stream: "stdout" | "stderr") => {
  let text = ""
  child[stream]!.on("data", (chunk) => (text += chunk))
  return (needle: string, attempts?: number) => waitFor(() => text.includes(needle), attempts)
}

/** Makes every cancel-all-quotes reach the venue `ms` late (the simulator's latency fault), or none with 0. */
const slowCancelAllQuotes = (ms: number) =>
  Effect.runPromise(
    sim().setFaults(ms === 0 ? {} : { endpoints: { "/api/v5/rfq/cancel-all-quotes": { latencyMs: ms } } })
  )

/** Starts `okx-rfq guard args` and waits for it to exit on its own (killed, and `undefined`, if it does not). */
const runToExit = async (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const child = start(args, env)
  const done = finish(child)
  if (await waitFor(() => child.exitCode !== null, 300)) return done
  child.kill("SIGKILL")
  await done
  return undefined
}

describe("okx-rfq guard: intervals, final errors, shutdowns and signals (real process, real sockets)", () => {
  it("a wrong secret: the first arm is refused, guard exits 1 naming the error, nothing armed, no retry", async () => {
    const before = (await state()).requests.length
    const result = await runToExit(["guard", "--timeout", "10", "--interval", "2", "--json"], {
      OKX_SECRET_KEY: "not-the-secret"
    })
    assert.isDefined(result, "guard kept running after the venue refused the key")
    assert.strictEqual(result!.code, 1, result!.stderr)
    assert.include(result!.stderr, "error: AuthenticationFailed on cancel-all-after code=50113")
    assert.strictEqual(lastJson(result!.stdout).error._tag, "AuthenticationFailed")
    const arms = (await requestsSince(before)).filter((r) => r.path === armPath)
    assert.deepStrictEqual(
      arms.map((r) => r.code),
      ["50113"]
    )
    assert.isFalse(await armed())
  })

  it("SIGTERM with a failing shutdown exits 1 with the reason; the countdown stays armed", async () => {
    const child = start(["guard", "--timeout", "10", "--interval", "2"])
    const done = finish(child)
    try {
      assert.isTrue(await waitFor(armed))
      await Effect.runPromise(
        sim().setFaults({
          endpoints: { "/api/v5/rfq/cancel-all-quotes": { error: { code: "50113", httpStatus: 401 } } }
        })
      )
      const before = (await state()).requests.length
      child.kill("SIGTERM")
      const result = await done
      assert.strictEqual(result.code, 1, result.stderr)
      assert.include(result.stderr, "error: shutdown: cancel-all-quotes failed; leaving the countdown armed")
      assert.include(result.stderr, "code=50113")
      assert.match(result.stderr, /error: the countdown is still armed: it lapses at \S+ \(in \d+\.\d s/)
      assert.include(
        (await requestsSince(before)).map((r) => r.path),
        "/api/v5/rfq/cancel-all-quotes"
      )
      // not disarmed after the failed cancel: the venue stays the last line of defence
      assert.isTrue(await armed())
    } finally {
      child.kill("SIGKILL")
      await Effect.runPromise(sim().setFaults({}))
    }
  })

  it("--interval takes decimal seconds: 1.5 re-arms every 1.5 s; a bad value exits 2 naming it, nothing sent", async () => {
    const before = (await state()).requests.length
    const values = ["1.2345", "1e3", "0", "1.499"]
    const bad = await inParallel(
      values.map((interval) => () => run(["guard", "--timeout", "10", "--interval", interval, "--json"]))
    )
    for (const [i, interval] of values.slice(0, 2).entries()) {
      assert.strictEqual(bad[i]!.code, 2, bad[i]!.stderr)
      assert.include(
        bad[i]!.stderr,
        `--interval must be a number of seconds with at most 3 decimals (such as 2 or 1.5), got "${interval}"`
      )
    }
    for (const [i, interval] of values.entries()) {
      if (i < 2) continue
      assert.strictEqual(bad[i]!.code, 2, bad[i]!.stderr)
      assert.include(bad[i]!.stderr, "error: --interval: must be at least 1s 500ms")
      assert.include(bad[i]!.stderr, `got ${interval === "0" ? "0" : "1s 499ms"}`)
    }
    assert.lengthOf(await requestsSince(before), 0)

    const child = start(["guard", "--timeout", "10", "--interval", "1.5"])
    const stdout = watch(child, "stdout")
    const done = finish(child)
    try {
      assert.isTrue(await stdout("re-arm every 1s 500ms"))
      const arms = async () => (await requestsSince(before)).filter((r) => r.path === armPath)
      assert.isTrue(await waitFor(async () => (await arms()).length >= 3))
      child.kill("SIGTERM")
      const result = await done
      assert.strictEqual(result.code, 0, result.stderr)
      const at = (await arms()).map((r) => r.at)
      // the first three: the two re-arms after the first land on the 1.5 s grid (the last one is the disarm)
      assert.approximately(at[1]! - at[0]!, 1500, 150)
      assert.approximately(at[2]! - at[1]!, 1500, 150)
    } finally {
      child.kill("SIGKILL")
    }
  })

  it("after the countdown expired, a failed disarm says it lapsed, not that it stays armed", async () => {
    const child = start(["guard", "--timeout", "10", "--interval", "2"])
    const stdout = watch(child, "stdout")
    const done = finish(child)
    try {
      assert.isTrue(await stdout("armed · triggers in"))
      await Effect.runPromise(
        sim().setFaults({ endpoints: { [armPath]: { error: { code: "50001", httpStatus: 503 } } } })
      )
      assert.isTrue(await stdout("EXPIRED at", 150))
      child.kill("SIGTERM")
      const result = await done
      assert.strictEqual(result.code, 1, result.stderr)
      assert.include(
        result.stderr,
        "error: shutdown: disabling the countdown failed; it stays armed unless it already lapsed"
      )
      assert.match(result.stderr, /error: the countdown lapsed at \S+: the venue may be cancelling every quote/)
    } finally {
      child.kill("SIGKILL")
      await Effect.runPromise(sim().setFaults({}))
    }
  })

  it("a second SIGINT during a slow shutdown is answered on stderr and does not stop it: cancelled, disarmed, exit 0", async () => {
    await Effect.runPromise(sim().createQuotes({ count: 2, userId: account.userId }))
    const child = start(["guard", "--timeout", "10", "--interval", "2", "--json"])
    const [stdout, stderr] = [watch(child, "stdout"), watch(child, "stderr")]
    const done = finish(child)
    try {
      assert.isTrue(await stdout("armed · triggers in"))
      await slowCancelAllQuotes(2500)
      child.kill("SIGINT")
      assert.isTrue(await stdout("shutting down: cancel-all-quotes, then disable the countdown"))
      child.kill("SIGINT")
      assert.isTrue(await stderr("shutdown in progress: cancel-all-quotes, then disable the countdown;"))
      const result = await done
      assert.strictEqual(result.code, 0, result.stderr)
      assert.include(result.stdout, "shutdown complete: every quote cancelled, then the countdown disabled")
      // the switch's log lines go to stderr, stdout keeps the status lines and the JSON last
      assert.match(result.stderr, /INFO \(#\d+\): shutdown: every quote cancelled \(AllCancelled\)/)
      assert.notMatch(result.stdout, /INFO|WARN|ERROR/)
      assert.deepStrictEqual(lastJson(result.stdout), {
        shutdown: "completed",
        policy: "cancel-then-disarm",
        status: { _tag: "Disarmed" }
      })
      const after = await state()
      assert.strictEqual(after.quotes.filter((q) => q.state === "active" && q.userId === account.userId).length, 0)
      assert.isFalse(await armed())
    } finally {
      child.kill("SIGKILL")
      await slowCancelAllQuotes(0)
    }
  })

  it("a third SIGTERM abandons the shutdown: exit 3, stderr says what was left undone, the countdown still armed", async () => {
    const child = start(["guard", "--timeout", "10", "--interval", "2", "--json"])
    const [stdout, stderr] = [watch(child, "stdout"), watch(child, "stderr")]
    const done = finish(child)
    try {
      assert.isTrue(await stdout("armed · triggers in"))
      await slowCancelAllQuotes(8000)
      child.kill("SIGTERM")
      assert.isTrue(await stdout("shutting down:"))
      child.kill("SIGTERM")
      assert.isTrue(await stderr("shutdown in progress:"))
      child.kill("SIGTERM")
      const result = await done
      assert.strictEqual(result.code, 3, result.stderr)
      assert.match(
        result.stderr,
        /shutdown abandoned: cancel-all-quotes did not complete: quotes may still be live; the countdown is still armed: it lapses at \S+ \(in \d+\.\d s, by the last acknowledgement\) and the venue then cancels every quote/
      )
      assert.strictEqual(lastJson(result.stdout).error._tag, "ShutdownAbandoned")
      assert.isTrue(await armed())
    } finally {
      child.kill("SIGKILL")
      await slowCancelAllQuotes(0)
    }
  })
}, 60_000)
