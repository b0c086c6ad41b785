// Bots, their update queues, chats and what they sent. Everything is plain
// Maps keyed by token/chat so that 10k idle bots cost a few objects each.
import { EventEmitter } from "node:events"
import { ControlError } from "./errors.ts"
import type { FaultRule } from "./faults.ts"
import { FileStore } from "./files.ts"
import { newFloodState } from "./flood.ts"
import type { FloodState } from "./flood.ts"
import { DEFAULT_RULES, mergeRules } from "./rules.ts"
import type { EmulatorRules, RulesInput } from "./rules.ts"
import { botIdOfToken, makeToken } from "./tokens.ts"
import type { Chat, Message, Update, User, UserInput } from "./types.ts"
import type { WebhookRuntime } from "./webhook.ts"

export interface SentEdit {
  at: number
  method: string
  text?: string
  caption?: string
  replyMarkup?: unknown
}

/** One message the bot sent, as the control API reports it (current state plus history). */
export interface SentMessage {
  messageId: number
  chatId: number
  method: string
  text?: string
  caption?: string
  /** text/caption exactly as the bot sent it, before parse_mode was applied */
  rawText?: string
  parseMode?: string
  replyMarkup?: unknown
  photoFileId?: string
  documentFileId?: string
  messageThreadId?: number
  replyToMessageId?: number
  /** unix seconds, as in Message.date */
  date: number
  /** epoch milliseconds */
  sentAt: number
  edits: SentEdit[]
  deletedAt?: number
  /** the Message object Telegram would return now */
  message: Message
}

export interface CallbackAnswer {
  callbackQueryId: string
  data: string | undefined
  chatId: number | undefined
  messageId: number | undefined
  text?: string
  showAlert: boolean
  url?: string
  cacheTime?: number
  at: number
}

export interface ChatActionRecord {
  chatId: number
  action: string
  messageThreadId?: number
  at: number
}

export interface BotCommand {
  command: string
  description: string
}

export interface StoredMessage {
  message: Message
  fromBot: boolean
  deleted: boolean
  record: SentMessage | undefined
}

export interface ChatState {
  chat: Chat
  nextMessageId: number
  messages: Map<number, StoredMessage>
  sent: SentMessage[]
  /** Forum topics (message_thread_id values) that exist in this chat. */
  topics: Set<number>
}

/**
 * The pending long poll (Client::long_poll_query_). Like the real server, it
 * stays pending after its client has gone — until it times out, an update wakes
 * it or a newer long poll supersedes it — and its answer then reaches nobody.
 */
export interface Poller {
  offset: number
  limit: number
  scheduled: boolean
  /** True once the client has gone (closed its connection), whether or not the request has noticed yet. */
  gone(): boolean
  /** Stops the long-poll timer: a superseded poll waits for its 409 instead (see supersedePoll). */
  hold(): void
  resolve(updates: Update[]): void
  fail(error: Error): void
}

/** One queued update (an event of the server's TQueue). */
export interface QueuedUpdate {
  readonly id: number
  readonly update: Update
  /** epoch ms; Telegram drops an update nobody fetched in time (add_update's timeout) */
  readonly expiresAt: number
  /** webhook_queue_id: updates of one queue are delivered to a webhook one at a time, in order */
  readonly queueKey: string
}

export interface WebhookConfig {
  url: string
  /** "" = none */
  secretToken: string
  maxConnections: number
  setAt: number
  hasCertificate: boolean
  /** the ip_address parameter ("" = resolve the host) */
  fixedIp: string
  /** where the webhook's connections go, once verified ("" before) */
  ipAddress: string
}

/**
 * One getUpdates being served. Its client gave up on it when it closed the
 * connection before the answer (`abandoned`), or right after it: a keep-alive
 * client that reads its answer keeps the socket, one that aborted destroys it.
 */
export interface InFlightPoll {
  abandoned: boolean
  readonly socket: { readonly destroyed: boolean }
}

export interface BotCounters {
  getUpdatesCalls: number
  activePollers: number
  maxConcurrentPollers: number
  conflicts: number
  confirmedOffset: number
  firstGetUpdatesAt: number | null
  lastGetUpdatesAt: number | null
  callsByMethod: Record<string, number>
  totalCalls: number
  unauthorized: number
  faultsServed: number
  updatesDelivered: number
  /** sends refused by flood control (429) */
  floodRefusals: number
  /** webhook requests made, and those that failed (non-2xx, connection error, timeout) */
  webhookRequests: number
  webhookFailures: number
}

