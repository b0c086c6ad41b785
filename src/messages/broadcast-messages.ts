/**
 * A broadcast as Telegram gets it — the same call for the admin's preview and
 * for every customer — and its progress and final report (one message, edited
 * in place). Texts in src/messages/locales/<lang>/broadcast.ftl.
 */
import { InlineKeyboard } from "grammy"
import type { Api } from "grammy"
import type { Message, MessageEntity } from "grammy/types"
import { callbackData } from "./callback-data.ts"
import { formatNumber } from "./format.ts"
import type { Translate } from "./i18n.ts"
import type { BroadcastContent, BroadcastSummary } from "../tenants/broadcasts.ts"
import type { Language } from "../tenants/tenant-cache.ts"

const keyboardOf = (content: BroadcastContent, t: Translate): InlineKeyboard | undefined => {
  const button = content.button
  if (button === null) return undefined
  return button.kind === "url"
    ? new InlineKeyboard().url(button.text, button.url)
    : new InlineKeyboard().text(t("broadcast-menu-button"), callbackData.broadcastMenu())
}

/** Sends the broadcast's message to one chat, the button labelled in `t`'s language. */
export const sendBroadcastMessage = (
  api: Api,
  chatId: number,
  content: BroadcastContent,
  t: Translate
): Promise<Message> => {
  const keyboard = keyboardOf(content, t)
  const markup = keyboard === undefined ? {} : { reply_markup: keyboard }
  const entities = (content.entities ?? undefined) as Array<MessageEntity> | undefined
  return content.photo === null
    ? api.sendMessage(chatId, content.text, { ...(entities ? { entities } : {}), ...markup })
    : api.sendPhoto(chatId, content.photo, {
        caption: content.text,
        ...(entities ? { caption_entities: entities } : {}),
        ...markup
      })
}

/** The progress line while sending, or the final report once done or stopped. */
export const broadcastStatusText = (t: Translate, locale: Language, summary: BroadcastSummary): string => {
  const n = (value: number) => formatNumber(locale, value)
  const variables = {
    id: String(summary.id),
    sent: n(summary.sent),
    blocked: n(summary.blocked),
    // A send whose outcome a crash left unknown is reported as failed (it is not sent again).
    failed: n(summary.failed + summary.unknown),
    left: n(summary.pending),
    total: n(summary.total)
  }
  switch (summary.state) {
    case "pending":
      return t("broadcast-progress", variables)
    case "cancelled":
      return t("broadcast-report-cancelled", variables)
    case "done":
    case "failed":
      return t("broadcast-report", variables)
  }
}

/** The progress message's button: stop, while it is being sent. */
export const broadcastStatusKeyboard = (t: Translate, summary: BroadcastSummary): InlineKeyboard =>
  summary.state === "pending"
    ? new InlineKeyboard().text(t("broadcast-stop-button"), callbackData.broadcastStop(summary.id))
    : new InlineKeyboard()
