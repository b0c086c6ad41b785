/**
 * WORKER_PROCESSES=2: `npm start` becomes a parent of two runner processes.
 * One worker is killed: its bots poll again within 15 s (in its restarted self
 * or in the other worker) while the other worker's bots never stop. The parent
 * serves one /metrics for both, /healthz and /readyz, and on SIGTERM stops
 * both workers (bots handed over, none left polling) and exits 0.
 */
import * as os from "node:os"
import { afterAll, beforeAll, expect, it } from "vitest"
import { startTelegramEmulator } from "../../src/emulators/telegram/index.ts"
import type { TelegramEmulator } from "../../src/emulators/telegram/index.ts"
import { createTestDatabase } from "../support/database.ts"
import type { TestDatabase } from "../support/database.ts"
import {
  botsByRunner,
  database,
  fleetHealth,
  percentile,
  seedBots,
  startRunner,
  statuses,
  stopAll,
  waitFor,
  watchPolls
} from "./support/cluster.ts"
import type { Database, Runner, SeededBot } from "./support/cluster.ts"

const BOTS = 120

let emulator: TelegramEmulator
let testDb: TestDatabase
let db: Database
let bots: Array<SeededBot>
let parent: Runner | undefined

interface WorkerInfo {
  readonly worker: number
  readonly pid: number | null
  readonly ready: boolean
  readonly restarts: number
}

const readyz = async () => {
  const res = await fetch(`${parent!.httpUrl}/readyz`)
  return { status: res.status, body: (await res.json()) as { ready: boolean; workers: Array<WorkerInfo> } }
}
const nameOf = (pid: number | null) => `${os.hostname()}:${pid}`

beforeAll(async () => {
  emulator = await startTelegramEmulator()
  testDb = await createTestDatabase()
  db = database(testDb.url)
  bots = await seedBots(db, emulator, BOTS)
})

afterAll(async () => {
  if (parent) await stopAll([parent])
  await db?.close()
  await emulator?.close()
  await testDb?.drop()
})

