/**
 * Buying a plan: the tenant's active plans → a plan and the payment methods
 * the tenant enabled (card-to-card, ZarinPal; the wallet when its balance
 * covers the price) → a confirmation → the payment (or, from the wallet, the
 * purchase itself). Every step re-reads the plan and re-checks the method: the
 * button data is only a request. A promo discount the customer redeemed
 * prices the plan (src/payments/promo-discount.ts) and goes with the payment.
 */
import { Result } from "effect"
import { InlineKeyboard } from "grammy"
import { countPayment } from "../../payments/payment-metrics.ts"
import { completePurchase } from "../../payments/purchase.ts"
import { quote } from "../../payments/promo-discount.ts"
import type { Quote } from "../../payments/promo-discount.ts"
import { activePlan, activePlans } from "../../tenants/plans.ts"
import type { PlanForSale } from "../../tenants/plans.ts"
import { newWalletReference } from "../../payments/tracking-number.ts"
import { startZarinpalPayment } from "../../payments/zarinpal-payments.ts"
import { alertAdminsWith } from "../../messages/admin-alerts.ts"
import { callbackData } from "../../messages/callback-data.ts"
import type { MethodCode } from "../../messages/callback-data.ts"
import type { BotContext } from "../context.ts"
import { formatNumber } from "../../messages/format.ts"
import { cardPaymentsEnabled, shopSettings, zarinpalEnabled } from "../../tenants/shop-settings.ts"
import { beginCardPayment } from "./card-payment.ts"
import { answer, attempt, localeOfCtx, mainMenu, money } from "./helpers.ts"
import { purchaseAlerts, walletPurchaseText } from "../../messages/payment-messages.ts"

const traffic = (ctx: BotContext, gb: number) =>
  gb === 0 ? ctx.t("traffic-unlimited") : ctx.t("traffic-gb", { gb: formatNumber(localeOfCtx(ctx), gb) })

const planLine = (ctx: BotContext, plan: PlanForSale) =>
  ctx.t("plan-line", {
    name: plan.name,
    days: formatNumber(localeOfCtx(ctx), plan.periodDays),
    traffic: traffic(ctx, plan.trafficLimitGb),
    devices: formatNumber(localeOfCtx(ctx), plan.deviceLimit),
    price: money(ctx, plan.price)
  })

export const showPlans = async (ctx: BotContext) => {
  const plans = await ctx.run(activePlans(ctx.tenant.botId))
  if (plans.length === 0) return void (await ctx.reply(ctx.t("plans-empty")))
  const keyboard = new InlineKeyboard()
  for (const plan of plans) keyboard.text(`${plan.name} · ${money(ctx, plan.price)}`, callbackData.plan(plan.id)).row()
  await ctx.reply([ctx.t("plans-title"), "", ...plans.map((p) => planLine(ctx, p))].join("\n"), {
    reply_markup: keyboard
  })
}

/** Which methods can pay `amount` now (the wallet only for plans, when the balance covers it). */
export const availableMethods = (ctx: BotContext, amount: number, forPlan: boolean): ReadonlyArray<MethodCode> => {
  const settings = shopSettings(ctx.tenant)
  const inRange = amount >= settings.minPaymentAmount && amount <= settings.maxPaymentAmount
  const methods: Array<MethodCode> = []
  if (cardPaymentsEnabled(ctx.tenant) && inRange) methods.push("c")
  if (zarinpalEnabled(ctx.tenant) && inRange) methods.push("z")
  if (forPlan && (ctx.user?.balance ?? 0) >= amount) methods.push("w")
  return methods
}

const methodName = (ctx: BotContext, method: MethodCode) =>
  ctx.t(method === "c" ? "method-card" : method === "z" ? "method-zarinpal" : "method-wallet")

/** What this customer pays for the plan now: its price, less a waiting promo discount (flag promo_codes). */
const quoteFor = async (ctx: BotContext, plan: PlanForSale): Promise<Quote> =>
  ctx.user && ctx.tenant.flags.has("promo_codes")
    ? ctx.run(quote(ctx.tenant.botId, ctx.user.id, plan.price))
    : { price: plan.price, listPrice: plan.price, discount: undefined }

const discountLine = (ctx: BotContext, q: Quote) =>
  q.discount === undefined
    ? ""
    : ctx.t("promo-discount-applied", {
        percent: formatNumber(localeOfCtx(ctx), q.discount.percent),
        full: money(ctx, q.listPrice),
        price: money(ctx, q.price)
      })

const planOrRefuse = async (ctx: BotContext, planId: number) => {
  const plan = await ctx.run(activePlan(ctx.tenant.botId, planId))
  if (!plan) {
    await answer(ctx, ctx.t("plan-unavailable"), true)
    return undefined
  }
  return plan
}

