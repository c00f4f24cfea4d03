import { readFileSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { OkxError, RfqCancel } from "@okx-rfq/schema"

const docs = readFileSync(new URL("../../../docs/errors.md", import.meta.url), "utf8")

describe("code table", () => {
  it("docs/errors.md lists every code with its error and retry rule", () => {
    const rows = new Map(
      docs
        .split("\n")
        .filter((line) => line.startsWith("| `"))
        .map((line) => {
          const cells = line.split("|").map((cell) => cell.trim())
          return [cells[1].replaceAll("`", ""), { tag: cells[2], retry: cells[3].replaceAll("`", "") }] as const
        })
    )
    for (const row of OkxError.codeTable) {
      const documented = rows.get(row.code)
      assert.isDefined(documented, `code ${row.code} missing from docs/errors.md`)
      assert.include(documented?.tag ?? "", row.tag === "Batch" ? "ItemsResult" : row.tag, row.code)
      assert.strictEqual(documented?.retry, row.retry, row.code)
    }
    assert.strictEqual(rows.size, OkxError.codeTable.length)
  })

  it("codes are unique and item codes agree with itemOutcome", () => {
    const codes = OkxError.codeTable.map((row) => row.code)
    assert.strictEqual(new Set(codes).size, codes.length)
    for (const row of OkxError.codeTable) {
      if (row.tag === "NotFound" || row.tag === "AlreadyInactive" || row.tag === "Rejected") {
        assert.strictEqual(RfqCancel.itemOutcome(row.code, "")._tag, row.tag, row.code)
      }
    }
    assert.strictEqual(RfqCancel.itemOutcome("0", "")._tag, "Cancelled")
  })

  it("retryRuleForCode", () => {
    assert.strictEqual(OkxError.retryRuleForCode("50011"), "backoff")
    assert.strictEqual(OkxError.retryRuleForCode("50102"), "resync-then-retry-once")
    assert.strictEqual(OkxError.retryRuleForCode("50113"), "never")
    assert.strictEqual(OkxError.retryRuleForCode("12345"), "never")
  })
})

describe("errors", () => {
  const base = { endpoint: "cancel-quote", msg: "m", httpStatus: 200 }

  it("fromCode builds tagged errors with fully qualified identifiers", () => {
    const cases = [
      ["50011", "RateLimited", "backoff"],
      ["50013", "Unavailable", "backoff"],
      ["50004", "OutcomeUnknown", "backoff"],
      ["50102", "TimestampExpired", "resync-then-retry-once"],
      ["50105", "AuthenticationFailed", "never"],
      ["50110", "PermissionDenied", "never"],
      ["50014", "InvalidRequest", "never"],
      ["70409", "NothingToCancel", "never"],
      ["70001", "UnknownCode", "never"],
      ["1", "UnknownCode", "never"]
    ] as const
    for (const [code, tag, retry] of cases) {
      const error = OkxError.fromCode({ ...base, code })
      assert.strictEqual(error._tag, tag, code)
      assert.strictEqual(error.retry, retry, code)
      assert.strictEqual(error.code, code)
      assert.isTrue(OkxError.isOkxError(error))
      assert.strictEqual(OkxError.isRetriable(error), retry !== "never")
      assert.strictEqual(
        error.message,
        `${tag} on cancel-quote code=${code} http=200: m${error._tag === "TimestampExpired" ? " (re-sync server time and re-sign)" : error._tag === "AuthenticationFailed" ? ` (${error.hint})` : ""}`
      )
    }
  })

  it("errors carry fully qualified identifiers", () => {
    const error = OkxError.fromCode({ ...base, code: "50011" })
    assert.strictEqual(OkxError.RateLimited.identifier, "@okx-rfq/schema/RateLimited")
    assert.strictEqual(OkxError.DecodeError.identifier, "@okx-rfq/schema/DecodeError")
    assert.instanceOf(error, OkxError.RateLimited)
  })

  it("authentication hints", () => {
    const swapped = OkxError.fromCode({ ...base, code: "50113" })
    if (swapped._tag !== "AuthenticationFailed") return assert.fail(swapped._tag)
    assert.include(swapped.hint, "swapped")
    const env = OkxError.fromCode({ ...base, code: "50101" })
    assert.include(env.message, "x-simulated-trading")
  })

  it("fromHttpStatus", () => {
    const at = (httpStatus: number) => OkxError.fromHttpStatus({ endpoint: "cancel-all-after", httpStatus, body: "x" })
    assert.strictEqual(at(429)._tag, "RateLimited")
    assert.strictEqual(at(500)._tag, "Unavailable")
    assert.strictEqual(at(599)._tag, "Unavailable")
    // a proxy's Request Timeout: the request was not taken in whole, so it is sent again
    assert.strictEqual(at(408)._tag, "Unavailable")
    assert.strictEqual(at(408).retry, "backoff")
    assert.strictEqual(at(403)._tag, "UnknownCode")
    assert.strictEqual(at(302).retry, "never")
    // a base URL that redirects (http:// for https://) is named as the likely cause
    assert.include(at(301).message, "a redirect, so the base URL is not OKX's API")
    assert.notInclude(at(403).message, "redirect")
    assert.strictEqual(at(503).body, "x")
    assert.include(at(503).message, "cancel-all-after")
    assert.include(at(503).message, "503")
  })

  it("Unavailable.mayHaveActed: a gateway's 500, 502, 504 (Cloudflare's 520, 524) may follow the venue acting", () => {
    const statuses = [500, 502, 503, 504, 408, 520, 521, 522, 523, 524]
    const at = (httpStatus: number) => OkxError.fromHttpStatus({ endpoint: "cancel-quote", httpStatus, body: "<html>" })
    assert.deepStrictEqual(
      statuses.filter((status) => (at(status) as OkxError.Unavailable).mayHaveActed),
      [500, 502, 504, 520, 524]
    )
    // the venue's busy codes refuse a request, whatever the HTTP status; its "system error" does not say
    const coded = (code: string) => OkxError.fromCode({ endpoint: "cancel-quote", code, msg: "", httpStatus: 502 })
    assert.deepStrictEqual(
      ["50001", "50013", "70208", "50026"].map((code) => (coded(code) as OkxError.Unavailable).mayHaveActed),
      [false, false, false, true]
    )
  })

  it("formatParseError names the path, the value and the rule in one line", () => {
    const result = Schema.encodeEither(RfqCancel.CancelBatchQuotesRequest)(
      { clQuoteIds: ["ok", "not ok"] },
      { errors: "all" }
    )
    if (Either.isRight(result)) return assert.fail("expected a failure")
    const line = OkxError.formatParseError(result.left)
    assert.strictEqual(line, 'clQuoteIds[1]: must be 1 to 32 letters or digits (^[A-Za-z0-9]{1,32}$), got "not ok"')
    const error = OkxError.InvalidRequest.fromParseError("cancel-batch-quotes", result.left)
    assert.strictEqual(error.field, "clQuoteIds")
    assert.strictEqual(error.code, undefined)
    assert.strictEqual(error.message, `InvalidRequest on cancel-batch-quotes: ${line}`)
  })
})
