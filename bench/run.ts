/**
 * `npm run bench`: runs the benchmark scenarios (scenarios/index.ts) against the
 * project's own emulators, each in a process of its own, and writes
 * results/<scenario>.json, results/summary.md and the SVG charts.
 *
 *   npm run bench                      full run (states its duration at the end)
 *   npm run bench -- --quick           small sizes, short windows (< 3 minutes)
 *   npm run bench -- --only a,b        only these scenarios (summary keeps the others' last results)
 *   npm run bench -- --list            list the scenarios
 *   npm run bench -- --fast-db         PostgreSQL with fsync off (default: fsync on, as in production)
 *   npm run bench -- --telegram http1  botfleet ↔ emulator over HTTPS with HTTP/1.1 only, or `plain` HTTP
 *                                      (default h2: HTTPS with HTTP/2 by ALPN, as api.telegram.org)
 *   npm run bench -- --strict          exit 1 when a target is missed
 *
 * BENCH_DATABASE_URL (an admin URL) uses your PostgreSQL instead of an embedded
 * one; databases created there are dropped at the end.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { parseArgs } from "node:util"
import { memoryVsBotsSvg, failoverSvg } from "./lib/charts.ts"
import type { ChartTarget, FailoverSeries } from "./lib/charts.ts"
import { Scope, benchTransport, makeContext } from "./lib/harness.ts"
import type { Mode } from "./lib/harness.ts"
import { startBenchPostgres, sweepStaleRuns } from "./lib/postgres.ts"
import type { BenchPostgres } from "./lib/postgres.ts"
import { killAllNow, stopAll } from "./lib/processes.ts"
import { RESULTS_DIR, machineInfo, readResults, summaryMarkdown, writeResult } from "./lib/results.ts"
import type { ResultFile } from "./lib/results.ts"
import { scenarios } from "./scenarios/index.ts"

const major = Number(process.versions.node.split(".")[0])
if (major < 22) {
  console.error(
    `bench needs Node 22 (this is ${process.version}); run it with \`npm run bench\` or node_modules/.bin/node`
  )
  process.exit(2)
}

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    list: { type: "boolean", default: false },
    "fast-db": { type: "boolean", default: false },
    telegram: { type: "string" },
    strict: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false }
  }
})

if (values.help) {
  const text = fs.readFileSync(new URL(import.meta.url), "utf8")
  console.log(
    text
      .slice(text.indexOf("/**") + 3, text.indexOf("*/"))
      .replace(/^ \* ?/gm, "")
      .trim()
  )
  process.exit(0)
}
if (values.list) {
  for (const s of scenarios) console.log(`${s.name.padEnd(28)} ${s.title}`)
  process.exit(0)
}

const mode: Mode = values.quick ? "quick" : "full"
// How botfleet reaches the emulator: HTTPS with HTTP/2 by default, as api.telegram.org (harness.ts).
if (values.telegram !== undefined) process.env.BENCH_TELEGRAM = values.telegram
const transport = benchTransport()
const wanted = values.only
  ?.split(",")
  .map((s) => s.trim())
  .filter((s) => s !== "")
const unknown = wanted?.filter((w) => !scenarios.some((s) => s.name === w)) ?? []
if (unknown.length > 0) {
  console.error(`unknown scenario(s): ${unknown.join(", ")}; known: ${scenarios.map((s) => s.name).join(", ")}`)
  process.exit(2)
}
const selected = scenarios.filter((s) => !wanted || wanted.includes(s.name))

