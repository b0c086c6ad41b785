// getUpdates and the update queue, following the official Bot API server
// (telegram-bot-api/Client.cpp): an offset confirms every older update,
// unconfirmed updates are delivered again, a getUpdates that is about to wait
// ends the pending long poll with 409, a long poll answers as soon as an update
// arrives, and a client that repeats its offset is throttled.
import { type ApiError, conflict, unauthorized } from "./errors.ts"
import { json } from "./params.ts"
import type { Params } from "./params.ts"
import type { BotState, EmulatorState, Poller, QueuedUpdate } from "./state.ts"
import type { Update } from "./types.ts"

/** Client::LONG_POLL_MAX_TIMEOUT */
const MAX_TIMEOUT_S = 50
/** Without allowed_updates Telegram withholds these three kinds (DEFAULT_ALLOWED_UPDATE_TYPES). */
const NOT_DEFAULT = new Set(["chat_member", "message_reaction", "message_reaction_count"])
/** fail_query_conflict: a second 409 within 3 s goes out 3 s late. */
const CONFLICT_SPACING_MS = 3000
/**
 * add_update's timeout: an update nobody fetched in time is dropped. Queries
 * that wait for an answer live 150 s (add_new_callback_query and the payment
 * queries), everything else a day (add_message_update: 86400 s from its date).
 */
const SHORT_LIVED = new Set(["callback_query", "shipping_query", "pre_checkout_query"])
const SHORT_TTL_MS = 150_000
const DAY_MS = 86_400_000

export const CONFLICT_OTHER_POLL =
  "terminated by other getUpdates request; make sure that only one bot instance is running"
export const CONFLICT_WEBHOOK =
  "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
export const CONFLICT_SET_WEBHOOK = "terminated by setWebhook request"

/** The client went away; nothing is written back. */
export class PollAborted extends Error {}

function wanted(bot: BotState, kind: string): boolean {
  const allowed = bot.allowedUpdates
  if (allowed === undefined || allowed.length === 0) return !NOT_DEFAULT.has(kind)
  return allowed.includes(kind)
}

type Body = Record<string, unknown>
const idOf = (v: unknown): number | undefined => {
  const id = (v as { id?: unknown } | undefined)?.id
  return typeof id === "number" ? id : undefined
}

/**
 * webhook_queue_id (Client::add_update callers): a webhook gets one update of a
 * queue at a time, so a chat's messages arrive in order while, for instance, a
 * user's button presses (a queue of their own) may overtake them.
 */
function queueKeyOf(kind: string, body: Body, updateId: number): string {
  const payload = body[kind] as Body | undefined
  const chatId = idOf(payload?.chat)
  const fromId = idOf(payload?.from)
  switch (kind) {
    case "message":
    case "edited_message":
    case "channel_post":
    case "edited_channel_post":
      return chatId === undefined ? `u${updateId}` : `c${chatId}`
    case "callback_query":
      return `q${fromId}`
    case "shipping_query":
    case "pre_checkout_query":
      return `p${fromId}`
    case "my_chat_member":
      return `m${chatId}`
    case "chat_member":
    case "chat_join_request":
      return `j${fromId}`
    default:
      return `u${updateId}`
  }
}

/**
 * Queues an update. Kinds excluded by allowed_updates are dropped at creation,
 * as Telegram does (add_update_impl), but still consume an update_id here.
 */
export function enqueue(state: EmulatorState, bot: BotState, body: Body): { updateId: number; dropped: boolean } {
  const updateId = bot.nextUpdateId++
  const kind = Object.keys(body)[0] ?? "message"
  if (!wanted(bot, kind)) return { updateId, dropped: true }
  const now = Date.now()
  bot.queue.push({
    id: updateId,
    update: { update_id: updateId, ...body },
    expiresAt: now + (SHORT_LIVED.has(kind) ? SHORT_TTL_MS : DAY_MS),
    queueKey: queueKeyOf(kind, body, updateId)
  })
  const poller = bot.poller
  if (poller && !poller.scheduled) {
    // long_poll_wakeup: the pending poll answers a moment later (1–2 ms there; here
    // after the current synchronous burst), with whatever its offset selects now.
    poller.scheduled = true
    queueMicrotask(() => {
      poller.scheduled = false
      if (bot.poller !== poller) return
      poller.resolve(select(bot, poller.offset, poller.limit))
    })
  }
  state.onEnqueue?.(bot)
  state.emit(bot, { type: "update" })
  return { updateId, dropped: false }
}

/** Drops updates past their lifetime (the TQueue does so on every read). */
export function dropExpired(bot: BotState, now = Date.now()): void {
  const q = bot.queue
  if (q.length === 0 || q.every((u) => u.expiresAt > now)) return
  bot.queue = q.filter((u) => u.expiresAt > now)
}

function select(bot: BotState, offset: number, limit: number): Update[] {
  dropExpired(bot)
  const q = bot.queue
  let start = 0
  while (start < q.length && q[start]!.id < offset) start++
  return q.slice(start, start + limit).map((u) => u.update)
}

/** Confirms that updates below `id` were handled (the head of the queue moves). */
function raiseConfirmed(state: EmulatorState, bot: BotState, implied: number): void {
  if (implied > bot.counters.confirmedOffset) {
    bot.counters.confirmedOffset = implied
    state.emit(bot, { type: "confirm" })
  }
}

/** Applies getUpdates' offset: forget everything before it (negative = keep only the last -offset). */
export function confirm(state: EmulatorState, bot: BotState, offset: number): void {
  const q = bot.queue
  let implied = 0
  if (offset > 0) {
    let n = 0
    while (n < q.length && q[n]!.id < offset) n++
    if (n > 0) q.splice(0, n)
    implied = offset
  } else if (offset < 0) {
    if (q.length > -offset) q.splice(0, q.length + offset)
    implied = q[0]?.id ?? bot.nextUpdateId
  }
  raiseConfirmed(state, bot, implied)
}

