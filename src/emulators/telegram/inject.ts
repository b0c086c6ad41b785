// Updates as a simulated user would cause them. Each returns the update_id
// plus the ids a test needs next (message, file, callback query).
import { ControlError } from "./errors.ts"
import { TINY_PNG, TINY_WEBP } from "./files.ts"
import { asReplied } from "./methods.ts"
import { enqueue } from "./polling.ts"
import { unixNow } from "./state.ts"
import type { BotState, EmulatorState } from "./state.ts"
import type { Chat, Message, MessageEntity, UserInput } from "./types.ts"

export interface InjectTarget {
  /** the sender; a bare number is a user id; default DEFAULT_USER */
  from?: UserInput | number
  /** default: the private chat with the sender */
  chatId?: number
  chatType?: Chat["type"]
  chatTitle?: string
  messageThreadId?: number
  /** makes the update a reply to this message of the same chat */
  replyToMessageId?: number
}

export interface InjectTextInput extends InjectTarget {
  text: string
  /** default: bot_command entities detected like Telegram does */
  entities?: MessageEntity[]
}

export interface InjectPhotoInput extends InjectTarget {
  caption?: string
  /** default: a 1×1 PNG */
  bytes?: Uint8Array
}

export interface InjectDocumentInput extends InjectTarget {
  caption?: string
  bytes?: Uint8Array
  fileName?: string
  mimeType?: string
}

export interface InjectStickerInput extends InjectTarget {
  emoji?: string
  bytes?: Uint8Array
}

export interface InjectCallbackInput {
  from?: UserInput | number
  /** chat of the message; default the sender's private chat */
  chatId?: number
  /** a message the bot sent in that chat */
  messageId: number
  data: string
}

export interface InjectResult {
  updateId: number
  /** true when the bot's allowed_updates excluded this kind, so it was never queued */
  dropped: boolean
  chatId?: number
  messageId?: number
  fileId?: string
  callbackQueryId?: string
}

const COMMAND_RE = /(?<=^|\s)\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=$|\s)/g

/** Telegram marks /commands itself; grammY's bot.command() relies on these entities. */
export function commandEntities(text: string): MessageEntity[] {
  return [...text.matchAll(COMMAND_RE)].map((m) => ({ type: "bot_command", offset: m.index, length: m[0].length }))
}

function userMessage(
  state: EmulatorState,
  bot: BotState,
  target: InjectTarget,
  content: Record<string, unknown>
): { message: Message; chatId: number } {
  const from = state.user(bot, target.from)
  const chatId = target.chatId ?? from.id
  const shape: Partial<Chat> | undefined =
    chatId === from.id
      ? { first_name: from.first_name, last_name: from.last_name, username: from.username }
      : target.chatType !== undefined || target.chatTitle !== undefined || target.messageThreadId !== undefined
        ? {
            type: target.chatType,
            title: target.chatTitle,
            is_forum: target.messageThreadId !== undefined ? true : undefined
          }
        : undefined
  // A user can write to a bot they blocked only after unblocking it (the app's
  // "Restart" button): the bot sees the unblock first.
  if (chatId === from.id && bot.blocked.has(from.id)) setUserBlocked(state, bot, from.id, false)
  const cs = state.chat(bot, chatId, shape)
  const message: Message = { message_id: cs.nextMessageId++, from, chat: cs.chat, date: unixNow() }
  if (target.messageThreadId !== undefined) {
    // a user writes only into a topic that exists: the test's topic ids are taken as created
    cs.topics.add(target.messageThreadId)
    message.message_thread_id = target.messageThreadId
    message.is_topic_message = true
  }
  if (target.replyToMessageId !== undefined) {
    const replied = cs.messages.get(target.replyToMessageId)
    if (!replied || replied.deleted)
      throw new ControlError(404, `message ${target.replyToMessageId} not found in chat ${chatId}`)
    message.reply_to_message = asReplied(replied.message)
  }
  Object.assign(message, content)
  cs.messages.set(message.message_id, { message, fromBot: false, deleted: false, record: undefined })
  return { message, chatId }
}

function queueMessage(
  state: EmulatorState,
  bot: BotState,
  target: InjectTarget,
  content: Record<string, unknown>
): InjectResult {
  const { message, chatId } = userMessage(state, bot, target, content)
  const { updateId, dropped } = enqueue(state, bot, { message })
  return { updateId, dropped, chatId, messageId: message.message_id }
}

export function injectText(state: EmulatorState, bot: BotState, input: InjectTextInput): InjectResult {
  if (typeof input.text !== "string" || input.text === "") throw new ControlError(400, "text is required")
  const entities = input.entities ?? commandEntities(input.text)
  return queueMessage(state, bot, input, entities.length > 0 ? { text: input.text, entities } : { text: input.text })
}

