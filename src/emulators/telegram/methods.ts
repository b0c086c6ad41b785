// The Bot API methods the emulator implements, with Telegram's validation and
// error wording where bots commonly get it wrong.
import { badRequest, conflict, forbidden, tooManyRequests } from "./errors.ts"
import { TINY_PNG, imageSize, mimeOf } from "./files.ts"
import { admitMessage } from "./flood.ts"
import type { StoredFile } from "./files.ts"
import { formatText } from "./formatting.ts"
import { isInlineMarkup, replyMarkupParam } from "./markup.ts"
import { isUploadedFile } from "./multipart.ts"
import type { UploadedFile } from "./multipart.ts"
import { bool, chatIdParam, fileParam, int, json, str } from "./params.ts"
import type { Params } from "./params.ts"
import {
  CONFLICT_SET_WEBHOOK,
  dropExpired,
  dropPending,
  getUpdates,
  integerArg,
  setAllowedUpdates,
  supersedePoll
} from "./polling.ts"
import { unixNow } from "./state.ts"
import type {
  BotCommand,
  BotState,
  CallbackAnswer,
  ChatActionRecord,
  ChatState,
  EmulatorState,
  SentMessage,
  StoredMessage
} from "./state.ts"
import type { Message, MessageEntity, PhotoSize, User } from "./types.ts"
import { checkSecretToken, closeWebhook, parseWebhookUrl, startWebhook, verifyWebhook } from "./webhook.ts"

export interface CallContext {
  state: EmulatorState
  bot: BotState
  params: Params
  signal: AbortSignal
  /** The client has closed its connection: also true before the request's own abort has been seen. */
  clientGone: () => boolean
}

type Handler = (ctx: CallContext) => unknown

const MAX_TEXT = 4096
const MAX_CAPTION = 1024
const MAX_DOWNLOAD = 20 * 1024 * 1024
const NOT_MODIFIED =
  "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"
const CHAT_ACTIONS = new Set([
  "typing",
  "upload_photo",
  "record_video",
  "upload_video",
  "record_voice",
  "upload_voice",
  "upload_document",
  "choose_sticker",
  "find_location",
  "record_video_note",
  "upload_video_note"
])

// ---------------------------------------------------------------- helpers

/**
 * The chat named by chat_id (check_chat). With the knownChats rule, only a chat
 * the bot knows: a private chat once the user wrote to it (or pressed Start), a
 * group once the bot is in it; else 400 "chat not found". A user the bot has
 * only seen in a group can be read (getChat) but not written to: Telegram
 * answers 403 "bot can't initiate conversation with a user".
 */
function targetChat(ctx: CallContext, access: "read" | "write" = "read"): ChatState {
  const id = chatIdParam(ctx.params)
  if (id === undefined) throw badRequest("chat_id is empty")
  if (typeof id === "string") {
    const cs = id.startsWith("@") ? ctx.state.chatByUsername(ctx.bot, id) : undefined
    if (!cs) throw badRequest("chat not found")
    return cs
  }
  const known = ctx.bot.chats.get(id)
  if (known) return known
  if (!ctx.state.rulesFor(ctx.bot).knownChats) return ctx.state.chat(ctx.bot, id)
  if (id > 0 && ctx.bot.users.has(id)) {
    if (access === "write") throw forbidden("bot can't initiate conversation with a user")
    // readable, but the private chat is not opened by reading it
    return { chat: privateChatOf(ctx.bot, id), nextMessageId: 1, messages: new Map(), sent: [], topics: new Set() }
  }
  throw badRequest("chat not found")
}

function privateChatOf(bot: BotState, userId: number): ChatState["chat"] {
  const user = bot.users.get(userId)
  const chat: ChatState["chat"] = { id: userId, type: "private", first_name: user?.first_name ?? `User${userId}` }
  if (user?.last_name !== undefined) chat.last_name = user.last_name
  if (user?.username !== undefined) chat.username = user.username
  return chat
}

/** check_chat with AccessRights::Write, plus Telegram's own refusals (blocked, kicked). */
function writableChat(ctx: CallContext): ChatState {
  const cs = targetChat(ctx, "write")
  const { chat } = cs
  if (chat.type === "private") {
    if (ctx.bot.blocked.has(chat.id)) throw forbidden("bot was blocked by the user")
    return cs
  }
  const kind = chat.type === "channel" ? "channel chat" : `${chat.type} chat`
  const own = memberStatus(ctx.bot, chat.id, ctx.bot.id)
  if (own === "kicked") throw forbidden(`bot was kicked from the ${kind}`)
  if (own === "left") throw forbidden(`bot is not a member of the ${kind}`)
  return cs
}

