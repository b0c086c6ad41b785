/**
 * A runner joining a cluster that already runs several thousand bots: the
 * engine must hand over only the joiner's share of buckets, without any runner
 * falling behind on its shard locks (the engine then logs "Shard lock storage
 * is unhealthy" and stops every bot it runs — what one singleton per bot did
 * at this scale) and without touching the bots that stay.
 *
 * 30-s long polls as in production (fewer calls into this process's emulator);
 * the bench's cluster-ownership scenario measures the same at 10,000 bots.
 */
import { afterAll, beforeAll, expect, it } from "vitest"
import { startTelegramEmulator } from "../../src/emulators/telegram/index.ts"
import type { TelegramEmulator } from "../../src/emulators/telegram/index.ts"
import { createTestDatabase } from "../support/database.ts"
import type { TestDatabase } from "../support/database.ts"
import {
  database,
  fleetHealth,
  seedBots,
  startRunner,
  statuses,
  stopAll,
  waitFor,
  waitReady,
  watchPolls
} from "./support/cluster.ts"
import type { Database, Runner, SeededBot, StatusRow } from "./support/cluster.ts"

const BOTS = 3_000
const UNHEALTHY = /lock storage is (still )?unhealthy/i

let emulator: TelegramEmulator
let testDb: TestDatabase
let db: Database
let bots: Array<SeededBot>
const runners: Array<Runner> = []
let polls: ReturnType<typeof watchPolls>

const launch = async () => {
  const runner = await startRunner({
    databaseUrl: testDb.url,
    telegramApiRoot: emulator.url,
    env: { BOT_BUCKETS: "1024", TELEGRAM_POLL_TIMEOUT_SECONDS: "30" }
  })
  runners.push(runner)
  return runner
}

const owner = (row: StatusRow | undefined) =>
  row && (row.state === "running" || row.state === "starting") ? row.runner : null

/** Every bot polled, owned by a live runner, with the same owners 2 s apart; the rows of the second look. */
const settled = async () => {
  const live = new Set(runners.filter((r) => r.alive()).map((r) => r.name))
  const look = async () => {
    const health = fleetHealth(
      emulator,
      bots.map((b) => b.token)
    )
    if (health.polling < BOTS) return undefined
    const rows = await statuses(db)
    return bots.every((b) => live.has(owner(rows.get(b.id)) ?? "")) ? rows : undefined
  }
  const first = await look()
  if (!first) return false
  await new Promise((r) => setTimeout(r, 2_000))
  const second = await look()
  return second && bots.every((b) => owner(first.get(b.id)) === owner(second.get(b.id))) ? second : false
}

beforeAll(async () => {
  emulator = await startTelegramEmulator()
  testDb = await createTestDatabase()
  db = database(testDb.url)
  bots = await seedBots(db, emulator, BOTS)
  // From the start: a gap is only measurable for a token whose polls were seen beginning.
  polls = watchPolls(
    emulator,
    bots.map((b) => b.token)
  )
})

afterAll(async () => {
  polls?.stop()
  await stopAll(runners)
  await db?.close()
  await emulator?.close()
  await testDb?.drop()
})

it(`a runner joining two that run ${BOTS.toLocaleString("en-US")} bots settles within 15 s, restarts no staying bot, and no runner's lock storage turns unhealthy`, async () => {
  await Promise.all([launch(), launch()])
  await Promise.all(runners.map((r) => waitReady(r, 30_000)))
  const before = await waitFor(`${BOTS} bots on 2 runners`, settled, 60_000, 500)

  const joinedAt = Date.now()
  const third = await launch()
  await waitReady(third, 30_000)
  // Settled with the joiner running bots: settled alone also holds in the moment before any bucket moved.
  const after = await waitFor(
    "the 3rd runner took its share",
    async () => {
      const rows = await settled()
      return rows && bots.some((b) => owner(rows.get(b.id)) === third.name) ? rows : false
    },
    30_000,
    500
  )
  // When the last bot that moved was polled by its new runner.
  const moved = bots.filter((b) => owner(before.get(b.id)) !== owner(after.get(b.id)))
  const settleMs = Math.max(...moved.map((b) => polls.handover(b.token, joinedAt)?.startedAt ?? Date.now())) - joinedAt
  const stayed = bots.filter((b) => owner(before.get(b.id)) === owner(after.get(b.id)))
  const longestStayedGap = Math.max(...stayed.map((b) => polls.longestGap(b.token, joinedAt, Date.now())))
  const restartedStayed = stayed.filter(
    (b) =>
      before.get(b.id)!.lastStartedAt?.getTime() !== after.get(b.id)!.lastStartedAt?.getTime() ||
      before.get(b.id)!.restartCount !== after.get(b.id)!.restartCount
  )
  const unhealthy = runners.flatMap((r) =>
    r
      .output()
      .split("\n")
      .filter((l) => UNHEALTHY.test(l))
  )
  const health = fleetHealth(
    emulator,
    bots.map((b) => b.token)
  )
  console.log(
    "join at scale",
    JSON.stringify({
      bots: BOTS,
      moved: moved.length,
      movedToJoiner: moved.filter((b) => owner(after.get(b.id)) === third.name).length,
      settleMs,
      longestStayedGap,
      restartedStayed: restartedStayed.length
    })
  )

  expect(unhealthy).toEqual([])
  expect(moved.length).toBeGreaterThan(0) // else settleMs (a max over the moved bots) would be -Infinity
  expect(moved.length / BOTS).toBeLessThanOrEqual(1.5 / 3)
  expect(restartedStayed.map((b) => b.id)).toEqual([])
  expect(longestStayedGap).toBeLessThan(2_000)
  expect(settleMs).toBeLessThanOrEqual(15_000)
  expect(health.overlapping).toBe(0)
  expect(health.conflicts).toBe(0)
}, 150_000)