export interface BotState {
  id: number
  token: string
  username: string
  firstName: string
  revoked: boolean
  createdAt: number
  nextUpdateId: number
  queue: QueuedUpdate[]
  allowedUpdates: string[] | undefined
  poller: Poller | undefined
  /** process_get_updates_query's previous_get_updates_offset_ / _start_time_ */
  lastGetUpdatesOffset: number
  lastGetUpdatesStartAt: number
  /** fail_query_conflict's next_get_updates_conflict_time_ (epoch ms) */
  nextConflictAt: number
  webhook: WebhookConfig | undefined
  /** the webhook's delivery (WebhookActor), while a webhook is set */
  webhookRuntime: WebhookRuntime | undefined
  /** process_set_webhook_query's next_allowed_set_webhook_time_ (epoch ms) */
  nextSetWebhookAt: number
  chats: Map<number, ChatState>
  users: Map<number, User>
  callbackQueries: Map<string, { query: Record<string, unknown>; answered: boolean; createdAt: number }>
  callbackAnswers: CallbackAnswer[]
  chatActions: ChatActionRecord[]
  commands: Map<string, BotCommand[]>
  texts: Map<string, unknown>
  memberStatus: Map<string, string>
  blocked: Set<number>
  faults: FaultRule[]
  latency: Map<string, number>
  /** what Telegram's flood control has seen of this bot's messages */
  flood: FloodState
  /** rules set for this token only (see EmulatorState.rulesFor) */
  ruleOverrides: RulesInput | undefined
  rules: EmulatorRules | undefined
  counters: BotCounters
  /** getUpdates requests being served right now */
  inFlightPolls: Set<InFlightPoll>
}

export interface BotInfo {
  token: string
  id: number
  username: string
  firstName: string
  revoked: boolean
}

export interface CreateBotInput {
  token?: string
  id?: number
  username?: string
  firstName?: string
}

/** What waiters react to; every state change of a bot emits one on the bot's token. */
export interface StateEvent {
  type:
    | "update"
    | "poll"
    | "confirm"
    | "sent"
    | "edited"
    | "deleted"
    | "callback_answer"
    | "chat_action"
    | "call"
    | "webhook"
  method?: string
}

export const DEFAULT_USER: Required<Omit<UserInput, "last_name" | "is_premium">> = {
  id: 100001,
  first_name: "Test",
  username: "test_user",
  language_code: "en"
}

/** Applies to every bot when given instead of a token. */
export const ALL_BOTS = "*"

export const unixNow = (): number => Math.floor(Date.now() / 1000)

export class EmulatorState {
  readonly bots = new Map<string, BotState>()
  readonly files = new FileStore()
  readonly events = new EventEmitter()
  readonly globalFaults: FaultRule[] = []
  readonly globalLatency = new Map<string, number>()
  /** Called after an update is queued (the webhook delivery starts from here). */
  onEnqueue: ((bot: BotState) => void) | undefined = undefined
  /** fleet-wide rules; a token's overrides apply on top */
  private fleetRules: EmulatorRules
  /** Fleet-wide counters kept incrementally so /control/summary stays cheap. */
  readonly totals = {
    getUpdatesCalls: 0,
    conflicts: 0,
    totalCalls: 0,
    unauthorized: 0,
    botsPolling: 0,
    floodRefusals: 0
  }
  private nextBotId = 7_000_000_001
  private usedIds = new Set<number>()
  private callbackSeq = 0

  constructor(rules: RulesInput | undefined = undefined) {
    this.events.setMaxListeners(0)
    this.fleetRules = mergeRules(DEFAULT_RULES, rules)
  }

  rulesFor(bot: BotState | undefined): EmulatorRules {
    return bot?.rules ?? this.fleetRules
  }

  /** Changes the fleet-wide rules; tokens with overrides keep them on top. */
  setFleetRules(input: RulesInput): EmulatorRules {
    this.fleetRules = mergeRules(this.fleetRules, input)
    for (const bot of this.bots.values()) {
      if (bot.ruleOverrides !== undefined) bot.rules = mergeRules(this.fleetRules, bot.ruleOverrides)
    }
    return this.fleetRules
  }

