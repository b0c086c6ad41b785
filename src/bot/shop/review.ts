/**
 * The tenant's admins reviewing card receipts. Only a user in THIS bot's
 * ADMIN_IDS may act, and a payment is reviewed once: the state machine locks the
 * row and checks it is still pending (card-payments.ts), so a double click, a
 * second admin, or a replay gets "already reviewed" and changes nothing. A
 * payment id of another tenant is invisible here (row-level security): refused
 * as not found.
 *
 * Rejection asks for a reason: the admin's next message in that chat (a
 * conversation state) becomes it, or they reject without one.
 */
import { Result } from "effect"
import { InlineKeyboard } from "grammy"
import { approveCardPayment, paymentForReview, rejectCardPayment } from "../../payments/card-payments.ts"
import type { PaymentOwner } from "../../payments/card-payments.ts"
import type { PaymentAlreadyReviewed, PaymentNotFound } from "../../payments/errors.ts"
import { countPayment } from "../../payments/payment-metrics.ts"
import { alertAdminsWith } from "../../messages/admin-alerts.ts"
import { callbackData } from "../../messages/callback-data.ts"
import type { BotContext } from "../context.ts"
import { clearConversation, setConversation } from "../conversation.ts"
import { localeOf, translator } from "../../messages/i18n.ts"
import { isShopAdmin, shopSettings } from "../../tenants/shop-settings.ts"
import { answer, attempt, dropButtons } from "./helpers.ts"
import { moneyInText, purchaseAlerts } from "../../messages/payment-messages.ts"

const reviewer = (ctx: BotContext) => ({ userId: ctx.user?.id, telegramId: ctx.from!.id })

const adminName = (ctx: BotContext) =>
  ctx.from?.username ? `@${ctx.from.username}` : (ctx.from?.first_name ?? String(ctx.from?.id))

/** Refuses (and answers) anyone who is not this shop's admin. */
const refuseNonAdmin = async (ctx: BotContext): Promise<boolean> => {
  if (isShopAdmin(ctx.tenant, ctx.from?.id)) return false
  await answer(ctx, ctx.t("review-not-admin"), true)
  return true
}

const refusal = (ctx: BotContext, e: PaymentNotFound | PaymentAlreadyReviewed) =>
  e._tag === "PaymentNotFound"
    ? ctx.t("review-not-found")
    : ctx.t("review-already", { status: ctx.t(`status-${e.status}`) })

/** Writes to the buyer in their language, best effort. */
const tellOwner = async (
  ctx: BotContext,
  owner: PaymentOwner,
  build: (t: ReturnType<typeof translator>, locale: "fa" | "en" | "ru") => string
) => {
  const locale = localeOf(owner.language, ctx.tenant.defaultLanguage)
  await ctx.api.sendMessage(owner.telegramId, build(translator(locale), locale)).catch(() => undefined)
}

export const approve = async (ctx: BotContext, paymentId: number) => {
  if (await refuseNonAdmin(ctx)) return
  const approved = await attempt(ctx, approveCardPayment(ctx.tenant.botId, paymentId, reviewer(ctx)))
  if (Result.isFailure(approved)) return answer(ctx, refusal(ctx, approved.failure), true)
  const { payment, owner, balanceAfterDeposit, purchase } = approved.success
  countPayment(ctx.tenant.botId, "card_to_card", "approved")
  await answer(ctx, ctx.t("review-approved-answer"))
  await dropButtons(ctx)
  await ctx
    .reply(ctx.t("review-approved-note", { tracking: payment.trackingNumber, admin: adminName(ctx) }), {
      ...(ctx.msg?.message_thread_id !== undefined ? { message_thread_id: ctx.msg.message_thread_id } : {})
    })
    .catch(() => undefined)
  await tellOwner(ctx, owner, (t, locale) =>
    moneyInText(t, locale, ctx.tenant.currency, { amount: payment.amount, balanceAfterDeposit, purchase })
  )
  for (const alert of purchaseAlerts(shopSettings(ctx.tenant), purchase, owner)) {
    await alertAdminsWith(ctx.api, ctx.tenant, alert.key, alert.variables)
  }
}

/** Reject pressed: ask for the reason (the payment stays pending until it comes). */
export const askRejectReason = async (ctx: BotContext, paymentId: number) => {
  if (await refuseNonAdmin(ctx)) return
  if (!ctx.user || !ctx.chat) return answer(ctx)
  const payment = await ctx.run(paymentForReview(ctx.tenant.botId, paymentId))
  if (!payment) return answer(ctx, ctx.t("review-not-found"), true)
  if (payment.status !== "pending")
    return answer(ctx, ctx.t("review-already", { status: ctx.t(`status-${payment.status}`) }), true)
  await ctx.run(
    setConversation(
      { botId: ctx.tenant.botId, chatId: ctx.chat.id, userId: ctx.user.id },
      { step: "reject_reason", paymentId }
    )
  )
  await answer(ctx)
  await ctx.reply(ctx.t("review-reason-prompt", { tracking: payment.trackingNumber }), {
    reply_markup: new InlineKeyboard().text(
      ctx.t("review-reject-no-reason-button"),
      callbackData.rejectWithoutReason(paymentId)
    ),
    ...(ctx.msg?.message_thread_id !== undefined ? { message_thread_id: ctx.msg.message_thread_id } : {})
  })
}

/** Rejects with the reason typed by the admin, or none (the button). */
export const reject = async (ctx: BotContext, paymentId: number, reason: string | null) => {
  if (await refuseNonAdmin(ctx)) return
  if (ctx.user && ctx.chat) {
    await ctx.run(clearConversation({ botId: ctx.tenant.botId, chatId: ctx.chat.id, userId: ctx.user.id }))
  }
  const rejected = await attempt(ctx, rejectCardPayment(ctx.tenant.botId, paymentId, reviewer(ctx), reason))
  if (Result.isFailure(rejected)) {
    if (ctx.callbackQuery) return answer(ctx, refusal(ctx, rejected.failure), true)
    return void (await ctx.reply(refusal(ctx, rejected.failure)))
  }
  const { payment, owner } = rejected.success
  countPayment(ctx.tenant.botId, "card_to_card", "rejected")
  await answer(ctx, ctx.t("review-rejected-answer"))
  await dropButtons(ctx)
  await ctx
    .reply(ctx.t("review-rejected-note", { tracking: payment.trackingNumber, admin: adminName(ctx) }), {
      ...(ctx.msg?.message_thread_id !== undefined ? { message_thread_id: ctx.msg.message_thread_id } : {})
    })
    .catch(() => undefined)
  await tellOwner(ctx, owner, (t) =>
    reason === null
      ? t("payment-rejected-no-reason", { tracking: payment.trackingNumber })
      : t("payment-rejected", { tracking: payment.trackingNumber, reason })
  )
}
