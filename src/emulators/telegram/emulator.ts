// The in-process face of the emulator: lifecycle plus every control operation.
// control.ts exposes the same operations over HTTP.
import { rmSync } from "node:fs"
import { dirname } from "node:path"
import type { Server } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import type { TLSSocket } from "node:tls"
import { ControlError } from "./errors.ts"
import { makeFaultRule } from "./faults.ts"
import type { FaultInput } from "./faults.ts"
import type { FileKind } from "./files.ts"
import {
  addBotToChat,
  createForumTopic,
  injectCallbackQuery,
  injectDocument,
  injectPhoto,
  injectRaw,
  injectSticker,
  injectText,
  openPrivateChat,
  setUserBlocked
} from "./inject.ts"
import type {
  AddToChatInput,
  InjectCallbackInput,
  InjectDocumentInput,
  InjectPhotoInput,
  InjectResult,
  InjectStickerInput,
  InjectTextInput
} from "./inject.ts"
import type { UserInput } from "./types.ts"
import { commandsKeyFor } from "./methods.ts"
import { PollAborted, revokePolls } from "./polling.ts"
import { ALL_BOTS, type EmulatorState } from "./state.ts"
import type {
  BotCommand,
  BotInfo,
  BotState,
  CallbackAnswer,
  ChatActionRecord,
  CreateBotInput,
  SentMessage
} from "./state.ts"
import type { EmulatorRules, RulesInput } from "./rules.ts"
import { botStats, fleetSummary } from "./stats.ts"
import type { BotStats, FleetSummary } from "./stats.ts"
import { DEFAULT_WAIT_MS, waitUntil } from "./waiters.ts"
import { closeWebhook } from "./webhook.ts"

export interface TelegramEmulatorOptions {
  /** default 0 (a free port) */
  port?: number
  /** default 127.0.0.1 */
  host?: string
  /**
   * Fidelity rules (rules.ts), all on by default. Switch one off only by name,
   * with a comment saying why, e.g. `rules: { floodControl: false }`.
   */
  rules?: RulesInput
  /**
   * Plain HTTP when absent. `"h2"`: HTTPS offering HTTP/2 by ALPN besides HTTP/1.1, as
   * api.telegram.org; `"http1"`: HTTPS with HTTP/1.1 only, as a self-hosted Bot API server
   * behind a TLS front. The certificate is signed by a CA made at start: `caFile`.
   */
  tls?: "h2" | "http1"
}

export type MemberStatus = "creator" | "administrator" | "member" | "restricted" | "left" | "kicked"
const MEMBER_STATUSES = new Set<string>(["creator", "administrator", "member", "restricted", "left", "kicked"])

export { ALL_BOTS }

const copySent = (r: SentMessage): SentMessage => ({ ...r, edits: r.edits.map((e) => ({ ...e })) })

export class TelegramEmulator {
  /** base URL for grammY's `client.apiRoot` */
  readonly url: string
  readonly port: number
  readonly host: string
  /** internal state, for diagnostics; prefer the methods below */
  readonly state: EmulatorState
  /** Over TLS: a PEM file with the CA certificate a client must trust (TELEGRAM_CA_FILE); removed on close. */
  readonly caFile: string | undefined
  private readonly server: Server
  private readonly connections = new Set<Socket>()
  private readonly handshakes = { full: 0, resumed: 0 }
  private closing: Promise<void> | undefined

  constructor(state: EmulatorState, server: Server, host: string, tls?: { caFile: string }) {
    this.state = state
    this.server = server
    this.host = host
    this.port = (server.address() as AddressInfo).port
    this.caFile = tls?.caFile
    this.url = `${tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${this.port}`
    server.on("connection", (socket: Socket) => {
      this.connections.add(socket)
      socket.once("close", () => this.connections.delete(socket))
    })
    // Over TLS: whether each client resumed an earlier session (a ticket) or made a full handshake.
    server.on("secureConnection", (socket: TLSSocket) => {
      if (socket.isSessionReused()) this.handshakes.resumed++
      else this.handshakes.full++
    })
  }

  /** TLS handshakes so far: full ones, and ones that resumed a session the server issued. */
  tlsHandshakes(): { readonly full: number; readonly resumed: number } {
    return { ...this.handshakes }
  }

  /** Client connections open now (TCP, whatever runs over them). */
  connectionCount(): number {
    return this.connections.size
  }

