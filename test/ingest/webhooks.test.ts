/**
 * Webhook ingest (DESIGN.md §1): Telegram (the emulator, delivering as the real
 * server does — several connections, retries, an update now and then twice)
 * POSTs to /telegram/webhook/<bot id>; the receiver checks the bot's secret,
 * stores the update in the inbox and answers after the commit; the bucket's
 * owner handles it. Switching modes loses nothing; a deactivated bot's webhook
 * is deleted.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { Api, Composer } from "grammy"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { BotContext } from "../../src/bot/context.ts"
import { startTelegramEmulator } from "../../src/emulators/telegram/index.ts"
import type { TelegramEmulator } from "../../src/emulators/telegram/index.ts"
import { freePort } from "../../src/free-port.ts"
import { webhookSecret } from "../../src/ingest/webhook-secret.ts"
import { Bots } from "../../src/tenants/bots.ts"
import { eventually, startApp } from "../support/app.ts"
import type { RunningApp } from "../support/app.ts"
import { createTestDatabase } from "../support/database.ts"
import type { TestDatabase } from "../support/database.ts"

let emulator: TelegramEmulator
let db: TestDatabase
let app: RunningApp

// Every message is logged in its update's transaction: a double handling would show as two rows.
const logging = new Composer<BotContext>()
logging.on("message", async (ctx) => {
  await ctx.run(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`INSERT INTO handler_log (bot_id, update_id, chat_id) VALUES (${ctx.tenant.botId}, ${ctx.update.update_id}, ${ctx.chat.id})`
    })
  )
})

beforeAll(async () => {
  emulator = await startTelegramEmulator()
  db = await createTestDatabase()
  const port = await Effect.runPromise(freePort())
  app = await startApp({
    databaseUrl: db.url,
    telegramApiRoot: emulator.url,
    tenantApp: logging,
    config: { httpPort: port, publicUrl: `http://127.0.0.1:${port}`, pollTimeoutSeconds: 1 }
  })
  await sql(`CREATE TABLE handler_log (bot_id bigint NOT NULL, update_id bigint NOT NULL, chat_id bigint NOT NULL)`)
  await sql(`GRANT INSERT ON handler_log TO botfleet_tenant`)
})
afterAll(async () => {
  await app?.stop()
  await emulator?.close()
  await db?.drop()
})

function sql<A extends object>(text: string, ...params: Array<unknown>) {
  return app.run(
    Effect.gen(function* () {
      const client = yield* SqlClient.SqlClient
      return (yield* client.unsafe<A>(text, params as Array<never>)) as ReadonlyArray<A>
    })
  )
}

const createBot = async (name: string, mode: "polling" | "webhook") => {
  const { token } = emulator.createBot()
  // One transaction: the watcher never sees the bot in the fleet's default mode first.
  const id = await app.run(
    Effect.gen(function* () {
      const client = yield* SqlClient.SqlClient
      return yield* client.withTransaction(
        Effect.gen(function* () {
          const bot = (yield* (yield* Bots).create({ name, telegramToken: token })).bot
          yield* client`UPDATE bots SET ingest_mode = ${mode} WHERE id = ${bot.id}`
          return bot.id
        })
      )
    })
  )
  return { id, token }
}

const webhookOf = (token: string) => new Api(token, { apiRoot: emulator.url }).getWebhookInfo()

/** Times each update was handled, for the bot. */
const handled = async (botId: number) =>
  new Map(
    (
      await sql<{ updateId: number; times: number }>(
        "SELECT update_id, count(*)::int AS times FROM handler_log WHERE bot_id = $1 GROUP BY update_id",
        botId
      )
    ).map((r) => [r.updateId, r.times])
  )