/**
 * check_message_topic: the topic a message goes to. In a forum supergroup (and
 * a private chat with topics) it must exist — not the General topic (1) —
 * else 400 "message thread not found"; elsewhere message_thread_id is ignored.
 * get_forum_topic_id reads a negative id as none.
 */
function messageThread(ctx: CallContext, cs: ChatState): number | undefined {
  const id = int(ctx.params, "message_thread_id")
  if (id === undefined || id <= 0) return undefined
  if (!ctx.state.rulesFor(ctx.bot).forumTopics) return id
  const { chat } = cs
  if (chat.type === "supergroup") {
    if (!chat.is_forum) return undefined
    if (id === 1 || !cs.topics.has(id)) throw badRequest("message thread not found")
    return id
  }
  if (chat.type === "private") {
    if (!cs.topics.has(id)) throw badRequest("message thread not found")
    return id
  }
  return undefined
}

/** Telegram nests replies one level deep only. */
export const asReplied = (m: Message): Message => {
  const { reply_to_message: _nested, ...rest } = m
  return rest as Message
}

function messageIdParam(p: Params): number {
  const id = int(p, "message_id")
  if (id === undefined) throw badRequest("message identifier is not specified")
  return id
}

function replyTarget(ctx: CallContext, cs: ChatState): StoredMessage | undefined {
  const rp = json(ctx.params, "reply_parameters", "can't parse reply parameters JSON object") as
    | { message_id?: number; chat_id?: number | string; allow_sending_without_reply?: boolean }
    | undefined
  const id = rp?.message_id ?? int(ctx.params, "reply_to_message_id")
  if (id === undefined) return undefined
  const allowMissing = rp?.allow_sending_without_reply ?? bool(ctx.params, "allow_sending_without_reply")
  const sourceChat = rp?.chat_id !== undefined && typeof rp.chat_id === "number" ? ctx.bot.chats.get(rp.chat_id) : cs
  const stored = sourceChat?.messages.get(id)
  if (stored && !stored.deleted) return stored
  if (allowMissing) return undefined
  throw badRequest("message to be replied not found")
}

function formatted(
  ctx: CallContext,
  raw: string,
  modeKey: string,
  entitiesKey: string
): { text: string; entities: MessageEntity[] } {
  const p = ctx.params
  if (!ctx.state.rulesFor(ctx.bot).entityValidation) {
    return formatText(raw, str(p, modeKey), json(p, entitiesKey, `can't parse ${entitiesKey} JSON object`))
  }
  // get_input_entities: JSON that does not parse is ignored (no entities).
  let entities: unknown
  try {
    entities = json(p, entitiesKey, "")
  } catch {
    entities = undefined
  }
  return formatText(raw, str(p, modeKey), entities, true)
}

function caption(ctx: CallContext): { caption?: string; caption_entities?: MessageEntity[] } {
  const p = ctx.params
  const raw = str(p, "caption")
  if (raw === undefined) return {}
  const f = formatted(ctx, raw, "parse_mode", "caption_entities")
  if (f.text.length > MAX_CAPTION) throw badRequest("message caption is too long")
  return f.entities.length > 0 ? { caption: f.text, caption_entities: f.entities } : { caption: f.text }
}

/**
 * Telegram's flood control, the last check before a message goes out (the Bot
 * API server has validated the request by then; Telegram's servers refuse it
 * with FLOOD_WAIT, which becomes 429 "Too Many Requests: retry after N").
 */
function floodCheck(ctx: CallContext, cs: ChatState): void {
  const rules = ctx.state.rulesFor(ctx.bot)
  if (!rules.floodControl) return
  const refused = admitMessage(ctx.bot.flood, rules.floodLimits, cs.chat, Date.now())
  if (refused) {
    ctx.bot.counters.floodRefusals++
    ctx.state.totals.floodRefusals++
    throw refused
  }
}