function withCaption(caption: string | undefined, content: Record<string, unknown>): Record<string, unknown> {
  if (caption === undefined) return content
  const entities = commandEntities(caption)
  return entities.length > 0 ? { ...content, caption, caption_entities: entities } : { ...content, caption }
}

export function injectPhoto(state: EmulatorState, bot: BotState, input: InjectPhotoInput = {}): InjectResult {
  const { file, sizes } = state.files.addPhoto(bot.id, input.bytes ?? TINY_PNG)
  return { ...queueMessage(state, bot, input, withCaption(input.caption, { photo: sizes })), fileId: file.fileId }
}

export function injectDocument(state: EmulatorState, bot: BotState, input: InjectDocumentInput = {}): InjectResult {
  const bytes = input.bytes ?? new Uint8Array(Buffer.from("%PDF-1.4\n% emulated document\n"))
  const opts: { fileName: string; mimeType?: string } = { fileName: input.fileName ?? "document.pdf" }
  if (input.mimeType !== undefined) opts.mimeType = input.mimeType
  const file = state.files.add(bot.id, "document", bytes, opts)
  const document: Record<string, unknown> = {
    file_id: file.fileId,
    file_unique_id: file.fileUniqueId,
    file_name: file.fileName,
    file_size: bytes.length
  }
  if (file.mimeType !== undefined) document.mime_type = file.mimeType
  return { ...queueMessage(state, bot, input, withCaption(input.caption, { document })), fileId: file.fileId }
}

export function injectSticker(state: EmulatorState, bot: BotState, input: InjectStickerInput = {}): InjectResult {
  const file = state.files.add(bot.id, "sticker", input.bytes ?? TINY_WEBP)
  const sticker = {
    file_id: file.fileId,
    file_unique_id: file.fileUniqueId,
    type: "regular",
    width: 512,
    height: 512,
    is_animated: false,
    is_video: false,
    emoji: input.emoji ?? "👍",
    set_name: "EmulatorStickers",
    file_size: file.bytes.length
  }
  return { ...queueMessage(state, bot, input, { sticker }), fileId: file.fileId }
}

export function injectCallbackQuery(state: EmulatorState, bot: BotState, input: InjectCallbackInput): InjectResult {
  if (typeof input.data !== "string") throw new ControlError(400, "data is required")
  const from = state.user(bot, input.from)
  const chatId = input.chatId ?? from.id
  const stored = bot.chats.get(chatId)?.messages.get(input.messageId)
  if (!stored || stored.deleted || !stored.fromBot) {
    throw new ControlError(404, `bot message ${input.messageId} not found in chat ${chatId}`)
  }
  const id = state.nextCallbackId()
  const query = {
    id,
    from,
    message: stored.message,
    chat_instance: String(-(Math.abs(chatId) * 7919 + bot.id) % 9_000_000_000_000_000),
    data: input.data
  }
  bot.callbackQueries.set(id, { query, answered: false, createdAt: Date.now() })
  const { updateId, dropped } = enqueue(state, bot, { callback_query: query })
  return { updateId, dropped, chatId, messageId: input.messageId, callbackQueryId: id }
}

type Obj = Record<string, unknown>
const objectAt = (o: unknown, key: string): Obj | undefined => {
  const v = (o as Obj | undefined)?.[key]
  return typeof v === "object" && v !== null ? (v as Obj) : undefined
}

/**
 * What a raw update tells the bot about chats: a message shows the chat it came
 * from (the bot is in that group, the user wrote to it privately); a payment
 * query comes from a user paying an invoice the bot sent them privately.
 */
function noteRawUpdate(state: EmulatorState, bot: BotState, body: Obj): void {
  const [kind, payload] = Object.entries(body)[0] ?? []
  const from = objectAt(payload, "from")
  if (typeof from?.id === "number") state.user(bot, from as unknown as UserInput)
  const chat = kind === "callback_query" ? objectAt(objectAt(payload, "message"), "chat") : objectAt(payload, "chat")
  if (typeof chat?.id === "number" && kind !== "callback_query") state.chat(bot, chat.id, chat as Partial<Chat>)
  if ((kind === "pre_checkout_query" || kind === "shipping_query") && typeof from?.id === "number") {
    state.chat(bot, from.id)
  }
}

/** Any update body (e.g. {pre_checkout_query: ...}); update_id is assigned here. */
export function injectRaw(state: EmulatorState, bot: BotState, update: Record<string, unknown>): InjectResult {
  const { update_id: _ignored, ...body } = update
  if (Object.keys(body).length === 0) throw new ControlError(400, "update body is empty")
  noteRawUpdate(state, bot, body)
  return enqueue(state, bot, body)
}

