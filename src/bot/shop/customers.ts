/**
 * Customer management in the tenant admin panel (/admin → Customers), for this
 * bot's ADMIN_IDS only: find a customer by Telegram id or @username, see their
 * card (subscription, recent payments, ledger, the last admin actions), and act
 * on it — adjust the wallet, change subscription days, grant a plan, ban or
 * unban. The rules are src/shop/customer-admin.ts's; this file only asks and
 * shows. Typed inputs go through a conversation step (the admin's next message
 * in that chat); every button names the customer by id, which row-level
 * security confines to this tenant, so a forged id of another shop is "not found".
 */
import { Result } from "effect"
import { InlineKeyboard } from "grammy"
import { callbackData } from "../../messages/callback-data.ts"
import { describeUser, formatDateTime, parseAmount } from "../../messages/format.ts"
import {
  adjustWallet,
  changeSubscriptionDays,
  customerCard,
  grantPlan,
  setCustomerBanned
} from "../../shop/customer-admin.ts"
import type { CustomerCard } from "../../shop/customer-admin.ts"
import type { AdminAction, AdminActor } from "../../tenants/admin-actions.ts"
import type { CustomerPayment } from "../../tenants/customer-payments.ts"
import { MAX_ADJUSTMENT_REASON_LENGTH, MAX_PLAN_DAYS } from "../../tenants/limits.ts"
import { activePlans } from "../../tenants/plans.ts"
import { isShopAdmin } from "../../tenants/shop-settings.ts"
import { findCustomer } from "../../tenants/users.ts"
import type { BotContext } from "../context.ts"
import { clearConversation, setConversation } from "../conversation.ts"
import type { ConversationState } from "../conversation.ts"
import { guardAdmin } from "./admin-panel.ts"
import { answer, attempt, localeOfCtx, money } from "./helpers.ts"

const actorOf = (ctx: BotContext): AdminActor => ({ _tag: "Telegram", telegramId: ctx.from!.id })

const conversationKey = (ctx: BotContext) => ({ botId: ctx.tenant.botId, chatId: ctx.chat!.id, userId: ctx.user!.id })

/**
 * A typed answer to one of the prompts below, from someone still an admin; one
 * who was removed from ADMIN_IDS meanwhile leaves the flow (their next messages are theirs again).
 */
const fromAdmin = async (ctx: BotContext): Promise<boolean> => {
  if (!ctx.user || !ctx.chat) return false
  if (isShopAdmin(ctx.tenant, ctx.from?.id)) return true
  await ctx.run(clearConversation(conversationKey(ctx)))
  return false
}

const ask = async (ctx: BotContext, state: ConversationState, prompt: string) => {
  if (!(await guardAdmin(ctx)) || !ctx.user || !ctx.chat) return
  await answer(ctx)
  await ctx.run(setConversation(conversationKey(ctx), state))
  await ctx.reply(prompt)
}

const paymentStatus = (ctx: BotContext, status: string) => {
  switch (status) {
    case "pending":
      return ctx.t("customer-payment-pending")
    case "approved":
      return ctx.t("customer-payment-approved")
    case "paid":
      return ctx.t("customer-payment-paid")
    case "rejected":
      return ctx.t("customer-payment-rejected")
    case "failed":
      return ctx.t("customer-payment-failed")
    case "cancelled":
      return ctx.t("customer-payment-cancelled")
    default:
      return ctx.t("customer-payment-expired")
  }
}

const paymentLine = (ctx: BotContext, p: CustomerPayment) =>
  ctx.t("customer-payment-line", {
    date: formatDateTime(localeOfCtx(ctx), p.createdAt),
    method: ctx.t(p.method === "card_to_card" ? "customer-method-card" : "customer-method-zarinpal"),
    amount: money(ctx, p.amount),
    status: paymentStatus(ctx, p.status)
  })

const signed = (ctx: BotContext, amount: number) => `${amount >= 0 ? "+" : "−"}${money(ctx, Math.abs(amount))}`

