import { Effect } from "effect"
import { assert, describe, it } from "vitest"
import { finish, lastJson, useSimulator, waitFor } from "./utils/cliProcess.js"

const account = { apiKey: "guard-key", secretKey: "guard-secret", passphrase: "guard-pass", userId: "2004" }
const armPath = "/api/v5/rfq/cancel-all-after"

const { sim, start, state } = useSimulator({ accounts: [account], countdownPaceMs: 20 })
const requestsSince = async (before: number) => (await state()).requests.slice(before)
const armed = async () => (await state()).cancelAllAfter.triggerTime !== "0"

/** Starts `okx-rfq guard args` and waits for it to exit on its own (killed, and `undefined`, if it does not). */
const runToExit = async (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const child = start(args, env)
  const done = finish(child)
  if (await waitFor(() => child.exitCode !== null, 300)) return done
  child.kill("SIGKILL")
  await done
  return undefined
}

describe("okx-rfq guard: final errors and failed shutdowns (real process, real sockets)", () => {
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
}, 60_000)