/**
 * The user opened the bot's private chat and pressed Start: the bot may write to
 * them from now on. Only with `sendStart` does the bot also get the "/start"
 * message (an admin's chat in a test usually wants none).
 */
export function openPrivateChat(
  state: EmulatorState,
  bot: BotState,
  input: { userId: number; user?: UserInput; sendStart?: boolean }
): InjectResult | { chatId: number } {
  const from = state.user(bot, input.user ?? input.userId)
  if (input.sendStart) return injectText(state, bot, { text: "/start", from })
  if (bot.blocked.has(from.id)) setUserBlocked(state, bot, from.id, false)
  state.chat(bot, from.id, { first_name: from.first_name, last_name: from.last_name, username: from.username })
  return { chatId: from.id }
}

export interface AddToChatInput {
  chatId: number
  /** default: "supergroup" for -100… ids, else "group" */
  type?: "group" | "supergroup" | "channel"
  title?: string
  /** a supergroup with topics (see createForumTopic) */
  isForum?: boolean
  /** the bot's status there; default "member" */
  status?: "member" | "administrator"
  /** who added the bot (for the my_chat_member update) */
  from?: UserInput | number
  /** queue the my_chat_member update Telegram sends when a bot is added; default false */
  notify?: boolean
}

/** The bot is added to a group, supergroup or channel: it may read and write there from now on. */
export function addBotToChat(
  state: EmulatorState,
  bot: BotState,
  input: AddToChatInput
): InjectResult | { chatId: number } {
  if (input.chatId >= 0) throw new ControlError(400, "a group or channel chat id is negative")
  const shape: Partial<Chat> = {}
  if (input.type !== undefined) shape.type = input.type
  if (input.title !== undefined) shape.title = input.title
  if (input.isForum !== undefined) shape.is_forum = input.isForum
  const cs = state.chat(bot, input.chatId, shape)
  const key = `${input.chatId}:${bot.id}`
  const old = bot.memberStatus.get(key) ?? "left"
  const status = input.status ?? "member"
  bot.memberStatus.set(key, status)
  if (!input.notify) return { chatId: input.chatId }
  const me = state.botUser(bot)
  const { updateId, dropped } = enqueue(state, bot, {
    my_chat_member: {
      chat: cs.chat,
      from: state.user(bot, input.from),
      date: unixNow(),
      old_chat_member: { user: me, status: old === "member" || old === "administrator" ? "left" : old },
      new_chat_member: status === "administrator" ? { user: me, status, can_be_edited: false } : { user: me, status }
    }
  })
  return { updateId, dropped, chatId: input.chatId }
}

/**
 * A forum topic exists (as if created in the app): its id is the id of the
 * topic's service message unless one is given. Makes a supergroup a forum.
 */
export function createForumTopic(
  state: EmulatorState,
  bot: BotState,
  input: { chatId: number; name?: string; messageThreadId?: number }
): { chatId: number; messageThreadId: number; name: string } {
  const cs = bot.chats.get(input.chatId)
  if (!cs) throw new ControlError(404, `chat ${input.chatId} is unknown to the bot (addBotToChat first)`)
  if (cs.chat.type === "supergroup" && !cs.chat.is_forum) cs.chat = { ...cs.chat, is_forum: true }
  else if (cs.chat.type !== "supergroup" && cs.chat.type !== "private")
    throw new ControlError(400, "topics exist in supergroups and private chats only")
  // Message 1 of a supergroup is its creation, which is also the General topic.
  if (input.messageThreadId === undefined && cs.nextMessageId < 2) cs.nextMessageId = 2
  const id = input.messageThreadId ?? cs.nextMessageId++
  if (id <= 1) throw new ControlError(400, "topic 1 is the General topic, which takes no message_thread_id")
  cs.topics.add(id)
  return { chatId: input.chatId, messageThreadId: id, name: input.name ?? `Topic ${id}` }
}

/** Blocking (or unblocking) the bot, with the my_chat_member update Telegram sends for it. */
export function setUserBlocked(state: EmulatorState, bot: BotState, userId: number, blocked: boolean): InjectResult {
  const from = state.user(bot, userId)
  const cs = state.chat(bot, userId)
  if (blocked) bot.blocked.add(userId)
  else bot.blocked.delete(userId)
  const me = state.botUser(bot)
  const kicked = { user: me, status: "kicked", until_date: 0 }
  const member = { user: me, status: "member" }
  const { updateId, dropped } = enqueue(state, bot, {
    my_chat_member: {
      chat: cs.chat,
      from,
      date: unixNow(),
      old_chat_member: blocked ? member : kicked,
      new_chat_member: blocked ? kicked : member
    }
  })
  return { updateId, dropped, chatId: userId }
}
