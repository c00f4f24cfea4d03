import { assert, describe, it } from "@effect/vitest"
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { hmac } from "./utils/okx.js"

const packageDir = fileURLToPath(new URL("..", import.meta.url))

const startProgram = async (args: ReadonlyArray<string>) => {
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "src/bin/okx-rfq-sim.ts", ...args], {
    cwd: packageDir,
    stdio: ["ignore", "pipe", "pipe"]
  })
  const lines = createInterface({ input: child.stdout! })
  const [first] = (await once(lines, "line")) as [string]
  return { child, first }
}

const exitOf = async (child: ChildProcess) => {
  if (child.exitCode !== null) return { code: child.exitCode, signal: child.signalCode }
  const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null]
  return { code, signal }
}

const args = ["--port", "0", "--api-key", "k", "--secret-key", "s", "--passphrase", "p", "--seed-quotes", "3"]

describe("the okx-rfq-sim program", () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`prints the listening line, answers /api/v5/public/time, and stops with exit 0 on ${signal}`, async () => {
      const { child, first } = await startProgram(args)
      try {
        const match = /^listening on http:\/\/127\.0\.0\.1:(\d+)$/.exec(first)
        assert.isNotNull(match, first)
        const port = Number(match![1])
        assert.isAbove(port, 0)
        const time = (await (await fetch(`http://127.0.0.1:${port}/api/v5/public/time`)).json()) as {
          code: string
          data: Array<{ ts: string }>
        }
        assert.strictEqual(time.code, "0")
        assert.isBelow(Math.abs(Number(time.data[0]!.ts) - Date.now()), 5000)
        const state = (await (await fetch(`http://127.0.0.1:${port}/sim/state`)).json()) as { quotes: Array<unknown> }
        assert.strictEqual(state.quotes.length, 3)
        child.kill(signal)
        assert.deepStrictEqual(await exitOf(child), { code: 0, signal: null })
      } finally {
        if (child.exitCode === null) child.kill("SIGKILL")
      }
    })
  }

  it("--demo makes the account a demo key", async () => {
    const { child, first } = await startProgram([...args, "--demo", "--user-id", "42"])
    try {
      const url = first.replace("listening on ", "")
      const state = (await (await fetch(`${url}/sim/state`)).json()) as {
        quotes: Array<{ userId: string }>
        cancelAllAfterByUser: Record<string, unknown>
      }
      assert.deepStrictEqual(Object.keys(state.cancelAllAfterByUser), ["42"])
      assert.strictEqual(state.quotes[0]!.userId, "42")
      // a live request (no x-simulated-trading), signed right: the demo key refuses it
      const timestamp = new Date().toISOString()
      const live = (await (
        await fetch(`${url}/api/v5/rfq/quotes`, {
          headers: {
            "OK-ACCESS-KEY": "k",
            "OK-ACCESS-PASSPHRASE": "p",
            "OK-ACCESS-SIGN": hmac("s", `${timestamp}GET/api/v5/rfq/quotes`),
            "OK-ACCESS-TIMESTAMP": timestamp
          }
        })
      ).json()) as { code: string }
      assert.strictEqual(live.code, "50101")
    } finally {
      child.kill("SIGTERM")
      await exitOf(child)
    }
  })
})
