/** Figures, result files and the markdown summary. */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const RESULTS_DIR = fileURLToPath(new URL("../results/", import.meta.url))

export interface Target {
  readonly op: "<=" | ">="
  readonly value: number
}

export interface Figure {
  readonly figure: string
  /** null when it could not be measured (the scenario says why in `note`) */
  readonly value: number | null
  readonly unit: string
  readonly display: string
  readonly target: string | null
  /** null: informational, no target */
  readonly pass: boolean | null
  readonly note?: string
}

export const formatValue = (value: number | null, unit: string, digits?: number): string => {
  if (value === null || !Number.isFinite(value)) return "n/a"
  const d = digits ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2)
  const text = value.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d })
  if (unit === "×") return `${text}×`
  if (unit === "%") return `${text} %`
  if (unit === "") return text
  return `${text} ${unit}`
}

export const figure = (
  name: string,
  value: number | null,
  unit: string,
  options: { target?: Target; digits?: number; note?: string } = {}
): Figure => {
  const t = options.target
  const pass =
    t === undefined
      ? null
      : value === null || !Number.isFinite(value)
        ? false
        : t.op === "<="
          ? value <= t.value
          : value >= t.value
  const base = {
    figure: name,
    value: value === null || !Number.isFinite(value) ? null : value,
    unit,
    display: formatValue(value, unit, options.digits),
    target:
      t === undefined
        ? null
        : `${t.op === "<=" ? "≤" : "≥"} ${formatValue(t.value, unit, Number.isInteger(t.value) ? 0 : undefined)}`,
    pass
  }
  return options.note === undefined ? base : { ...base, note: options.note }
}

export interface ScenarioOutput {
  readonly parameters: Record<string, unknown>
  readonly figures: ReadonlyArray<Figure>
  /** Everything else worth keeping: raw samples, per-step timings, chart inputs. */
  readonly data: Record<string, unknown>
}

export interface ResultFile {
  readonly scenario: string
  readonly title: string
  readonly status: "ok" | "error"
  readonly mode: string
  readonly date: string
  readonly durationSeconds: number
  readonly machine: Record<string, unknown>
  readonly parameters: Record<string, unknown>
  readonly figures: ReadonlyArray<Figure>
  readonly data: Record<string, unknown>
  readonly error?: string
}

const git = (args: Array<string>) => {
  try {
    return execFileSync("git", args, { cwd: fileURLToPath(new URL("../..", import.meta.url)), encoding: "utf8" }).trim()
  } catch {
    return null
  }
}

export const machineInfo = (extra: Record<string, unknown> = {}) => {
  const cpus = os.cpus()
  const status = git(["status", "--porcelain"])
  return {
    cpuModel: cpus[0]?.model ?? "unknown",
    cpuCount: cpus.length,
    totalMemoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    gitCommit: git(["rev-parse", "--short", "HEAD"]),
    gitDirty: status === null ? null : status.length > 0,
    ...extra
  }
}

export const writeResult = (result: ResultFile): string => {
  fs.mkdirSync(RESULTS_DIR, { recursive: true })
  const file = path.join(RESULTS_DIR, `${result.scenario}.json`)
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
  return file
}

export const readResults = (order: ReadonlyArray<string>): Array<ResultFile> => {
  if (!fs.existsSync(RESULTS_DIR)) return []
  const files = fs.readdirSync(RESULTS_DIR).filter((f) => f.endsWith(".json"))
  const results: Array<ResultFile> = []
  for (const f of files) {
    try {
      const r = JSON.parse(fs.readFileSync(path.join(RESULTS_DIR, f), "utf8")) as ResultFile
      if (typeof r.scenario === "string" && Array.isArray(r.figures)) results.push(r)
    } catch {
      // not a result file
    }
  }
  const rank = (s: string) => {
    const i = order.indexOf(s)
    return i === -1 ? order.length : i
  }
  return results.sort((a, b) => rank(a.scenario) - rank(b.scenario) || a.scenario.localeCompare(b.scenario))
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ")

export const summaryMarkdown = (results: ReadonlyArray<ResultFile>, charts: ReadonlyArray<string>): string => {
  const lines: Array<string> = []
  lines.push("# botfleet benchmark results", "")
  const first = results[0]
  if (first) {
    const m = first.machine
    lines.push(
      `Produced by \`npm run bench\` (bench/run.ts). Machine: ${m.cpuCount} × ${m.cpuModel}, ${m.totalMemoryGiB} GiB, ` +
        `Node ${m.node}, ${m.platform}${m.postgres ? `; ${m.postgres}` : ""}. ` +
        `The Telegram emulator runs in its own process, botfleet in another, on the same cores.`,
      ""
    )
  }
  lines.push("| scenario | figure | value | target | result |", "|---|---|---|---|---|")
  for (const r of results) {
    const label = `${r.scenario}${r.mode === "full" ? "" : ` (${r.mode})`}`
    if (r.status === "error") {
      lines.push(
        `| ${cell(label)} | scenario failed | ${cell((r.error ?? "").split("\n")[0]!.slice(0, 200))} | | **ERROR** |`
      )
      continue
    }
    for (const f of r.figures) {
      const result = f.pass === null ? "—" : f.pass ? "pass" : "**FAIL**"
      lines.push(`| ${cell(label)} | ${cell(f.figure)} | ${cell(f.display)} | ${cell(f.target ?? "—")} | ${result} |`)
    }
  }
  lines.push("")
  const notes = results.flatMap((r) =>
    r.figures.filter((f) => f.note).map((f) => `- ${r.scenario} — ${f.figure}: ${f.note}`)
  )
  if (notes.length > 0) lines.push("Notes:", "", ...notes, "")
  lines.push(
    "Runs: " +
      results
        .map(
          (r) =>
            `${r.scenario} ${r.date.slice(0, 16).replace("T", " ")} UTC (${r.mode}, ${Math.round(r.durationSeconds)} s, load avg at start ${(r.machine.loadAverage as Array<number> | undefined)?.[0] ?? "?"})`
        )
        .join("; ") +
      ".",
    ""
  )
  for (const c of charts) lines.push(`![${c}](${c})`, "")
  return lines.join("\n")
}
