/**
 * /admin for the tenant's own admins (this bot's ADMIN_IDS): pending receipts
 * (with Approve / Reject buttons — the same review as on the receipt), today's
 * sales, turning a card on or off, plans (admin-plans.ts), customers
 * (customers.ts), broadcasts (broadcast.ts), the shop's own texts
 * (text-editor.ts) and promo codes (promo-admin.ts). Anyone else gets the
 * unknown-command answer: the panel's existence is not advertised.
 */
import { InlineKeyboard } from "grammy"
import { pendingReceipts } from "../../payments/card-payments.ts"
import { maskCardNumber } from "../../tenants/payment-cards.ts"
import { callbackData } from "../../messages/callback-data.ts"
import type { BotContext } from "../context.ts"
import { formatDateTime, formatNumber, SHOP_TIME_ZONE } from "../../messages/format.ts"
import { isShopAdmin } from "../../tenants/shop-settings.ts"
import { answer, localeOfCtx, money } from "./helpers.ts"
import { describeUser } from "../../messages/format.ts"
import { cardsOf, toggleCardActive } from "../../tenants/payment-cards.ts"
import type { CardSummary } from "../../tenants/payment-cards.ts"
import { todaySales } from "../../payments/sales-report.ts"

const panelKeyboard = (ctx: BotContext) => {
  const keyboard = new InlineKeyboard()
    .text(ctx.t("admin-pending-button"), callbackData.adminPending())
    .row()
    .text(ctx.t("admin-sales-button"), callbackData.adminSales())
    .row()
    .text(ctx.t("admin-cards-button"), callbackData.adminCards())
    .row()
    .text(ctx.t("admin-plans-button"), callbackData.adminPlans())
    .row()
    .text(ctx.t("admin-customers-button"), callbackData.adminCustomers())
    .row()
    .text(ctx.t("admin-texts-button"), callbackData.adminTexts())
    .row()
    .text(ctx.t("admin-broadcast-button"), callbackData.adminBroadcast())
  // Promo codes (promo-admin.ts) only while the flag is on: the panel is otherwise unchanged.
  return ctx.tenant.flags.has("promo_codes")
    ? keyboard.row().text(ctx.t("admin-promo-button"), callbackData.adminPromos())
    : keyboard
}

export const showAdminPanel = async (ctx: BotContext) => {
  if (!isShopAdmin(ctx.tenant, ctx.from?.id)) return void (await ctx.reply(ctx.t("unknown-command")))
  await ctx.reply(ctx.t("admin-menu", { shop: ctx.tenant.name }), { reply_markup: panelKeyboard(ctx) })
}

/** Every admin callback starts here. */
export const guardAdmin = async (ctx: BotContext): Promise<boolean> => {
  if (isShopAdmin(ctx.tenant, ctx.from?.id)) return true
  await answer(ctx, ctx.t("review-not-admin"), true)
  return false
}

export const showPendingReceipts = async (ctx: BotContext) => {
  if (!(await guardAdmin(ctx))) return
  await answer(ctx)
  const pending = await ctx.run(pendingReceipts(ctx.tenant.botId, 10))
  if (pending.length === 0) return void (await ctx.reply(ctx.t("admin-no-pending")))
  const locale = localeOfCtx(ctx)
  const keyboard = new InlineKeyboard()
  const lines = pending.map((p) => {
    keyboard
      .text(`✅ ${p.trackingNumber.slice(-6)}`, callbackData.approve(p.id))
      .text(`❌ ${p.trackingNumber.slice(-6)}`, callbackData.reject(p.id))
      .row()
    return ctx.t("admin-pending-line", {
      tracking: p.trackingNumber,
      amount: money(ctx, p.amount),
      user: describeUser(p),
      submitted: formatDateTime(locale, p.receiptSubmittedAt ?? p.expiresAt),
      text: p.receiptText?.slice(0, 200) ?? "-"
    })
  })
  await ctx.reply([ctx.t("admin-pending-title"), "", ...lines].join("\n\n"), { reply_markup: keyboard })
}

export const showTodaySales = async (ctx: BotContext) => {
  if (!(await guardAdmin(ctx))) return
  await answer(ctx)
  const s = await ctx.run(todaySales(ctx.tenant.botId, SHOP_TIME_ZONE))
  const locale = localeOfCtx(ctx)
  await ctx.reply(
    ctx.t("admin-sales", {
      sales: formatNumber(locale, s.sales),
      amount: money(ctx, s.salesAmount),
      card: money(ctx, s.cardDeposits),
      zarinpal: money(ctx, s.zarinpalDeposits),
      users: formatNumber(locale, s.newUsers),
      pending: formatNumber(locale, s.pendingReceipts)
    })
  )
}

const cardsView = (ctx: BotContext, cards: ReadonlyArray<CardSummary>) => {
  const keyboard = new InlineKeyboard()
  for (const card of cards) {
    keyboard
      .text(`${card.isActive ? "🟢" : "⚪️"} ${maskCardNumber(card.cardNumber)}`, callbackData.adminToggleCard(card.id))
      .row()
  }
  const lines = cards.map((c) =>
    ctx.t("admin-card-line", {
      card: maskCardNumber(c.cardNumber),
      holder: c.cardHolderName,
      state: ctx.t(c.isActive ? "admin-card-on" : "admin-card-off"),
      uses: formatNumber(localeOfCtx(ctx), c.successCount)
    })
  )
  return { text: [ctx.t("admin-cards-title"), "", ...lines].join("\n"), keyboard }
}

export const showCards = async (ctx: BotContext) => {
  if (!(await guardAdmin(ctx))) return
  await answer(ctx)
  const cards = await ctx.run(cardsOf(ctx.tenant.botId))
  if (cards.length === 0) return void (await ctx.reply(ctx.t("admin-no-cards")))
  const view = cardsView(ctx, cards)
  await ctx.reply(view.text, { reply_markup: view.keyboard })
}

export const toggleCard = async (ctx: BotContext, cardId: number) => {
  if (!(await guardAdmin(ctx))) return
  const toggled = await ctx.run(toggleCardActive(ctx.tenant.botId, cardId))
  if (toggled.length === 0) return answer(ctx, ctx.t("admin-card-not-found"), true)
  await answer(ctx, ctx.t(toggled[0]!.isActive ? "admin-card-on" : "admin-card-off"))
  const view = cardsView(ctx, await ctx.run(cardsOf(ctx.tenant.botId)))
  await ctx
    .editMessageText(view.text, { reply_markup: view.keyboard })
    .catch(() => ctx.reply(view.text, { reply_markup: view.keyboard }))
}