describe("webhook ingest", () => {
  it("1,000 updates to 20 webhook bots, some delivered twice by Telegram: each handled once", async () => {
    const bots = await Promise.all(Array.from({ length: 20 }, (_, i) => createBot(`Hook ${i}`, "webhook")))
    for (const bot of bots) {
      await eventually(async () => (await webhookOf(bot.token)).url?.endsWith(`/telegram/webhook/${bot.id}`), 10_000)
    }
    const injected = new Map<number, Array<number>>()
    for (let i = 0; i < 1000; i++) {
      const bot = bots[i % bots.length]!
      const ids = injected.get(bot.id) ?? []
      ids.push(emulator.injectMessage(bot.token, { text: `w${i}`, from: 9000 + (i % 7) }).updateId)
      injected.set(bot.id, ids)
    }
    // Telegram delivers an update again when it did not see the 200 in time: the inbox drops the repeat.
    const sample = bots[0]!
    const again = await fetch(`${app.httpUrl}/telegram/webhook/${sample.id}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": webhookSecret(sample.token) },
      body: JSON.stringify({
        update_id: injected.get(sample.id)![0],
        message: { message_id: 1, date: 0, chat: { id: 9000, type: "private" }, text: "w0" }
      })
    })
    expect(again.status).toBe(200)
    for (const bot of bots) {
      const times = await eventually(async () => {
        const map = await handled(bot.id)
        return map.size === injected.get(bot.id)!.length ? map : undefined
      }, 20_000)
      expect([...times.keys()].sort((a, b) => a - b)).toEqual(injected.get(bot.id))
      expect([...times.values()].every((n) => n === 1)).toBe(true)
      // Telegram counts an update pending until it reads the 200, which may come a moment after the handling.
      await eventually(async () => (await webhookOf(bot.token)).pending_update_count === 0, 5_000)
    }
    // Nothing left behind, and no long poll was ever made for them.
    expect((await sql<{ n: number }>("SELECT count(*)::int AS n FROM update_inbox"))[0]!.n).toBe(0)
    for (const bot of bots) expect(emulator.stats(bot.token).getUpdatesCalls).toBe(0)
  }, 60_000)

  it("a forged or missing secret gets 401 and stores nothing; an unknown bot 404", async () => {
    const bot = await createBot("Guarded", "webhook")
    await eventually(async () => (await webhookOf(bot.token)).url !== "", 10_000)
    const post = (headers: Record<string, string>, botId = bot.id) =>
      fetch(`${app.httpUrl}/telegram/webhook/${botId}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({
          update_id: 424242,
          message: { message_id: 1, date: 0, chat: { id: 1, type: "private" } }
        })
      })
    expect((await post({ "x-telegram-bot-api-secret-token": "forged" })).status).toBe(401)
    expect((await post({})).status).toBe(401)
    expect((await post({ "x-telegram-bot-api-secret-token": webhookSecret("1:another-token") })).status).toBe(401)
    expect((await post({ "x-telegram-bot-api-secret-token": webhookSecret(bot.token) }, 987654)).status).toBe(404)
    const rows = await sql<{ n: number }>("SELECT count(*)::int AS n FROM update_inbox WHERE update_id = 424242")
    expect(rows[0]!.n).toBe(0)
    expect((await handled(bot.id)).size).toBe(0)
  })

  it("polling → webhook → polling under a stream of messages: none lost or doubled; deactivation deletes the webhook", async () => {
    const bot = await createBot("Switcher", "polling")
    await emulator.waitForPoller(bot.token, 10_000)
    const injected: Array<number> = []
    let streaming = true
    const stream = (async () => {
      for (let i = 0; streaming; i++) {
        injected.push(emulator.injectMessage(bot.token, { text: `s${i}`, from: 9100 + (i % 3) }).updateId)
        await new Promise((r) => setTimeout(r, 20))
      }
    })()
    await new Promise((r) => setTimeout(r, 500))
    await sql("UPDATE bots SET ingest_mode = 'webhook' WHERE id = $1", bot.id)
    await eventually(async () => (await webhookOf(bot.token)).url !== "", 10_000)
    await new Promise((r) => setTimeout(r, 800))
    await sql("UPDATE bots SET ingest_mode = 'polling' WHERE id = $1", bot.id)
    await eventually(async () => (await webhookOf(bot.token)).url === "", 10_000)
    await new Promise((r) => setTimeout(r, 500))
    streaming = false
    await stream
    const times = await eventually(async () => {
      const map = await handled(bot.id)
      return map.size === injected.length ? map : undefined
    }, 20_000)
    expect([...times.keys()].sort((a, b) => a - b)).toEqual(injected)
    expect([...times.values()].every((n) => n === 1)).toBe(true)

    // Back to webhook, then deactivated: the webhook goes with it.
    await sql("UPDATE bots SET ingest_mode = 'webhook' WHERE id = $1", bot.id)
    await eventually(async () => (await webhookOf(bot.token)).url !== "", 10_000)
    await sql("UPDATE bots SET is_active = false WHERE id = $1", bot.id)
    await eventually(async () => (await webhookOf(bot.token)).url === "", 10_000)
  }, 60_000)
})
