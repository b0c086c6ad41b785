/**
 * A grammY `Bot` for one tenant: pointed at TELEGRAM_API_ROOT, counting failed
 * API calls by method and code, retrying rate-limited and failing sends
 * (auto-retry) — but never getUpdates, whose failures the runner's restart
 * policy owns.
 */
import { autoRetry } from "@grammyjs/auto-retry"
import { Bot } from "grammy"
import type { Context, Transformer } from "grammy"
import { telegramApiErrors } from "../metrics/registry.ts"

const countErrors: Transformer = async (prev, method, payload, signal) => {
  try {
    const result = await prev(method, payload, signal)
    if (!result.ok) telegramApiErrors.inc({ method, code: String(result.error_code) })
    return result
  } catch (error) {
    if (!signal?.aborted) telegramApiErrors.inc({ method, code: "network" })
    throw error
  }
}

const retrySends = (): Transformer => {
  const retry = autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 60 })
  return (prev, method, payload, signal) =>
    method === "getUpdates" ? prev(method, payload, signal) : retry(prev, method, payload, signal)
}

export const makeTelegramBot = <C extends Context>(token: string, apiRoot: string): Bot<C> => {
  const bot = new Bot<C>(token, { client: { apiRoot } })
  bot.api.config.use(retrySends())
  bot.api.config.use(countErrors)
  return bot
}