/** Builds, stores and records a message from the bot. */
function sendFromBot(
  ctx: CallContext,
  cs: ChatState,
  method: string,
  content: Record<string, unknown>,
  extra: Partial<SentMessage>
): Message {
  const { params, bot, state } = ctx
  const markup = replyMarkupParam(params)
  const thread = messageThread(ctx, cs)
  const reply = replyTarget(ctx, cs)
  floodCheck(ctx, cs)
  const message: Message = { message_id: cs.nextMessageId++, from: state.botUser(bot), chat: cs.chat, date: unixNow() }
  if (thread !== undefined) {
    message.message_thread_id = thread
    message.is_topic_message = true
  }
  if (reply) message.reply_to_message = asReplied(reply.message)
  Object.assign(message, content)
  if (isInlineMarkup(markup)) message.reply_markup = markup
  const record: SentMessage = {
    messageId: message.message_id,
    chatId: cs.chat.id,
    method,
    ...extra,
    date: message.date,
    sentAt: Date.now(),
    edits: [],
    message
  }
  if (typeof message.text === "string") record.text = message.text
  if (typeof message.caption === "string") record.caption = message.caption
  if (markup !== undefined) record.replyMarkup = markup
  if (message.message_thread_id !== undefined) record.messageThreadId = message.message_thread_id
  if (reply) record.replyToMessageId = reply.message.message_id
  const parseMode = str(params, "parse_mode")
  if (parseMode !== undefined) record.parseMode = parseMode
  cs.messages.set(message.message_id, { message, fromBot: true, deleted: false, record })
  cs.sent.push(record)
  state.emit(bot, { type: "sent", method })
  return message
}

function fileKindName(kind: string): string {
  return kind.charAt(0).toUpperCase() + kind.slice(1)
}