  /** Overrides rules for one token (on top of its earlier overrides); `reset` drops those first. */
  setBotRules(bot: BotState, input: RulesInput, reset = false): EmulatorRules {
    const overrides = combineRules(reset ? undefined : bot.ruleOverrides, input)
    bot.rules = mergeRules(this.fleetRules, overrides)
    bot.ruleOverrides = overrides
    return bot.rules
  }

  emit(bot: BotState, event: StateEvent): void {
    if (this.events.listenerCount(bot.token) > 0) this.events.emit(bot.token, event)
  }

  createBot(input: CreateBotInput = {}): BotState {
    let token = input.token
    let id: number
    if (token !== undefined) {
      const parsed = botIdOfToken(token)
      if (parsed === undefined) throw new ControlError(400, "token must look like <digits>:<35 chars of [A-Za-z0-9_-]>")
      if (this.bots.has(token)) throw new ControlError(409, "token already registered")
      id = parsed
    } else {
      id = input.id ?? this.allocateId()
      token = makeToken(id)
    }
    this.usedIds.add(id)
    const bot: BotState = {
      id,
      token,
      username: input.username ?? `emu_${id}_bot`,
      firstName: input.firstName ?? `Emulated Bot ${id}`,
      revoked: false,
      createdAt: Date.now(),
      nextUpdateId: 1,
      queue: [],
      allowedUpdates: undefined,
      poller: undefined,
      lastGetUpdatesOffset: -1,
      lastGetUpdatesStartAt: 0,
      nextConflictAt: 0,
      webhook: undefined,
      webhookRuntime: undefined,
      nextSetWebhookAt: 0,
      chats: new Map(),
      users: new Map(),
      callbackQueries: new Map(),
      callbackAnswers: [],
      chatActions: [],
      commands: new Map(),
      texts: new Map(),
      memberStatus: new Map(),
      blocked: new Set(),
      faults: [],
      latency: new Map(),
      flood: newFloodState(),
      ruleOverrides: undefined,
      rules: undefined,
      inFlightPolls: new Set(),
      counters: {
        getUpdatesCalls: 0,
        activePollers: 0,
        maxConcurrentPollers: 0,
        conflicts: 0,
        confirmedOffset: 0,
        firstGetUpdatesAt: null,
        lastGetUpdatesAt: null,
        callsByMethod: {},
        totalCalls: 0,
        unauthorized: 0,
        faultsServed: 0,
        updatesDelivered: 0,
        floodRefusals: 0,
        webhookRequests: 0,
        webhookFailures: 0
      }
    }
    this.bots.set(token, bot)
    return bot
  }

  private allocateId(): number {
    while (this.usedIds.has(this.nextBotId)) this.nextBotId++
    return this.nextBotId++
  }

  /** A registered bot (revoked ones included) or a ControlError. */
  bot(token: string): BotState {
    const bot = this.bots.get(token)
    if (!bot) throw new ControlError(404, `unknown bot token ${token}`)
    return bot
  }

  info(bot: BotState): BotInfo {
    return { token: bot.token, id: bot.id, username: bot.username, firstName: bot.firstName, revoked: bot.revoked }
  }

  botUser(bot: BotState): User {
    return { id: bot.id, is_bot: true, first_name: bot.firstName, username: bot.username }
  }

  /** Merges what a test says about a user into what the bot already knows about them. */
  user(bot: BotState, input: UserInput | number | undefined): User {
    const given: UserInput = typeof input === "number" ? { id: input } : (input ?? DEFAULT_USER)
    const known = bot.users.get(given.id)
    const user: User = {
      id: given.id,
      is_bot: false,
      first_name:
        given.first_name ??
        known?.first_name ??
        (given.id === DEFAULT_USER.id ? DEFAULT_USER.first_name : `User${given.id}`)
    }
    const lastName = given.last_name ?? known?.last_name
    const username =
      given.username ?? known?.username ?? (given.id === DEFAULT_USER.id ? DEFAULT_USER.username : undefined)
    const lang =
      given.language_code ??
      known?.language_code ??
      (given.id === DEFAULT_USER.id ? DEFAULT_USER.language_code : undefined)
    if (lastName !== undefined) user.last_name = lastName
    if (username !== undefined) user.username = username
    if (lang !== undefined) user.language_code = lang
    const premium = given.is_premium ?? known?.is_premium
    if (premium !== undefined) user.is_premium = premium
    bot.users.set(user.id, user)
    return user
  }

