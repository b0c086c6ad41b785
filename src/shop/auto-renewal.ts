/**
 * Auto-renewal from the wallet (flag `auto_renewal`, the customer's switch on
 * the subscription, AUTO_RENEW_HOURS_BEFORE): one subscription period renewed
 * for the same plan, in ONE tenant transaction:
 *
 * 1. the customer's row is locked (the order every money move takes), so no
 *    purchase of theirs commits meanwhile; the subscription must still end at
 *    the period the job saw, be active and have auto-renewal on;
 * 2. the period's key goes into auto_renewals (PK subscription, period end):
 *    a second replica, a retried tick or a replay conflicts here and stops;
 * 3. the purchase as the bot's wallet purchase does it (src/payments/purchase.ts):
 *    tenant billing, the `purchase` ledger entry, the extension from the
 *    expiry, the provisioning task;
 * 4. the customer's notice.
 *
 * The wallet short → the transaction rolls back (no key: a top-up before the
 * expiry still renews) and, in its own transaction, the customer is told how
 * much to add — once per period (a subscription_reminders row).
 */
import { Effect, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { withTenant } from "../db/tenant.ts"
import { enqueueNotice } from "../tenants/notices.ts"
import { completePurchase } from "../payments/purchase.ts"
import { activePlan } from "../tenants/plans.ts"
import { lockWallet } from "../payments/wallet.ts"

export interface AutoRenewalCandidate {
  readonly botId: number
  readonly subscriptionId: number
  readonly userId: number
  readonly telegramId: number
  readonly planId: number
  readonly expiresAt: Date
}

export type AutoRenewalOutcome =
  | { readonly _tag: "Renewed"; readonly amount: number; readonly expiresAt: Date }
  | { readonly _tag: "Skipped"; readonly reason: string }
  | { readonly _tag: "LowBalance"; readonly balance: number; readonly price: number; readonly told: boolean }
  | { readonly _tag: "SaleRefused" }

class Short extends Schema.TaggedError<Short>()("Short", { balance: Schema.Number, price: Schema.Number }) {}
class Refused extends Schema.TaggedError<Refused>()("Refused", {}) {}

const periodKey = (c: AutoRenewalCandidate) => `auto:${c.subscriptionId}:${Math.floor(c.expiresAt.getTime() / 1000)}`

const chargeOnce = (c: AutoRenewalCandidate) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* lockWallet(c.botId, c.userId)
    const [sub] = yield* sql<{ expiresAt: Date; status: string; autoRenew: boolean; planId: number | null }>`
      SELECT expires_at, status, auto_renew, plan_id FROM subscriptions WHERE bot_id = ${c.botId} AND id = ${c.subscriptionId}`
    if (sub?.status !== "active" || !sub.autoRenew || sub.planId !== c.planId) {
      return { _tag: "Skipped", reason: "no longer due for auto-renewal" } satisfies AutoRenewalOutcome
    }
    if (sub.expiresAt.getTime() !== c.expiresAt.getTime()) {
      return { _tag: "Skipped", reason: "renewed meanwhile" } satisfies AutoRenewalOutcome
    }
    const plan = yield* activePlan(c.botId, c.planId)
    if (!plan) return { _tag: "Skipped", reason: "the plan is no longer on sale" } satisfies AutoRenewalOutcome
    const reference = periodKey(c)
    const key = yield* sql<{ subscriptionId: number }>`
      INSERT INTO auto_renewals (bot_id, subscription_id, period_end, reference, amount)
      VALUES (${c.botId}, ${c.subscriptionId}, ${c.expiresAt}, ${reference}, ${plan.price})
      ON CONFLICT DO NOTHING
      RETURNING subscription_id`
    if (key.length === 0)
      return { _tag: "Skipped", reason: "this period was renewed already" } satisfies AutoRenewalOutcome
    const purchase = yield* completePurchase(c.botId, {
      userId: c.userId,
      telegramId: c.telegramId,
      plan,
      price: plan.price,
      method: "wallet",
      reference
    }).pipe(
      Effect.catchTag("InsufficientBalance", (e) => Effect.fail(new Short({ balance: e.balance, price: plan.price })))
    )
    if (purchase._tag === "SaleRefused") return yield* new Refused()
    yield* enqueueNotice(c.botId, {
      kind: "auto_renewed",
      subjectId: c.subscriptionId,
      userId: c.userId,
      payload: {
        amount: plan.price,
        balanceAfter: purchase.balanceAfter,
        expiresAt: purchase.expiresAt,
        plan: plan.name
      }
    })
    return { _tag: "Renewed", amount: plan.price, expiresAt: purchase.expiresAt } satisfies AutoRenewalOutcome
  })

const tellLowBalance = (c: AutoRenewalCandidate, balance: number, price: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const marked = yield* sql`
      INSERT INTO subscription_reminders (bot_id, subscription_id, kind, period_end)
      VALUES (${c.botId}, ${c.subscriptionId}, 'auto_renew_low_balance', ${c.expiresAt})
      ON CONFLICT DO NOTHING
      RETURNING subscription_id`
    if (marked.length === 0) return false
    yield* enqueueNotice(c.botId, {
      kind: "auto_renew_low_balance",
      subjectId: c.subscriptionId,
      userId: c.userId,
      payload: { price, balance, shortfall: price - balance, periodEnd: c.expiresAt }
    })
    return true
  })

export const autoRenew = Effect.fn("autoRenew")(function* (c: AutoRenewalCandidate) {
  return yield* withTenant(c.botId, chargeOnce(c)).pipe(
    Effect.catchTag("Short", (e) =>
      withTenant(c.botId, tellLowBalance(c, e.balance, e.price)).pipe(
        Effect.map((told): AutoRenewalOutcome => ({ _tag: "LowBalance", balance: e.balance, price: e.price, told }))
      )
    ),
    Effect.catchTag("Refused", () => Effect.succeed<AutoRenewalOutcome>({ _tag: "SaleRefused" }))
  )
})

/** The customer's switch; false when they have no subscription. */
export const setAutoRenew = Effect.fn("setAutoRenew")(function* (botId: number, userId: number, on: boolean) {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql`
    UPDATE subscriptions SET auto_renew = ${on} WHERE bot_id = ${botId} AND user_id = ${userId} RETURNING id`
  return rows.length > 0
})
