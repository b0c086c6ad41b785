/**
 * The buyer's side of a card-to-card payment: the card to transfer to (picked
 * by the tenant's rotation), the amount and deadline; then the receipt — a
 * photo, text, or a photo with a caption; anything else is refused — which goes
 * to the tenant's admins with Approve / Reject buttons.
 */
import { Effect, Result } from "effect"
import { InlineKeyboard } from "grammy"
import { cancelCardPayment, paymentForReview, startCardPayment, submitReceipt } from "../../payments/card-payments.ts"
import { enqueueNotice } from "../../tenants/notices.ts"
import { adminNoticesUndelivered } from "../../metrics/registry.ts"
import { countPayment } from "../../payments/payment-metrics.ts"
import { formatCardNumber } from "../../tenants/payment-cards.ts"
import { callbackData } from "../../messages/callback-data.ts"
import type { BotContext } from "../context.ts"
import { clearConversation, setConversation } from "../conversation.ts"
import { formatDateTime, formatMoney } from "../../messages/format.ts"
import { translator } from "../../messages/i18n.ts"
import { adminThread, shopSettings } from "../../tenants/shop-settings.ts"
import { fitText, TELEGRAM_CAPTION_MAX } from "../../telegram/message-limits.ts"
import { attempt, localeOfCtx, mainMenu, money } from "./helpers.ts"
import { describeUser } from "../../messages/format.ts"

const conversationKey = (ctx: BotContext) => ({ botId: ctx.tenant.botId, chatId: ctx.chat!.id, userId: ctx.user!.id })

/** Opens the payment and shows where to transfer; the user then owes a receipt. */
export const beginCardPayment = async (
  ctx: BotContext,
  purchase: { readonly amount: number; readonly planId: number | null; readonly promoRedemptionId?: number | undefined }
) => {
  if (!ctx.user || !ctx.chat) return
  const settings = shopSettings(ctx.tenant)
  const started = await attempt(
    ctx,
    startCardPayment(ctx.tenant.botId, {
      userId: ctx.user.id,
      amount: purchase.amount,
      planId: purchase.planId,
      promoRedemptionId: purchase.promoRedemptionId,
      ttlMinutes: settings.cardPaymentTtlMinutes,
      limits: { min: settings.minPaymentAmount, max: settings.maxPaymentAmount }
    })
  )
  if (Result.isFailure(started)) {
    const e = started.failure
    switch (e._tag) {
      case "PendingPaymentExists":
        return void (await ctx.reply(ctx.t("payment-pending-exists", { tracking: e.trackingNumber })))
      case "AmountOutOfRange":
        return void (await ctx.reply(ctx.t("amount-out-of-range", { min: money(ctx, e.min), max: money(ctx, e.max) })))
      case "NoActiveCard":
        return void (await ctx.reply(ctx.t("card-unavailable")))
    }
  }
  const payment = started.success
  await ctx.run(setConversation(conversationKey(ctx), { step: "receipt", paymentId: payment.id }))
  countPayment(ctx.tenant.botId, "card_to_card", "pending")
  const locale = localeOfCtx(ctx)
  await ctx.reply(
    ctx.t("card-payment-instructions", {
      amount: money(ctx, payment.amount),
      card: formatCardNumber(payment.card.cardNumber),
      holder: payment.card.cardHolderName,
      bank: payment.card.bankName ?? "-",
      tracking: payment.trackingNumber,
      deadline: formatDateTime(locale, payment.expiresAt),
      minutes: settings.cardPaymentTtlMinutes
    }),
    {
      reply_markup: new InlineKeyboard().text(
        ctx.t("card-payment-cancel-button"),
        callbackData.cancelPayment(payment.id)
      )
    }
  )
}

export const cancelPayment = async (ctx: BotContext, paymentId: number) => {
  if (!ctx.user || !ctx.chat) return
  const cancelled = await attempt(ctx, cancelCardPayment(ctx.tenant.botId, ctx.user.id, paymentId))
  if (Result.isFailure(cancelled)) {
    return void (await ctx.reply(ctx.t("payment-cancel-too-late")))
  }
  await ctx.run(clearConversation(conversationKey(ctx)))
  countPayment(ctx.tenant.botId, "card_to_card", "cancelled")
  await ctx.reply(ctx.t("payment-cancelled", { tracking: cancelled.success.trackingNumber }), {
    reply_markup: mainMenu(ctx)
  })
}

