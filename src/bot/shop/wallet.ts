/**
 * The wallet in the bot: balance, history, and topping up by card or ZarinPal
 * (the amount typed by the user, checked against the tenant's min/max).
 */
import { InlineKeyboard } from "grammy"
import { walletHistory } from "../../payments/wallet.ts"
import { callbackData } from "../../messages/callback-data.ts"
import type { MethodCode } from "../../messages/callback-data.ts"
import type { BotContext } from "../context.ts"
import { clearConversation, setConversation } from "../conversation.ts"
import { formatDateTime, parseAmount } from "../../messages/format.ts"
import { shopSettings } from "../../tenants/shop-settings.ts"
import { availableMethods, beginZarinpalPayment } from "./buy.ts"
import { beginCardPayment } from "./card-payment.ts"
import { answer, localeOfCtx, money } from "./helpers.ts"
import { promoCodesEnabled } from "./promo.ts"

export const showWallet = async (ctx: BotContext) => {
  const keyboard = new InlineKeyboard()
  const settings = shopSettings(ctx.tenant)
  if (availableMethods(ctx, settings.minPaymentAmount, false).length > 0) {
    keyboard.text(ctx.t("wallet-topup-button"), callbackData.walletTopUp())
  }
  keyboard.text(ctx.t("wallet-history-button"), callbackData.walletHistory())
  if (promoCodesEnabled(ctx)) keyboard.row().text(ctx.t("menu-promo"), callbackData.promoAsk())
  await ctx.reply(ctx.t("wallet-summary", { balance: money(ctx, ctx.user?.balance ?? 0) }), { reply_markup: keyboard })
}

export const showHistory = async (ctx: BotContext) => {
  await answer(ctx)
  if (!ctx.user) return
  const rows = await ctx.run(walletHistory(ctx.tenant.botId, ctx.user.id, 10))
  if (rows.length === 0) return void (await ctx.reply(ctx.t("history-empty")))
  const locale = localeOfCtx(ctx)
  const lines = rows.map((r) =>
    ctx.t("history-line", {
      date: formatDateTime(locale, r.createdAt),
      amount: `${r.amount >= 0 ? "+" : "−"}${money(ctx, Math.abs(r.amount))}`,
      type: ctx.t(`tx-${r.type}`),
      balance: money(ctx, r.balanceAfter)
    })
  )
  await ctx.reply([ctx.t("history-title"), "", ...lines].join("\n"))
}

export const askTopUpAmount = async (ctx: BotContext) => {
  await answer(ctx)
  if (!ctx.user || !ctx.chat) return
  const settings = shopSettings(ctx.tenant)
  await ctx.run(
    setConversation({ botId: ctx.tenant.botId, chatId: ctx.chat.id, userId: ctx.user.id }, { step: "topup_amount" })
  )
  await ctx.reply(
    ctx.t("topup-ask", { min: money(ctx, settings.minPaymentAmount), max: money(ctx, settings.maxPaymentAmount) })
  )
}

/** The typed amount: in range → the methods to pay it with; otherwise asked again. */
export const receiveTopUpAmount = async (ctx: BotContext) => {
  if (!ctx.user || !ctx.chat) return
  const settings = shopSettings(ctx.tenant)
  const amount = ctx.message?.text === undefined ? undefined : parseAmount(ctx.message.text)
  if (amount === undefined || amount < settings.minPaymentAmount || amount > settings.maxPaymentAmount) {
    return void (await ctx.reply(
      ctx.t("topup-invalid", { min: money(ctx, settings.minPaymentAmount), max: money(ctx, settings.maxPaymentAmount) })
    ))
  }
  await ctx.run(clearConversation({ botId: ctx.tenant.botId, chatId: ctx.chat.id, userId: ctx.user.id }))
  const methods = availableMethods(ctx, amount, false)
  if (methods.length === 0) return void (await ctx.reply(ctx.t("no-payment-method")))
  const keyboard = new InlineKeyboard()
  for (const method of methods) {
    keyboard
      .text(ctx.t(method === "c" ? "method-card" : "method-zarinpal"), callbackData.topUpMethod(method, amount))
      .row()
  }
  await ctx.reply(ctx.t("topup-choose-method", { amount: money(ctx, amount) }), { reply_markup: keyboard })
}

export const topUpWith = async (ctx: BotContext, method: MethodCode, amount: number) => {
  if (method === "w" || !availableMethods(ctx, amount, false).includes(method)) {
    return answer(ctx, ctx.t("method-unavailable"), true)
  }
  await answer(ctx)
  if (method === "c") return beginCardPayment(ctx, { amount, planId: null })
  return beginZarinpalPayment(ctx, { amount, planId: null, description: ctx.t("topup-description") })
}
