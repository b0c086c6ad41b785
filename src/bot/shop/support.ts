/**
 * Support: the tenant's SUPPORT_USERNAME as a contact (flag `support_contact`),
 * and tickets (flag `support_tickets`): the user's message goes to the admin
 * chat; an admin's reply to that message goes back to the user. Which admin-chat
 * message belongs to which ticket is recorded (ticket_messages), so a reply
 * finds its ticket on any replica, after any restart.
 */
import { InlineKeyboard } from "grammy"
import { callbackData } from "../../messages/callback-data.ts"
import type { BotContext } from "../context.ts"
import { clearConversation, setConversation } from "../conversation.ts"
import { localeOf, translator } from "../../messages/i18n.ts"
import { adminTargets, isShopAdmin, shopSettings } from "../../tenants/shop-settings.ts"
import { answer, mainMenu } from "./helpers.ts"
import { HTML, ownText } from "./tenant-texts.ts"
import { describeUser } from "../../messages/format.ts"
import { recordAdminAnswer, recordMessage, recordUserMessage, ticketOfAdminMessage } from "../../tenants/tickets.ts"

const contactEnabled = (ctx: BotContext) =>
  ctx.tenant.flags.has("support_contact") && shopSettings(ctx.tenant).supportUsername !== undefined
const ticketsEnabled = (ctx: BotContext) => ctx.tenant.flags.has("support_tickets")

/** The shop's own support text (in the customer's language) replaces the built-in lines; the ticket button stays. */
export const showSupport = async (ctx: BotContext) => {
  const lines: Array<string> = []
  const keyboard = new InlineKeyboard()
  if (contactEnabled(ctx))
    lines.push(ctx.t("support-contact", { username: `@${shopSettings(ctx.tenant).supportUsername}` }))
  if (ticketsEnabled(ctx)) {
    lines.push(ctx.t("support-ticket-hint"))
    keyboard.text(ctx.t("support-ticket-button"), callbackData.newTicket())
  }
  if (lines.length === 0) lines.push(ctx.t("support-unavailable"))
  const own = ownText(ctx, "support")
  await ctx.reply(own ?? lines.join("\n\n"), {
    ...(own !== undefined ? HTML : {}),
    ...(ticketsEnabled(ctx) ? { reply_markup: keyboard } : {})
  })
}

export const askTicket = async (ctx: BotContext) => {
  if (!ticketsEnabled(ctx) || !ctx.user || !ctx.chat) return answer(ctx, ctx.t("support-unavailable"), true)
  await answer(ctx)
  await ctx.run(
    setConversation({ botId: ctx.tenant.botId, chatId: ctx.chat.id, userId: ctx.user.id }, { step: "ticket" })
  )
  await ctx.reply(ctx.t("ticket-ask"))
}

export const receiveTicket = async (ctx: BotContext) => {
  if (!ctx.user || !ctx.chat) return
  const body = ctx.message?.text?.trim()
  if (!body) return void (await ctx.reply(ctx.t("ticket-text-only")))
  const botId = ctx.tenant.botId
  await ctx.run(clearConversation({ botId, chatId: ctx.chat.id, userId: ctx.user.id }))
  const ticketId = await ctx.run(recordUserMessage(botId, ctx.user.id, body))
  const t = translator(ctx.tenant.defaultLanguage)
  const text = t("admin-ticket", { ticket: String(ticketId), user: describeUser(ctx.user), text: body.slice(0, 3500) })
  let delivered = 0
  for (const chatId of adminTargets(shopSettings(ctx.tenant))) {
    const sent = await ctx.api.sendMessage(chatId, text).catch(() => undefined)
    if (!sent) continue
    delivered++
    await ctx.run(recordMessage(botId, ticketId, "user", body, { chatId, messageId: sent.message_id }))
  }
  if (delivered === 0) await ctx.run(recordMessage(botId, ticketId, "user", body))
  await ctx.reply(ctx.t("ticket-sent", { ticket: String(ticketId) }), { reply_markup: mainMenu(ctx) })
}

/**
 * An admin's reply (a Telegram reply to a ticket message) goes to the user.
 * Returns false when the message is not such a reply, so other handlers run.
 */
export const relayAdminReply = async (ctx: BotContext): Promise<boolean> => {
  const replyTo = ctx.message?.reply_to_message
  const body = ctx.message?.text?.trim()
  if (!replyTo || !body || !ctx.chat || !isShopAdmin(ctx.tenant, ctx.from?.id)) return false
  const botId = ctx.tenant.botId
  const ticket = await ctx.run(ticketOfAdminMessage(botId, ctx.chat.id, replyTo.message_id))
  if (!ticket) return false
  const t = translator(localeOf(ticket.language, ctx.tenant.defaultLanguage))
  const sent = await ctx.api
    .sendMessage(ticket.telegramId, t("ticket-reply", { ticket: String(ticket.ticketId), text: body }))
    .catch(() => undefined)
  if (!sent) {
    await ctx.reply(ctx.t("ticket-reply-failed"), { reply_parameters: { message_id: ctx.message!.message_id } })
    return true
  }
  await ctx.run(recordAdminAnswer(botId, ticket.ticketId, body))
  await ctx.reply(ctx.t("ticket-reply-sent", { ticket: String(ticket.ticketId) }), {
    reply_parameters: { message_id: ctx.message!.message_id }
  })
  return true
}