/** Resolves a file_id sent back by the bot; a URL stands in for a download Telegram would make. */
function existingFile(ctx: CallContext, ref: string, kind: StoredFile["kind"]): StoredFile | "url" {
  if (/^https?:\/\//i.test(ref)) return "url"
  const file = ctx.state.files.get(ref)
  if (!file || file.ownerBotId !== ctx.bot.id) throw badRequest("wrong file identifier/HTTP URL specified")
  if (file.kind !== kind) throw badRequest(`can't use file of type ${fileKindName(file.kind)} as ${fileKindName(kind)}`)
  return file
}

function nonEmptyUpload(u: UploadedFile): Uint8Array {
  if (u.bytes.length === 0) throw badRequest("file must be non-empty")
  return u.bytes
}

function storedOwnMessage(ctx: CallContext, cs: ChatState, notFound: string): StoredMessage {
  if (str(ctx.params, "inline_message_id") !== undefined) throw badRequest("MESSAGE_ID_INVALID")
  const stored = cs.messages.get(messageIdParam(ctx.params))
  if (!stored || stored.deleted) throw badRequest(notFound)
  if (!stored.fromBot) throw badRequest("message can't be edited")
  return stored
}

function applyEdit(ctx: CallContext, cs: ChatState, stored: StoredMessage, method: string, next: Message): Message {
  const before = stored.message
  const same = (k: string) => JSON.stringify(before[k] ?? null) === JSON.stringify(next[k] ?? null)
  if (same("text") && same("entities") && same("caption") && same("caption_entities") && same("reply_markup")) {
    throw badRequest(NOT_MODIFIED)
  }
  floodCheck(ctx, cs)
  next.edit_date = unixNow()
  // A fresh object, so updates already queued keep the message as it was.
  stored.message = next
  cs.messages.set(next.message_id, stored)
  const record = stored.record
  if (record) {
    const markup = replyMarkupParam(ctx.params)
    const edit: SentMessage["edits"][number] = { at: Date.now(), method }
    if (typeof next.text === "string") edit.text = record.text = next.text
    if (typeof next.caption === "string") edit.caption = record.caption = next.caption
    else delete record.caption
    // Every edit without reply_markup drops the inline keyboard.
    edit.replyMarkup = markup
    if (markup === undefined) delete record.replyMarkup
    else record.replyMarkup = markup
    const raw = str(ctx.params, method === "editMessageText" ? "text" : "caption")
    if (raw !== undefined) record.rawText = raw
    record.edits.push(edit)
    record.message = next
  }
  ctx.state.emit(ctx.bot, { type: "edited", method })
  return next
}

function withoutKeys(m: Message, keys: string[]): Message {
  const copy: Message = { ...m }
  for (const k of keys) delete copy[k]
  return copy
}

function memberStatus(bot: BotState, chatId: number, userId: number): string {
  return bot.memberStatus.get(`${chatId}:${userId}`) ?? "member"
}

function chatMember(user: User, status: string): Record<string, unknown> {
  switch (status) {
    case "creator":
      return { status, user, is_anonymous: false }
    case "administrator":
      return {
        status,
        user,
        can_be_edited: false,
        is_anonymous: false,
        can_manage_chat: true,
        can_delete_messages: true,
        can_manage_video_chats: true,
        can_restrict_members: true,
        can_promote_members: false,
        can_change_info: true,
        can_invite_users: true,
        can_post_stories: true,
        can_edit_stories: true,
        can_delete_stories: true,
        can_pin_messages: true,
        can_manage_topics: true
      }
    case "kicked":
      return { status, user, until_date: 0 }
    case "restricted":
      return {
        status,
        user,
        is_member: true,
        can_send_messages: false,
        can_send_audios: false,
        can_send_documents: false,
        can_send_photos: false,
        can_send_videos: false,
        can_send_video_notes: false,
        can_send_voice_notes: false,
        can_send_polls: false,
        can_send_other_messages: false,
        can_add_web_page_previews: false,
        can_change_info: false,
        can_invite_users: false,
        can_pin_messages: false,
        can_manage_topics: false,
        until_date: 0
      }
    default:
      return { status, user }
  }
}

function knownUser(ctx: CallContext, userId: number): User {
  if (userId === ctx.bot.id) return ctx.state.botUser(ctx.bot)
  return ctx.bot.users.get(userId) ?? { id: userId, is_bot: false, first_name: `User${userId}` }
}

/** Commands are stored per (scope, language); the default scope may be given or omitted. */
export function commandsKeyFor(scope: unknown, languageCode: string | undefined): string {
  const s = scope as Record<string, unknown> | undefined
  const norm = s === undefined || s === null || s.type === "default" ? { type: "default" } : s
  return `${JSON.stringify(norm)}|${languageCode ?? ""}`
}

function commandsKey(p: Params): string {
  return commandsKeyFor(json(p, "scope", "can't parse BotCommandScope JSON object"), str(p, "language_code"))
}

function localizedKey(p: Params, name: string): string {
  return `${name}|${str(p, "language_code") ?? ""}`
}

// ---------------------------------------------------------------- methods

const getMe: Handler = ({ bot }) => ({
  id: bot.id,
  is_bot: true,
  first_name: bot.firstName,
  username: bot.username,
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false
})

// The request is read (text, formatting, files) before the chat is checked, as in
// process_send_message_query: a bad request fails the same way in any chat.
const sendMessage: Handler = (ctx) => {
  const raw = str(ctx.params, "text")
  if (raw === undefined || raw.trim() === "") throw badRequest("message text is empty")
  const { text, entities } = formatted(ctx, raw, "parse_mode", "entities")
  if (text.trim() === "") throw badRequest("message text is empty")
  const cs = writableChat(ctx)
  if (text.length > MAX_TEXT) throw badRequest("message is too long")
  const content: Record<string, unknown> = entities.length > 0 ? { text, entities } : { text }
  return sendFromBot(ctx, cs, "sendMessage", content, { rawText: raw })
}

const sendPhoto: Handler = (ctx) => {
  const photo = fileParam(ctx.params, "photo")
  if (photo === undefined) throw badRequest("there is no photo in the request")
  const cap = caption(ctx)
  const cs = writableChat(ctx)
  const { files } = ctx.state
  let sizes: PhotoSize[]
  if (typeof photo === "string") {
    const file = existingFile(ctx, photo, "photo")
    sizes = file === "url" ? files.addPhoto(ctx.bot.id, TINY_PNG).sizes : files.sizesOf(file)
  } else {
    const bytes = nonEmptyUpload(photo)
    if (imageSize(bytes) === undefined) throw badRequest("IMAGE_PROCESS_FAILED")
    sizes = files.addPhoto(ctx.bot.id, bytes).sizes
  }
  const extra: Partial<SentMessage> = { photoFileId: sizes[sizes.length - 1]!.file_id }
  if (cap.caption !== undefined) extra.rawText = str(ctx.params, "caption")!
  return sendFromBot(ctx, cs, "sendPhoto", { photo: sizes, ...cap }, extra)
}

const sendDocument: Handler = (ctx) => {
  const doc = fileParam(ctx.params, "document")
  if (doc === undefined) throw badRequest("there is no document in the request")
  const cap = caption(ctx)
  const cs = writableChat(ctx)
  const { files } = ctx.state
  let file: StoredFile
  if (typeof doc === "string") {
    const found = existingFile(ctx, doc, "document")
    file =
      found === "url"
        ? files.add(ctx.bot.id, "document", new Uint8Array(0), { fileName: doc.split("/").pop() || "file" })
        : found
  } else {
    const bytes = nonEmptyUpload(doc)
    const fileName = doc.filename ?? "document"
    const declared = doc.contentType && doc.contentType !== "application/octet-stream" ? doc.contentType : undefined
    file = files.add(ctx.bot.id, "document", bytes, {
      fileName,
      mimeType: mimeOf(fileName) ?? declared ?? "application/octet-stream"
    })
  }
  const document: Record<string, unknown> = {
    file_id: file.fileId,
    file_unique_id: file.fileUniqueId,
    file_size: file.bytes.length
  }
  if (file.fileName !== undefined) document.file_name = file.fileName
  if (file.mimeType !== undefined) document.mime_type = file.mimeType
  const extra: Partial<SentMessage> = { documentFileId: file.fileId }
  if (cap.caption !== undefined) extra.rawText = str(ctx.params, "caption")!
  return sendFromBot(ctx, cs, "sendDocument", { document, ...cap }, extra)
}

const editMessageText: Handler = (ctx) => {
  const cs = targetChat(ctx)
  const stored = storedOwnMessage(ctx, cs, "message to edit not found")
  if (typeof stored.message.text !== "string") throw badRequest("there is no text in the message to edit")
  const raw = str(ctx.params, "text")
  if (raw === undefined || raw.trim() === "") throw badRequest("message text is empty")
  const { text, entities } = formatted(ctx, raw, "parse_mode", "entities")
  if (text.trim() === "") throw badRequest("message text is empty")
  if (text.length > MAX_TEXT) throw badRequest("message is too long")
  const markup = replyMarkupParam(ctx.params)
  // Editing without reply_markup removes the inline keyboard, as on Telegram.
  const next = withoutKeys(stored.message, ["entities", "reply_markup", "edit_date"])
  next.text = text
  if (entities.length > 0) next.entities = entities
  if (isInlineMarkup(markup)) next.reply_markup = markup
  return applyEdit(ctx, cs, stored, "editMessageText", next)
}

const editMessageCaption: Handler = (ctx) => {
  const cs = targetChat(ctx)
  const stored = storedOwnMessage(ctx, cs, "message to edit not found")
  if (stored.message.photo === undefined && stored.message.document === undefined) {
    throw badRequest("there is no caption in the message to edit")
  }
  const cap = caption(ctx)
  const markup = replyMarkupParam(ctx.params)
  const next = withoutKeys(stored.message, ["caption", "caption_entities", "reply_markup", "edit_date"])
  Object.assign(next, cap)
  if (isInlineMarkup(markup)) next.reply_markup = markup
  return applyEdit(ctx, cs, stored, "editMessageCaption", next)
}

const editMessageReplyMarkup: Handler = (ctx) => {
  const cs = targetChat(ctx)
  const stored = storedOwnMessage(ctx, cs, "message to edit not found")
  const markup = replyMarkupParam(ctx.params)
  if (markup !== undefined && !isInlineMarkup(markup)) throw badRequest("inline keyboard expected")
  const next = withoutKeys(stored.message, ["reply_markup", "edit_date"])
  if (markup !== undefined) next.reply_markup = markup
  return applyEdit(ctx, cs, stored, "editMessageReplyMarkup", next)
}

/** The message a copyMessage/forwardMessage names by from_chat_id and message_id. */
function sourceMessage(ctx: CallContext, what: string): StoredMessage {
  const raw = str(ctx.params, "from_chat_id")
  if (raw === undefined) throw badRequest("from_chat_id is empty")
  const id = int(ctx.params, "from_chat_id")
  const cs = id !== undefined ? ctx.bot.chats.get(id) : ctx.state.chatByUsername(ctx.bot, raw)
  if (!cs) throw badRequest("chat not found")
  const stored = cs.messages.get(messageIdParam(ctx.params))
  if (!stored || stored.deleted) throw badRequest(`message to ${what} not found`)
  return stored
}

const COPIED_KEYS = ["text", "entities", "caption", "caption_entities", "photo", "document", "sticker"]

function copiedContent(m: Message): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const k of COPIED_KEYS) if (m[k] !== undefined) out[k] = m[k]
  return out
}

