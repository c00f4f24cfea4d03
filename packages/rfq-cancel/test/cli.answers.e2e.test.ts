import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { finish, inParallel, lastJson, pause, runCli, startCli } from "./utils/cliProcess.js"

/**
 * A venue that answers cancel-all-after as the simulator never does, by the `timeOut` asked: 30 → `triggerTime "0"`
 * (not armed), 20 → a `triggerTime` a second before its own `ts` (lapsed at once), 0 → still armed, 50 → armed for
 * 120 s, 10 → armed for 11 s (a second's rounding), 40 → armed as asked. A batch of quote cancels gets code "0" with an item for its first id only, or 50113 (HTTP 401) when its
 * first id is `q100`. A cancel-quote gets an item for `q2` (cancelled), whatever it asked, unless it asked `esc`:
 * that one is refused with terminal escape sequences in its `sMsg`, and `ESC` in the batch's `q200` refuses the key
 * the same way. A cancel-quote of `lost` is dropped the first time (as if the answer were lost after the venue
 * acted), then refused 70400. After an arm of 45 s, every disarm is dropped (its answer lost after the venue may
 * have acted). It answers the server time too, and checks no signature.
 */
let lastArm: string | undefined
let lostSeen = 0
const escapes = "\u001b[1A\u001b[2K\resc cancelled\u001b]0;owned\u0007\u009b2J)\nesc cancelled"
const answers: Record<string, (now: number) => string> = {
  "30": () => "0",
  "20": (now) => String(now - 1000),
  "0": (now) => String(now + 60_000),
  "50": (now) => String(now + 120_000),
  "10": (now) => String(now + 11_000),
  "40": (now) => String(now + 40_000),
  "45": (now) => String(now + 45_000)
}

const received: Array<string> = []
const venue = createServer((request, response) => {
  let body = ""
  request.on("data", (chunk) => (body += chunk))
  request.on("end", () => {
    const now = Date.now()
    const timeOut = request.url === "/api/v5/rfq/cancel-all-after" ? String(JSON.parse(body).timeOut) : undefined
    if (timeOut !== undefined) received.push(timeOut)
    if (timeOut === "0" && lastArm === "45") {
      request.socket.destroy()
      return
    }
    if (timeOut !== undefined && timeOut !== "0") lastArm = timeOut
    const data =
      request.url === "/api/v5/public/time"
        ? [{ ts: String(now) }]
        : request.url === "/api/v5/rfq/cancel-batch-quotes"
          ? [{ quoteId: JSON.parse(body).quoteIds[0], clQuoteId: "", sCode: "0", sMsg: "" }]
          : request.url === "/api/v5/rfq/cancel-quote"
            ? JSON.parse(body).quoteId === "esc" || JSON.parse(body).quoteId === "lost"
              ? [{ quoteId: JSON.parse(body).quoteId, clQuoteId: "", sCode: "70400", sMsg: escapes }]
              : [{ quoteId: "q2", clQuoteId: "cq2", sCode: "0", sMsg: "" }]
            : timeOut !== undefined && answers[timeOut] !== undefined
              ? [{ triggerTime: answers[timeOut](now), ts: String(now) }]
              : undefined
    if (request.url === "/api/v5/rfq/cancel-quote" && JSON.parse(body).quoteId === "lost" && lostSeen++ === 0) {
      request.socket.destroy()
      return
    }
    if (request.url === "/api/v5/rfq/cancel-batch-quotes" && JSON.parse(body).quoteIds[0] === "q200") {
      response.writeHead(401, { "content-type": "application/json" })
      response.end(JSON.stringify({ code: "50113", msg: escapes, data: [] }))
      return
    }
    if (request.url === "/api/v5/rfq/cancel-batch-quotes" && JSON.parse(body).quoteIds[0] === "q100") {
      response.writeHead(401, { "content-type": "application/json" })
      response.end(JSON.stringify({ code: "50113", msg: "Invalid Sign", data: [] }))
      return
    }
    response.writeHead(data === undefined ? 404 : 200, { "content-type": "application/json" })
    response.end(data === undefined ? "not found" : JSON.stringify({ code: "0", msg: "", data }))
  })
})

let env: Record<string, string> = {}