const actionText = (ctx: BotContext, a: AdminAction) => {
  const d = a.details as Record<string, string | number>
  const expires = typeof d.expiresAt === "string" ? formatDateTime(localeOfCtx(ctx), new Date(d.expiresAt)) : ""
  switch (a.kind) {
    case "wallet_credit":
      return ctx.t("customer-did-credit", { amount: money(ctx, Number(d.amount)), reason: String(d.reason) })
    case "wallet_debit":
      return ctx.t("customer-did-debit", { amount: money(ctx, -Number(d.amount)), reason: String(d.reason) })
    case "subscription_days":
      return ctx.t("customer-did-days", { days: `${Number(d.days) > 0 ? "+" : ""}${d.days}`, expires })
    case "grant_plan":
      return ctx.t("customer-did-grant", { plan: String(d.plan), expires })
    case "ban":
      return ctx.t("customer-did-ban")
    case "unban":
      return ctx.t("customer-did-unban")
  }
}

const actionLine = (ctx: BotContext, a: AdminAction) =>
  ctx.t("customer-action-line", {
    date: formatDateTime(localeOfCtx(ctx), a.createdAt),
    who:
      a.adminTelegramId !== null
        ? ctx.t("customer-actor-admin", { admin: String(a.adminTelegramId) })
        : ctx.t("customer-actor-api"),
    what: actionText(ctx, a)
  })

const listOr = (ctx: BotContext, lines: ReadonlyArray<string>) =>
  lines.length > 0 ? lines.join("\n") : ctx.t("customer-none-yet")

const cardText = (ctx: BotContext, card: CustomerCard) => {
  const locale = localeOfCtx(ctx)
  const sub = card.subscription
  return ctx.t("customer-card", {
    user: describeUser(card.user),
    balance: money(ctx, card.user.balance),
    state: card.user.bannedAt
      ? ctx.t("customer-state-banned", { date: formatDateTime(locale, card.user.bannedAt) })
      : ctx.t("customer-state-ok"),
    subscription: sub
      ? ctx.t("customer-subscription-line", {
          plan: sub.planName ?? ctx.t("customer-subscription-trial"),
          status: ctx.t(
            sub.expired
              ? "customer-subscription-ended"
              : sub.status === "trial"
                ? "customer-subscription-trial"
                : "customer-subscription-active"
          ),
          expires: formatDateTime(locale, sub.expiresAt)
        })
      : ctx.t("customer-subscription-none"),
    payments: listOr(
      ctx,
      card.payments.map((p) => paymentLine(ctx, p))
    ),
    ledger: listOr(
      ctx,
      card.ledger.map((r) =>
        ctx.t("customer-ledger-line", {
          date: formatDateTime(locale, r.createdAt),
          amount: signed(ctx, r.amount),
          balance: money(ctx, r.balanceAfter),
          // An admin's adjustment says why; anything else names what caused it.
          note: r.description ?? r.reference ?? "-"
        })
      )
    ),
    actions: listOr(
      ctx,
      card.actions.map((a) => actionLine(ctx, a))
    )
  })
}

const cardKeyboard = (ctx: BotContext, card: CustomerCard) => {
  const id = card.user.id
  return new InlineKeyboard()
    .text(ctx.t("customer-wallet-button"), callbackData.customerWallet(id))
    .text(ctx.t("customer-days-button"), callbackData.customerDays(id))
    .row()
    .text(ctx.t("customer-grant-button"), callbackData.customerPlans(id))
    .text(
      ctx.t(card.user.bannedAt ? "customer-unban-button" : "customer-ban-button"),
      callbackData.customerBan(id, card.user.bannedAt === null)
    )
    .row()
    .text(ctx.t("customer-refresh-button"), callbackData.customerCard(id))
}

