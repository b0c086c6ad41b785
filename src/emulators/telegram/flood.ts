// Telegram's flood control on messages a bot sends. It is enforced by Telegram's
// servers behind the Bot API server (which passes their FLOOD_WAIT on as
// 429 "Too Many Requests: retry after N", fail_query_with_error), so the limits
// are the documented ones (Bots FAQ, "My bot is hitting limits"): see
// FloodLimits in rules.ts. A refused message is not counted.
import { tooManyRequests } from "./errors.ts"
import type { ApiError } from "./errors.ts"
import type { FloodLimits } from "./rules.ts"
import type { Chat } from "./types.ts"

/** Sending methods that flood control applies to (not getUpdates, getMe, answerCallbackQuery, …). */
export const FLOOD_LIMITED_METHODS: ReadonlySet<string> = new Set([
  "sendMessage",
  "sendPhoto",
  "sendDocument",
  "sendSticker",
  "sendMediaGroup",
  "copyMessage",
  "forwardMessage",
  "editMessageText",
  "editMessageCaption",
  "editMessageReplyMarkup",
  "editMessageMedia"
])

export interface FloodState {
  /** per chat: a token bucket */
  readonly chats: Map<number, { tokens: number; at: number }>
  /** per group: the times of the messages sent in the current window */
  readonly groups: Map<number, number[]>
  /** the whole bot: the times of the messages sent in the current window */
  bot: number[]
}

export const newFloodState = (): FloodState => ({ chats: new Map(), groups: new Map(), bot: [] })

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000))

/** Times still inside the window, oldest first. */
function inWindow(times: number[], now: number, windowMs: number): number[] {
  let i = 0
  while (i < times.length && times[i]! <= now - windowMs) i++
  return i === 0 ? times : times.slice(i)
}

/**
 * Admits one message to `chat` now, or returns the 429 Telegram would answer.
 * Every limit is checked before any is charged.
 */
export function admitMessage(flood: FloodState, limits: FloodLimits, chat: Chat, now: number): ApiError | undefined {
  const { perChat, perGroup, perBot } = limits
  let waitMs = 0

  const bucket = flood.chats.get(chat.id) ?? { tokens: perChat.burst, at: now }
  const tokens = Math.min(perChat.burst, bucket.tokens + ((now - bucket.at) / 1000) * perChat.perSecond)
  if (tokens < 1) waitMs = Math.max(waitMs, ((1 - tokens) / perChat.perSecond) * 1000)

  const isGroup = chat.type === "group" || chat.type === "supergroup"
  const group = isGroup ? inWindow(flood.groups.get(chat.id) ?? [], now, perGroup.windowMs) : undefined
  if (group !== undefined && group.length >= perGroup.count) {
    waitMs = Math.max(waitMs, group[group.length - perGroup.count]! + perGroup.windowMs - now)
  }

  const all = inWindow(flood.bot, now, perBot.windowMs)
  flood.bot = all
  if (all.length >= perBot.count) waitMs = Math.max(waitMs, all[all.length - perBot.count]! + perBot.windowMs - now)

  if (waitMs > 0) return tooManyRequests(seconds(waitMs))
  flood.chats.set(chat.id, { tokens: tokens - 1, at: now })
  if (group !== undefined) {
    group.push(now)
    flood.groups.set(chat.id, group)
  }
  all.push(now)
  return undefined
}
