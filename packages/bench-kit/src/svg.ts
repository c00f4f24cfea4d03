/**
 * Small, dependency-free SVG charts for the benchmark docs: a step chart of series against reference lines, and
 * a histogram of one or more samples. The output is deterministic for the same input.
 */

const palette = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#ff7f0e",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf"
]

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/\.?0+$/, ""))

/** Round tick values covering [lo, hi]. */
const ticks = (lo: number, hi: number, count = 5): ReadonlyArray<number> => {
  if (!(hi > lo)) return [lo]
  const raw = (hi - lo) / count
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw
  const out: Array<number> = []
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)))
  return out
}

interface Frame {
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  readonly xMin: number
  readonly xMax: number
  readonly yMin: number
  readonly yMax: number
  readonly legend: ReadonlyArray<{ readonly name: string; readonly color: string; readonly dashed?: boolean }>
}

/** Where a frame is drawn: its top-left corner and size in the document. */
interface Box {
  readonly left: number
  readonly top: number
  readonly width: number
  readonly height: number
}

const width = 800
const height = 420
const margin = { left: 64, right: 16, top: 40, bottom: 52 }

type Draw = (x: (v: number) => number, y: (v: number) => number) => string

const svgDocument = (w: number, h: number, body: ReadonlyArray<string>): string =>
  [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" `,
    `font-family="sans-serif" font-size="11">`,
    `<rect width="${w}" height="${h}" fill="#fff"/>`,
    ...body,
    "</svg>\n"
  ].join("")

/** Title, axes with ticks and labels, the plot (`draw`) and the legend, inside `box`. */
const panel = (f: Frame, draw: Draw, box: Box, titleSize = 14): string => {
  const left = box.left + margin.left
  const top = box.top + margin.top
  const plotW = box.width - margin.left - margin.right
  const plotH = box.height - margin.top - margin.bottom
  const x = (v: number) => left + ((v - f.xMin) / (f.xMax - f.xMin || 1)) * plotW
  const y = (v: number) => top + plotH - ((v - f.yMin) / (f.yMax - f.yMin || 1)) * plotH
  const bottom = top + plotH
  const xt = ticks(f.xMin, f.xMax)
    .map(
      (t) =>
        `<line x1="${x(t)}" y1="${bottom}" x2="${x(t)}" y2="${bottom + 4}" stroke="#333"/>` +
        `<text x="${x(t)}" y="${bottom + 18}" text-anchor="middle">${fmt(t)}</text>`
    )
    .join("")
  const yt = ticks(f.yMin, f.yMax)
    .map(
      (t) =>
        `<line x1="${left}" y1="${y(t)}" x2="${left + plotW}" y2="${y(t)}" stroke="#eee"/>` +
        `<text x="${left - 6}" y="${y(t) + 4}" text-anchor="end">${fmt(t)}</text>`
    )
    .join("")
  const lx = left + plotW - 300
  const legend = f.legend
    .map((entry, i) => {
      const ly = top + 8 + i * 16
      const dash = entry.dashed === true ? ' stroke-dasharray="6 3"' : ""
      return (
        `<line x1="${lx}" y1="${ly}" x2="${lx + 18}" y2="${ly}" stroke="${entry.color}" stroke-width="2"${dash}/>` +
        `<text x="${lx + 24}" y="${ly + 4}">${escapeXml(entry.name)}</text>`
      )
    })
    .join("")
  return [
    `<text x="${box.left + box.width / 2}" y="${box.top + 22}" text-anchor="middle" font-size="${titleSize}">`,
    `${escapeXml(f.title)}</text>`,
    yt,
    xt,
    `<line x1="${left}" y1="${bottom}" x2="${left + plotW}" y2="${bottom}" stroke="#333"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#333"/>`,
    `<text x="${left + plotW / 2}" y="${box.top + box.height - 12}" text-anchor="middle">${escapeXml(f.xLabel)}</text>`,
    `<text transform="translate(${box.left + 16} ${top + plotH / 2}) rotate(-90)" text-anchor="middle">`,
    `${escapeXml(f.yLabel)}</text>`,
    draw(x, y),
    f.legend.length === 0
      ? ""
      : `<rect x="${lx - 8}" y="${top - 2}" width="304" height="${f.legend.length * 16 + 6}" ` +
        `fill="#fff" fill-opacity="0.85" stroke="#ccc"/>`,
    legend
  ].join("")
}

