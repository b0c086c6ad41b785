// The control API over HTTP: every operation of TelegramEmulator as
// `POST /control/<operation>` with a JSON body (GET with query parameters works
// for reads), plus REST-style aliases under /control/bots/<token>/...
// Byte payloads travel as base64 in `bytesBase64`.
import type { IncomingMessage, ServerResponse } from "node:http"
import type { TelegramEmulator } from "./emulator.ts"
import { ControlError } from "./errors.ts"
import type { FaultInput } from "./faults.ts"
import type { FileKind } from "./files.ts"
import type { AddToChatInput, InjectCallbackInput, InjectTextInput } from "./inject.ts"
import { readBody } from "./request-body.ts"
import type { RulesInput } from "./rules.ts"
import { ALL_BOTS } from "./state.ts"
import type { UserInput } from "./types.ts"
import { sendJson } from "./server.ts"

type Body = Record<string, unknown>
type Op = (emu: TelegramEmulator, body: Body) => unknown

const NUMERIC_KEYS = new Set([
  "chatId",
  "userId",
  "messageId",
  "timeoutMs",
  "polledWithinMs",
  "ms",
  "count",
  "durationMs",
  "retryAfter",
  "status",
  "updateId",
  "messageThreadId",
  "replyToMessageId",
  "id",
  "creatorId"
])

function token(b: Body): string {
  if (typeof b.token !== "string" || b.token === "") throw new ControlError(400, "token is required")
  return b.token
}

const optNum = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined)

function num(b: Body, key: string): number {
  const v = b[key]
  if (typeof v !== "number") throw new ControlError(400, `${key} must be a number`)
  return v
}

/** The body minus routing fields, with bytesBase64 decoded into bytes. */
function input(b: Body): Body {
  const { token: _t, bytesBase64, ...rest } = b
  if (typeof bytesBase64 === "string") rest.bytes = new Uint8Array(Buffer.from(bytesBase64, "base64"))
  return rest
}

const textFilter = (b: Body) => {
  const needle = b.textIncludes
  return typeof needle === "string"
    ? (m: { text?: string; caption?: string }) => (m.text ?? m.caption ?? "").includes(needle)
    : undefined
}

const OPS: Record<string, Op> = {
  createBot: (e, b) => e.createBot(b),
  revokeToken: (e, b) => e.revokeToken(token(b)),
  listBots: (e) => e.listBots(),
  injectMessage: (e, b) => e.injectMessage(token(b), input(b) as unknown as InjectTextInput),
  injectPhoto: (e, b) => e.injectPhoto(token(b), input(b)),
  injectDocument: (e, b) => e.injectDocument(token(b), input(b)),
  injectSticker: (e, b) => e.injectSticker(token(b), input(b)),
  injectCallbackQuery: (e, b) => e.injectCallbackQuery(token(b), input(b) as unknown as InjectCallbackInput),
  injectUpdate: (e, b) => {
    if (typeof b.update !== "object" || b.update === null) throw new ControlError(400, "update object is required")
    return e.injectUpdate(token(b), b.update as Body)
  },
  setUserBlocked: (e, b) => e.setUserBlocked(token(b), { userId: num(b, "userId"), blocked: b.blocked !== false }),
  blockBot: (e, b) => e.blockBot(token(b), { userId: num(b, "userId") }),
  unblockBot: (e, b) => e.unblockBot(token(b), { userId: num(b, "userId") }),
  /** `{ token, userId, user?: {id, first_name, …}, sendStart?: boolean }` */
  openPrivateChat: (e, b) => {
    const i: { userId: number; user?: UserInput; sendStart?: boolean } = { userId: num(b, "userId") }
    if (typeof b.user === "object" && b.user !== null) i.user = b.user as UserInput
    if (b.sendStart === true) i.sendStart = true
    return e.openPrivateChat(token(b), i)
  },
  /** `{ token, chatId, type?, title?, isForum?, status?: "member"|"administrator", from?, notify? }` */
  addBotToChat: (e, b) =>
    e.addBotToChat(token(b), { ...(input(b) as unknown as AddToChatInput), chatId: num(b, "chatId") }),
  /** `{ token, chatId, name?, messageThreadId? }` → `{ chatId, messageThreadId, name }` */
  createForumTopic: (e, b) => {
    const i: { chatId: number; name?: string; messageThreadId?: number } = { chatId: num(b, "chatId") }
    if (typeof b.name === "string") i.name = b.name
    const thread = optNum(b.messageThreadId)
    if (thread !== undefined) i.messageThreadId = thread
    return e.createForumTopic(token(b), i)
  },
  uploadFile: (e, b) => {
    const i = input(b)
    if (!(i.bytes instanceof Uint8Array)) throw new ControlError(400, "bytesBase64 is required")
    return e.uploadFile(token(b), i as { kind: FileKind; bytes: Uint8Array })
  },
  setChatMemberStatus: (e, b) =>
    e.setChatMemberStatus(token(b), {
      chatId: num(b, "chatId"),
      userId: num(b, "userId"),
      status: b.status as "member"
    }),
  setChatAdmins: (e, b) => {
    const ids = Array.isArray(b.userIds) ? b.userIds.map(Number) : []
    const creatorId = optNum(b.creatorId)
    e.setChatAdmins(
      token(b),
      creatorId === undefined
        ? { chatId: num(b, "chatId"), userIds: ids }
        : { chatId: num(b, "chatId"), userIds: ids, creatorId }
    )
  },
  sentMessages: (e, b) => e.sentMessages(token(b), optNum(b.chatId)),
  callbackAnswers: (e, b) => e.callbackAnswers(token(b)),
  chatActions: (e, b) => e.chatActions(token(b), optNum(b.chatId)),
  commands: (e, b) => {
    const lang = typeof b.languageCode === "string" ? b.languageCode : undefined
    return e.commands(token(b), lang === undefined ? { scope: b.scope } : { scope: b.scope, languageCode: lang })
  },
  injectFault: (e, b) => e.injectFault(token(b), input(b) as unknown as FaultInput),
  clearFaults: (e, b) => e.clearFaults(token(b)),
  setLatency: (e, b) => {
    const method = typeof b.method === "string" ? b.method : undefined
    e.setLatency(token(b), method === undefined ? { ms: num(b, "ms") } : { ms: num(b, "ms"), method })
  },
  /** `{ token?: string | "*", rules: {...}, reset?: boolean }`; no token = fleet-wide. */
  setRules: (e, b) => {
    if (typeof b.rules !== "object" || b.rules === null) throw new ControlError(400, "rules object is required")
    const t = typeof b.token === "string" && b.token !== "" ? b.token : ALL_BOTS
    return e.setRules(t, b.rules as RulesInput, { reset: b.reset === true })
  },
  rules: (e, b) => e.rules(typeof b.token === "string" && b.token !== "" ? b.token : ALL_BOTS),
  stats: (e, b) => e.stats(token(b)),
  statsMany: (e, b) => {
    const t = b.tokens
    return e.statsMany(Array.isArray(t) ? t.map(String) : typeof t === "string" && t !== "" ? t.split(",") : undefined)
  },
  summary: (e, b) => {
    const ms = optNum(b.polledWithinMs)
    return e.summary(ms === undefined ? {} : { polledWithinMs: ms })
  },
  waitForSent: (e, b) => e.waitForSent(token(b), optNum(b.chatId), textFilter(b), optNum(b.timeoutMs)),
  waitForCallbackAnswer: (e, b) => e.waitForCallbackAnswer(token(b), undefined, optNum(b.timeoutMs)),
  waitForPoller: (e, b) => e.waitForPoller(token(b), optNum(b.timeoutMs)),
  waitForConfirmed: (e, b) => e.waitForConfirmed(token(b), num(b, "updateId"), optNum(b.timeoutMs)),
  waitForCall: (e, b) => {
    if (typeof b.method !== "string") throw new ControlError(400, "method is required")
    return e.waitForCall(token(b), b.method, optNum(b.timeoutMs))
  }
}