/** A webhook delivered this update (WebhookActor::drop_event → TQueue::forget). */
export function forget(state: EmulatorState, bot: BotState, entry: QueuedUpdate): void {
  const i = bot.queue.indexOf(entry)
  if (i >= 0) bot.queue.splice(i, 1)
  raiseConfirmed(state, bot, bot.queue[0]?.id ?? bot.nextUpdateId)
}

export function dropPending(state: EmulatorState, bot: BotState): void {
  bot.queue.length = 0
  raiseConfirmed(state, bot, bot.nextUpdateId)
}

/**
 * fail_query_conflict: the first 409 in 3 s goes out at once, a later one 3 s
 * late (the real server's SleepActor). Only a 409 that went out at once starts
 * the 3 s; one whose client had gone counts too — the server cannot tell.
 */
function failQueryConflict(state: EmulatorState, bot: BotState, error: ApiError, send: (e: ApiError) => void): void {
  const now = Date.now()
  if (!state.rulesFor(bot).conflictDelay || now >= bot.nextConflictAt) {
    bot.nextConflictAt = now + CONFLICT_SPACING_MS
    send(error)
    return
  }
  setTimeout(() => send(error), CONFLICT_SPACING_MS).unref()
}

/**
 * abort_long_poll: ends the pending long poll with a 409 (fail_query_conflict's
 * timing). It is counted as a conflict only if its client is connected at this
 * moment: a poll whose client has already gone reaches nobody.
 */
export function supersedePoll(state: EmulatorState, bot: BotState, error: ApiError): void {
  const poller = bot.poller
  if (!poller) return
  bot.poller = undefined
  poller.hold()
  if (!poller.gone()) state.countConflict(bot)
  failQueryConflict(state, bot, error, (e) => poller.fail(e))
}

/** The token was revoked: the pending long poll ends with 401 now. */
export function revokePolls(state: EmulatorState, bot: BotState): void {
  const poller = bot.poller
  if (!poller) return
  bot.poller = undefined
  state.countUnauthorized(bot)
  poller.fail(unauthorized())
}

/** The allowed_updates parameter, as get_allowed_update_types reads it ([] = the default set). */
function parseAllowed(p: Params): string[] | undefined {
  let v: unknown
  try {
    v = json(p, "allowed_updates", "")
  } catch {
    return undefined // unparsable JSON is ignored
  }
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) return undefined
  return (v as string[]).map((x) => x.toLowerCase())
}

export function setAllowedUpdates(bot: BotState, p: Params): void {
  const allowed = parseAllowed(p)
  if (allowed !== undefined) bot.allowedUpdates = allowed
}

/** td::to_integer as get_integer_arg uses it: a leading integer, 0 when there is none; then clamped. */
export function integerArg(p: Params, name: string, fallback: number, min = -2_147_483_648, max = 2_147_483_647) {
  const v = p[name]
  let n: number
  if (v === undefined || v === null || v === "") n = fallback
  else if (typeof v === "number") n = Math.trunc(v)
  else if (typeof v === "boolean") n = v ? 1 : 0
  else {
    const m = /^-?\d+/.exec(String(v))
    n = m ? Number(m[0]) : 0
  }
  return Math.min(max, Math.max(min, n))
}

export function getUpdates(
  state: EmulatorState,
  bot: BotState,
  p: Params,
  signal: AbortSignal,
  clientGone: () => boolean
): Update[] | Promise<Update[]> {
  // process_get_updates_query
  if (bot.webhook) {
    state.countConflict(bot)
    return new Promise<Update[]>((_resolve, reject) =>
      failQueryConflict(state, bot, conflict(CONFLICT_WEBHOOK), (e) => reject(e))
    )
  }
  const offset = integerArg(p, "offset", 0)
  let limit = integerArg(p, "limit", 100, 1, 100)
  let timeout = integerArg(p, "timeout", 0, 0, MAX_TIMEOUT_S)
  setAllowedUpdates(bot, p)
  const now = Date.now()
  if (state.rulesFor(bot).sameOffsetThrottle && offset === bot.lastGetUpdatesOffset) {
    if (timeout < 3 && now < bot.lastGetUpdatesStartAt + 3000) timeout = 3
    if (now < bot.lastGetUpdatesStartAt + 500) limit = 1
  }
  bot.lastGetUpdatesOffset = offset
  bot.lastGetUpdatesStartAt = now

  // do_get_updates
  confirm(state, bot, offset)
  const ready = select(bot, offset, limit)
  if (ready.length > 0 || timeout === 0) {
    bot.counters.updatesDelivered += ready.length
    return ready
  }
  // Only a call that is about to wait replaces the pending long poll (abort_long_poll).
  supersedePoll(state, bot, conflict(CONFLICT_OTHER_POLL))
  return new Promise<Update[]>((resolve, reject) => {
    const finish = () => {
      clearTimeout(timer)
      if (bot.poller === poller) bot.poller = undefined
    }
    const poller: Poller = {
      offset,
      limit,
      scheduled: false,
      gone: () => signal.aborted || clientGone(),
      hold: () => clearTimeout(timer),
      resolve(updates) {
        finish()
        if (!poller.gone()) bot.counters.updatesDelivered += updates.length
        resolve(updates)
      },
      fail(error) {
        finish()
        reject(error)
      }
    }
    // long_poll_hard_timeout_: an empty answer (or what has arrived since).
    const timer = setTimeout(() => poller.resolve(select(bot, offset, limit)), timeout * 1000)
    bot.poller = poller
    state.emit(bot, { type: "poll" })
  })
}