const frame = (f: Frame, draw: Draw): string =>
  svgDocument(width, height, [panel(f, draw, { left: 0, top: 0, width, height })])

/** One line of a step chart. */
export interface Series {
  readonly name: string
  readonly points: ReadonlyArray<readonly [number, number]>
}

/** A horizontal reference line (a limit). */
export interface Reference {
  readonly name: string
  readonly y: number
}

/** A step chart of each series (value held until the next point) with dashed reference lines. */
export const stepChart = (options: {
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  readonly series: ReadonlyArray<Series>
  readonly references?: ReadonlyArray<Reference>
}): string => {
  const references = options.references ?? []
  const all = options.series.flatMap((s) => s.points)
  const xMin = Math.min(...all.map((p) => p[0]))
  const xMax = Math.max(...all.map((p) => p[0]))
  const yMax = Math.max(...all.map((p) => p[1]), ...references.map((r) => r.y)) * 1.08
  const color = (i: number) => palette[i % palette.length]!
  const legend = [
    ...options.series.map((s, i) => ({ name: s.name, color: color(i) })),
    ...references.map((r) => ({ name: r.name, color: "#000", dashed: true }))
  ]
  return frame(
    { title: options.title, xLabel: options.xLabel, yLabel: options.yLabel, xMin, xMax, yMin: 0, yMax, legend },
    (x, y) =>
      [
        ...options.series.map((s, i) => stepLine(s.points, color(i), x, y)),
        ...references.map(
          (r) =>
            `<line x1="${x(xMin)}" y1="${y(r.y)}" x2="${x(xMax)}" y2="${y(r.y)}" stroke="#000" stroke-dasharray="6 3"/>`
        )
      ].join("")
  )
}

/**
 * A step line (value held until the next point) as one path. Pen moves that draw nothing new are dropped: a
 * move to the same pixel, or a move continuing the previous one in the same direction is merged into it, so
 * dense series (thousands of points) stay small without changing the picture.
 */
const stepLine = (
  points: ReadonlyArray<readonly [number, number]>,
  color: string,
  x: (v: number) => number,
  y: (v: number) => number
): string => {
  const moves: Array<{ readonly axis: "H" | "V"; readonly from: number; to: number }> = []
  let start = ""
  let cx = 0
  let cy = 0
  const move = (axis: "H" | "V", from: number, to: number) => {
    if (to === from) return
    const last = moves[moves.length - 1]
    if (last !== undefined && last.axis === axis && Math.sign(last.to - last.from) === Math.sign(to - from)) {
      last.to = to
    } else {
      moves.push({ axis, from, to })
    }
  }
  points.forEach(([px, py], j) => {
    const nx = Number(x(px).toFixed(1))
    const ny = Number(y(py).toFixed(1))
    if (j === 0) {
      start = `M${nx.toFixed(1)},${ny.toFixed(1)}`
    } else {
      move("H", cx, nx)
      move("V", cy, ny)
    }
    cx = nx
    cy = ny
  })
  const d = start + moves.map((m) => `${m.axis}${m.to.toFixed(1)}`).join("")
  return `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5" stroke-opacity="0.85"/>`
}

/** One panel of {@link stepChartGrid}. */
export interface StepPanel {
  readonly title: string
  readonly series: ReadonlyArray<Series>
  readonly references?: ReadonlyArray<Reference>
}

/**
 * Small multiples: one step chart per panel, `columns` (default 3) across, all on the same axes so the panels
 * compare at a glance. Reference lines are dashed and labelled inside each panel; series are coloured in order
 * across the grid, with a legend only in panels that hold more than one series.
 */
