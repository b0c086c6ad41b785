/**
 * Customer management by the tenant's admins (the bot's admin panel and the
 * REST API share these rules): a customer's card, and the changes an admin may
 * make — adjust the wallet, add or take subscription days, grant a plan, ban or
 * unban. Each runs in the caller's tenant transaction (an update's `ctx.run`,
 * or `withTenant` in the API), so row-level security confines it to the
 * tenant, and each change commits with its `admin_actions` row (who, when,
 * what) or not at all:
 *
 * - the customer's row is locked first (`lockWallet`: the order every money
 *   move takes), so two admins, an admin and a purchase, or a double click are
 *   serialised;
 * - a wallet adjustment is one `adjustment` ledger entry by `admin`, its reference
 *   the actor and its description the reason; a debit never takes the balance
 *   below zero (refused, nothing changes);
 * - days and a granted plan change the subscription row and queue the panel's
 *   update through the outbox, as a renewal does: added days and a grant tell the
 *   customer their new end and link; taken days reach the panel silently;
 * - a granted plan is a subscription without payment: no customer ledger entry,
 *   but the tenant's platform wallet is charged for its traffic like a sale
 *   (`grant:<action id>`), so a grant cannot bypass platform billing;
 * - a ban (users.banned_at) makes the bot answer the customer once, politely,
 *   and nothing else (src/bot/shop/banned.ts); an unban restores them.
 */
import { Effect, Schema } from "effect"
import { enqueueTask } from "../payments/outbox.ts"
import { activateSubscription, shiftSubscriptionExpiry, subscriptionOf } from "../payments/subscriptions.ts"
import { chargeSale } from "../payments/tenant-wallet.ts"
import { creditWallet, debitWallet, lockWallet, walletHistory } from "../payments/wallet.ts"
import { PlanUnavailable } from "../payments/errors.ts"
import {
  actorLabel,
  lastAdminActionId,
  recentAdminActions,
  recordAdminAction,
  reserveAdminActionId
} from "../tenants/admin-actions.ts"
import type { AdminActor } from "../tenants/admin-actions.ts"
import { recentPaymentsOf } from "../tenants/customer-payments.ts"
import { InvalidInput, RecordNotFound } from "../tenants/errors.ts"
import { MAX_ADJUSTMENT_REASON_LENGTH, MAX_MONEY, MAX_PLAN_DAYS, MAX_SAFE } from "../tenants/limits.ts"
import { activePlan } from "../tenants/plans.ts"
import { setBanned, userById } from "../tenants/users.ts"

/** How many of each (payments, ledger entries, admin actions) a card shows. */
export const CARD_ROWS = 5

export class NoSubscription extends Schema.TaggedError<NoSubscription>()("NoSubscription", {
  userId: Schema.Number
}) {
  readonly code = "no_subscription"
  override get message() {
    return `user ${this.userId} has no subscription whose days can be changed (none, or it has ended and cannot be shortened)`
  }
}

/** A button drawn before the customer's latest admin action (a double click, or another admin acted meanwhile). */
export class StaleCustomerCard extends Schema.TaggedError<StaleCustomerCard>()("StaleCustomerCard", {
  userId: Schema.Number
}) {
  readonly code = "stale_card"
  override get message() {
    return `user ${this.userId} was changed since this card was shown`
  }
}

const customerOrFail = Effect.fn("customerOrFail")(function* (botId: number, userId: number) {
  const user = yield* userById(botId, userId)
  if (!user) return yield* new RecordNotFound({ entity: "user", id: userId })
  return user
})

/** The customer's row, locked for the rest of the transaction, and its balance. */
const lockCustomer = Effect.fn("lockCustomer")(function* (botId: number, userId: number) {
  yield* customerOrFail(botId, userId)
  return yield* lockWallet(botId, userId)
})

/** Everything an admin sees about a customer, each list bounded by CARD_ROWS. */
export const customerCard = Effect.fn("customerCard")(function* (botId: number, userId: number) {
  const user = yield* customerOrFail(botId, userId)
  return {
    user,
    subscription: (yield* subscriptionOf(botId, userId)) ?? null,
    payments: yield* recentPaymentsOf(botId, userId, CARD_ROWS),
    ledger: yield* walletHistory(botId, userId, CARD_ROWS),
    actions: yield* recentAdminActions(botId, userId, CARD_ROWS),
    /** The latest action's id (0: none): what a grant's buttons are drawn after (StaleCustomerCard). */
    lastActionId: yield* lastAdminActionId(botId, userId)
  }
})
export type CustomerCard = Effect.Success<ReturnType<typeof customerCard>>