/** The receipt step: a photo and/or text; anything else is refused and the step stays. */
export const receiveReceipt = async (ctx: BotContext, paymentId: number) => {
  if (!ctx.user || !ctx.chat || !ctx.message) return
  const photo = ctx.message.photo?.at(-1)?.file_id
  const text = ctx.message.text ?? ctx.message.caption
  if (photo === undefined && (ctx.message.text === undefined || ctx.message.text.trim() === "")) {
    return void (await ctx.reply(ctx.t("receipt-invalid")))
  }
  const submitted = await attempt(
    ctx,
    submitReceipt(ctx.tenant.botId, ctx.user.id, paymentId, { text, imageFileId: photo })
  )
  if (Result.isFailure(submitted)) {
    await ctx.run(clearConversation(conversationKey(ctx)))
    if (submitted.failure._tag === "PaymentExpired") {
      countPayment(ctx.tenant.botId, "card_to_card", "expired")
      return void (await ctx.reply(ctx.t("payment-expired"), { reply_markup: mainMenu(ctx) }))
    }
    return void (await ctx.reply(ctx.t("receipt-no-pending"), { reply_markup: mainMenu(ctx) }))
  }
  await ctx.run(clearConversation(conversationKey(ctx)))
  const forwarded = await forwardReceipt(ctx, paymentId)
  if (forwarded === 0) {
    // No admin saw it: the notice queue retries it (a receipt reminder carries the same
    // buttons), operators are alerted, and the buyer is not told it was received.
    await ctx.run(
      enqueueNotice(ctx.tenant.botId, {
        kind: "receipt_reminder",
        subjectId: paymentId,
        userId: null,
        payload: { paymentIds: [paymentId] }
      })
    )
    adminNoticesUndelivered.inc({ bot_id: String(ctx.tenant.botId), kind: "receipt" })
    await ctx.run(
      Effect.logError(`receipt ${submitted.success.trackingNumber} reached no admin; queued for retry`).pipe(
        Effect.annotateLogs({ bot_id: ctx.tenant.botId })
      )
    )
    return void (await ctx.reply(ctx.t("receipt-saved", { tracking: submitted.success.trackingNumber }), {
      reply_markup: mainMenu(ctx)
    }))
  }
  await ctx.reply(ctx.t("receipt-received", { tracking: submitted.success.trackingNumber }), {
    reply_markup: mainMenu(ctx)
  })
}

/**
 * Sends the receipt to the admin chat (its receipts topic when set), or to each
 * admin; returns how many of them Telegram took. The caption is built to fit
 * Telegram's 1,024 characters: the buyer's text is shortened first, then the
 * whole (a long plan name and a long receipt text used to exceed it, and
 * sendPhoto failed).
 */
export const forwardReceipt = async (ctx: BotContext, paymentId: number): Promise<number> => {
  const payment = await ctx.run(paymentForReview(ctx.tenant.botId, paymentId))
  if (!payment) return 0
  const settings = shopSettings(ctx.tenant)
  const locale = ctx.tenant.defaultLanguage
  const t = translator(locale)
  const captionWith = (text: string) =>
    t("admin-receipt", {
      tracking: payment.trackingNumber,
      amount: formatMoney(t, locale, payment.amount, ctx.tenant.currency),
      user: describeUser(payment),
      purpose: payment.planName ?? t("admin-receipt-topup"),
      card: payment.cardLast4 ?? "-",
      text
    })
  const receiptText = payment.receiptText?.slice(0, 600) ?? "-"
  const room = TELEGRAM_CAPTION_MAX - captionWith("").length
  const caption = fitText(
    captionWith(receiptText.length <= room ? receiptText : fitText(receiptText, Math.max(room, 1))),
    TELEGRAM_CAPTION_MAX
  )
  const keyboard = new InlineKeyboard()
    .text(t("review-approve-button"), callbackData.approve(payment.id))
    .text(t("review-reject-button"), callbackData.reject(payment.id))
  const targets = settings.adminChatId !== undefined ? [settings.adminChatId] : [...settings.adminIds]
  const thread = adminThread(settings, settings.receiptTopicId)
  let delivered = 0
  for (const chatId of targets) {
    try {
      if (payment.receiptImageFileId) {
        await ctx.api.sendPhoto(chatId, payment.receiptImageFileId, { caption, reply_markup: keyboard, ...thread })
      } else {
        await ctx.api.sendMessage(chatId, caption, { reply_markup: keyboard, ...thread })
      }
      delivered++
    } catch (error) {
      // The receipt is saved either way: it stays in the admins' /admin pending list.
      await ctx.run(
        Effect.logWarning(`receipt ${payment.trackingNumber} not forwarded to the admin chat: ${String(error)}`).pipe(
          Effect.annotateLogs({ bot_id: ctx.tenant.botId, chat_id: chatId })
        )
      )
    }
  }
  return delivered
}
