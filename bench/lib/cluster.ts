/**
 * A cluster of botfleet runners for the cluster scenarios: each runner is the
 * bench's botfleet child (the whole service, echo app) with a runner address of
 * its own, all on one database and one emulator. Who runs which bot is read
 * from `bot_runtime_status`; whether a bot polls, from the emulator.
 */
import type { Botfleet, Emulator, Scope } from "./harness.ts"
import { startBotfleet, waitReady } from "./harness.ts"
import type { BenchDatabase, Sql } from "./postgres.ts"
import { sleep } from "./stats.ts"

/** The engine's error when a runner cannot refresh its shard locks in time: it then stops every bot it runs. */
const UNHEALTHY = /lock storage is (still )?unhealthy/i

export interface ClusterRunner {
  readonly bf: Botfleet
  /** What the runner writes into bot_runtime_status.runner (bench/children/botfleet.ts). */
  readonly name: string
  /** Log lines saying its shard lock storage is unhealthy, so far. */
  readonly unhealthyLines: () => number
  readonly alive: () => boolean
}

export const startRunner = async (
  scope: Scope,
  options: { label: string; db: BenchDatabase; emulator: Emulator }
): Promise<ClusterRunner> => {
  const bf = await startBotfleet(scope, {
    name: `runner-${options.label}`,
    db: options.db,
    emulator: options.emulator,
    app: "echo",
    // LOG_LEVEL Info keeps the engine's warnings (rate-limited) and errors in the output counted below;
    // BENCH_RUNNER_LOG_LEVEL=Debug adds the engine's shard moves (with BENCH_LOG_DIR to keep them).
    env: { LOG_LEVEL: process.env.BENCH_RUNNER_LOG_LEVEL ?? "Info" }
  })
  let unhealthy = 0
  let partial = ""
  const scan = (chunk: Buffer) => {
    const lines = (partial + chunk.toString("utf8")).split("\n")
    partial = lines.pop() ?? ""
    for (const line of lines) if (UNHEALTHY.test(line)) unhealthy++
  }
  bf.proc.child.stdout?.on("data", scan)
  bf.proc.child.stderr?.on("data", scan)
  return { bf, name: `bench-${bf.proc.pid}`, unhealthyLines: () => unhealthy, alive: () => bf.proc.isRunning() }
}

export const startRunners = async (
  scope: Scope,
  options: { labels: ReadonlyArray<string>; db: BenchDatabase; emulator: Emulator }
) => {
  const runners = await Promise.all(options.labels.map((label) => startRunner(scope, { ...options, label })))
  await Promise.all(runners.map((r) => waitReady(r.bf, 60_000)))
  return runners
}

export interface Placement {
  /** bot id → runner name, for bots recorded as starting or running */
  readonly owner: Map<number, string>
  /** bot id → last_started_at (epoch ms) */
  readonly startedAt: Map<number, number>
  /** bot id → restart_count */
  readonly restarts: Map<number, number>
}

export const placement = async (sql: Sql): Promise<Placement> => {
  const rows = await sql.query<{
    botId: number
    runner: string | null
    state: string
    lastStartedAt: Date | null
    restartCount: number
  }>(
    `SELECT bot_id AS "botId", runner, state, last_started_at AS "lastStartedAt", restart_count AS "restartCount"
     FROM bot_runtime_status`
  )
  const owner = new Map<number, string>()
  const startedAt = new Map<number, number>()
  const restarts = new Map<number, number>()
  for (const r of rows) {
    const id = Number(r.botId)
    if ((r.state === "running" || r.state === "starting") && r.runner) owner.set(id, r.runner)
    if (r.lastStartedAt) startedAt.set(id, new Date(r.lastStartedAt).getTime())
    restarts.set(id, Number(r.restartCount))
  }
  return { owner, startedAt, restarts }
}

/** Bots per runner name, over the given bot ids. */
export const spread = (p: Placement, ids: ReadonlyArray<number>, runners: ReadonlyArray<ClusterRunner>) => {
  const counts = new Map<string, number>(runners.map((r) => [r.name, 0]))
  for (const id of ids) {
    const o = p.owner.get(id)
    if (o !== undefined) counts.set(o, (counts.get(o) ?? 0) + 1)
  }
  const values = runners.map((r) => counts.get(r.name) ?? 0)
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)
  return {
    perRunner: Object.fromEntries(runners.map((r) => [r.name, counts.get(r.name) ?? 0])),
    maxOverMean: mean > 0 ? Math.max(...values) / mean : null
  }
}

/**
 * Waits until every bot is polled (emulator) by a live runner (status rows),
 * every live runner owns some of them, and the placement stays the same for
 * `quietMs`. Returns that placement and when it was first seen whole.
 *
 * "Every runner owns some" matters right after a start or a join: the runners
 * already polling look settled for seconds before the newcomer has taken its
 * shards (it registers, the others release, then it acquires), and measuring
 * then would report a placement the cluster is about to leave.
 */
export const waitSettled = async (options: {
  sql: Sql
  emulator: Emulator
  ids: ReadonlyArray<number>
  runners: ReadonlyArray<ClusterRunner>
  timeoutMs: number
  quietMs?: number
}) => {
  const deadline = Date.now() + options.timeoutMs
  const quietMs = options.quietMs ?? 3_000
  let stableSince: number | undefined
  let last: Placement | undefined
  for (;;) {
    const live = new Set(options.runners.filter((r) => r.alive()).map((r) => r.name))
    const [summary, p] = await Promise.all([options.emulator.summary(), placement(options.sql)])
    const owners = new Set(options.ids.map((id) => p.owner.get(id)))
    const whole =
      summary.activePolls >= options.ids.length &&
      options.ids.every((id) => live.has(p.owner.get(id) ?? "")) &&
      (options.ids.length < live.size * 10 || [...live].every((name) => owners.has(name)))
    const same = whole && last !== undefined && options.ids.every((id) => p.owner.get(id) === last!.owner.get(id))
    if (!whole) stableSince = undefined
    else if (!same || stableSince === undefined) stableSince = Date.now()
    last = p
    if (stableSince !== undefined && Date.now() - stableSince >= quietMs) return { placement: p, since: stableSince }
    if (Date.now() > deadline) {
      const owned = options.ids.filter((id) => live.has(p.owner.get(id) ?? "")).length
      const idle = [...live].filter((name) => !owners.has(name))
      throw new Error(
        `cluster not settled within ${options.timeoutMs} ms: ${summary.activePolls} of ${options.ids.length} polling, ${owned} owned by a live runner` +
          (idle.length > 0 ? `, runners owning none: ${idle.join(", ")}` : "")
      )
    }
    await sleep(500)
  }
}