export const showPlan = async (ctx: BotContext, planId: number) => {
  const plan = await planOrRefuse(ctx, planId)
  if (!plan) return
  await answer(ctx)
  const q = await quoteFor(ctx, plan)
  const methods = availableMethods(ctx, q.price, true)
  const details = [
    planLine(ctx, plan),
    plan.description ?? "",
    discountLine(ctx, q),
    ctx.t("wallet-balance-line", { balance: money(ctx, ctx.user?.balance ?? 0) })
  ].filter((l) => l.length > 0)
  if (methods.length === 0) return void (await ctx.reply([...details, "", ctx.t("no-payment-method")].join("\n")))
  const keyboard = new InlineKeyboard()
  for (const method of methods) keyboard.text(methodName(ctx, method), callbackData.planMethod(method, plan.id)).row()
  await ctx.reply([...details, "", ctx.t("choose-method")].join("\n"), { reply_markup: keyboard })
}

export const confirmPlanMethod = async (ctx: BotContext, method: MethodCode, planId: number) => {
  const plan = await planOrRefuse(ctx, planId)
  if (!plan) return
  const q = await quoteFor(ctx, plan)
  if (!availableMethods(ctx, q.price, true).includes(method)) return answer(ctx, ctx.t("method-unavailable"), true)
  await answer(ctx)
  const confirm = ctx.t("confirm-purchase", {
    plan: plan.name,
    price: money(ctx, q.price),
    method: methodName(ctx, method)
  })
  await ctx.reply(q.discount === undefined ? confirm : `${discountLine(ctx, q)}\n\n${confirm}`, {
    reply_markup: new InlineKeyboard()
      .text(ctx.t("confirm-button"), callbackData.planConfirm(method, plan.id))
      .text(ctx.t("back-button"), callbackData.plan(plan.id))
  })
}

export const purchasePlan = async (ctx: BotContext, method: MethodCode, planId: number) => {
  const plan = await planOrRefuse(ctx, planId)
  if (!plan || !ctx.user) return
  const q = await quoteFor(ctx, plan)
  if (!availableMethods(ctx, q.price, true).includes(method)) {
    return answer(ctx, ctx.t(method === "w" ? "wallet-insufficient-short" : "method-unavailable"), true)
  }
  await answer(ctx)
  const promoRedemptionId = q.discount?.redemptionId
  switch (method) {
    case "c":
      return beginCardPayment(ctx, { amount: q.price, planId: plan.id, promoRedemptionId })
    case "z":
      return beginZarinpalPayment(ctx, { amount: q.price, planId: plan.id, description: plan.name, promoRedemptionId })
    case "w":
      return buyWithWallet(ctx, plan, q)
  }
}

export const beginZarinpalPayment = async (
  ctx: BotContext,
  payment: {
    readonly amount: number
    readonly planId: number | null
    readonly description: string
    readonly promoRedemptionId?: number | undefined
  }
) => {
  if (!ctx.user) return
  const settings = shopSettings(ctx.tenant)
  const started = await attempt(
    ctx,
    startZarinpalPayment(ctx.tenant.botId, {
      userId: ctx.user.id,
      amount: payment.amount,
      planId: payment.planId,
      description: `${ctx.tenant.name}: ${payment.description}`,
      promoRedemptionId: payment.promoRedemptionId,
      ttlMinutes: settings.zarinpalPaymentTtlMinutes,
      limits: { min: settings.minPaymentAmount, max: settings.maxPaymentAmount }
    })
  )
  if (Result.isFailure(started)) {
    const e = started.failure
    return void (await ctx.reply(ctx.t("amount-out-of-range", { min: money(ctx, e.min), max: money(ctx, e.max) })))
  }
  countPayment(ctx.tenant.botId, "zarinpal", "pending")
  // The link follows from the outbox worker once ZarinPal has answered (src/outbox/request-zarinpal-payment.ts).
  await ctx.reply(ctx.t("zarinpal-preparing"))
}

const buyWithWallet = async (ctx: BotContext, plan: PlanForSale, q: Quote) => {
  const user = ctx.user!
  const bought = await attempt(
    ctx,
    completePurchase(ctx.tenant.botId, {
      userId: user.id,
      telegramId: user.telegramId,
      plan,
      price: q.price,
      method: "wallet",
      reference: newWalletReference(),
      discountRedemptionId: q.discount?.redemptionId
    })
  )
  if (Result.isFailure(bought)) {
    const e = bought.failure
    return void (await ctx.reply(
      ctx.t("wallet-insufficient", { balance: money(ctx, e.balance), price: money(ctx, e.required) })
    ))
  }
  const purchase = { ...bought.success, planName: plan.name }
  countPayment(ctx.tenant.botId, "wallet", purchase._tag === "Completed" ? "paid" : "refused")
  if (purchase._tag === "Completed") ctx.user = { ...user, balance: purchase.balanceAfter }
  await ctx.reply(walletPurchaseText(ctx.t, localeOfCtx(ctx), ctx.tenant.currency, purchase, q.price), {
    reply_markup: mainMenu(ctx)
  })
  for (const alert of purchaseAlerts(shopSettings(ctx.tenant), purchase, user)) {
    await alertAdminsWith(ctx.api, ctx.tenant, alert.key, alert.variables)
  }
}