function extraFor(content: Record<string, unknown>): Partial<SentMessage> {
  const extra: Partial<SentMessage> = {}
  const photo = content.photo as PhotoSize[] | undefined
  if (photo) extra.photoFileId = photo[photo.length - 1]!.file_id
  const doc = content.document as { file_id?: string } | undefined
  if (doc?.file_id) extra.documentFileId = doc.file_id
  return extra
}

const copyMessage: Handler = (ctx) => {
  const source = sourceMessage(ctx, "copy")
  const cs = writableChat(ctx)
  const content = copiedContent(source.message)
  if (str(ctx.params, "caption") !== undefined && content.text === undefined) {
    delete content.caption
    delete content.caption_entities
    Object.assign(content, caption(ctx))
  }
  const sent = sendFromBot(ctx, cs, "copyMessage", content, extraFor(content))
  return { message_id: sent.message_id }
}

const forwardMessage: Handler = (ctx) => {
  const source = sourceMessage(ctx, "forward")
  const cs = writableChat(ctx)
  const content = copiedContent(source.message)
  const from = source.message.from
  const origin = from
    ? { type: "user", sender_user: from, date: source.message.date }
    : { type: "chat", sender_chat: source.message.chat, date: source.message.date }
  return sendFromBot(ctx, cs, "forwardMessage", { ...content, forward_origin: origin }, extraFor(content))
}