/** Names accepted by `POST /control/<operation>`. */
export const CONTROL_OPERATIONS: readonly string[] = Object.keys(OPS)

function queryBody(url: URL): Body {
  const b: Body = {}
  for (const [k0, v] of url.searchParams) {
    // snake_case spellings are accepted in query strings (polled_within_ms, chat_id, ...)
    const k = k0.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())
    b[k] = NUMERIC_KEYS.has(k) && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v
  }
  return b
}

/** Maps a path to an operation name, folding REST aliases into the RPC table. */
function route(method: string, parts: string[], body: Body): string | undefined {
  const [first, second, third] = parts
  if (first === "bots") {
    if (second === undefined) return method === "POST" ? "createBot" : "listBots"
    body.token = decodeURIComponent(second)
    if (third === undefined) return method === "DELETE" ? "revokeToken" : "stats"
    if (third === "revoke") return "revokeToken"
    if (third === "sent") return "sentMessages"
    if (third === "faults") return method === "DELETE" ? "clearFaults" : "injectFault"
    if (third === "latency") return "setLatency"
    return third
  }
  if (first === "stats") return "statsMany"
  return parts.length === 1 ? first : undefined
}

export async function handleControl(
  emu: TelegramEmulator,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL
): Promise<void> {
  try {
    const body = queryBody(url)
    if (req.method !== "GET" && req.method !== "HEAD") {
      const raw = await readBody(req)
      if (raw.length > 0) {
        let parsed: unknown
        try {
          parsed = JSON.parse(raw.toString("utf8"))
        } catch {
          throw new ControlError(400, "body must be JSON")
        }
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
          throw new ControlError(400, "body must be a JSON object")
        Object.assign(body, parsed)
      }
    } else req.resume()
    const parts = url.pathname
      .split("/")
      .filter((p) => p !== "")
      .slice(1)
    const name = route(req.method ?? "GET", parts, body)
    const op = name === undefined ? undefined : OPS[name]
    if (!op)
      throw new ControlError(404, `unknown control operation ${url.pathname}; known: ${CONTROL_OPERATIONS.join(", ")}`)
    const result = await op(emu, body)
    sendJson(res, 200, { ok: true, result: result === undefined ? true : result })
  } catch (e) {
    const status = e instanceof ControlError ? e.status : 500
    sendJson(res, status, { ok: false, error: e instanceof Error ? e.message : String(e) })
  }
}