/** Sends the customer's current card; false when they are not this tenant's. */
const sendCard = async (ctx: BotContext, userId: number, note?: string): Promise<boolean> => {
  const card = await attempt(ctx, customerCard(ctx.tenant.botId, userId))
  if (Result.isFailure(card)) return false
  const text = cardText(ctx, card.success)
  await ctx.reply(note === undefined ? text : `${note}\n\n${text}`, {
    reply_markup: cardKeyboard(ctx, card.success),
    link_preview_options: { is_disabled: true }
  })
  return true
}

export const askCustomerSearch = (ctx: BotContext) =>
  ask(ctx, { step: "customer_search" }, ctx.t("customer-search-prompt"))

export const showCustomerCard = async (ctx: BotContext, userId: number) => {
  if (!(await guardAdmin(ctx))) return
  await answer(ctx)
  if (!(await sendCard(ctx, userId))) await ctx.reply(ctx.t("customer-not-found", { query: `#${userId}` }))
}

/** The admin typed an id or @username; after a miss they may type another (or /cancel). */
export const receiveCustomerSearch = async (ctx: BotContext) => {
  if (!(await fromAdmin(ctx))) return
  const query = ctx.message?.text?.trim() ?? ""
  const userId = await ctx.run(findCustomer(ctx.tenant.botId, query))
  if (userId === undefined)
    return void (await ctx.reply(ctx.t("customer-search-missed", { query: query.slice(0, 64) })))
  await ctx.run(clearConversation(conversationKey(ctx)))
  await sendCard(ctx, userId)
}

export const askWalletAdjustment = (ctx: BotContext, userId: number) =>
  ask(ctx, { step: "customer_wallet", userId }, ctx.t("customer-wallet-prompt"))

/** A sign (+, - or −) and a number read as a typed top-up amount is (parseAmount: Persian digits, separators). */
const signedNumber = (sign: string, number: string) => {
  const size = parseAmount(number)
  return size === undefined || size === 0 ? undefined : sign === "+" ? size : -size
}

/** "+50000 reason" / "−20,000 reason": the first space after the amount starts the reason. */
const parseAdjustment = (text: string) => {
  const match = /^\s*([+\-−])\s*(\S+)\s+(\S[\s\S]*)$/.exec(text)
  const amount = match ? signedNumber(match[1]!, match[2]!) : undefined
  return amount === undefined ? undefined : { amount, reason: match![3]!.trim() }
}

export const receiveWalletAdjustment = async (ctx: BotContext, userId: number) => {
  if (!(await fromAdmin(ctx))) return
  const change = parseAdjustment(ctx.message?.text ?? "")
  if (!change || change.reason.length > MAX_ADJUSTMENT_REASON_LENGTH) {
    return void (await ctx.reply(ctx.t("customer-wallet-invalid", { max: MAX_ADJUSTMENT_REASON_LENGTH })))
  }
  const done = await attempt(ctx, adjustWallet(ctx.tenant.botId, actorOf(ctx), userId, change))
  await ctx.run(clearConversation(conversationKey(ctx)))
  if (Result.isFailure(done)) {
    const e = done.failure
    const note =
      e._tag === "InsufficientBalance"
        ? ctx.t("customer-wallet-short", { balance: money(ctx, e.balance), amount: money(ctx, e.required) })
        : e._tag === "InvalidInput"
          ? ctx.t("customer-wallet-invalid", { max: MAX_ADJUSTMENT_REASON_LENGTH })
          : ctx.t("customer-not-found", { query: `#${userId}` })
    return void (await ctx.reply(note))
  }
  await sendCard(ctx, userId, ctx.t("customer-wallet-done", { balance: money(ctx, done.success.balanceAfter) }))
}

export const askDaysChange = (ctx: BotContext, userId: number) =>
  ask(ctx, { step: "customer_days", userId }, ctx.t("customer-days-prompt"))

