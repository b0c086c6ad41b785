/**
 * The update pipeline: a failing handler never takes its bot down, a poison
 * update is dead-lettered after its retries and never comes back, /metrics
 * carries the per-bot series and drops them when the bot leaves.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { Composer } from "grammy"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { BotContext } from "../../src/bot/context.ts"
import { startTelegramEmulator } from "../../src/emulators/telegram/index.ts"
import type { TelegramEmulator } from "../../src/emulators/telegram/index.ts"
import { Bots } from "../../src/tenants/bots.ts"
import { eventually, startApp } from "../support/app.ts"
import type { RunningApp } from "../support/app.ts"
import { createTestDatabase } from "../support/database.ts"
import type { TestDatabase } from "../support/database.ts"
import { familyOf, parseExposition } from "../support/prometheus-text.ts"

let emulator: TelegramEmulator
let db: TestDatabase
const attempts = new Map<string, number>()

// Text decides the behaviour: "flaky" fails its first attempt, "poison" always fails.
const app = new Composer<BotContext>()
app.on("message:text", async (ctx) => {
  const text = ctx.message.text
  const n = (attempts.get(`${ctx.update.update_id}`) ?? 0) + 1
  attempts.set(`${ctx.update.update_id}`, n)
  if (text === "poison") throw new Error("this update always fails")
  if (text === "flaky" && n === 1) throw new Error("first attempt fails")
  await ctx.reply(`ok: ${text}`)
})

const start = () => startApp({ databaseUrl: db.url, telegramApiRoot: emulator.url, tenantApp: app })

beforeAll(async () => {
  emulator = await startTelegramEmulator()
  db = await createTestDatabase()
})
afterAll(async () => {
  await emulator?.close()
  await db?.drop()
})

const deadLetters = (running: RunningApp) =>
  running.run(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      return yield* sql<{ updateId: number; attempts: number; error: string }>`
      SELECT update_id, attempts, error FROM dead_letter_updates`
    })
  )

describe("update pipeline", () => {
  it("retries a failed update, dead-letters a poison one, and keeps answering (also after a restart)", async () => {
    let running = await start()
    const { token } = emulator.createBot()
    const bot = await running.run(
      Effect.gen(function* () {
        return (yield* (yield* Bots).create({ name: "Pipeline", telegramToken: token })).bot
      })
    )
    await emulator.waitForPoller(token, 2000)

    const flaky = emulator.injectMessage(token, { text: "flaky", from: 701 })
    await emulator.waitForSent(token, 701, (m) => m.text === "ok: flaky", 3000)
    expect(attempts.get(`${flaky.updateId}`)).toBe(2)

    const poison = emulator.injectMessage(token, { text: "poison", from: 702 })
    emulator.injectMessage(token, { text: "after", from: 702 })
    await emulator.waitForSent(token, 702, (m) => m.text === "ok: after", 5000)
    const letters = await eventually(async () => {
      const rows = await deadLetters(running)
      return rows.length > 0 ? rows : undefined
    })
    expect(letters).toEqual([expect.objectContaining({ updateId: poison.updateId, attempts: 3 })])
    expect(letters[0]!.error).toContain("always fails")
    expect(attempts.get(`${poison.updateId}`)).toBe(3)

    // Per-bot series are exported while the bot runs here.
    // Handled: flaky (on its 2nd attempt) and after; failed attempts: flaky 1 + poison 3; dead-lettered: poison.
    // An update counts as handled once its transaction committed, a moment after its reply: read until it did.
    const ofBot = { bot_id: String(bot.id) }
    const read = async () => {
      const text = await (await fetch(`${running.metricsUrl}/metrics`)).text()
      return { text, exposition: parseExposition(text) } // throws on any line that is not the exposition format
    }
    let scrape = await read()
    for (let i = 0; i < 30 && scrape.exposition.find("botfleet_bot_updates_total", ofBot)[0]?.value !== 2; i++) {
      await new Promise((r) => setTimeout(r, 100))
      scrape = await read()
    }
    const { text: metrics, exposition } = scrape
    expect(metrics).not.toContain(token)
    expect(exposition.samples.filter((s) => familyOf(exposition, s.name) === undefined)).toEqual([]) // each has a TYPE
    expect(exposition.value("botfleet_bot_up", ofBot)).toBe(1)
    expect(exposition.value("botfleet_bot_updates_total", ofBot)).toBe(2)
    expect(exposition.value("botfleet_bot_handler_errors_total", ofBot)).toBe(4)
    expect(exposition.value("botfleet_dead_letters_total")).toBe(1)

    // The poison update was confirmed: a restart does not see it again.
    await running.stop()
    const seenBefore = attempts.get(`${poison.updateId}`)
    running = await start()
    await emulator.waitForPoller(token, 3000)
    emulator.injectMessage(token, { text: "again", from: 703 })
    await emulator.waitForSent(token, 703, (m) => m.text === "ok: again", 3000)
    expect(attempts.get(`${poison.updateId}`)).toBe(seenBefore)

    // Deactivated: the bot's series leave /metrics.
    await running.run(
      Effect.gen(function* () {
        yield* (yield* Bots).deactivate(bot.id)
      })
    )
    await eventually(async () => {
      const text = await (await fetch(`${running.metricsUrl}/metrics`)).text()
      return !text.includes(`bot_id="${bot.id}"`)
    }, 3000)
    await running.stop()
  })
})