/** `guard --timeout <timeout> --on-exit disarm-only` against the venue, stopped with SIGTERM once it is armed. */
const guardUntilSigterm = async (timeout: string) => {
  const child = startCli(["guard", "--timeout", timeout, "--on-exit", "disarm-only"], env)
  let stdout = ""
  child.stdout!.on("data", (d) => (stdout += d))
  const done = finish(child)
  for (let i = 0; i < 100 && !stdout.includes("armed ·"); i++) await pause(100)
  child.kill("SIGTERM")
  return done
}
beforeAll(async () => {
  await new Promise<void>((resolve) => venue.listen(0, "127.0.0.1", resolve))
  env = {
    OKX_API_KEY: "k",
    OKX_SECRET_KEY: "s",
    OKX_PASSPHRASE: "p",
    OKX_BASE_URL: `http://127.0.0.1:${(venue.address() as AddressInfo).port}`
  }
})
afterAll(async () => {
  venue.closeAllConnections()
  await new Promise((resolve) => venue.close(resolve))
})

describe("okx-rfq checks the venue's answer (real process, a local venue)", () => {
  it("exits 1 naming what was asked and what the venue answered when the countdown is not as asked", async () => {
    const [notArmed, lapsed, stillArmed, longer, rounded, armed] = await inParallel([
      () => runCli(["cancel-all-after", "--timeout", "30", "--json"], env),
      () => runCli(["cancel-all-after", "--timeout", "20"], env),
      () => runCli(["cancel-all-after", "--timeout", "0"], env),
      () => runCli(["cancel-all-after", "--timeout", "50"], env),
      () => runCli(["cancel-all-after", "--timeout", "10"], env),
      () => runCli(["cancel-all-after", "--timeout", "40"], env)
    ])
    assert.sameMembers(received, ["30", "20", "0", "50", "10", "40"])

    assert.strictEqual(notArmed!.code, 1, notArmed!.stdout)
    assert.include(
      notArmed!.stderr,
      'error: cancel-all-after --timeout 30 did not arm the countdown: the venue answered triggerTime "0" (disabled'
    )
    assert.notInclude(notArmed!.stdout, "cancel-all-after disabled")
    assert.strictEqual(lastJson(notArmed!.stdout).triggerTime._tag, "Disabled")

    assert.strictEqual(lapsed!.code, 1, lapsed!.stdout)
    assert.match(
      lapsed!.stderr,
      /error: cancel-all-after --timeout 20 did not arm the countdown: the venue answered triggerTime \S+, not after its own ts \S+/
    )
    assert.strictEqual(lapsed!.stdout, "")

    assert.strictEqual(stillArmed!.code, 1, stillArmed!.stdout)
    assert.match(
      stillArmed!.stderr,
      /error: cancel-all-after --timeout 0 did not disable the countdown: the venue answered triggerTime \S+ \(ts \S+\), not "0"/
    )

    assert.strictEqual(longer!.code, 1, longer!.stdout)
    assert.match(
      longer!.stderr,
      /error: cancel-all-after --timeout 50 armed a longer countdown: the venue answered triggerTime \S+, 120 s after its own ts \S+/
    )

    assert.strictEqual(rounded!.code, 0, rounded!.stderr)
    assert.strictEqual(armed!.code, 0, armed!.stderr)
    assert.match(armed!.stdout, /^cancel-all-after armed: triggers at \S+\n$/)
  })

  it("guard: a disarm left unanswered says the countdown may be disabled, or when it lapses; no re-arm is blamed", async () => {
    const result = await guardUntilSigterm("45")
    assert.strictEqual(result.code, 1, result.stderr)
    assert.include(result.stderr, "the disarm may have reached the venue: the countdown may be disabled")
    assert.include(result.stderr, "the countdown may be disabled, or still armed: then it lapses at")
    assert.notInclude(result.stderr, "a re-arm left unanswered")
  })

  it("guard: a disarm answered with a countdown still armed is reported by the venue's answer, not the last ack", async () => {
    const result = await guardUntilSigterm("40")
    assert.strictEqual(result.code, 1, result.stderr)
    assert.include(result.stderr, "the venue answered the disarm with a countdown still armed")
    assert.notInclude(result.stderr, "by the last acknowledgement")
  })

  it("an item for an id not asked is marked so, never taken for the asked one (exit 1: that one is unanswered)", async () => {
    const result = await runCli(["cancel-quote", "--quote-id", "q1"], env)
    assert.strictEqual(result.code, 1, result.stderr)
    assert.include(
      result.stdout,
      "q2 (cq2) cancelled [not sent by this command: the venue answered for an id it was not asked]\n"
    )
    assert.include(result.stdout, "q1 Unanswered (the venue's answer has no item for this id)\n")
  })

  it("a batch answered with code 0 but fewer items than ids: every id is printed, the unanswered ones fail (exit 1)", async () => {
    const result = await runCli(
      ["cancel-batch-quotes", "--quote-id", "11", "--quote-id", "12", "--quote-id", "13", "--json"],
      env
    )
    assert.strictEqual(result.code, 1, result.stderr)
    assert.include(result.stdout, "11 cancelled\n")
    assert.include(result.stdout, "12 Unanswered (the venue's answer has no item for this id)\n")
    assert.include(result.stdout, "13 Unanswered (the venue's answer has no item for this id)\n")
    const json = lastJson(result.stdout)
    assert.deepStrictEqual(
      [
        json.code,
        json.items.map((item: { quoteId: string; outcome: { _tag: string } }) => [item.quoteId, item.outcome._tag])
      ],
      [
        "2",
        [
          ["11", "Cancelled"],
          ["12", "Unanswered"],
          ["13", "Unanswered"]
        ]
      ]
    )
  })

  it("a split batch whose second request fails: the first one's ids all printed (answered or not), the rest not answered", async () => {
    const ids = Array.from({ length: 150 }, (_, i) => `q${i}`)
    const result = await runCli(["cancel-batch-quotes", ...ids.flatMap((id) => ["--quote-id", id])], env)
    assert.strictEqual(result.code, 1, result.stderr)
    assert.include(result.stderr, "100 items answered, 50 not answered")
    const lines = result.stdout.trim().split("\n")
    assert.strictEqual(lines[0], "q0 cancelled")
    assert.strictEqual(
      lines.filter((line) => line.endsWith("Unanswered (the venue's answer has no item for this id)")).length,
      99
    )
    assert.deepStrictEqual(
      lines
        .filter((line) => line.endsWith(" not answered (its request failed or was not sent)"))
        .map((line) => line.split(" ")[0]),
      ids.slice(100)
    )
  })

  it("the venue's text is printed terminal-safe: its control characters are shown escaped, --json reads the same", async () => {
    const [item, refused] = await inParallel([
      () => runCli(["cancel-quote", "--quote-id", "esc", "--json"], env),
      () => runCli(["cancel-batch-quotes", "--quote-id", "q200", "--log-level", "debug"], env)
    ])
    assert.strictEqual(item!.code, 1, item!.stderr)
    assert.strictEqual(refused!.code, 1, refused!.stderr)
    for (const output of [item!.stdout, item!.stderr, refused!.stdout, refused!.stderr]) {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
      assert.notMatch(output, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/, output)
    }
    // one line for the item: the line break in its sMsg forges no "esc cancelled" line of its own
    const lines = item!.stdout.trim().split("\n")
    assert.strictEqual(lines.length, 2, item!.stdout)
    const [line, json] = lines
    assert.strictEqual(
      line,
      "esc AlreadyInactive (sCode 70400: \\u001b[1A\\u001b[2K\\u000desc cancelled\\u001b]0;owned\\u0007\\u009b2J)\\u000aesc cancelled)"
    )
    assert.strictEqual(JSON.parse(json!).items[0].outcome.sMsg, escapes)
    assert.include(refused!.stderr, "\\u001b[1A\\u001b[2K\\u000desc cancelled")
  })

  it("an item found inactive after an attempt whose answer was lost says it may be this command's cancel", async () => {
    const result = await runCli(["cancel-quote", "--quote-id", "lost", "--json"], env)
    // still exit 1: AlreadyInactive may as well be a fill
    assert.strictEqual(result.code, 1, result.stderr)
    const [line, json] = result.stdout.trim().split("\n")
    assert.match(
      line!,
      /^lost AlreadyInactive \(sCode 70400: .*\) \[an earlier attempt of this command, whose answer was lost, may have cancelled it\]$/
    )
    assert.strictEqual(JSON.parse(json!).earlierAttemptMayHaveActed, true)
    assert.strictEqual(lostSeen, 2)
  })
}, 60_000)
