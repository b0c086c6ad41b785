/**
 * Runners killed with SIGKILL again and again while users keep writing: three
 * `node src/main.ts` runners share 24 tenant bots; /start messages from new
 * users arrive every 25 ms; four times, a random runner is killed and a fresh
 * one started in its place.
 *
 * No update may be lost (every user ends up in `users`, every update marked
 * processed, nothing dead-lettered), and the emulator must never see two
 * getUpdates in flight for one token, nor answer one with 409. A welcome message may go out twice for
 * an update whose handler had sent it when the process died (Telegram has no
 * idempotency key); the test reports how many did.
 */
import { afterAll, beforeAll, expect, it } from "vitest"
import { startTelegramEmulator } from "../../src/emulators/telegram/index.ts"
import type { TelegramEmulator } from "../../src/emulators/telegram/index.ts"
import {
  database,
  fleetHealth,
  seedBots,
  sleep,
  startRunner,
  stopAll,
  waitFor,
  waitReady
} from "../cluster/support/cluster.ts"
import type { Database, Runner, SeededBot } from "../cluster/support/cluster.ts"
import { createTestDatabase } from "../support/database.ts"
import type { TestDatabase } from "../support/database.ts"

const BOTS = 24
const KILLS = 4
const KILL_EVERY_MS = 5_000

let testDb: TestDatabase
let db: Database
let emulator: TelegramEmulator
let bots: Array<SeededBot>
const runners: Array<Runner> = []

const launch = async () => {
  const runner = await startRunner({ databaseUrl: testDb.url, telegramApiRoot: emulator.url })
  runners.push(runner)
  return runner
}

beforeAll(async () => {
  testDb = await createTestDatabase()
  db = database(testDb.url)
  emulator = await startTelegramEmulator()
  bots = await seedBots(db, emulator, BOTS)
})
afterAll(async () => {
  await stopAll(runners)
  await db?.close()
  await emulator?.close()
  await testDb?.drop()
})

it(`${KILLS} runners killed (SIGKILL) under a steady stream of /start: no update lost, never two pollers`, async () => {
  await Promise.all([launch(), launch(), launch()])
  await Promise.all(runners.map((r) => waitReady(r)))
  await waitFor(
    "every bot polled",
    () =>
      fleetHealth(
        emulator,
        bots.map((b) => b.token)
      ).polling === BOTS,
    30_000,
    200
  )

  const injected: Array<{ bot: SeededBot; user: number; updateId: number }> = []
  let sending = true
  const sender = (async () => {
    for (let i = 0; sending; i++) {
      const bot = bots[i % BOTS]!
      const user = 700_000 + i
      const { updateId } = emulator.injectMessage(bot.token, {
        text: "/start",
        from: { id: user, first_name: `U${i}`, language_code: "en" }
      })
      injected.push({ bot, user, updateId })
      await sleep(25)
    }
  })()

  const killed: Array<number> = []
  for (let k = 0; k < KILLS; k++) {
    await sleep(KILL_EVERY_MS)
    const live = runners.filter((r) => r.alive())
    const victim = live[Math.floor(Math.random() * live.length)]!
    victim.process.kill("SIGKILL")
    await victim.exited
    killed.push(victim.pid)
    await waitReady(await launch())
  }
  await sleep(2_000)
  sending = false
  await sender

  // Everything handled: the killed runners' bots moved (≈ 10 s each) and caught up.
  const users = await waitFor(
    "every /start user recorded",
    async () => {
      const rows = await db.query<{ botId: number; telegramId: number }>("SELECT bot_id, telegram_id FROM users")
      return rows.length >= injected.length ? rows : undefined
    },
    90_000,
    500
  )
  const have = new Set(users.map((u) => `${u.botId}:${u.telegramId}`))
  expect(injected.filter((i) => !have.has(`${i.bot.id}:${i.user}`))).toEqual([])
  expect(users).toHaveLength(injected.length)

  const processed = await db.query<{ botId: number; updateId: number }>(
    "SELECT bot_id, update_id FROM processed_updates"
  )
  const marked = new Set(processed.map((p) => `${p.botId}:${p.updateId}`))
  expect(injected.filter((i) => !marked.has(`${i.bot.id}:${i.updateId}`))).toEqual([])
  expect(await db.query("SELECT bot_id, update_id FROM dead_letter_updates")).toEqual([])

  // Every user got the welcome — one that a killed process was sending after its update had
  // committed (Telegram slow to answer) goes out once its record's hold (15 s) runs out —
  // and a second one only where a process died around it.
  const welcomesOf = () => injected.map((i) => emulator.sentMessages(i.bot.token, i.user).length)
  await waitFor("every user welcomed", () => welcomesOf().every((n) => n > 0), 40_000, 500).catch(() => undefined)
  const welcomes = welcomesOf()
  expect(welcomes.filter((n) => n === 0)).toEqual([])
  const repeated = welcomes.filter((n) => n > 1).length
  expect(repeated).toBeLessThanOrEqual(KILLS * 5)

  const health = fleetHealth(
    emulator,
    bots.map((b) => b.token)
  )
  console.log(
    "repeated kill",
    JSON.stringify({
      updates: injected.length,
      killed: killed.length,
      repeatedWelcomes: repeated,
      conflicts: health.conflicts
    })
  )
  expect(health.overlapping).toBe(0)
  // A killed runner's connections close with it, so its long polls end before a successor's begin:
  // no getUpdates was ever answered 409.
  expect(health.conflicts).toBe(0)
}, 240_000)
