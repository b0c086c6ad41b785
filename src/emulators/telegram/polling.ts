// getUpdates and the update queue, following Telegram's rules: an offset
// confirms every older update, unconfirmed updates are delivered again, a newer
// getUpdates ends the older one with 409, and a long poll answers as soon as an
// update arrives.
import { type ApiError, conflict, unauthorized } from "./errors.ts"
import { int, json } from "./params.ts"
import type { Params } from "./params.ts"
import type { BotState, EmulatorState, Poller } from "./state.ts"
import type { Update } from "./types.ts"

const MAX_TIMEOUT_S = 50
/** Without allowed_updates Telegram withholds these three kinds. */
const NOT_DEFAULT = new Set(["chat_member", "message_reaction", "message_reaction_count"])

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

/**
 * Queues an update. Kinds excluded by allowed_updates are dropped at creation,
 * as Telegram does, but still consume an update_id.
 */
export function enqueue(
  state: EmulatorState,
  bot: BotState,
  body: Record<string, unknown>
): { updateId: number; dropped: boolean } {
  const updateId = bot.nextUpdateId++
  const kind = Object.keys(body)[0] ?? "message"
  if (!wanted(bot, kind)) return { updateId, dropped: true }
  bot.queue.push({ update_id: updateId, ...body })
  const poller = bot.poller
  if (poller && !poller.scheduled) {
    // Deferred a microtask so updates injected in one synchronous burst arrive as one batch.
    poller.scheduled = true
    queueMicrotask(() => {
      poller.scheduled = false
      if (bot.poller !== poller) return
      const batch = select(bot, poller.offset, poller.limit)
      if (batch.length > 0) poller.resolve(batch)
    })
  }
  state.emit(bot, { type: "update" })
  return { updateId, dropped: false }
}

function select(bot: BotState, offset: number, limit: number): Update[] {
  const q = bot.queue
  let start = 0
  while (start < q.length && q[start]!.update_id < offset) start++
  return q.slice(start, start + limit)
}

/** Applies getUpdates' offset: forget everything before it (negative = keep only the last -offset). */
export function confirm(state: EmulatorState, bot: BotState, offset: number): void {
  const q = bot.queue
  let implied = 0
  if (offset > 0) {
    let n = 0
    while (n < q.length && q[n]!.update_id < offset) n++
    if (n > 0) q.splice(0, n)
    implied = offset
  } else if (offset < 0) {
    if (q.length > -offset) q.splice(0, q.length + offset)
    implied = q[0]?.update_id ?? bot.nextUpdateId
  }
  if (implied > bot.counters.confirmedOffset) {
    bot.counters.confirmedOffset = implied
    state.emit(bot, { type: "confirm" })
  }
}

export function dropPending(bot: BotState): void {
  bot.queue.length = 0
}

/**
 * How long a superseded long poll waits for its 409. Telegram's answer to a
 * request whose client has already left reaches nobody, and a client that
 * aborts its long poll and at once sends another getUpdates (a graceful stop's
 * final confirmation) races its own disconnect: the new request may be read
 * here before the old connection's close, which the client sent first. So the
 * 409 goes out a moment later, after the connections' pending input has been
 * read, and counts as a conflict only if its client is still connected then.
 */
const SUPERSEDED_ANSWER_DELAY_MS = 100

/** Ends the pending long poll, if any, with the given error (a 409 a moment later: see above). */
export function terminatePoll(state: EmulatorState, bot: BotState, error: ApiError): void {
  const poller = bot.poller
  if (!poller) return
  bot.poller = undefined
  if (error.status === 401) state.countUnauthorized(bot)
  if (error.status !== 409) return poller.fail(error)
  poller.hold()
  // The timer, then one more turn of the event loop: input that had already
  // arrived when the timer fired (the old connection's close) is read first.
  setTimeout(
    () =>
      setImmediate(() => {
        if (poller.gone()) return poller.fail(new PollAborted())
        state.countConflict(bot)
        poller.fail(error)
      }),
    SUPERSEDED_ANSWER_DELAY_MS
  )
}

export function revokePolls(state: EmulatorState, bot: BotState): void {
  terminatePoll(state, bot, unauthorized())
}

function parseAllowed(p: Params): string[] | undefined {
  const v = json(p, "allowed_updates", "can't parse allowed updates JSON object")
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : undefined
}

export function setAllowedUpdates(bot: BotState, p: Params): void {
  const allowed = parseAllowed(p)
  if (allowed !== undefined) bot.allowedUpdates = allowed
}

export function getUpdates(
  state: EmulatorState,
  bot: BotState,
  p: Params,
  signal: AbortSignal,
  clientGone: () => boolean
): Update[] | Promise<Update[]> {
  if (bot.webhook) {
    state.countConflict(bot)
    throw conflict(CONFLICT_WEBHOOK)
  }
  const offset = int(p, "offset") ?? 0
  const limit = Math.min(100, Math.max(1, int(p, "limit") ?? 100))
  const timeout = Math.min(MAX_TIMEOUT_S, Math.max(0, int(p, "timeout") ?? 0))
  setAllowedUpdates(bot, p)
  confirm(state, bot, offset)
  terminatePoll(state, bot, conflict(CONFLICT_OTHER_POLL))

  const ready = select(bot, offset, limit)
  if (ready.length > 0 || timeout === 0 || signal.aborted) {
    bot.counters.updatesDelivered += ready.length
    return ready
  }
  return new Promise<Update[]>((resolve, reject) => {
    const finish = () => {
      clearTimeout(timer)
      signal.removeEventListener("abort", onAbort)
      if (bot.poller === poller) bot.poller = undefined
    }
    const poller: Poller = {
      offset,
      limit,
      scheduled: false,
      gone: clientGone,
      hold: () => clearTimeout(timer),
      resolve(updates) {
        finish()
        bot.counters.updatesDelivered += updates.length
        resolve(updates)
      },
      fail(error) {
        finish()
        reject(error)
      }
    }
    const onAbort = () => poller.fail(new PollAborted())
    const timer = setTimeout(() => poller.resolve([]), timeout * 1000)
    signal.addEventListener("abort", onAbort, { once: true })
    bot.poller = poller
    state.emit(bot, { type: "poll" })
  })
}