export const receiveDaysChange = async (ctx: BotContext, userId: number) => {
  if (!(await fromAdmin(ctx))) return
  const match = /^\s*([+\-−])\s*(\S+)\s*$/.exec(ctx.message?.text ?? "")
  const days = match ? signedNumber(match[1]!, match[2]!) : undefined
  if (days === undefined || Math.abs(days) > MAX_PLAN_DAYS) {
    return void (await ctx.reply(ctx.t("customer-days-invalid", { max: MAX_PLAN_DAYS })))
  }
  const done = await attempt(ctx, changeSubscriptionDays(ctx.tenant.botId, actorOf(ctx), userId, days))
  await ctx.run(clearConversation(conversationKey(ctx)))
  if (Result.isFailure(done)) {
    const e = done.failure
    return void (await ctx.reply(
      e._tag === "NoSubscription"
        ? ctx.t("customer-days-none")
        : e._tag === "InvalidInput"
          ? ctx.t("customer-days-invalid", { max: MAX_PLAN_DAYS })
          : ctx.t("customer-not-found", { query: `#${userId}` })
    ))
  }
  await sendCard(
    ctx,
    userId,
    ctx.t("customer-days-done", { expires: formatDateTime(localeOfCtx(ctx), done.success.expiresAt) })
  )
}

/**
 * The plans on sale, each a button that grants it, drawn after the customer's
 * latest action: a second press of the same button (or a press after another
 * admin acted) is refused as stale instead of granting twice.
 */
export const showGrantablePlans = async (ctx: BotContext, userId: number) => {
  if (!(await guardAdmin(ctx))) return
  await answer(ctx)
  const card = await attempt(ctx, customerCard(ctx.tenant.botId, userId))
  if (Result.isFailure(card)) return void (await ctx.reply(ctx.t("customer-not-found", { query: `#${userId}` })))
  const plans = await ctx.run(activePlans(ctx.tenant.botId))
  if (plans.length === 0) return void (await ctx.reply(ctx.t("customer-grant-no-plans")))
  const keyboard = new InlineKeyboard()
  for (const plan of plans)
    keyboard.text(plan.name, callbackData.customerGrant(userId, plan.id, card.success.lastActionId)).row()
  await ctx.reply(ctx.t("customer-grant-choose", { user: describeUser(card.success.user) }), { reply_markup: keyboard })
}

export const grantCustomerPlan = async (ctx: BotContext, userId: number, planId: number, afterAction: number) => {
  if (!(await guardAdmin(ctx))) return
  const done = await attempt(ctx, grantPlan(ctx.tenant.botId, actorOf(ctx), userId, planId, afterAction))
  if (Result.isFailure(done)) {
    const e = done.failure
    switch (e._tag) {
      case "StaleCustomerCard":
        return answer(ctx, ctx.t("customer-stale"), true)
      case "PlanUnavailable":
        return answer(ctx, ctx.t("customer-plan-unavailable"), true)
      case "TenantWalletInsufficient":
        return answer(
          ctx,
          ctx.t("customer-grant-refused", { balance: money(ctx, e.balance), required: money(ctx, e.required) }),
          true
        )
      default:
        return answer(ctx, ctx.t("customer-not-found", { query: `#${userId}` }), true)
    }
  }
  await answer(ctx)
  await sendCard(
    ctx,
    userId,
    ctx.t("customer-grant-done", {
      plan: done.success.planName,
      expires: formatDateTime(localeOfCtx(ctx), done.success.expiresAt)
    })
  )
}

export const banCustomer = async (ctx: BotContext, userId: number, banned: boolean) => {
  if (!(await guardAdmin(ctx))) return
  const done = await attempt(ctx, setCustomerBanned(ctx.tenant.botId, actorOf(ctx), userId, banned))
  if (Result.isFailure(done)) return answer(ctx, ctx.t("customer-not-found", { query: `#${userId}` }), true)
  const note = done.success.changed
    ? ctx.t(banned ? "customer-ban-done" : "customer-unban-done")
    : ctx.t("customer-ban-unchanged")
  await answer(ctx, note)
  await sendCard(ctx, userId, note)
}
