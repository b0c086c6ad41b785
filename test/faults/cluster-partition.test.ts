/**
 * (test:faults: about 30 s of fault injection, too slow for `npm test`.)
 *
 * A runner cut off from PostgreSQL stops its bots before any other runner
 * starts them. Runner A reaches the database through a TCP proxy, runner B
 * directly; the proxy is cut, then restored.
 *
 * What the engine guarantees (effect/cluster 4.1, values in
 * src/supervisor/cluster/timings.ts): A refreshes its shard locks every 3 s with
 * a 3 s deadline; a failed refresh makes it declare its lock storage unhealthy
 * and interrupt every singleton, so its bots stop within about 6 s of its last
 * good refresh. B only takes A's shards once A has dropped out of the runner
 * list, i.e. 10 s (lock expiration) after A's last heartbeat, and only once
 * PostgreSQL has let go of A's advisory locks (at once if the connection was
 * reset, after `idle_session_timeout` = 10 s if it just went silent).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
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
  waitReady,
  watchPolls
} from "../cluster/support/cluster.ts"
import type { Database, Runner, SeededBot } from "../cluster/support/cluster.ts"
import { startTcpProxy } from "../cluster/support/tcp-proxy.ts"
import type { TcpProxy } from "../cluster/support/tcp-proxy.ts"

const BOTS = 90

let emulator: TelegramEmulator
let testDb: TestDatabase
let db: Database
let proxy: TcpProxy
/** Each runner reaches the emulator through a proxy of its own: the emulator's records then say whose poll it was. */
const telegramVia = new Map<"A" | "B", TcpProxy>()
let bots: Array<SeededBot>
let polls: ReturnType<typeof watchPolls>
let cutOff: Runner
let direct: Runner
const tokenOf = new Map<number, string>()

/** Both runners run some bots, every bot is polled, and no overlap or 409 so far. */
const shared = async () => {
  const health = fleetHealth(
    emulator,
    bots.map((b) => b.token)
  )
  expect(health.overlapping).toBe(0)
  expect(health.conflicts).toBe(0)
  if (health.polling < BOTS) return false
  const by = botsByRunner(
    await statuses(db),
    bots.map((b) => b.id)
  )
  return (by.get(cutOff.name)?.length ?? 0) > 0 && (by.get(direct.name)?.length ?? 0) > 0 ? by : false
}

beforeAll(async () => {
  emulator = await startTelegramEmulator()
  testDb = await createTestDatabase()
  db = database(testDb.url)
  bots = await seedBots(db, emulator, BOTS)
  for (const b of bots) tokenOf.set(b.id, b.token)
  for (const name of ["A", "B"] as const) {
    telegramVia.set(name, await startTcpProxy({ host: emulator.host, port: emulator.port }))
  }
  polls = watchPolls(
    emulator,
    bots.map((b) => b.token),
    (socket) => [...telegramVia].find(([, p]) => p.carries(socket.remotePort))?.[0]
  )
  const url = new URL(testDb.url)
  proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port) })
  const viaProxy = new URL(testDb.url)
  viaProxy.port = String(proxy.port)
  const telegramRoot = (name: "A" | "B") => `http://127.0.0.1:${telegramVia.get(name)!.port}`
  ;[cutOff, direct] = await Promise.all([
    startRunner({ databaseUrl: viaProxy.toString(), telegramApiRoot: telegramRoot("A") }),
    startRunner({ databaseUrl: testDb.url, telegramApiRoot: telegramRoot("B") })
  ])
  await Promise.all([waitReady(cutOff), waitReady(direct)])
})

afterAll(async () => {
  polls?.stop()
  await stopAll([cutOff, direct].filter(Boolean))
  await proxy?.close()
  for (const p of telegramVia.values()) await p.close()
  await db?.close()
  await emulator?.close()
  await testDb?.drop()
})

/**
 * Per bot, once `runner` (client `to`) polls it: the hand-over from client
 * `from` by the emulator's records (see watchPolls' handoverBetween).
 */
const waitForHandovers = (ids: ReadonlyArray<number>, from: "A" | "B", to: "A" | "B", runner: Runner, since: number) =>
  waitFor(
    `bots polled by ${to}`,
    async () => {
      const rows = await statuses(db)
      const list = ids.map((id) => ({
        id,
        runner: rows.get(id)?.runner,
        handover: polls.handoverBetween(tokenOf.get(id)!, from, to, since)
      }))
      return list.every((h) => h.runner === runner.name && h.handover) ? list.map((h) => h.handover!) : false
    },
    30_000,
    200
  )

describe.each(["reset", "blackhole"] as const)("runner cut off from PostgreSQL (%s)", (mode) => {
  it("stops its bots before the other runner starts them, and takes its share back after", async () => {
    const by = await waitFor("bots shared by both runners", shared, 30_000, 300)
    const moving = by.get(cutOff.name)!
    const cutAt = Date.now()
    proxy.cut(mode)

    // B takes every one of A's bots; A stopped each before B started it.
    const handovers = await waitForHandovers(moving, "A", "B", direct, cutAt)
    const stopped = handovers.map((h) => h.stoppedAt - cutAt)
    const started = handovers.map((h) => h.startedAt - cutAt)
    const margin = handovers.map((h) => h.gapMs)
    console.log(
      `partition (${mode}) figures`,
      JSON.stringify({
        moved: moving.length,
        aStoppedAfterCutMs: { p50: percentile(stopped, 0.5), max: Math.max(...stopped) },
        bStartedAfterCutMs: { p50: percentile(started, 0.5), min: Math.min(...started), max: Math.max(...started) },
        noPollerForMs: { min: Math.min(...margin), max: Math.max(...margin) }
      })
    )
    // Stop before start, for every bot: A's last getUpdates had ended before B's first began (the
    // emulator's records, by proxy), never two pollers, never a 409.
    const health = fleetHealth(
      emulator,
      bots.map((b) => b.token)
    )
    expect(health.overlapping).toBe(0)
    expect(health.conflicts).toBe(0)
    expect(moving.filter((id) => polls.pollsBy(tokenOf.get(id)!, "A").length === 0)).toEqual([])
    expect(moving.filter((_, i) => !(margin[i]! > 0))).toEqual([])
    expect(cutOff.alive()).toBe(true)
    expect((await fetch(`${cutOff.httpUrl}/readyz`)).status).toBe(503)

    // Back online: A recovers, re-registers and gets its share back, again stop before start.
    const restoredAt = Date.now()
    proxy.restore()
    const back = (await waitFor("A runs bots again", shared, 40_000, 500)).get(cutOff.name)!
    const returns = await waitForHandovers(back, "B", "A", cutOff, restoredAt)
    console.log(
      `partition (${mode}) return`,
      JSON.stringify({ movedBack: back.length, noPollerForMs: { min: Math.min(...returns.map((h) => h.gapMs)) } })
    )
    expect(back.filter((_, i) => !(returns[i]!.gapMs > 0))).toEqual([])
    const after = fleetHealth(
      emulator,
      bots.map((b) => b.token)
    )
    expect(after.overlapping).toBe(0)
    expect(after.conflicts).toBe(0)
  }, 90_000)
})