function deleteOne(ctx: CallContext, cs: ChatState, id: number): boolean {
  const stored = cs.messages.get(id)
  if (!stored || stored.deleted) return false
  stored.deleted = true
  if (stored.record) stored.record.deletedAt = Date.now()
  ctx.state.emit(ctx.bot, { type: "deleted" })
  return true
}

const deleteMessage: Handler = (ctx) => {
  const cs = targetChat(ctx)
  if (!deleteOne(ctx, cs, messageIdParam(ctx.params))) throw badRequest("message to delete not found")
  return true
}

const deleteMessages: Handler = (ctx) => {
  const cs = targetChat(ctx)
  const ids = json(ctx.params, "message_ids", "can't parse message identifiers")
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > 100)
    throw badRequest("message identifiers are not specified")
  for (const id of ids) if (typeof id === "number") deleteOne(ctx, cs, id)
  return true
}

const answerCallbackQuery: Handler = (ctx) => {
  const id = str(ctx.params, "callback_query_id")
  const entry = id === undefined ? undefined : ctx.bot.callbackQueries.get(id)
  // QUERY_ID_INVALID from Telegram (fail_query_with_error): unknown, answered, or too old.
  const ttl = ctx.state.rulesFor(ctx.bot).callbackQueryTtlMs
  if (!entry || entry.answered || (ttl > 0 && Date.now() - entry.createdAt > ttl)) {
    throw badRequest("query is too old and response timeout expired or query ID is invalid")
  }
  const text = str(ctx.params, "text")
  if (text !== undefined && text.length > 200) throw badRequest("MESSAGE_TOO_LONG")
  entry.answered = true
  const q = entry.query as { data?: string; message?: Message }
  const answer: CallbackAnswer = {
    callbackQueryId: id!,
    data: q.data,
    chatId: q.message?.chat.id,
    messageId: q.message?.message_id,
    showAlert: bool(ctx.params, "show_alert"),
    at: Date.now()
  }
  if (text !== undefined) answer.text = text
  const url = str(ctx.params, "url")
  if (url !== undefined) answer.url = url
  const cacheTime = int(ctx.params, "cache_time")
  if (cacheTime !== undefined) answer.cacheTime = cacheTime
  ctx.bot.callbackAnswers.push(answer)
  ctx.state.emit(ctx.bot, { type: "callback_answer" })
  return true
}

const getFile: Handler = (ctx) => {
  const id = str(ctx.params, "file_id")
  const file = id === undefined ? undefined : ctx.state.files.get(id)
  if (!file || file.ownerBotId !== ctx.bot.id) throw badRequest("invalid file_id")
  if (file.bytes.length > MAX_DOWNLOAD) throw badRequest("file is too big")
  return {
    file_id: file.fileId,
    file_unique_id: file.fileUniqueId,
    file_size: file.bytes.length,
    file_path: file.filePath
  }
}

const getChatMember: Handler = (ctx) => {
  const cs = targetChat(ctx)
  const userId = int(ctx.params, "user_id")
  if (userId === undefined) throw badRequest("invalid user_id specified")
  const status =
    cs.chat.type === "private" && userId === cs.chat.id ? "member" : memberStatus(ctx.bot, cs.chat.id, userId)
  return chatMember(knownUser(ctx, userId), status)
}

const getChatAdministrators: Handler = (ctx) => {
  const cs = targetChat(ctx)
  if (cs.chat.type === "private") throw badRequest("there are no administrators in the private chat")
  const out: Record<string, unknown>[] = []
  for (const [key, status] of ctx.bot.memberStatus) {
    const [chat, user] = key.split(":")
    if (Number(chat) === cs.chat.id && (status === "administrator" || status === "creator")) {
      out.push(chatMember(knownUser(ctx, Number(user)), status))
    }
  }
  return out
}

const getChat: Handler = (ctx) => {
  const cs = targetChat(ctx)
  return {
    ...cs.chat,
    accent_color_id: 0,
    max_reaction_count: 11,
    accepted_gift_types: {
      unlimited_gifts: false,
      limited_gifts: false,
      unique_gifts: false,
      premium_subscription: false
    }
  }
}