  /**
   * Chat state, created on first use with Telegram's id conventions (-100… =
   * supergroup): the chat becomes known to the bot (see the knownChats rule).
   */
  chat(bot: BotState, chatId: number, shape?: Partial<Chat>): ChatState {
    let cs = bot.chats.get(chatId)
    if (!cs) {
      cs = { chat: defaultChat(bot, chatId), nextMessageId: 1, messages: new Map(), sent: [], topics: new Set() }
      bot.chats.set(chatId, cs)
    }
    if (shape) {
      const next = { ...cs.chat }
      for (const [k, v] of Object.entries(shape)) if (v !== undefined) (next as Record<string, unknown>)[k] = v
      cs.chat = next
    }
    return cs
  }

  chatByUsername(bot: BotState, username: string): ChatState | undefined {
    const name = username.replace(/^@/, "").toLowerCase()
    for (const cs of bot.chats.values()) if (cs.chat.username?.toLowerCase() === name) return cs
    return undefined
  }

  nextCallbackId(): string {
    return String(4_000_000_000_000_000 + ++this.callbackSeq * 1_001)
  }

  countCall(bot: BotState, method: string): void {
    const c = bot.counters
    c.totalCalls++
    c.callsByMethod[method] = (c.callsByMethod[method] ?? 0) + 1
    this.totals.totalCalls++
    if (method === "getUpdates") {
      c.getUpdatesCalls++
      this.totals.getUpdatesCalls++
      const now = Date.now()
      c.firstGetUpdatesAt ??= now
      c.lastGetUpdatesAt = now
    }
    this.emit(bot, { type: "call", method })
  }

  countUnauthorized(bot: BotState | undefined): void {
    this.totals.unauthorized++
    if (bot) bot.counters.unauthorized++
  }

  countConflict(bot: BotState): void {
    bot.counters.conflicts++
    this.totals.conflicts++
  }

  /**
   * In-flight getUpdates are counted from arrival, so an overlap is seen before
   * the older one is ended. It counts as two pollers only if the older request's
   * client was still there: a client that aborted its long poll and at once sent
   * another getUpdates (a graceful stop's confirmation) races its own
   * disconnect, which may be seen a moment after the new request. So the
   * overlap is judged 500 ms later, leaving out requests whose client had gone
   * (see InFlightPoll).
   */
  beginPoll(bot: BotState, poll: InFlightPoll): void {
    const c = bot.counters
    if (c.activePollers++ === 0) this.totals.botsPolling++
    bot.inFlightPolls.add(poll)
    if (c.maxConcurrentPollers < 1) c.maxConcurrentPollers = 1
    if (bot.inFlightPolls.size < 2) return
    const others = [...bot.inFlightPolls].filter((p) => p !== poll)
    setTimeout(() => {
      const concurrent = 1 + others.filter((p) => !p.abandoned && !p.socket.destroyed).length
      if (concurrent > c.maxConcurrentPollers) c.maxConcurrentPollers = concurrent
    }, 500).unref()
  }

  endPoll(bot: BotState, poll: InFlightPoll): void {
    const c = bot.counters
    bot.inFlightPolls.delete(poll)
    if (--c.activePollers === 0) this.totals.botsPolling--
    this.emit(bot, { type: "poll" })
  }
}

/** Two partial rule sets, the second winning (flood limits merged field by field). */
function combineRules(a: RulesInput | undefined, b: RulesInput): RulesInput {
  if (a === undefined) return b
  const flood =
    a.floodLimits === undefined || b.floodLimits === undefined
      ? (b.floodLimits ?? a.floodLimits)
      : {
          perChat: { ...a.floodLimits.perChat, ...b.floodLimits.perChat },
          perGroup: { ...a.floodLimits.perGroup, ...b.floodLimits.perGroup },
          perBot: { ...a.floodLimits.perBot, ...b.floodLimits.perBot }
        }
  return flood === undefined ? { ...a, ...b } : { ...a, ...b, floodLimits: flood }
}

function defaultChat(bot: BotState, chatId: number): Chat {
  if (chatId > 0) {
    const user = bot.users.get(chatId)
    const chat: Chat = { id: chatId, type: "private", first_name: user?.first_name ?? `User${chatId}` }
    if (user?.last_name !== undefined) chat.last_name = user.last_name
    if (user?.username !== undefined) chat.username = user.username
    return chat
  }
  if (chatId <= -1_000_000_000_000)
    return { id: chatId, type: "supergroup", title: `Group ${-chatId - 1_000_000_000_000}` }
  return { id: chatId, type: "group", title: `Group ${-chatId}` }
}
