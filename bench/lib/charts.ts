/**
 * Hand-written SVG charts (no dependency): memory against bot count, and the
 * failover-time distribution for the cluster scenarios.
 */

const W = 760
const H = 460
const M = { left: 84, right: 28, top: 48, bottom: 64 }
const PW = W - M.left - M.right
const PH = H - M.top - M.bottom
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
const n2 = (v: number) => (Math.round(v * 10) / 10).toString()

const frame = (title: string, body: Array<string>, xLabel: string, yLabel: string) =>
  [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="-apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="26" text-anchor="middle" font-size="16" font-weight="600">${esc(title)}</text>`,
    `<rect x="${M.left}" y="${M.top}" width="${PW}" height="${PH}" fill="none" stroke="#444"/>`,
    ...body,
    `<text x="${M.left + PW / 2}" y="${H - 18}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text transform="translate(20 ${M.top + PH / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
    `</svg>`,
    ""
  ].join("\n")

const fmtBots = (v: number) => (v >= 1000 ? `${v / 1000}k` : String(v))
const fmtMiB = (v: number) =>
  v >= 1024 * 1024 ? `${n2(v / 1024 / 1024)} TiB` : v >= 1024 ? `${n2(v / 1024)} GiB` : `${Math.round(v)} MiB`

export interface MemoryChartInput {
  /** botfleet: one process, measured RSS at each bot count */
  readonly botfleet: ReadonlyArray<{ readonly bots: number; readonly rssMiB: number }>
  /** one bare-grammY process per bot: measured mean RSS of one process */
  readonly baselinePerProcessMiB: number | null
  readonly baselineMeasuredBots: number | null
  readonly limitMiB?: number
}

/** RSS against bot count, log–log: botfleet measured; process-per-bot measured and extrapolated (N × one process). */
export const memoryVsBotsSvg = (input: MemoryChartInput): string => {
  const fleetMax = Math.max(...input.botfleet.map((p) => p.bots), input.baselineMeasuredBots ?? 0, 1000)
  const xMin = 10
  const xMax = 10 ** Math.ceil(Math.log10(fleetMax * 1.2))
  // the process-per-bot line is drawn up to the largest fleet measured, and labelled there
  const extrapolateTo = fleetMax
  const ys = [...input.botfleet.map((p) => p.rssMiB), input.limitMiB ?? 1024]
  if (input.baselinePerProcessMiB)
    ys.push(input.baselinePerProcessMiB * extrapolateTo, input.baselinePerProcessMiB * xMin)
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...ys, 100) / 1.2))
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...ys) * 1.5))
  const x = (v: number) => M.left + ((Math.log10(v) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))) * PW
  const y = (v: number) =>
    M.top + PH - ((Math.log10(v) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * PH
  const body: Array<string> = []
  for (let d = Math.log10(xMin); d <= Math.log10(xMax) + 1e-9; d++) {
    const v = 10 ** d
    body.push(`<line x1="${n2(x(v))}" y1="${M.top}" x2="${n2(x(v))}" y2="${M.top + PH}" stroke="#e5e5e5"/>`)
    body.push(`<text x="${n2(x(v))}" y="${M.top + PH + 18}" text-anchor="middle">${fmtBots(v)}</text>`)
  }
  // 1, 10, 100 of MiB, GiB, TiB: round labels on a log axis
  const yTicks = [1, 10, 100].flatMap((m) => [m, m * 1024, m * 1024 * 1024]).filter((v) => v >= yMin && v <= yMax)
  for (const v of yTicks) {
    body.push(`<line x1="${M.left}" y1="${n2(y(v))}" x2="${M.left + PW}" y2="${n2(y(v))}" stroke="#e5e5e5"/>`)
    body.push(`<text x="${M.left - 8}" y="${n2(y(v) + 4)}" text-anchor="end">${fmtMiB(v)}</text>`)
  }
  if (input.limitMiB) {
    const ly = y(input.limitMiB)
    body.push(
      `<line x1="${M.left}" y1="${n2(ly)}" x2="${M.left + PW}" y2="${n2(ly)}" stroke="#999" stroke-dasharray="2 4"/>`
    )
    body.push(
      `<text x="${n2(x(150))}" y="${n2(ly + 16)}" fill="#666">target: 10k bots in ≤ ${fmtMiB(input.limitMiB)}</text>`
    )
  }
  if (input.baselinePerProcessMiB) {
    const per = input.baselinePerProcessMiB
    body.push(
      `<line x1="${n2(x(xMin))}" y1="${n2(y(per * xMin))}" x2="${n2(x(extrapolateTo))}" y2="${n2(y(per * extrapolateTo))}" stroke="${COLORS[1]}" stroke-width="2" stroke-dasharray="7 5"/>`
    )
    body.push(
      `<circle cx="${n2(x(extrapolateTo))}" cy="${n2(y(per * extrapolateTo))}" r="4" fill="#fff" stroke="${COLORS[1]}" stroke-width="2"/>`
    )
    body.push(
      `<text x="${n2(x(extrapolateTo) - 8)}" y="${n2(y(per * extrapolateTo) - 10)}" text-anchor="end" fill="${COLORS[1]}">${fmtBots(extrapolateTo)} processes: ${fmtMiB(per * extrapolateTo)} (extrapolated)</text>`
    )
    if (input.baselineMeasuredBots) {
      const b = input.baselineMeasuredBots
      body.push(`<circle cx="${n2(x(b))}" cy="${n2(y(per * b))}" r="5" fill="${COLORS[1]}"/>`)
      body.push(
        `<text x="${n2(x(b) + 10)}" y="${n2(y(per * b) + 16)}" fill="${COLORS[1]}">${b} processes: ${fmtMiB(per * b)} (measured)</text>`
      )
    }
  }
  const pts = [...input.botfleet].sort((a, b) => a.bots - b.bots)
  if (pts.length > 0) {
    body.push(
      `<polyline fill="none" stroke="${COLORS[0]}" stroke-width="2.5" points="${pts.map((p) => `${n2(x(p.bots))},${n2(y(p.rssMiB))}`).join(" ")}"/>`
    )
    for (const p of pts) {
      body.push(`<circle cx="${n2(x(p.bots))}" cy="${n2(y(p.rssMiB))}" r="4.5" fill="${COLORS[0]}"/>`)
      body.push(
        `<text x="${n2(x(p.bots))}" y="${n2(y(p.rssMiB) + 20)}" text-anchor="middle" fill="${COLORS[0]}">${fmtMiB(p.rssMiB)}</text>`
      )
    }
  }
  const lx = M.left + 14
  const ly = M.top + 18
  body.push(
    `<rect x="${lx - 8}" y="${ly - 14}" width="300" height="46" fill="#fff" stroke="#ccc"/>`,
    `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 28}" y2="${ly - 4}" stroke="${COLORS[0]}" stroke-width="2.5"/>`,
    `<text x="${lx + 36}" y="${ly}">botfleet, one process (RSS, measured)</text>`,
    `<line x1="${lx}" y1="${ly + 18}" x2="${lx + 28}" y2="${ly + 18}" stroke="${COLORS[1]}" stroke-width="2" stroke-dasharray="7 5"/>`,
    `<text x="${lx + 36}" y="${ly + 22}">one grammY process per bot (N × RSS)</text>`
  )
  return frame("Memory against bot count", body, "bots (log scale)", "resident memory (log scale)")
}