const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`)

// ------------------------------------------------------------------ clean-up on every exit path

let pg: BenchPostgres | undefined
let currentScope: Scope | undefined
let cleaning: Promise<void> | undefined

const cleanUp = () =>
  (cleaning ??= (async () => {
    await currentScope?.close()
    await stopAll(5_000)
    await pg?.stop().catch((e) => console.error(`stopping PostgreSQL failed: ${e}`))
    pg = undefined
  })())

let signalled = 0
const onSignal = (signal: NodeJS.Signals) => {
  signalled++
  if (signalled > 1) {
    killAllNow()
    process.exit(130)
  }
  console.error(`\n${signal}: stopping every benchmark process and database… (again to force)`)
  void cleanUp().finally(() => process.exit(signal === "SIGINT" ? 130 : 143))
}
process.on("SIGINT", onSignal)
process.on("SIGTERM", onSignal)
process.on("SIGHUP", onSignal)
process.on("exit", () => killAllNow())
const fatal = (e: unknown) => {
  if (signalled) return // processes going away under a stop: expected
  console.error("bench failed:", e)
  void cleanUp().finally(() => process.exit(1))
}
process.on("uncaughtException", fatal)
process.on("unhandledRejection", fatal)

// ------------------------------------------------------------------ run

const runStarted = Date.now()
log(`botfleet bench, ${mode} mode: ${selected.map((s) => s.name).join(", ")}`)
log(
  `Telegram emulator over ${transport === "plain" ? "plain HTTP" : transport === "h2" ? "HTTPS, HTTP/2 by ALPN" : "HTTPS, HTTP/1.1 only"} (--telegram h2|http1|plain)`
)
await sweepStaleRuns(log)
pg = await startBenchPostgres({ durable: !values["fast-db"], log: (l) => log(l) })
log(`PostgreSQL: ${pg.description}`)
fs.mkdirSync(RESULTS_DIR, { recursive: true })

let errors = 0
for (const scenario of selected) {
  if (signalled) break
  const scope = new Scope()
  currentScope = scope
  const started = Date.now()
  const date = new Date().toISOString()
  const machine = machineInfo({ postgres: pg.description, postgresSettings: pg.settings, telegram: transport })
  log(`▶ ${scenario.name}: ${scenario.title}`)
  const ctx = makeContext(mode, pg, scope, (line) => log(`  ${line}`))
  let result: ResultFile
  try {
    const out = await scenario.run(ctx)
    result = {
      scenario: scenario.name,
      title: scenario.title,
      status: "ok",
      mode,
      date,
      durationSeconds: (Date.now() - started) / 1000,
      machine,
      parameters: out.parameters,
      figures: out.figures,
      data: out.data
    }
  } catch (e) {
    if (signalled) break
    errors++
    const message = e instanceof Error ? (e.stack ?? e.message) : String(e)
    log(`  ✗ ${scenario.name} failed: ${message}`)
    result = {
      scenario: scenario.name,
      title: scenario.title,
      status: "error",
      mode,
      date,
      durationSeconds: (Date.now() - started) / 1000,
      machine,
      parameters: {},
      figures: [],
      data: {},
      error: message
    }
  } finally {
    await scope.close()
    currentScope = undefined
  }
  if (signalled) break
  writeResult(result)
  for (const f of result.figures) {
    const mark = f.pass === null ? " " : f.pass ? "✓" : "✗"
    log(`  ${mark} ${f.figure}: ${f.display}${f.target ? ` (target ${f.target})` : ""}`)
  }
  log(`  ${scenario.name} took ${result.durationSeconds.toFixed(1)} s`)
}

if (!signalled) {
  await cleanUp()
  const results = readResults(scenarios.map((s) => s.name))
  const charts = writeCharts(results)
  fs.writeFileSync(path.join(RESULTS_DIR, "summary.md"), summaryMarkdown(results, charts))
  const misses = results.flatMap((r) =>
    r.figures
      .filter((f) => f.pass === false)
      .map((f) => `${r.scenario}: ${f.figure} = ${f.display} (target ${f.target})`)
  )
  const total = (Date.now() - runStarted) / 1000
  log(
    `results: ${path.relative(process.cwd(), RESULTS_DIR)}/summary.md${charts.length ? `, ${charts.join(", ")}` : ""}`
  )
  if (misses.length > 0) log(`targets missed (${misses.length}):\n  ${misses.join("\n  ")}`)
  else log("every target met")
  log(`${mode} run took ${Math.floor(total / 60)} min ${Math.round(total % 60)} s`)
  process.exit(errors > 0 ? 1 : values.strict && misses.length > 0 ? 1 : 0)
}

function writeCharts(results: ReadonlyArray<ResultFile>): Array<string> {
  const written: Array<string> = []
  const idle = results.find((r) => r.scenario === "idle-density" && r.status === "ok")
  const base = results.find((r) => r.scenario === "baseline-process-per-bot" && r.status === "ok")
  const points = [...((idle?.data.chart as Array<{ bots: number; rssMiB: number }> | undefined) ?? [])]
  const baseChart = base?.data.chart as
    | { baselinePerProcessMiB: number; baselineMeasuredBots: number; botfleet: { bots: number; rssMiB: number } }
    | undefined
  if (baseChart && !points.some((p) => p.bots === baseChart.botfleet.bots)) points.push(baseChart.botfleet)
  if (points.length > 0 || baseChart) {
    fs.writeFileSync(
      path.join(RESULTS_DIR, "memory-vs-bots.svg"),
      memoryVsBotsSvg({
        botfleet: points,
        baselinePerProcessMiB: baseChart?.baselinePerProcessMiB ?? null,
        baselineMeasuredBots: baseChart?.baselineMeasuredBots ?? null,
        limitMiB: 1024
      })
    )
    written.push("memory-vs-bots.svg")
  }
  const failover: Array<FailoverSeries> = []
  const targets: Array<ChartTarget> = []
  for (const r of results) {
    const c = (
      r.data.charts as { failover?: { series: Array<FailoverSeries>; targets?: Array<ChartTarget> } } | undefined
    )?.failover
    if (r.status !== "ok" || !c) continue
    failover.push(...c.series)
    for (const t of c.targets ?? []) if (!targets.some((u) => u.seconds === t.seconds)) targets.push(t)
  }
  if (failover.length > 0) {
    fs.writeFileSync(path.join(RESULTS_DIR, "failover.svg"), failoverSvg(failover, targets))
    written.push("failover.svg")
  }
  return written
}
