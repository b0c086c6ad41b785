/**
 * A grammY `Bot` for one tenant: pointed at TELEGRAM_API_ROOT, counting failed
 * API calls by method and code, fitting texts and captions to Telegram's limits
 * (src/telegram/message-limits.ts), pacing sends to Telegram's flood limits
 * (src/telegram/send-pace.ts; TELEGRAM_SEND_PACING) and retrying rate-limited
 * and failing sends (auto-retry) — but never getUpdates, whose failures the
 * runner's restart policy owns.
 */
import { autoRetry } from "@grammyjs/auto-retry"
import { Option } from "effect"
import { Bot } from "grammy"
import type { Context, Transformer } from "grammy"
import { telegramApiErrors } from "../metrics/registry.ts"
import { sharedTelegramClient } from "./http-client.ts"
import type { Dispatcher } from "undici"
import { fitToTelegramLimits } from "./message-limits.ts"
import { paceKey, paceSends } from "./send-pace.ts"

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

export interface TelegramClientOptions {
  readonly apiRoot: string
  /** Pace sends to Telegram's flood limits (off only where the flood limits are off too, e.g. a benchmark). */
  readonly pacing: boolean
  /** The process's one HTTP client for Telegram (src/telegram/http-client.ts); grammY's own when unset. */
  readonly fetch?: typeof fetch
  /** The dispatcher behind `fetch`, for the long polls (src/ingest/long-poll-call.ts). */
  readonly dispatcher?: Dispatcher
}

/** The options of every bot client, from the service's configuration. */
export const telegramClientOptions = (config: {
  readonly telegramApiRoot: string
  readonly telegramSendPacing: "on" | "off"
  readonly telegramCaFile: Option.Option<string>
  readonly telegramHttp2: "auto" | "off"
  readonly telegramHttp2MaxStreams: number
}): Required<TelegramClientOptions> => {
  const { fetch, dispatcher } = sharedTelegramClient({
    caFile: Option.getOrUndefined(config.telegramCaFile),
    http2: config.telegramHttp2,
    maxStreams: config.telegramHttp2MaxStreams
  })
  return { apiRoot: config.telegramApiRoot, pacing: config.telegramSendPacing === "on", fetch, dispatcher }
}

export const makeTelegramBot = <C extends Context>(token: string, options: TelegramClientOptions): Bot<C> => {
  const bot = new Bot<C>(token, {
    client:
      options.fetch === undefined ? { apiRoot: options.apiRoot } : { apiRoot: options.apiRoot, fetch: options.fetch }
  })
  // Transformers run last-installed first: errors are counted once, after pacing and retries.
  bot.api.config.use(retrySends())
  if (options.pacing) bot.api.config.use(paceSends(paceKey(token)))
  bot.api.config.use(countErrors)
  // Whatever any client of a bot sends fits Telegram's text and caption limits.
  bot.api.config.use(fitToTelegramLimits)
  return bot
}
