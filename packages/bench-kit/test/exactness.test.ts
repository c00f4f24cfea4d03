import * as FastCheck from "effect/FastCheck"
import { describe, expect, it } from "vitest"
import { maxInAnyWindow, optimalStarts, stepChartGrid, windowCounts } from "../src/index.js"

describe("optimalStarts", () => {
  it("starts each arrival as early as the window allows, first come first served", () => {
    expect(optimalStarts([0, 0, 0, 0, 0], 2, 100)).toEqual([0, 0, 100, 100, 200])
    expect(optimalStarts([99, 0, 100, 150], 2, 100)).toEqual([99, 0, 100, 199])
    expect(optimalStarts([5, 5, 5], 5, 100)).toEqual([5, 5, 5])
    expect(optimalStarts([], 3, 100)).toEqual([])
  })

  it("is valid, never early, and tight: each start is its arrival or exactly one window after the limit-th before", () => {
    FastCheck.assert(
      FastCheck.property(
        FastCheck.array(FastCheck.integer({ min: 0, max: 5_000 }), { maxLength: 200 }),
        FastCheck.integer({ min: 1, max: 12 }),
        FastCheck.integer({ min: 1, max: 1_000 }),
        (arrivals, limit, window) => {
          const starts = optimalStarts(arrivals, limit, window)
          expect(starts).toHaveLength(arrivals.length)
          expect(starts.every((s, i) => s >= arrivals[i]!)).toBe(true)
          expect(maxInAnyWindow(starts, window)).toBeLessThanOrEqual(limit)
          const sorted = [...starts].sort((a, b) => a - b)
          const byArrival = [...arrivals].sort((a, b) => a - b)
          sorted.forEach((s, k) => {
            const bound = k < limit ? byArrival[k]! : Math.max(byArrival[k]!, sorted[k - limit]! + window)
            expect(s).toBe(bound)
          })
        }
      )
    )
  })
})

describe("windowCounts", () => {
  it("steps up as starts enter the trailing window and down as they leave it", () => {
    expect(windowCounts([0, 1000, 2000, 2500], 2000)).toEqual([
      [0, 1],
      [1000, 2],
      [2500, 3],
      [3000, 2],
      [4000, 1],
      [4500, 0]
    ])
    expect(windowCounts([5, 5, 5], 10)).toEqual([
      [5, 3],
      [15, 0]
    ])
    expect(windowCounts([], 10)).toEqual([])
  })

  it("peaks at maxInAnyWindow, ends at 0 and never repeats a value", () => {
    FastCheck.assert(
      FastCheck.property(
        FastCheck.array(FastCheck.integer({ min: 0, max: 3_000 }), { minLength: 1, maxLength: 200 }),
        FastCheck.integer({ min: 1, max: 1_000 }),
        (starts, window) => {
          const points = windowCounts(starts, window)
          expect(Math.max(...points.map((p) => p[1]))).toBe(maxInAnyWindow(starts, window))
          expect(points[points.length - 1]![1]).toBe(0)
          expect(points.every((p, i) => i === 0 || (p[0] > points[i - 1]![0] && p[1] !== points[i - 1]![1]))).toBe(true)
        }
      )
    )
  })
})

describe("stepChartGrid", () => {
  const panels = [
    {
      title: "a & b",
      series: [
        {
          name: "a",
          points: [
            [0, 1],
            [1, 1],
            [2, 1],
            [2, 3],
            [2, 5],
            [3, 5]
          ] as const
        }
      ],
      references: [{ name: "limit <N>", y: 4 }]
    },
    { title: "c", series: [{ name: "c", points: [[10, 8]] as const }] },
    {
      title: "two series",
      series: [
        { name: "d", points: [[0, 2]] as const },
        { name: "e", points: [[1, 3]] as const }
      ]
    }
  ]

  it("lays panels out in a grid on shared axes", () => {
    const svg = stepChartGrid({ title: "grid", xLabel: "s", yLabel: "starts", panels, columns: 2 })
    expect(svg.startsWith("<svg")).toBe(true)
    expect(svg).toContain('width="840" height="556"')
    expect(svg).toContain("a &amp; b")
    expect(svg).toContain("limit &lt;N&gt;")
    expect(svg).not.toContain("NaN")
    expect(svg.match(/<path /g)).toHaveLength(4)
    // the x axis spans 0..10 in every panel, whatever the panel's own points
    expect(svg.match(/>10<\/text>/g)).toHaveLength(3)
    // a legend only where a panel holds two series
    expect(svg.match(/<rect /g)).toHaveLength(2)
  })

  it("drops pen moves that draw nothing: a flat run is one H, a rising run one V", () => {
    const svg = stepChartGrid({ title: "", xLabel: "", yLabel: "", panels: [panels[0]!] })
    const d = svg.match(/<path d="([^"]*)"/)![1]!
    expect(d.match(/[HV]/g)).toEqual(["H", "V", "H"])
  })
})
