/**
 * The alternatives botfleet is measured against: plain grammY bots, each run
 * with `run(bot)` from @grammyjs/runner and the same echo handler as the
 * pipeline scenario. One process may run one bot (the single-tenant deployment,
 * one process per bot) or a few (the pipeline comparison).
 * Env: BOT_TOKENS (comma-separated), TELEGRAM_API_ROOT, TELEGRAM_POLL_TIMEOUT_SECONDS.
 */
import { run } from "@grammyjs/runner"
import type { RunnerHandle } from "@grammyjs/runner"
import { Bot } from "grammy"

const tokens = (process.env.BOT_TOKENS ?? "").split(",").filter((t) => t !== "")
const apiRoot = process.env.TELEGRAM_API_ROOT ?? "https://api.telegram.org"
const timeout = Number(process.env.TELEGRAM_POLL_TIMEOUT_SECONDS ?? "30")
if (tokens.length === 0) throw new Error("BOT_TOKENS is empty")

const handles: Array<RunnerHandle> = []
for (const token of tokens) {
  const bot = new Bot(token, { client: { apiRoot } })
  bot.on("message:text", (ctx) => ctx.reply(ctx.message.text))
  bot.catch((e) => console.error("handler failed", e.error))
  handles.push(run(bot, { runner: { fetch: { timeout } } }))
}

let stopping = false
const stop = () => {
  if (stopping) return
  stopping = true
  void Promise.all(handles.map((h) => (h.isRunning() ? h.stop() : undefined))).finally(() => process.exit(0))
}
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
process.on("disconnect", stop)