const setMyCommands: Handler = (ctx) => {
  const commands = json(ctx.params, "commands", "can't parse commands JSON object")
  if (!Array.isArray(commands)) throw badRequest("commands must be an Array")
  if (commands.length > 100) throw badRequest("too many commands specified")
  const list: BotCommand[] = []
  for (const c of commands as Array<Record<string, unknown>>) {
    const command = typeof c?.command === "string" ? c.command : ""
    const description = typeof c?.description === "string" ? c.description : ""
    if (!/^[a-z0-9_]{1,32}$/.test(command)) throw badRequest("BOT_COMMAND_INVALID")
    if (description.trim() === "") throw badRequest("command description is empty")
    if (description.length > 256) throw badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
    list.push({ command, description })
  }
  const key = commandsKey(ctx.params)
  if (list.length === 0) ctx.bot.commands.delete(key)
  else ctx.bot.commands.set(key, list)
  return true
}

const getMyCommands: Handler = (ctx) => ctx.bot.commands.get(commandsKey(ctx.params)) ?? []

const deleteMyCommands: Handler = (ctx) => {
  ctx.bot.commands.delete(commandsKey(ctx.params))
  return true
}

/** setMyName/Description/ShortDescription: stored per language, echoed by the getters. */
function textSetting(name: string, field: string, max: number): [Handler, Handler] {
  const set: Handler = (ctx) => {
    const value = str(ctx.params, field) ?? ""
    if (value.length > max) throw badRequest(`${field} is too long`)
    if (value === "") ctx.bot.texts.delete(localizedKey(ctx.params, name))
    else ctx.bot.texts.set(localizedKey(ctx.params, name), value)
    return true
  }
  const get: Handler = (ctx) => ({
    [field]:
      ctx.bot.texts.get(localizedKey(ctx.params, name)) ??
      ctx.bot.texts.get(`${name}|`) ??
      (name === "name" ? ctx.bot.firstName : "")
  })
  return [set, get]
}
const [setMyName, getMyName] = textSetting("name", "name", 64)
const [setMyDescription, getMyDescription] = textSetting("description", "description", 512)
const [setMyShortDescription, getMyShortDescription] = textSetting("short_description", "short_description", 120)

const setChatMenuButton: Handler = (ctx) => {
  const button = json(ctx.params, "menu_button", "can't parse menu button JSON object")
  ctx.bot.texts.set(`menu|${str(ctx.params, "chat_id") ?? ""}`, button ?? { type: "default" })
  return true
}

const getChatMenuButton: Handler = (ctx) =>
  ctx.bot.texts.get(`menu|${str(ctx.params, "chat_id") ?? ""}`) ?? ctx.bot.texts.get("menu|") ?? { type: "commands" }

const sendChatAction: Handler = (ctx) => {
  const cs = writableChat(ctx)
  const action = str(ctx.params, "action")
  if (action === undefined || !CHAT_ACTIONS.has(action)) throw badRequest("wrong parameter action in request")
  const record: ChatActionRecord = { chatId: cs.chat.id, action, at: Date.now() }
  const thread = int(ctx.params, "message_thread_id")
  if (thread !== undefined) record.messageThreadId = thread
  ctx.bot.chatActions.push(record)
  ctx.state.emit(ctx.bot, { type: "chat_action" })
  return true
}

/**
 * setWebhook and deleteWebhook (process_set_webhook_query, do_set_webhook,
 * finish_set_webhook): a new URL at most once a second (429 retry after 1); the
 * same settings again change nothing; otherwise the old webhook closes, a
 * pending long poll gets 409, drop_pending_updates clears the queue, and the new
 * webhook is checked (URL, secret token, address: see webhook.ts) and started.
 */
