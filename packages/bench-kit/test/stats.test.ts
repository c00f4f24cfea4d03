import { describe, expect, it } from "vitest"
import {
  histogram,
  markdownTable,
  maxInAnyWindow,
  quantile,
  startsPerWindow,
  stepChart,
  summarize
} from "../src/index.js"

describe("stats", () => {
  it("quantile is nearest rank", () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i)
    expect(quantile(xs, 0.5)).toBe(50)
    expect(quantile(xs, 0.99)).toBe(99)
    expect(quantile(xs, 1)).toBe(100)
    expect(quantile([], 0.5)).toBeNaN()
    expect(summarize([3, 1, 2])).toMatchObject({ count: 3, min: 1, p50: 2, max: 3, mean: 2 })
  })

  it("counts starts in half-open windows", () => {
    expect(maxInAnyWindow([0, 1999, 2000, 2001], 2000)).toBe(3)
    expect(maxInAnyWindow([0, 2000, 4000], 2000)).toBe(1)
    expect(startsPerWindow([0, 1000, 2000, 2500], 2000)).toEqual([
      [0, 1],
      [1000, 2],
      [2000, 2],
      [2500, 3]
    ])
  })
})

describe("output", () => {
  it("aligns numbers right in Markdown tables", () => {
    expect(
      markdownTable([
        { name: "a", n: 1 },
        { name: "bb", n: 22 }
      ])
    ).toBe("| name |   n |\n| ---- | --: |\n| a    |   1 |\n| bb   |  22 |")
  })

  it("draws well-formed SVG", () => {
    const step = stepChart({
      title: "starts <per> window",
      xLabel: "s",
      yLabel: "starts",
      series: [
        {
          name: "a & b",
          points: [
            [0, 1],
            [1, 5],
            [2, 3]
          ]
        }
      ],
      references: [{ name: "limit", y: 4 }]
    })
    expect(step.startsWith("<svg")).toBe(true)
    expect(step).toContain("starts &lt;per&gt; window")
    expect(step).toContain("a &amp; b")
    expect(step).not.toContain("NaN")
    const hist = histogram({ title: "h", xLabel: "ms", samples: [{ name: "idle", values: [1, 2, 2, 3] }] })
    expect(hist).toContain("<path")
    expect(hist).not.toContain("NaN")
  })
})
