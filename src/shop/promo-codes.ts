/**
 * Redeeming a promo code (flag promo_codes): one tenant transaction that
 *
 * 1. locks the customer's row (the order every money move takes), then the
 *    code's row — so redemptions of one code are counted one at a time, and 50
 *    customers racing for its last use leave exactly max_uses redemptions;
 * 2. checks the code (on, within its dates, a use left, first purchase only)
 *    and what its kind needs (days: a current subscription; trial: none yet and
 *    the plan still exists; discount: none already waiting) — all before
 *    writing anything, so a refusal changes nothing;
 * 3. records the redemption (unique per code and customer: a second try, a
 *    replayed update or another replica finds it and stops) and counts the use;
 * 4. applies it: credit → the wallet with a `promo` ledger entry; days → the
 *    subscription extended and re-provisioned through the outbox, like a
 *    renewal; discount → kept for the next sale (src/payments/promo-discount.ts);
 *    trial → a trial subscription with the plan's limits, provisioned likewise.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { enqueueTask } from "../payments/outbox.ts"
import { GIB } from "../payments/tenant-wallet.ts"
import { creditWallet, hasPurchased, lockWallet } from "../payments/wallet.ts"
import { planAsSold } from "../tenants/plans.ts"
import { planSquads } from "../tenants/squads.ts"
import {
  hasRedeemed,
  hasUnusedDiscount,
  lockPromoCode,
  PROMO_CODE_PATTERN,
  recordRedemption
} from "../tenants/promo-codes.ts"
import type { PromoCode } from "../tenants/promo-codes.ts"
import { panelUsername } from "../vpn/remnawave-client.ts"

export type PromoRefusal =
  | "unknown"
  | "disabled"
  | "not_started"
  | "expired"
  | "used_up"
  | "already_redeemed"
  | "first_purchase_only"
  | "no_subscription"
  | "has_subscription"
  | "plan_unavailable"
  | "discount_waiting"

export type PromoOutcome =
  | { readonly _tag: "Refused"; readonly reason: PromoRefusal }
  | { readonly _tag: "Credited"; readonly amount: number; readonly balanceAfter: number }
  | { readonly _tag: "Extended"; readonly days: number; readonly expiresAt: Date }
  | { readonly _tag: "Discount"; readonly percent: number }
  | { readonly _tag: "Trial"; readonly planName: string; readonly expiresAt: Date }

const refused = (reason: PromoRefusal): PromoOutcome => ({ _tag: "Refused", reason })

/** A code's kind has what it needs (rows made before migration 022 may not: they count as off). */
const termsHold = (code: PromoCode) =>
  code.kind === "credit"
    ? code.bonusAmount > 0
    : code.kind === "discount"
      ? code.discountPercent >= 1 && code.discountPercent <= 100
      : code.kind === "days"
        ? code.days !== null
        : code.planId !== null

/** The customer's current subscription (not run out), if any. */
const currentSubscription = (botId: number, userId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{ id: number; current: boolean }>`
      SELECT id, expires_at > now() AND status IN ('active', 'trial') AS current
      FROM subscriptions WHERE bot_id = ${botId} AND user_id = ${userId}`
    return row
  })

const extendSubscription = (botId: number, subscriptionId: number, days: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{ expiresAt: Date }>`
      UPDATE subscriptions SET expires_at = GREATEST(expires_at, date_trunc('second', now())) + make_interval(days => ${days}::int)
      WHERE bot_id = ${botId} AND id = ${subscriptionId}
      RETURNING expires_at`
    yield* enqueueTask(botId, "provision_subscription", subscriptionId)
    return row!.expiresAt
  })

const startPlanTrial = (
  botId: number,
  customer: { readonly userId: number; readonly telegramId: number },
  plan: { readonly id: number; readonly trafficLimitGb: number; readonly deviceLimit: number },
  days: number
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const squads = JSON.stringify(yield* planSquads(botId, plan.id))
    const [row] = yield* sql<{ id: number; expiresAt: Date }>`
      INSERT INTO subscriptions (bot_id, user_id, plan_id, status, panel_username, traffic_limit_bytes, device_limit,
                                 internal_squads, period_started_at, expires_at)
      VALUES (${botId}, ${customer.userId}, ${plan.id}, 'trial', ${panelUsername(botId, customer.telegramId)},
              ${Math.round(plan.trafficLimitGb * GIB)}, ${plan.deviceLimit},
              ARRAY(SELECT jsonb_array_elements_text(${squads}::jsonb)), now(),
              date_trunc('second', now()) + make_interval(days => ${days}::int))
      RETURNING id, expires_at`
    yield* enqueueTask(botId, "provision_subscription", row!.id)
    return row!.expiresAt
  })

export const redeemPromoCode = Effect.fn("redeemPromoCode")(function* (
  botId: number,
  customer: { readonly userId: number; readonly telegramId: number },
  typed: string
) {
  const text = typed.trim()
  if (!PROMO_CODE_PATTERN.test(text)) return refused("unknown")
  yield* lockWallet(botId, customer.userId)
  const code = yield* lockPromoCode(botId, text)
  if (!code) return refused("unknown")
  if (!code.isActive || !termsHold(code)) return refused("disabled")
  if (!code.started) return refused("not_started")
  if (code.ended) return refused("expired")
  if (yield* hasRedeemed(botId, code.id, customer.userId)) return refused("already_redeemed")
  if (code.maxUses !== null && code.usedCount >= code.maxUses) return refused("used_up")
  if (code.firstPurchaseOnly && (yield* hasPurchased(botId, customer.userId))) return refused("first_purchase_only")

  switch (code.kind) {
    case "credit": {
      if (!(yield* recordRedemption(botId, code, customer.userId))) return refused("already_redeemed")
      const credit = yield* creditWallet(botId, customer.userId, {
        amount: code.bonusAmount,
        type: "promo",
        method: "wallet",
        reference: `promo:${code.id}:${customer.userId}`,
        description: code.code
      })
      return { _tag: "Credited", amount: code.bonusAmount, balanceAfter: credit.balanceAfter } satisfies PromoOutcome
    }
    case "days": {
      const subscription = yield* currentSubscription(botId, customer.userId)
      if (!subscription?.current) return refused("no_subscription")
      if (!(yield* recordRedemption(botId, code, customer.userId))) return refused("already_redeemed")
      const days = code.days!
      const expiresAt = yield* extendSubscription(botId, subscription.id, days)
      return { _tag: "Extended", days, expiresAt } satisfies PromoOutcome
    }
    case "discount": {
      if (yield* hasUnusedDiscount(botId, customer.userId)) return refused("discount_waiting")
      if (!(yield* recordRedemption(botId, code, customer.userId))) return refused("already_redeemed")
      return { _tag: "Discount", percent: code.discountPercent } satisfies PromoOutcome
    }
    case "trial": {
      if (yield* currentSubscription(botId, customer.userId)) return refused("has_subscription")
      const plan = code.planId === null ? undefined : yield* planAsSold(botId, code.planId)
      if (!plan) return refused("plan_unavailable")
      if (!(yield* recordRedemption(botId, code, customer.userId))) return refused("already_redeemed")
      const expiresAt = yield* startPlanTrial(botId, customer, plan, code.days ?? plan.periodDays)
      return { _tag: "Trial", planName: plan.name, expiresAt } satisfies PromoOutcome
    }
  }
})