it("WORKER_PROCESSES=2: a killed worker's bots come back within 15 s, the other worker's never stop", async () => {
  const polls = watchPolls(
    emulator,
    bots.map((b) => b.token)
  )
  // RUNNER_PORT=0: the parent picks two free ports and keeps them for restarts.
  parent = await startRunner({
    databaseUrl: testDb.url,
    telegramApiRoot: emulator.url,
    runnerPort: 0,
    env: { WORKER_PROCESSES: "2" }
  })
  const workers = await waitFor(
    "both workers ready",
    async () => {
      if (!parent!.alive()) throw new Error(`parent exited:\n${parent!.output().slice(-3000)}`)
      const { body, status } = await readyz()
      return status === 200 && body.workers.every((w) => w.ready) ? body.workers : false
    },
    30_000,
    300
  )
  expect(workers).toHaveLength(2)
  const names = workers.map((w) => nameOf(w.pid))

  // Settled: every bot polled once, both workers run some.
  await waitFor(
    "bots spread over both workers",
    async () => {
      const health = fleetHealth(
        emulator,
        bots.map((b) => b.token)
      )
      if (health.polling < BOTS) return false
      const rows = await statuses(db)
      const by = botsByRunner(
        rows,
        bots.map((b) => b.id)
      )
      return names.every((n) => (by.get(n)?.length ?? 0) > 0) && by.size === 2 ? rows : false
    },
    30_000,
    300
  )
  // A bot's last_started_at is written when its first long poll (5 s here) returns.
  await new Promise((r) => setTimeout(r, 6_000))
  const before = await statuses(db)
  const byWorker = botsByRunner(
    before,
    bots.map((b) => b.id)
  )

  // One /metrics: both workers' series, labelled, every family described once.
  const metrics = await (await fetch(`${parent.metricsUrl}/metrics`)).text()
  // The public port does not serve the scrape (it would reach a worker's public port).
  expect((await fetch(`${parent.httpUrl}/metrics`)).status).toBe(404)
  expect(metrics).toMatch(/botfleet_bots_running\{worker="0"\} \d+/)
  expect(metrics).toMatch(/botfleet_bots_running\{worker="1"\} \d+/)
  const helps = [...metrics.matchAll(/^# HELP (\S+)/gm)].map((m) => m[1])
  expect(new Set(helps).size).toBe(helps.length)
  const running = [...metrics.matchAll(/^botfleet_bots_running\{worker="\d"\} (\d+)/gm)].reduce(
    (n, m) => n + Number(m[1]),
    0
  )
  expect(running).toBe(BOTS)
  // The engine's gauges: both workers are runners, and between them they hold all 300 shards.
  expect([...metrics.matchAll(/^effect_cluster_runners\{worker="\d"\} 1$/gm)]).toHaveLength(2)
  const shards = [...metrics.matchAll(/^effect_cluster_shards\{worker="\d"\} (\d+)/gm)].reduce(
    (n, m) => n + Number(m[1]),
    0
  )
  expect(shards).toBe(300)

  // Probes answered by the parent; anything else is passed to a worker.
  expect((await fetch(`${parent.httpUrl}/healthz`)).status).toBe(200)
  const proxied = await fetch(`${parent.httpUrl}/no-such-route`)
  expect(proxied.status).toBe(404)

  // Kill worker 0.
  const victim = workers[0]!
  const survivor = workers[1]!
  const moving = byWorker.get(nameOf(victim.pid)) ?? []
  const staying = byWorker.get(nameOf(survivor.pid)) ?? []
  // Both non-empty, or the bounds on their figures below would hold for empty lists.
  expect([moving.length > 0, staying.length > 0]).toEqual([true, true])
  const startedBefore = new Map(staying.map((id) => [id, before.get(id)!.lastStartedAt?.getTime()]))
  const killedAt = Date.now()
  process.kill(victim.pid!, "SIGKILL")

  const tokenOf = new Map(bots.map((b) => [b.id, b.token]))
  const took = new Map<number, number>()
  await waitFor(
    "the killed worker's bots polled again",
    async () => {
      const rows = await statuses(db)
      const stats = emulator.statsMany(moving.map((id) => tokenOf.get(id)!))
      for (const id of moving) {
        if (took.has(id)) continue
        const runner = rows.get(id)?.runner
        if (runner && runner !== nameOf(victim.pid) && (stats[tokenOf.get(id)!]?.activePollers ?? 0) >= 1) {
          took.set(id, Date.now() - killedAt)
        }
      }
      return took.size === moving.length
    },
    20_000,
    100
  )
  const restarted = await waitFor(
    "worker 0 restarted",
    async () => {
      const w = (await readyz()).body.workers[0]!
      return w.restarts === 1 && w.ready && w.pid !== victim.pid ? w : false
    },
    20_000,
    300
  )
  // Let any move back to the restarted worker finish, then look at the survivor's bots.
  await new Promise((r) => setTimeout(r, 4_000))
  const after = await statuses(db)
  const gaps = staying.map((id) => polls.longestGap(tokenOf.get(id)!, killedAt, Date.now()))
  const resumedIn = [...took.values()]
  const final = botsByRunner(
    after,
    bots.map((b) => b.id)
  )
  console.log(
    "worker figures",
    JSON.stringify({
      botsPerWorker: [moving.length, staying.length],
      killedWorkerBotsPollingAgainMs: { p50: percentile(resumedIn, 0.5), max: Math.max(...resumedIn) },
      resumedInRestartedWorker: final.get(nameOf(restarted.pid))?.length ?? 0,
      survivorBotsLongestPollGapMs: Math.max(...gaps)
    })
  )
  expect(Math.max(...resumedIn)).toBeLessThanOrEqual(15_000)
  // The survivor's bots: same runner, never restarted, their long polls never paused.
  for (const id of staying) {
    expect(after.get(id)?.runner).toBe(nameOf(survivor.pid))
    expect(after.get(id)?.lastStartedAt?.getTime()).toBe(startedBefore.get(id))
  }
  expect(Math.max(...gaps)).toBeLessThan(1_000)
  const health = fleetHealth(
    emulator,
    bots.map((b) => b.token)
  )
  expect(health.overlapping).toBe(0)
  expect(health.conflicts).toBe(0)

  // SIGTERM to the parent: not ready any more, both workers stop, exit 0, no bot left polling.
  const stoppingAt = Date.now()
  parent.process.kill("SIGTERM")
  const exit = await parent.exited
  expect(exit.code).toBe(0)
  console.log("worker shutdown ms", Date.now() - stoppingAt)
  // Both workers are gone (ESRCH: no such process; EPERM would mean it still exists).
  for (const pid of [restarted.pid!, survivor.pid!]) {
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: "ESRCH" }))
  }
  await waitFor(
    "no bot polling",
    () =>
      fleetHealth(
        emulator,
        bots.map((b) => b.token)
      ).polling === 0,
    5_000
  )
  polls.stop()
}, 90_000)

it("a parent killed with SIGKILL leaves no orphaned worker polling", async () => {
  parent = await startRunner({
    databaseUrl: testDb.url,
    telegramApiRoot: emulator.url,
    runnerPort: 0,
    env: { WORKER_PROCESSES: "2" }
  })
  const workers = await waitFor(
    "both workers ready",
    async () => {
      const { body, status } = await readyz()
      return status === 200 && body.workers.every((w) => w.ready) ? body.workers : false
    },
    30_000,
    300
  )
  await waitFor(
    "bots polled",
    () =>
      fleetHealth(
        emulator,
        bots.map((b) => b.token)
      ).polling === BOTS,
    20_000,
    200
  )
  parent.process.kill("SIGKILL")
  await parent.exited
  // Each worker sees its parent's IPC channel close and stops as if it had received SIGTERM.
  await waitFor(
    "workers gone",
    () =>
      workers.every((w) => {
        try {
          process.kill(w.pid!, 0)
          return false
        } catch (e) {
          return (e as NodeJS.ErrnoException).code === "ESRCH" // EPERM would mean it still exists
        }
      }),
    15_000,
    200
  )
  await waitFor(
    "no bot polling",
    () =>
      fleetHealth(
        emulator,
        bots.map((b) => b.token)
      ).polling === 0,
    5_000
  )
  expect(
    fleetHealth(
      emulator,
      bots.map((b) => b.token)
    ).overlapping
  ).toBe(0)
}, 60_000)
