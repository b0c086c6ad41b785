/**
 * A supervisor in a child process, for tests that kill it (SIGKILL, SIGTERM).
 * Its tenant application logs each update into `handler_log` inside the
 * update's transaction, after an optional delay, then replies (except to "quiet…").
 * Env: DATABASE_URL, TELEGRAM_API_ROOT, HANDLER_DELAY_MS.
 */
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { Composer } from "grammy"
import { AppLayer, launch } from "../../src/app.ts"
import type { BotContext } from "../../src/bot/context.ts"
import { AppConfig } from "../../src/config.ts"

const delayMs = Number(process.env.HANDLER_DELAY_MS ?? "0")

const app = new Composer<BotContext>()
app.on("message", async (ctx) => {
  // An update that takes the whole process down, every time it is handled.
  if (ctx.message.text === "crash") process.kill(process.pid, "SIGKILL")
  await new Promise((r) => setTimeout(r, delayMs))
  await ctx.run(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`INSERT INTO handler_log (bot_id, update_id, chat_id)
        VALUES (${ctx.tenant.botId}, ${ctx.update.update_id}, ${ctx.chat.id})`
    })
  )
  // "quiet…" messages are only logged: a test of the inbox alone need not wait out Telegram's flood limits.
  if (!ctx.message.text?.startsWith("quiet")) await ctx.reply(`handled ${ctx.update.update_id}`)
})

launch(AppLayer({ tenantApp: app, runnerName: `child-${process.pid}` }).pipe(Layer.provide(AppConfig.layer)))