/** Credit (amount > 0) or debit (amount < 0) the customer's wallet, with a reason. */
export const adjustWallet = Effect.fn("adjustWallet")(function* (
  botId: number,
  actor: AdminActor,
  userId: number,
  change: { readonly amount: number; readonly reason: string }
) {
  const reason = change.reason.trim()
  const size = Math.abs(change.amount)
  if (!Number.isSafeInteger(change.amount) || size < 1 || size > MAX_MONEY) {
    return yield* new InvalidInput({
      field: "amount",
      reason: `must be a whole amount from 1 to ${MAX_MONEY}, + or −`
    })
  }
  if (reason.length < 1 || reason.length > MAX_ADJUSTMENT_REASON_LENGTH) {
    return yield* new InvalidInput({
      field: "reason",
      reason: `must be 1 to ${MAX_ADJUSTMENT_REASON_LENGTH} characters`
    })
  }
  const balance = yield* lockCustomer(botId, userId)
  if (change.amount > 0 && balance > MAX_SAFE - change.amount) {
    return yield* new InvalidInput({ field: "amount", reason: "the balance would pass the largest amount kept" })
  }
  const entry = {
    amount: size,
    type: "adjustment",
    method: "admin",
    reference: actorLabel(actor),
    description: reason
  } as const
  const moved = change.amount > 0 ? yield* creditWallet(botId, userId, entry) : yield* debitWallet(botId, userId, entry)
  yield* recordAdminAction(botId, {
    userId,
    kind: change.amount > 0 ? "wallet_credit" : "wallet_debit",
    actor,
    details: { amount: change.amount, reason, transactionId: moved.transactionId, balanceAfter: moved.balanceAfter }
  })
  return moved
})

/** Adds (days > 0) or takes (days < 0) subscription days; the panel follows through the outbox. */
export const changeSubscriptionDays = Effect.fn("changeSubscriptionDays")(function* (
  botId: number,
  actor: AdminActor,
  userId: number,
  days: number
) {
  if (!Number.isSafeInteger(days) || days === 0 || Math.abs(days) > MAX_PLAN_DAYS) {
    return yield* new InvalidInput({
      field: "days",
      reason: `must be a whole number from 1 to ${MAX_PLAN_DAYS}, + or −`
    })
  }
  yield* lockCustomer(botId, userId)
  const shifted = yield* shiftSubscriptionExpiry(botId, userId, days)
  if (!shifted) return yield* new NoSubscription({ userId })
  yield* enqueueTask(botId, days > 0 ? "provision_subscription" : "sync_subscription", shifted.id)
  yield* recordAdminAction(botId, {
    userId,
    kind: "subscription_days",
    actor,
    details: { days, expiresAt: shifted.expiresAt.toISOString() }
  })
  return shifted
})

/**
 * Gives the customer a plan without payment: the subscription as a purchase
 * would make it (a trial is replaced, an active one extended). `afterAction`
 * (the bot): the customer's latest action id when the plan buttons were drawn —
 * a second press of the same button, or a press after another admin acted, is
 * refused as stale instead of granting twice.
 */
export const grantPlan = Effect.fn("grantPlan")(function* (
  botId: number,
  actor: AdminActor,
  userId: number,
  planId: number,
  afterAction?: number
) {
  const user = yield* customerOrFail(botId, userId)
  yield* lockWallet(botId, userId)
  if (afterAction !== undefined && (yield* lastAdminActionId(botId, userId)) !== afterAction) {
    return yield* new StaleCustomerCard({ userId })
  }
  const plan = yield* activePlan(botId, planId)
  if (!plan) return yield* new PlanUnavailable({ planId })
  // The action's id first: the tenant's charge is keyed by it, and nothing is written before the charge may refuse.
  const actionId = yield* reserveAdminActionId()
  const charge = yield* chargeSale(botId, { trafficGb: plan.trafficLimitGb, reference: `grant:${actionId}` })
  const subscription = yield* activateSubscription(botId, { userId, telegramId: user.telegramId, plan })
  yield* enqueueTask(botId, "provision_subscription", subscription.id)
  yield* recordAdminAction(botId, {
    id: actionId,
    userId,
    kind: "grant_plan",
    actor,
    details: {
      planId: plan.id,
      plan: plan.name,
      days: plan.periodDays,
      expiresAt: subscription.expiresAt.toISOString(),
      tenantCharge: charge.amount
    }
  })
  return { ...subscription, planName: plan.name }
})

/** Bans or unbans the customer; `changed` is false when they already were in that state (nothing recorded). */
export const setCustomerBanned = Effect.fn("setCustomerBanned")(function* (
  botId: number,
  actor: AdminActor,
  userId: number,
  banned: boolean
) {
  yield* lockCustomer(botId, userId)
  const changed = yield* setBanned(botId, userId, banned ? { banned, by: actorLabel(actor) } : { banned })
  if (changed) yield* recordAdminAction(botId, { userId, kind: banned ? "ban" : "unban", actor, details: {} })
  return { changed }
})