  /**
   * Drops `count` client connections (all by default) as a network failure would:
   * every request on them — over HTTP/2, every stream — fails. Returns how many.
   */
  dropConnections(count = Number.POSITIVE_INFINITY): number {
    let dropped = 0
    for (const socket of this.connections) {
      if (dropped >= count) break
      socket.destroy()
      dropped++
    }
    return dropped
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const bot of this.state.bots.values()) {
        bot.poller?.fail(new PollAborted())
        closeWebhook(bot)
      }
      this.server.close(() => {
        if (this.caFile !== undefined) rmSync(dirname(this.caFile), { recursive: true, force: true })
        resolve()
      })
      this.dropConnections()
    })
    return this.closing
  }

  // ------------------------------------------------------------ bots

  createBot(input: CreateBotInput = {}): BotInfo {
    return this.state.info(this.state.createBot(input))
  }

  /** Every later call with this token answers 401; a pending long poll ends with 401 now. */
  revokeToken(token: string): void {
    const bot = this.state.bot(token)
    bot.revoked = true
    revokePolls(this.state, bot)
    closeWebhook(bot)
  }

  listBots(): BotInfo[] {
    return [...this.state.bots.values()].map((b) => this.state.info(b))
  }

  // ------------------------------------------------------------ simulated users

  injectMessage(token: string, input: InjectTextInput): InjectResult {
    return injectText(this.state, this.live(token), input)
  }

  injectPhoto(token: string, input: InjectPhotoInput = {}): InjectResult {
    return injectPhoto(this.state, this.live(token), input)
  }

  injectDocument(token: string, input: InjectDocumentInput = {}): InjectResult {
    return injectDocument(this.state, this.live(token), input)
  }

  injectSticker(token: string, input: InjectStickerInput = {}): InjectResult {
    return injectSticker(this.state, this.live(token), input)
  }

  injectCallbackQuery(token: string, input: InjectCallbackInput): InjectResult {
    return injectCallbackQuery(this.state, this.live(token), input)
  }

  /** Any other update kind, e.g. `{ pre_checkout_query: {...} }`. */
  injectUpdate(token: string, update: Record<string, unknown>): InjectResult {
    return injectRaw(this.state, this.live(token), update)
  }

  /** The user blocks (or unblocks) the bot: sends then answer 403, and a my_chat_member update is queued. */
  setUserBlocked(token: string, input: { userId: number; blocked?: boolean }): InjectResult {
    return setUserBlocked(this.state, this.live(token), input.userId, input.blocked ?? true)
  }

  /** The user blocks the bot: every send to them answers 403 "Forbidden: bot was blocked by the user". */
  blockBot(token: string, input: { userId: number }): InjectResult {
    return this.setUserBlocked(token, { userId: input.userId, blocked: true })
  }

  /** The user unblocks the bot (a message from them does the same: the app unblocks before sending). */
  unblockBot(token: string, input: { userId: number }): InjectResult {
    return this.setUserBlocked(token, { userId: input.userId, blocked: false })
  }

  /**
   * The user opens the bot's private chat and presses Start, so the bot may
   * write to them (before that: 400 "chat not found"). No update is queued
   * unless `sendStart` (then the bot gets "/start", as from injectMessage).
   */
  openPrivateChat(
    token: string,
    input: { userId: number; user?: UserInput; sendStart?: boolean }
  ): InjectResult | { chatId: number } {
    return openPrivateChat(this.state, this.live(token), input)
  }

  /** The bot is added to a group/supergroup/channel (quietly unless `notify`): it may write there. */
  addBotToChat(token: string, input: AddToChatInput): InjectResult | { chatId: number } {
    return addBotToChat(this.state, this.live(token), input)
  }

  /** A forum topic in a chat the bot is in; sends with another message_thread_id answer "message thread not found". */
  createForumTopic(
    token: string,
    input: { chatId: number; name?: string; messageThreadId?: number }
  ): { chatId: number; messageThreadId: number; name: string } {
    return createForumTopic(this.state, this.live(token), input)
  }

  /** A file the bot may then send by file_id (e.g. a product photo seeded by an operator). */
  uploadFile(
    token: string,
    input: { kind: FileKind; bytes: Uint8Array; fileName?: string; mimeType?: string }
  ): { fileId: string; fileUniqueId: string; filePath: string } {
    const bot = this.state.bot(token)
    const { files } = this.state
    const opts: { fileName?: string; mimeType?: string } = {}
    if (input.fileName !== undefined) opts.fileName = input.fileName
    if (input.mimeType !== undefined) opts.mimeType = input.mimeType
    const file =
      input.kind === "photo"
        ? files.addPhoto(bot.id, input.bytes).file
        : files.add(bot.id, input.kind, input.bytes, opts)
    return { fileId: file.fileId, fileUniqueId: file.fileUniqueId, filePath: file.filePath }
  }

  /** A member's status in a group (the group then exists and the bot is in it, unless this makes it leave). */
  setChatMemberStatus(token: string, input: { chatId: number; userId: number; status: MemberStatus }): void {
    if (!MEMBER_STATUSES.has(input.status)) throw new ControlError(400, `unknown member status ${input.status}`)
    const bot = this.state.bot(token)
    if (input.chatId < 0) this.state.chat(bot, input.chatId)
    bot.memberStatus.set(`${input.chatId}:${input.userId}`, input.status)
  }

  /** Replaces the chat's administrators (getChatMember answers "member" for everyone else); the group exists, the bot is in it. */
  setChatAdmins(token: string, input: { chatId: number; userIds: number[]; creatorId?: number }): void {
    const bot = this.state.bot(token)
    if (input.chatId < 0) this.state.chat(bot, input.chatId)
    const prefix = `${input.chatId}:`
    for (const [key, status] of bot.memberStatus) {
      if (key.startsWith(prefix) && (status === "administrator" || status === "creator")) bot.memberStatus.delete(key)
    }
    for (const id of input.userIds) bot.memberStatus.set(`${prefix}${id}`, "administrator")
    if (input.creatorId !== undefined) bot.memberStatus.set(`${prefix}${input.creatorId}`, "creator")
  }

  // ------------------------------------------------------------ what the bot did

  /** Messages the bot sent (current state, edits, deletion), oldest first; one chat or all. */
  sentMessages(token: string, chatId?: number): SentMessage[] {
    const bot = this.state.bot(token)
    if (chatId !== undefined) return (bot.chats.get(chatId)?.sent ?? []).map(copySent)
    const all: SentMessage[] = []
    for (const cs of bot.chats.values()) all.push(...cs.sent)
    return all.sort((a, b) => a.sentAt - b.sentAt).map(copySent)
  }

  callbackAnswers(token: string): CallbackAnswer[] {
    return this.state.bot(token).callbackAnswers.map((a) => ({ ...a }))
  }

  chatActions(token: string, chatId?: number): ChatActionRecord[] {
    const all = this.state.bot(token).chatActions
    return (chatId === undefined ? all : all.filter((a) => a.chatId === chatId)).map((a) => ({ ...a }))
  }

  commands(token: string, input: { scope?: unknown; languageCode?: string } = {}): BotCommand[] {
    return [...(this.state.bot(token).commands.get(commandsKeyFor(input.scope, input.languageCode)) ?? [])]
  }

  // ------------------------------------------------------------ faults

  injectFault(token: string, fault: FaultInput): void {
    const rule = makeFaultRule(fault, Date.now())
    ;(token === ALL_BOTS ? this.state.globalFaults : this.state.bot(token).faults).push(rule)
  }

  clearFaults(token: string): void {
    if (token === ALL_BOTS) {
      this.state.globalFaults.length = 0
      this.state.globalLatency.clear()
    } else {
      const bot = this.state.bot(token)
      bot.faults.length = 0
      bot.latency.clear()
    }
  }

  /** Added delay before every call (or one method's calls); 0 removes it. */
  setLatency(token: string, input: { ms: number; method?: string }): void {
    const map = token === ALL_BOTS ? this.state.globalLatency : this.state.bot(token).latency
    const key = input.method?.toLowerCase() ?? "*"
    if (input.ms > 0) map.set(key, input.ms)
    else map.delete(key)
  }

  // ------------------------------------------------------------ fidelity rules

  /**
   * Changes rules fleet-wide (token ALL_BOTS) or for one token, e.g.
   * `setRules(token, { floodControl: false })`; returns the rules now in force
   * there. `reset` first drops the token's earlier overrides.
   */
  setRules(token: string, input: RulesInput, options: { reset?: boolean } = {}): EmulatorRules {
    if (token === ALL_BOTS) return this.state.setFleetRules(input)
    return this.state.setBotRules(this.state.bot(token), input, options.reset ?? false)
  }

  /** The rules in force for a token, or fleet-wide. */
  rules(token: string = ALL_BOTS): EmulatorRules {
    return this.state.rulesFor(token === ALL_BOTS ? undefined : this.state.bot(token))
  }

  // ------------------------------------------------------------ statistics

  stats(token: string): BotStats {
    return botStats(this.state.bot(token))
  }

  /** Stats of the given tokens (unknown ones omitted), or of every bot. */
  statsMany(tokens?: string[]): Record<string, BotStats> {
    const out: Record<string, BotStats> = {}
    if (tokens === undefined) {
      for (const bot of this.state.bots.values()) out[bot.token] = botStats(bot)
    } else {
      for (const t of tokens) {
        const bot = this.state.bots.get(t)
        if (bot) out[t] = botStats(bot)
      }
    }
    return out
  }

  summary(input: { polledWithinMs?: number } = {}): FleetSummary {
    return fleetSummary(this.state, input.polledWithinMs ?? 60_000)
  }

  // ------------------------------------------------------------ waiting

  /** First sent message (already sent or future) in the chat — any chat if undefined — matching predicate. */
  waitForSent(
    token: string,
    chatId?: number,
    predicate: (m: SentMessage) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS
  ): Promise<SentMessage> {
    return waitUntil(
      this.state,
      token,
      () => this.sentMessages(token, chatId).find(predicate),
      timeoutMs,
      () => {
        const seen = this.sentMessages(token, chatId).map((m) => JSON.stringify(m.text ?? m.caption ?? m.method))
        return `a matching message in chat ${chatId ?? "(any)"}; sent so far: [${seen.join(", ")}]`
      }
    )
  }

  waitForCallbackAnswer(
    token: string,
    predicate: (a: CallbackAnswer) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS
  ): Promise<CallbackAnswer> {
    return waitUntil(
      this.state,
      token,
      () => this.callbackAnswers(token).find(predicate),
      timeoutMs,
      () => "a callback answer"
    )
  }

  /** Resolves once a long poll of this bot is waiting for updates (the bot is up). */
  waitForPoller(token: string, timeoutMs = DEFAULT_WAIT_MS): Promise<BotStats> {
    const bot = this.state.bot(token)
    return waitUntil(
      this.state,
      token,
      () => (bot.poller && !bot.poller.gone() ? botStats(bot) : undefined),
      timeoutMs,
      () => "a pending getUpdates"
    )
  }

  /** Resolves once the bot has confirmed (acknowledged) the given update. */
  waitForConfirmed(token: string, updateId: number, timeoutMs = DEFAULT_WAIT_MS): Promise<BotStats> {
    const bot = this.state.bot(token)
    return waitUntil(
      this.state,
      token,
      () => (bot.counters.confirmedOffset > updateId ? botStats(bot) : undefined),
      timeoutMs,
      () => `confirmation of update ${updateId} (confirmed offset ${bot.counters.confirmedOffset})`
    )
  }

  /** Resolves on the next call of `method` made after this call. */
  waitForCall(token: string, method: string, timeoutMs = DEFAULT_WAIT_MS): Promise<BotStats> {
    const bot = this.state.bot(token)
    const before = bot.counters.callsByMethod[method] ?? 0
    return waitUntil(
      this.state,
      token,
      () => ((bot.counters.callsByMethod[method] ?? 0) > before ? botStats(bot) : undefined),
      timeoutMs,
      () => `a ${method} call`
    )
  }

  waitForStats(token: string, predicate: (s: BotStats) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<BotStats> {
    const bot = this.state.bot(token)
    return waitUntil(
      this.state,
      token,
      () => {
        const s = botStats(bot)
        return predicate(s) ? s : undefined
      },
      timeoutMs,
      () => `stats matching the predicate; last: ${JSON.stringify(botStats(bot))}`
    )
  }

  /** Injection requires a live token: a revoked bot no longer receives anything. */
  private live(token: string): BotState {
    const bot = this.state.bot(token)
    if (bot.revoked) throw new ControlError(410, `token ${token} is revoked`)
    return bot
  }
}