export interface FailoverSeries {
  readonly label: string
  /** one sample per bot (or per event): seconds until it polled again elsewhere */
  readonly samplesSeconds: ReadonlyArray<number>
}

/**
 * For the cluster scenarios (crash failover, graceful handoff): the cumulative
 * distribution of failover times, one line per series, with the target as a
 * vertical line. A scenario provides the input as `data.charts.failover`.
 */
export interface ChartTarget {
  readonly seconds: number
  readonly label: string
}

/** At most this many steps per line: thousands of samples draw the same curve from their quantiles. */
const MAX_STEPS = 200

export const failoverSvg = (
  series: ReadonlyArray<FailoverSeries>,
  targets: ReadonlyArray<ChartTarget> = []
): string => {
  const all = series.flatMap((s) => s.samplesSeconds)
  const xMax = Math.max(1, ...targets.map((t) => t.seconds * 1.15), ...all.map((v) => v * 1.05))
  const x = (v: number) => M.left + (v / xMax) * PW
  const y = (f: number) => M.top + PH - f * PH
  const body: Array<string> = []
  const step = niceStep(xMax / 8)
  for (let v = 0; v <= xMax + 1e-9; v += step) {
    body.push(`<line x1="${n2(x(v))}" y1="${M.top}" x2="${n2(x(v))}" y2="${M.top + PH}" stroke="#e5e5e5"/>`)
    body.push(`<text x="${n2(x(v))}" y="${M.top + PH + 18}" text-anchor="middle">${n2(v)}</text>`)
  }
  for (let f = 0; f <= 1.0001; f += 0.25) {
    body.push(`<line x1="${M.left}" y1="${n2(y(f))}" x2="${M.left + PW}" y2="${n2(y(f))}" stroke="#e5e5e5"/>`)
    body.push(`<text x="${M.left - 8}" y="${n2(y(f) + 4)}" text-anchor="end">${Math.round(f * 100)} %</text>`)
  }
  for (const t of targets) {
    body.push(
      `<line x1="${n2(x(t.seconds))}" y1="${M.top}" x2="${n2(x(t.seconds))}" y2="${M.top + PH}" stroke="#999" stroke-dasharray="2 4"/>`
    )
    body.push(
      `<text x="${n2(x(t.seconds) - 6)}" y="${M.top + PH - 8}" text-anchor="end" fill="#666">${esc(t.label)} ${n2(t.seconds)} s</text>`
    )
  }
  series.forEach((s, i) => {
    const sorted = [...s.samplesSeconds].sort((a, b) => a - b)
    if (sorted.length === 0) return
    const pts: Array<string> = [`${n2(x(0))},${n2(y(0))}`]
    const steps = Math.min(sorted.length, MAX_STEPS)
    for (let j = 0; j < steps; j++) {
      // the step at the j-th quantile: the sample below which (j + 1) / steps of them fall
      const k = Math.ceil(((j + 1) / steps) * sorted.length) - 1
      const v = sorted[k]!
      pts.push(`${n2(x(v))},${n2(y(j / steps))}`, `${n2(x(v))},${n2(y((j + 1) / steps))}`)
    }
    const color = COLORS[i % COLORS.length]
    body.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(" ")}"/>`)
    body.push(
      `<line x1="${M.left + 16}" y1="${M.top + 20 + i * 18}" x2="${M.left + 44}" y2="${M.top + 20 + i * 18}" stroke="${color}" stroke-width="2"/>`
    )
    body.push(`<text x="${M.left + 52}" y="${M.top + 24 + i * 18}">${esc(`${s.label} (n = ${sorted.length})`)}</text>`)
  })
  return frame("Failover time distribution", body, "seconds until polling again on another runner", "share of bots")
}

const niceStep = (raw: number) => {
  const p = 10 ** Math.floor(Math.log10(raw))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p
  return 10 * p
}
