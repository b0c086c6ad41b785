// reply_markup validation: the checks a real server applies that bots trip
// over (64-byte callback_data, text-only inline buttons, malformed JSON).
import { badRequest } from "./errors.ts"
import { json } from "./params.ts"
import type { Params } from "./params.ts"

const INLINE_ACTIONS = [
  "url",
  "callback_data",
  "web_app",
  "login_url",
  "switch_inline_query",
  "switch_inline_query_current_chat",
  "switch_inline_query_chosen_chat",
  "copy_text",
  "callback_game",
  "pay"
]
const MAX_BUTTONS = 100

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)

function validateInlineButton(b: unknown): void {
  const fail = (why: string) => badRequest(`can't parse inline keyboard button: ${why}`)
  if (!isObject(b)) throw fail("InlineKeyboardButton must be an Object")
  if (typeof b.text !== "string") throw fail('Field "text" must be of type String')
  const actions = INLINE_ACTIONS.filter((k) => b[k] !== undefined)
  if (actions.length === 0) throw fail("Text buttons are unallowed in the inline keyboard")
  if (b.callback_data !== undefined) {
    const data = b.callback_data
    if (typeof data !== "string" || data === "" || Buffer.byteLength(data) > 64) throw badRequest("BUTTON_DATA_INVALID")
  }
  if (b.url !== undefined) {
    const url = typeof b.url === "string" ? b.url : ""
    let ok = false
    try {
      const parsed = new URL(url)
      ok = ["http:", "https:", "tg:"].includes(parsed.protocol) && (parsed.protocol === "tg:" || parsed.hostname !== "")
    } catch {
      ok = false
    }
    if (!ok) throw badRequest(`inline keyboard button URL '${url}' is invalid: Wrong HTTP URL`)
  }
}

function validateRows(rows: unknown, field: string, type: string, validate: (b: unknown) => void): void {
  if (!Array.isArray(rows) || !rows.every(Array.isArray)) {
    throw badRequest(`field "${field}" of the ${type} must be an Array of Arrays`)
  }
  let count = 0
  for (const row of rows as unknown[][]) {
    for (const b of row) {
      validate(b)
      count++
    }
  }
  if (count > MAX_BUTTONS) throw badRequest("reply markup is too long")
}

function validateKeyboardButton(b: unknown): void {
  if (typeof b === "string") return
  if (!isObject(b) || typeof b.text !== "string") {
    throw badRequest('can\'t parse keyboard button: Field "text" must be of type String')
  }
}

/** Parsed and validated reply_markup, or undefined when absent. */
export function replyMarkupParam(p: Params): Record<string, unknown> | undefined {
  const markup = json(p, "reply_markup", "can't parse reply keyboard markup JSON object")
  if (markup === undefined) return undefined
  if (!isObject(markup)) throw badRequest("can't parse reply keyboard markup JSON object")
  if (markup.inline_keyboard !== undefined) {
    validateRows(markup.inline_keyboard, "inline_keyboard", "InlineKeyboardMarkup", validateInlineButton)
  } else if (markup.keyboard !== undefined) {
    validateRows(markup.keyboard, "keyboard", "ReplyKeyboardMarkup", validateKeyboardButton)
  } else if (markup.remove_keyboard === undefined && markup.force_reply === undefined) {
    throw badRequest("can't parse reply keyboard markup JSON object")
  }
  return markup
}

/** Only inline keyboards are part of the Message object Telegram returns. */
export const isInlineMarkup = (m: Record<string, unknown> | undefined): boolean => m?.inline_keyboard !== undefined
