/**
 * Sends paced to Telegram's flood limits before Telegram has to refuse them.
 *
 * Telegram answers 429 "retry after N" past about one message a second per chat
 * (short bursts pass), 20 a minute per group and 30 a second per bot (Bots FAQ).
 * Waiting out a 429 costs the whole retry_after; pacing costs only the gap. Each
 * rate limit is a GCRA (a token bucket kept as one "theoretical arrival time"),
 * the group limit a log of the group's last 20 slots (a minute-long window lets
 * 20 go at once, which no bucket expresses): a send reserves its slot
 * synchronously and sleeps until it, so concurrent sends queue fairly with no
 * timer and no queue object. Bounds that hold over any window:
 *
 * | limit     | pace                          | at most                    |
 * |-----------|-------------------------------|----------------------------|
 * | per bot   | 25 a second, burst 3          | 28 in any second           |
 * | per chat  | 1 per 1.1 s, burst 4          | 4 at once, then < 1 a second |
 * | per group | a sliding window of 61 s      | 20 in any minute           |
 *
 * Why not @grammyjs/transformer-throttler: it runs Bottleneck limiters whose
 * reservoir refresh is a timer per limiter, for as long as the process lives —
 * thousands of bots would keep thousands of timers ticking. Here an idle bot
 * costs one small object and nothing runs; a chat's state is dropped once its
 * bucket is full again. 429s that still happen (another process sending for the
 * same bot, Telegram's own judgement) are waited out by auto-retry.
 *
 * The state is per token and shared by every client of the process (a bot's
 * runner, its webhook sessions, notices sent outside updates).
 */
import type { Transformer } from "grammy"
import { createHash } from "node:crypto"

/** Methods that post or change a message: the ones Telegram's flood control counts. */
export const PACED_METHODS: ReadonlySet<string> = new Set([
  "sendMessage",
  "sendPhoto",
  "sendDocument",
  "sendVideo",
  "sendAnimation",
  "sendAudio",
  "sendVoice",
  "sendSticker",
  "sendMediaGroup",
  "sendLocation",
  "sendContact",
  "sendPoll",
  "sendDice",
  "sendInvoice",
  "copyMessage",
  "copyMessages",
  "forwardMessage",
  "forwardMessages",
  "editMessageText",
  "editMessageCaption",
  "editMessageReplyMarkup",
  "editMessageMedia"
])

interface Limit {
  /** ms between sends at the sustained rate */
  readonly interval: number
  /** how far ahead of its slot a send may go: (burst − 1) × interval */
  readonly tolerance: number
}

const limit = (perSecond: number, burst: number): Limit => ({
  interval: 1000 / perSecond,
  tolerance: (burst - 1) * (1000 / perSecond)
})

// Below Telegram's 30 a second by 2: a stalled event loop that sends two early
// slots late bunches them with later ones.
export const BOT_LIMIT = limit(25, 3)
// A little under Telegram's pace: a burst that reached Telegram a few milliseconds
// late would otherwise make the first paced send after it a few milliseconds early.
export const CHAT_LIMIT = limit(1 / 1.1, 4)
/** Telegram: about 20 messages a minute to one group. */
export const GROUP_WINDOW = { count: 20, ms: 61_000 }

interface BotPace {
  /** theoretical arrival time of the bot's next send (epoch ms) */
  bot: number
  /** per chat: its theoretical arrival time; entries whose bucket refilled are dropped */
  readonly chats: Map<number, number>
  /** per group: its last GROUP_WINDOW.count slots, oldest first */
  readonly groups: Map<number, Array<number>>
  lastUsed: number
}

const paces = new Map<string, BotPace>()
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Forgets what no longer limits anything (kept small without a timer: runs as sends happen). */
const prune = (now: number) => {
  for (const [key, pace] of paces) {
    if (now - pace.lastUsed > 60_000) paces.delete(key)
  }
}
let lastPrune = 0

const paceOf = (key: string, now: number): BotPace => {
  if (now - lastPrune > 60_000) {
    lastPrune = now
    prune(now)
  }
  let pace = paces.get(key)
  if (!pace) paces.set(key, (pace = { bot: 0, chats: new Map(), groups: new Map(), lastUsed: now }))
  pace.lastUsed = now
  return pace
}

/** Reserves the earliest slot all `limits` allow (each: its current arrival time); returns it. */
const reserve = (now: number, entries: ReadonlyArray<readonly [Limit, number]>): number => {
  let slot = now
  for (const [l, tat] of entries) slot = Math.max(slot, tat - l.tolerance)
  return slot
}

/** The earliest slot every limit allows a send to `chatId` now (nothing reserved). */
const plan = (pace: BotPace, chatId: number | undefined, now: number) => {
  const chatTat = chatId === undefined ? undefined : Math.max(now, pace.chats.get(chatId) ?? now)
  const group = chatId !== undefined && chatId < 0 ? (pace.groups.get(chatId) ?? []) : undefined
  const botTat = Math.max(now, pace.bot)
  const entries: Array<readonly [Limit, number]> = [[BOT_LIMIT, botTat]]
  if (chatTat !== undefined) entries.push([CHAT_LIMIT, chatTat])
  let slot = reserve(now, entries)
  // A full window: the slot comes once the oldest of its sends has left it.
  if (group !== undefined && group.length >= GROUP_WINDOW.count) {
    slot = Math.max(slot, group[group.length - GROUP_WINDOW.count]! + GROUP_WINDOW.ms)
  }
  return { chatTat, group, botTat, slot }
}

/** The wait a send to `chatId` would have now, without reserving it (0 for a bot that has not sent yet). */
export const sendDelay = (key: string, chatId: number | undefined, now = Date.now()): number => {
  const pace = paces.get(key)
  return pace === undefined ? 0 : plan(pace, chatId, now).slot - now
}

/** The wait before a send to `chatId` may go out, with its slot reserved in every limit. */
export const reserveSend = (key: string, chatId: number | undefined, now = Date.now()): number => {
  const pace = paceOf(key, now)
  const { chatTat, group, botTat, slot } = plan(pace, chatId, now)
  pace.bot = Math.max(botTat, slot) + BOT_LIMIT.interval
  if (chatId !== undefined && chatTat !== undefined) {
    pace.chats.set(chatId, Math.max(chatTat, slot) + CHAT_LIMIT.interval)
    // A chat whose bucket is full again limits nothing: drop it (bounded by active chats).
    if (pace.chats.size > 1000) for (const [id, tat] of pace.chats) if (tat <= now) pace.chats.delete(id)
  }
  if (chatId !== undefined && group !== undefined) {
    group.push(slot)
    if (group.length > GROUP_WINDOW.count) group.shift()
    pace.groups.set(chatId, group)
  }
  return slot - now
}

/** A stable id of a token for the pacing state (never the token itself). */
export const paceKey = (token: string): string => createHash("sha256").update(token).digest("base64url")

/** The chat a call is for, when it names one by number. */
export const chatIdOf = (payload: unknown): number | undefined => {
  const raw = (payload as { chat_id?: unknown } | undefined)?.chat_id
  return typeof raw === "number" ? raw : typeof raw === "string" && /^-?\d+$/.test(raw) ? Number(raw) : undefined
}

/** A grammY transformer pacing one bot's sends (`key`: paceKey of its token). */
export const paceSends =
  (key: string): Transformer =>
  async (prev, method, payload, signal) => {
    if (!PACED_METHODS.has(method)) return prev(method, payload, signal)
    const wait = reserveSend(key, chatIdOf(payload))
    if (wait > 0) await sleep(wait)
    return prev(method, payload, signal)
  }
