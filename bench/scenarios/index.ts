/**
 * The scenario registry: `npm run bench` runs these in order (`--only name`
 * picks some). To add one, write `scenarios/<name>.ts` exporting a
 * `Scenario` and append it below; the runner gives it a scope (every process
 * and database it opens is released whatever happens), writes
 * `results/<name>.json` and adds its figures to `results/summary.md`.
 *
 * Helpers: lib/harness.ts (emulator host, botfleet and bare-grammY processes,
 * seeding bots, /metrics), lib/results.ts (`figure(...)` with a target gives the
 * table its pass/fail). A scenario that returns
 * `data.charts.failover = { series: [{ label, samplesSeconds }], targets: [{ seconds, label }] }`
 * gets `results/failover.svg` drawn by lib/charts.ts `failoverSvg`.
 */
import type { ScenarioContext } from "../lib/harness.ts"
import type { ScenarioOutput } from "../lib/results.ts"
import { baselineProcessPerBot } from "./baseline-process-per-bot.ts"
import { changeLatency } from "./change-latency.ts"
import { clusterOwnership } from "./cluster-ownership.ts"
import { headOfLine } from "./head-of-line.ts"
import { idleDensity } from "./idle-density.ts"
import { pipelineOverhead } from "./pipeline-overhead.ts"
import { startThroughput } from "./start-throughput.ts"
import { webhooks } from "./webhooks.ts"

export interface Scenario {
  /** also the result file's name */
  readonly name: string
  readonly title: string
  readonly run: (ctx: ScenarioContext) => Promise<ScenarioOutput>
}

export const scenarios: ReadonlyArray<Scenario> = [
  idleDensity,
  pipelineOverhead,
  startThroughput,
  headOfLine,
  webhooks,
  changeLatency,
  baselineProcessPerBot,
  clusterOwnership
]