async function changeWebhook(ctx: CallContext, deleting: boolean): Promise<true> {
  const { bot, params, state } = ctx
  const newUrl = deleting ? "" : (str(params, "url") ?? "")
  const now = Date.now()
  if (newUrl !== "") {
    if (now < bot.nextSetWebhookAt) throw tooManyRequests(1)
    bot.nextSetWebhookAt = now + 1000
  }
  const certificate = params.certificate
  const hasCertificate =
    newUrl !== "" &&
    (isUploadedFile(certificate) ||
      (typeof certificate === "string" && isUploadedFile(params[certificate.replace(/^attach:\/\//, "")])))
  const maxConnections = newUrl === "" ? 0 : integerArg(params, "max_connections", 40, 1, 100)
  const fixedIp = newUrl === "" ? "" : (str(params, "ip_address") ?? "")
  const secret = newUrl === "" ? "" : (str(params, "secret_token") ?? "")
  const drop = bool(params, "drop_pending_updates")
  const current = bot.webhook
  if (
    (current?.url ?? "") === newUrl &&
    !current?.hasCertificate &&
    !hasCertificate &&
    (current?.maxConnections ?? 0) === maxConnections &&
    (current?.fixedIp ?? "") === fixedIp &&
    (current?.secretToken ?? "") === secret &&
    !drop
  ) {
    setAllowedUpdates(bot, params) // "Webhook is already set" / "Webhook is already deleted"
    return true
  }
  if (newUrl !== "") supersedePoll(state, bot, conflict(CONFLICT_SET_WEBHOOK))
  closeWebhook(bot)
  bot.webhook = undefined
  // do_set_webhook
  if (drop) dropPending(state, bot)
  if (newUrl === "") return true
  const url = parseWebhookUrl(newUrl)
  checkSecretToken(secret)
  const config = {
    url: newUrl,
    secretToken: secret,
    maxConnections,
    setAt: now,
    hasCertificate,
    fixedIp,
    ipAddress: ""
  }
  bot.webhook = config
  setAllowedUpdates(bot, params)
  let ipAddress: string
  try {
    ipAddress = await verifyWebhook(url, fixedIp === "" ? undefined : fixedIp, state.rulesFor(bot).webhookPublicUrl)
  } catch (e) {
    if (bot.webhook === config) bot.webhook = undefined // on_webhook_closed
    throw e
  }
  if (bot.webhook !== config || bot.revoked) return true // replaced meanwhile
  config.ipAddress = ipAddress
  startWebhook(state, bot, { url, maxConnections, secretToken: secret, ipAddress, dispatch: webhookReply(state) })
  return true
}

/** Runs a method a webhook answered with; its result or error goes nowhere. */
const webhookReply =
  (state: EmulatorState) =>
  (bot: BotState, params: Record<string, unknown>): void => {
    const entry = METHODS.get(String(params.method).toLowerCase())
    if (!entry || bot.revoked) return
    state.countCall(bot, entry.name)
    const ctx: CallContext = { state, bot, params, signal: new AbortController().signal, clientGone: () => true }
    Promise.resolve()
      .then(() => entry.handler(ctx))
      .catch(() => undefined)
  }

const setWebhook: Handler = (ctx) => changeWebhook(ctx, false)
const deleteWebhook: Handler = (ctx) => changeWebhook(ctx, true)

/** JsonWebhookInfo */
const getWebhookInfo: Handler = ({ bot }) => {
  dropExpired(bot)
  const hook = bot.webhook
  const info: Record<string, unknown> = {
    url: hook?.url ?? "",
    has_custom_certificate: hook?.hasCertificate ?? false,
    pending_update_count: bot.queue.length
  }
  const rt = bot.webhookRuntime
  if (rt && rt.lastErrorDate > 0) {
    info.last_error_date = rt.lastErrorDate
    info.last_error_message = rt.lastErrorMessage
  }
  if (hook) {
    info.max_connections = hook.maxConnections
    info.ip_address = hook.ipAddress === "" ? "<unknown>" : hook.ipAddress
  }
  if (bot.allowedUpdates !== undefined && bot.allowedUpdates.length > 0) info.allowed_updates = bot.allowedUpdates
  return info
}

const getUpdatesMethod: Handler = (ctx) => getUpdates(ctx.state, ctx.bot, ctx.params, ctx.signal, ctx.clientGone)

export interface MethodEntry {
  name: string
  handler: Handler
}

const TABLE: Record<string, Handler> = {
  getMe,
  getUpdates: getUpdatesMethod,
  setWebhook,
  deleteWebhook,
  getWebhookInfo,
  sendMessage,
  sendPhoto,
  sendDocument,
  copyMessage,
  forwardMessage,
  sendChatAction,
  editMessageText,
  editMessageCaption,
  editMessageReplyMarkup,
  deleteMessage,
  deleteMessages,
  answerCallbackQuery,
  getFile,
  getChat,
  getChatMember,
  getChatAdministrators,
  setMyCommands,
  getMyCommands,
  deleteMyCommands,
  setMyName,
  getMyName,
  setMyDescription,
  getMyDescription,
  setMyShortDescription,
  getMyShortDescription,
  setChatMenuButton,
  getChatMenuButton
}

/** Bot API method names are case-insensitive; keyed by lower case. */
export const METHODS: ReadonlyMap<string, MethodEntry> = new Map(
  Object.entries(TABLE).map(([name, handler]) => [name.toLowerCase(), { name, handler }])
)
