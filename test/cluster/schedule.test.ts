/**
 * The cluster-wide schedule with three runner processes: every tick runs once
 * in the whole cluster, also while one runner stops (SIGTERM) and another is
 * killed (SIGKILL) part-way through.
 */
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, expect, it } from "vitest"
import { createTestDatabase } from "../support/database.ts"
import type { TestDatabase } from "../support/database.ts"
import { database, sleep, startRunner, stopAll, waitFor } from "./support/cluster.ts"
import type { Database, Runner } from "./support/cluster.ts"

const SCRIPT = fileURLToPath(new URL("./fixtures/schedule-runner.ts", import.meta.url))

let testDb: TestDatabase
let db: Database
const runners: Array<Runner> = []

beforeAll(async () => {
  testDb = await createTestDatabase()
  db = database(testDb.url)
  await db.query(
    "CREATE TABLE schedule_ticks (scheduled_at timestamptz NOT NULL, runner text NOT NULL, executed_at timestamptz NOT NULL DEFAULT clock_timestamp())"
  )
})

afterAll(async () => {
  await stopAll(runners)
  await db?.close()
  await testDb?.drop()
})

/** The latest any tick due in [from, to) ran. */
const lateness = async (from: number, to: number) => {
  const rows = await db.query<{ ms: number | null }>(
    `SELECT max(extract(epoch FROM executed_at - scheduled_at) * 1000) AS ms FROM schedule_ticks
     WHERE scheduled_at >= $1 AND scheduled_at < $2`,
    [new Date(from), new Date(to)]
  )
  return Math.round(Number(rows[0]?.ms ?? 0))
}

const ticks = () =>
  db.query<{ scheduledAt: Date; runs: number; runners: string }>(
    `SELECT scheduled_at, count(*)::int AS runs, string_agg(runner, ',') AS runners
     FROM schedule_ticks GROUP BY scheduled_at ORDER BY scheduled_at`
  )

it("runs each tick exactly once across 3 runners, while its executor is stopped (SIGTERM) and killed (SIGKILL)", async () => {
  for (let i = 0; i < 3; i++) {
    runners.push(
      await startRunner({ databaseUrl: testDb.url, telegramApiRoot: "http://unused.invalid", script: SCRIPT })
    )
  }
  await waitFor("ticks running", async () => (await ticks()).length >= 3, 20_000, 200)
  await sleep(2_000)
  /** The runner process that ran the latest tick (the schedule's executor). */
  const executor = async () => {
    const pid = (await ticks()).at(-1)!.runners.split(",")[0]
    return runners.find((r) => String(r.pid) === pid)!
  }
  const ranAfter = (t: number, by: (pid: string) => boolean) =>
    waitFor(
      "ticks after the handoff",
      async () => (await ticks()).filter((r) => r.scheduledAt.getTime() > t && by(r.runners)).length >= 3,
      30_000,
      500
    )

  const stopped = await executor()
  const termAt = Date.now()
  stopped.process.kill("SIGTERM")
  expect((await stopped.exited).code).toBe(0)
  await ranAfter(termAt, (pid) => pid !== String(stopped.pid))

  const killed = await executor()
  const killAt = Date.now()
  killed.process.kill("SIGKILL")
  await killed.exited
  await ranAfter(killAt, (pid) => pid !== String(killed.pid))

  const rows = await ticks()
  const first = rows[0]!.scheduledAt.getTime()
  const last = rows.at(-1)!.scheduledAt.getTime()
  const have = new Set(rows.map((r) => r.scheduledAt.getTime()))
  const missing: Array<number> = []
  for (let t = first; t <= last; t += 1_000) if (!have.has(t)) missing.push(t)
  const lag = await db.query<{ p50: number; p99: number }>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99
     FROM (SELECT extract(epoch FROM executed_at - scheduled_at) * 1000 AS ms FROM schedule_ticks) t`
  )
  console.log(
    "schedule figures",
    JSON.stringify({
      ticks: rows.length,
      duplicated: rows.filter((r) => r.runs > 1).length,
      missed: missing.length,
      latestAfterSigtermMs: await lateness(termAt, killAt),
      latestAfterSigkillMs: await lateness(killAt, Date.now()),
      executedBy: [...new Set(rows.flatMap((r) => r.runners.split(",")))].length,
      lateMs: { p50: Math.round(Number(lag[0]!.p50)), p99: Math.round(Number(lag[0]!.p99)) }
    })
  )
  // Exactly once: never two executions of one tick.
  expect(rows.filter((r) => r.runs > 1)).toEqual([])
  // Every tick ran: the ones due while the executor failed over ran late, in order.
  expect(missing).toEqual([])
}, 60_000)
