import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startTelegramEmulator } from "../../src/emulators/telegram/index.ts"
import type { TelegramEmulator } from "../../src/emulators/telegram/index.ts"
import { Bots } from "../../src/tenants/bots.ts"
import { eventually, startApp } from "../support/app.ts"
import type { RunningApp } from "../support/app.ts"
import { createTestDatabase } from "../support/database.ts"
import type { TestDatabase } from "../support/database.ts"

let emulator: TelegramEmulator
let db: TestDatabase
let app: RunningApp

beforeAll(async () => {
  emulator = await startTelegramEmulator()
  db = await createTestDatabase()
  app = await startApp({ databaseUrl: db.url, telegramApiRoot: emulator.url })
})
afterAll(async () => {
  await app?.stop()
  await emulator?.close()
  await db?.drop()
})

const createBot = (name: string, token: string) =>
  app.run(
    Effect.gen(function* () {
      return (yield* (yield* Bots).create({ name, telegramToken: token })).bot
    })
  )

describe("supervisor lifecycle", () => {
  it("re-subscribes after its LISTEN connection is killed, and resyncs what it missed", async () => {
    await app.run(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const killed = yield* sql<{ ok: boolean }>`
        SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
        WHERE datname = current_database() AND query ILIKE 'LISTEN%'`
        expect(killed.length).toBeGreaterThanOrEqual(1)
      })
    )
    // Inserted while the listener is down: only the resync after re-subscribing can find it.
    const { token } = emulator.createBot()
    await createBot("Missed", token)
    await emulator.waitForPoller(token, 3000)
  })

  it("starts a new bot within a second and it answers /start", async () => {
    const { token } = emulator.createBot({ username: "shop_one_bot" })
    const started = Date.now()
    await createBot("Shop One", token)
    await emulator.waitForPoller(token, 1000)
    expect(Date.now() - started).toBeLessThan(1500)
    emulator.injectMessage(token, { text: "/start", from: { id: 501, first_name: "Ali" } })
    const reply = await emulator.waitForSent(token, 501, () => true, 3000)
    expect(reply.text).toContain("Shop One")
    // The user was registered for this tenant inside the update's transaction
    // (which commits just after the reply is sent).
    await eventually(
      () =>
        app.run(
          Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            const rows = yield* sql<{ telegramId: number }>`SELECT telegram_id FROM users`
            return rows.some((u) => u.telegramId === 501)
          })
        ),
      2000
    )
  })

  it("stops polling within a second of deactivation, and restarts on a token change", async () => {
    const first = emulator.createBot()
    const bot = await createBot("Shop Two", first.token)
    await emulator.waitForPoller(first.token, 2000)
    await app.run(
      Effect.gen(function* () {
        yield* (yield* Bots).deactivate(bot.id)
      })
    )
    await eventually(() => emulator.stats(first.token).activePollers === 0, 1000)
    const calls = emulator.stats(first.token).getUpdatesCalls
    await new Promise((r) => setTimeout(r, 300))
    expect(emulator.stats(first.token).getUpdatesCalls - calls).toBeLessThanOrEqual(1) // at most the final confirm

    const second = emulator.createBot()
    await app.run(
      Effect.gen(function* () {
        const bots = yield* Bots
        yield* bots.update(bot.id, { telegramToken: second.token })
        yield* bots.activate(bot.id)
      })
    )
    await emulator.waitForPoller(second.token, 2000)
    expect(emulator.stats(first.token).activePollers).toBe(0)
  })
  it("a restart with the same token reuses getMe's answer (one request to start); a new token asks again", async () => {
    const first = emulator.createBot({ username: "shop_three_bot" })
    const bot = await createBot("Shop Three", first.token)
    await emulator.waitForPoller(first.token, 2000)
    const getMes = (token: string) => emulator.stats(token).callsByMethod.getMe ?? 0
    expect(getMes(first.token)).toBe(1)
    // The answer is recorded with the "running" status, just after the first poll goes out.
    await eventually(
      () =>
        app.run(
          Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            const rows = yield* sql<{ username: string | null }>`
          SELECT bot_info->>'username' AS username FROM bot_runtime_status WHERE bot_id = ${bot.id}`
            return rows[0]?.username === "shop_three_bot"
          })
        ),
      2000
    )
    await app.run(
      Effect.gen(function* () {
        yield* (yield* Bots).deactivate(bot.id)
      })
    )
    await eventually(() => emulator.stats(first.token).activePollers === 0, 1000)
    await app.run(
      Effect.gen(function* () {
        yield* (yield* Bots).activate(bot.id)
      })
    )
    await emulator.waitForPoller(first.token, 2000)
    expect(getMes(first.token)).toBe(1)
    emulator.injectMessage(first.token, { text: "/start", from: { id: 502, first_name: "Sara" } })
    expect((await emulator.waitForSent(first.token, 502, () => true, 3000)).text).toContain("Shop Three")

    const second = emulator.createBot({ username: "shop_three_new_bot" })
    await app.run(
      Effect.gen(function* () {
        yield* (yield* Bots).update(bot.id, { telegramToken: second.token })
      })
    )
    await emulator.waitForPoller(second.token, 2000)
    expect(getMes(second.token)).toBe(1)
  })
})
