/**
 * Telegram's own limits on what a bot sends (Bot API: 1–4,096 characters of
 * text, 0–1,024 of caption, after entities parsing), respected by design: a
 * text that would exceed one is cut with an ellipsis before it leaves, rather
 * than refused by Telegram with a 400 that only a log line would show. Texts
 * built from tenant input (plan names, receipt captions) are fitted where they
 * are built; the API transformer below is the safety net for everything else a
 * bot sends.
 */
import type { Transformer } from "grammy"

export const TELEGRAM_TEXT_MAX = 4096
export const TELEGRAM_CAPTION_MAX = 1024
const ELLIPSIS = "…"

/** `text` cut to at most `max` UTF-16 units (Telegram's count), ending in an ellipsis when cut; surrogate pairs stay whole. */
export const fitText = (text: string, max: number): string => {
  if (text.length <= max) return text
  let end = max - ELLIPSIS.length
  const last = text.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end-- // never split a surrogate pair
  return `${text.slice(0, end)}${ELLIPSIS}`
}

/** Methods whose `text` / `caption` Telegram bounds. */
const TEXT_METHODS = new Set(["sendMessage", "editMessageText"])
const CAPTION_METHODS = new Set([
  "sendPhoto",
  "sendDocument",
  "sendVideo",
  "sendAnimation",
  "sendAudio",
  "sendVoice",
  "editMessageCaption",
  "copyMessage"
])

/** A grammY API transformer that fits `text` and `caption` to Telegram's limits on every call. */
export const fitToTelegramLimits: Transformer = (prev, method, payload, signal) => {
  const p = payload as Record<string, unknown>
  if (TEXT_METHODS.has(method) && typeof p.text === "string" && p.text.length > TELEGRAM_TEXT_MAX) {
    return prev(method, { ...p, text: fitText(p.text, TELEGRAM_TEXT_MAX) } as typeof payload, signal)
  }
  if (CAPTION_METHODS.has(method) && typeof p.caption === "string" && p.caption.length > TELEGRAM_CAPTION_MAX) {
    return prev(method, { ...p, caption: fitText(p.caption, TELEGRAM_CAPTION_MAX) } as typeof payload, signal)
  }
  return prev(method, payload, signal)
}