export const stepChartGrid = (options: {
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  readonly panels: ReadonlyArray<StepPanel>
  readonly columns?: number
  readonly panelWidth?: number
  readonly panelHeight?: number
}): string => {
  const columns = Math.max(1, Math.min(options.columns ?? 3, options.panels.length))
  const panelWidth = options.panelWidth ?? 420
  const panelHeight = options.panelHeight ?? 260
  const header = 36
  let xMin = Number.POSITIVE_INFINITY
  let xMax = Number.NEGATIVE_INFINITY
  let yTop = 0
  for (const p of options.panels) {
    for (const s of p.series) {
      for (const [px, py] of s.points) {
        xMin = Math.min(xMin, px)
        xMax = Math.max(xMax, px)
        yTop = Math.max(yTop, py)
      }
    }
    for (const r of p.references ?? []) yTop = Math.max(yTop, r.y)
  }
  if (!Number.isFinite(xMin)) {
    xMin = 0
    xMax = 1
  }
  const yMax = (yTop || 1) * 1.08
  const color = (i: number) => palette[i % palette.length]!
  let next = 0
  const panels = options.panels.map((p, i) => {
    const first = next
    next += p.series.length
    const references = p.references ?? []
    const legend = p.series.length > 1 ? p.series.map((s, j) => ({ name: s.name, color: color(first + j) })) : []
    const box = {
      left: (i % columns) * panelWidth,
      top: header + Math.floor(i / columns) * panelHeight,
      width: panelWidth,
      height: panelHeight
    }
    return panel(
      { title: p.title, xLabel: options.xLabel, yLabel: options.yLabel, xMin, xMax, yMin: 0, yMax, legend },
      (x, y) =>
        [
          ...p.series.map((s, j) => stepLine(s.points, color(first + j), x, y)),
          ...references.map(
            (r) =>
              `<line x1="${x(xMin)}" y1="${y(r.y)}" x2="${x(xMax)}" y2="${y(r.y)}" stroke="#000" ` +
              `stroke-dasharray="6 3"/><text x="${x(xMax) - 4}" y="${y(r.y) - 4}" text-anchor="end">` +
              `${escapeXml(r.name)}</text>`
          )
        ].join(""),
      box,
      12
    )
  })
  const rows = Math.ceil(options.panels.length / columns)
  const w = columns * panelWidth
  return svgDocument(w, header + rows * panelHeight, [
    `<text x="${w / 2}" y="24" text-anchor="middle" font-size="15">${escapeXml(options.title)}</text>`,
    ...panels
  ])
}

/** A histogram of each sample over shared bins, drawn as outlined steps so several samples stay readable. */
export const histogram = (options: {
  readonly title: string
  readonly xLabel: string
  readonly samples: ReadonlyArray<{ readonly name: string; readonly values: ReadonlyArray<number> }>
  readonly bins?: number
  readonly references?: ReadonlyArray<{ readonly name: string; readonly x: number }>
}): string => {
  const bins = options.bins ?? 40
  const all = options.samples.flatMap((s) => s.values)
  const xMin = Math.min(0, ...all)
  const xMax = Math.max(...all, ...(options.references ?? []).map((r) => r.x)) || 1
  const binWidth = (xMax - xMin) / bins
  const counts = options.samples.map((s) => {
    const c = new Array<number>(bins).fill(0)
    for (const v of s.values) c[Math.min(bins - 1, Math.floor((v - xMin) / binWidth))]! += 1
    return c.map((n) => (s.values.length === 0 ? 0 : (100 * n) / s.values.length))
  })
  const yMax = Math.max(...counts.flat()) * 1.08 || 1
  const color = (i: number) => palette[i % palette.length]!
  const legend = [
    ...options.samples.map((s, i) => ({ name: s.name, color: color(i) })),
    ...(options.references ?? []).map((r) => ({ name: r.name, color: "#000", dashed: true }))
  ]
  return frame(
    { title: options.title, xLabel: options.xLabel, yLabel: "% of samples", xMin, xMax, yMin: 0, yMax, legend },
    (x, y) =>
      [
        ...counts.map((c, i) => {
          let d = `M${x(xMin).toFixed(1)},${y(0).toFixed(1)}`
          c.forEach((pct, b) => {
            d += `V${y(pct).toFixed(1)}H${x(xMin + (b + 1) * binWidth).toFixed(1)}`
          })
          d += `V${y(0).toFixed(1)}`
          return `<path d="${d}" fill="${color(i)}" fill-opacity="0.15" stroke="${color(i)}" stroke-width="1.5"/>`
        }),
        ...(options.references ?? []).map(
          (r) =>
            `<line x1="${x(r.x)}" y1="${y(0)}" x2="${x(r.x)}" y2="${y(yMax)}" stroke="#000" stroke-dasharray="6 3"/>`
        )
      ].join("")
  )
}
