import { DurationInput } from "@okx-rfq/rate-limit"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Option } from "effect"

describe("DurationInput.decodeNonNegative", () => {
  it("decodes every form of a finite, non-negative duration", () => {
    const millis = (input: unknown) => Option.map(DurationInput.decodeNonNegative(input), Duration.toMillis)
    assert.deepStrictEqual(millis(0), Option.some(0))
    assert.deepStrictEqual(millis(50), Option.some(50))
    assert.deepStrictEqual(millis("50 millis"), Option.some(50))
    assert.deepStrictEqual(millis("2 seconds"), Option.some(2000))
    assert.deepStrictEqual(millis([1, 500_000_000]), Option.some(1500))
    assert.deepStrictEqual(millis(Duration.millis(50)), Option.some(50))
    assert.deepStrictEqual(millis(Duration.zero), Option.some(0))
  })

  it("rejects what Duration.decode would silently read as zero, and what is not a finite duration", () => {
    for (const input of [-1, -0.5, "-50 millis", [-1, 0], 1n - 2n, Number.NaN]) {
      assert.strictEqual(Duration.toMillis(Duration.decode(input as Duration.DurationInput)), 0, String(input))
      assert.isTrue(Option.isNone(DurationInput.decodeNonNegative(input)), String(input))
    }
    for (const input of [
      Number.POSITIVE_INFINITY,
      Duration.infinity,
      " -1 second",
      [1, -1],
      "soon",
      "",
      null,
      undefined,
      {},
      [1, "2"]
    ]) {
      assert.isTrue(Option.isNone(DurationInput.decodeNonNegative(input)), String(input))
    }
  })
})

describe("DurationInput.show", () => {
  it("shows every input readably: strings quoted, arrays and objects as JSON", () => {
    assert.strictEqual(DurationInput.show(""), '""')
    assert.strictEqual(DurationInput.show("5 sekunds"), '"5 sekunds"')
    assert.strictEqual(DurationInput.show([]), "[]")
    assert.strictEqual(DurationInput.show([1, -1]), "[1,-1]")
    assert.strictEqual(DurationInput.show({}), "{}")
    assert.strictEqual(DurationInput.show(-5), "-5")
    assert.strictEqual(DurationInput.show(Number.NaN), "NaN")
    assert.strictEqual(DurationInput.show(-2n), "-2n")
    assert.strictEqual(DurationInput.show(undefined), "undefined")
    assert.strictEqual(DurationInput.show(null), "null")
    assert.strictEqual(DurationInput.show(Duration.seconds(5)), "5s")
    assert.strictEqual(DurationInput.show(Array.from({ length: 50 }, (_, i) => i)).length, 80)
  })
})
