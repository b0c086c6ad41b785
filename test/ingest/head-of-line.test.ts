/**
 * One chat's slow update holds back no other chat (DESIGN.md §1 "Ingest"). On the
 * real Telegram a getUpdates that repeats the previous offset gets one update per
 * call, so a source that re-polls the oldest unfinished update while one chat
 * waits out a 429 (or a slow handler) starves every other chat of the bot.
 */
import { Composer } from "grammy"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { BotContext } from "../../src/bot/context.ts"
import { startTelegramEmulator } from "../../src/emulators/telegram/index.ts"
import type { TelegramEmulator } from "../../src/emulators/telegram/index.ts"
import { Bots } from "../../src/tenants/bots.ts"
import { startApp } from "../support/app.ts"
import type { RunningApp } from "../support/app.ts"
import { createTestDatabase } from "../support/database.ts"
import type { TestDatabase } from "../support/database.ts"

let emulator: TelegramEmulator
let db: TestDatabase
let app: RunningApp

const SLOW_CHAT = 700
const slowApp = new Composer<BotContext>()
slowApp.on("message", async (ctx) => {
  if (ctx.message.text === "sleep") await new Promise((r) => setTimeout(r, 6_000))
  await ctx.reply(`echo ${ctx.message.text}`)
})

beforeAll(async () => {
  emulator = await startTelegramEmulator()
  db = await createTestDatabase()
  app = await startApp({ databaseUrl: db.url, telegramApiRoot: emulator.url, tenantApp: slowApp })
})
afterAll(async () => {
  await app?.stop()
  await emulator?.close()
  await db?.drop()
})

const startBot = async (name: string) => {
  const { token } = emulator.createBot()
  await app.run(
    Effect.gen(function* () {
      yield* (yield* Bots).create({ name, telegramToken: token })
    })
  )
  await emulator.waitForPoller(token, 10_000)
  return token
}

/** Ten other chats write while the slow chat is held; each reply's latency from its message. */
const otherChatsLatencies = async (token: string, firstUser: number) => {
  await new Promise((r) => setTimeout(r, 300))
  const users = Array.from({ length: 10 }, (_, i) => firstUser + i)
  const sentAt = Date.now()
  for (const u of users) emulator.injectMessage(token, { text: `hi ${u}`, from: u })
  return Promise.all(
    users.map((u) =>
      emulator.waitForSent(token, u, (m) => m.text === `echo hi ${u}`, 5_000).then(() => Date.now() - sentAt)
    )
  )
}

describe("head of line", () => {
  it("one chat's reply waiting out a 429 retry_after 6 delays no other chat", async () => {
    const token = await startBot("Flooded")
    emulator.injectFault(token, { kind: "rate_limit", retryAfter: 6, method: "sendMessage", count: 1 })
    const slowSentAt = Date.now()
    emulator.injectMessage(token, { text: "first", from: SLOW_CHAT })
    const latencies = await otherChatsLatencies(token, 710)
    expect(Math.max(...latencies)).toBeLessThan(1_000)
    // The flooded chat's reply comes after the wait, not before and not never.
    await emulator.waitForSent(token, SLOW_CHAT, (m) => m.text === "echo first", 10_000)
    expect(Date.now() - slowSentAt).toBeGreaterThanOrEqual(6_000)
  }, 20_000)

  it("a handler that takes 6 s delays no other chat", async () => {
    const token = await startBot("Sleepy")
    const slowSentAt = Date.now()
    emulator.injectMessage(token, { text: "sleep", from: SLOW_CHAT })
    const latencies = await otherChatsLatencies(token, 730)
    expect(Math.max(...latencies)).toBeLessThan(1_000)
    await emulator.waitForSent(token, SLOW_CHAT, (m) => m.text === "echo sleep", 10_000)
    expect(Date.now() - slowSentAt).toBeGreaterThanOrEqual(6_000)
  }, 20_000)
})
