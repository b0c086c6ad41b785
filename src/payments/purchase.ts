/**
 * Completing a purchase: a plan paid from the user's wallet (directly, or right
 * after a card or ZarinPal payment credited it). In one tenant transaction:
 *
 * 1. the user's row is locked (every money move of a user takes this lock first,
 *    then the tenant's bot row: one order, no deadlocks);
 * 2. the tenant wallet is charged for the traffic sold (tenant-wallet.ts; a
 *    charge the tenant cannot cover refuses the sale and changes nothing — the
 *    user's money stays in their wallet);
 * 3. the price leaves the user's wallet (a `purchase` transaction);
 * 4. the subscription is created or extended from max(now, current expiry) — a
 *    free trial is replaced instead: the paid days start now, the trial's
 *    remaining days are not added (same row, so the same panel user);
 * 5. a provisioning task is queued; the panel is updated after commit, outside
 *    this transaction (src/vpn/provision-task.ts).
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { planSquads } from "../shop/squads.ts"
import { panelUsername } from "../vpn/remnawave-client.ts"
import { InsufficientBalance } from "./errors.ts"
import { enqueueTask } from "./outbox.ts"
import { chargeSale, GIB } from "./tenant-wallet.ts"
import { debitWallet, lockWallet } from "./wallet.ts"
import type { PaymentMethod } from "./wallet.ts"

export interface PurchasedPlan {
  readonly id: number
  readonly name: string
  readonly periodDays: number
  /** 0 = unlimited. */
  readonly trafficLimitGb: number
  readonly deviceLimit: number
}

export interface PurchaseInput {
  readonly userId: number
  readonly telegramId: number
  readonly plan: PurchasedPlan
  /** What the user pays, in the tenant's unit (the price quoted when the payment started). */
  readonly price: number
  /** How the money came in: the wallet itself, or the payment that just credited it. */
  readonly method: PaymentMethod
  /** Unique per sale: the payment's tracking number or authority, or a wallet purchase id. */
  readonly reference: string
}

export type PurchaseOutcome =
  | {
      readonly _tag: "Completed"
      readonly subscriptionId: number
      readonly expiresAt: Date
      readonly renewed: boolean
      readonly balanceAfter: number
      readonly tenantCharge: number
      readonly tenantBalanceAfter: number
    }
  | { readonly _tag: "SaleRefused"; readonly tenantBalance: number; readonly required: number }

interface SubscriptionRow {
  readonly id: number
  readonly expiresAt: Date
  readonly inserted: boolean
}

export const completePurchase = Effect.fn("completePurchase")(function* (botId: number, input: PurchaseInput) {
  const sql = yield* SqlClient.SqlClient
  const balance = yield* lockWallet(botId, input.userId)
  if (balance < input.price) return yield* new InsufficientBalance({ balance, required: input.price })

  const charge = yield* chargeSale(botId, {
    trafficGb: input.plan.trafficLimitGb,
    reference: `sale:${input.reference}`
  }).pipe(
    Effect.map((c) => ({ _tag: "Charged" as const, ...c })),
    Effect.catchTag("TenantWalletInsufficient", (e) =>
      Effect.succeed({ _tag: "Refused" as const, balance: e.balance, required: e.required })
    )
  )
  if (charge._tag === "Refused") {
    return { _tag: "SaleRefused", tenantBalance: charge.balance, required: charge.required } satisfies PurchaseOutcome
  }

  const debit = yield* debitWallet(botId, input.userId, {
    amount: input.price,
    type: "purchase",
    method: input.method,
    reference: input.reference,
    description: input.plan.name
  })
  const squads = JSON.stringify(yield* planSquads(botId, input.plan.id))
  const [subscription] = yield* sql<SubscriptionRow>`
    INSERT INTO subscriptions (bot_id, user_id, plan_id, status, panel_username, traffic_limit_bytes, device_limit,
                               internal_squads, period_started_at, expires_at)
    VALUES (${botId}, ${input.userId}, ${input.plan.id}, 'active', ${panelUsername(botId, input.telegramId)},
            ${Math.round(input.plan.trafficLimitGb * GIB)}, ${input.plan.deviceLimit},
            ARRAY(SELECT jsonb_array_elements_text(${squads}::jsonb)), now(),
            date_trunc('second', now()) + make_interval(days => ${input.plan.periodDays}::int))
    ON CONFLICT (bot_id, user_id) DO UPDATE SET
      period_started_at = now(),
      plan_id = EXCLUDED.plan_id,
      status = 'active',
      traffic_limit_bytes = EXCLUDED.traffic_limit_bytes,
      device_limit = EXCLUDED.device_limit,
      internal_squads = EXCLUDED.internal_squads,
      expires_at = CASE WHEN subscriptions.status = 'trial' THEN date_trunc('second', now())
                        ELSE GREATEST(subscriptions.expires_at, date_trunc('second', now())) END
                   + make_interval(days => ${input.plan.periodDays}::int)
    RETURNING id, expires_at, (xmax = 0) AS inserted`
  yield* enqueueTask(botId, "provision_subscription", subscription!.id)
  return {
    _tag: "Completed",
    subscriptionId: subscription!.id,
    expiresAt: subscription!.expiresAt,
    renewed: !subscription!.inserted,
    balanceAfter: debit.balanceAfter,
    tenantCharge: charge.amount,
    tenantBalanceAfter: charge.balanceAfter
  } satisfies PurchaseOutcome
})

/** The plan as it is sold, if it is this tenant's and active. */
export const activePlan = Effect.fn("activePlan")(function* (botId: number, planId: number) {
  const sql = yield* SqlClient.SqlClient
  const [plan] = yield* sql<PlanForSale>`
    SELECT id, name, description, period_days, price, COALESCE(traffic_limit_gb, 0) AS traffic_limit_gb,
           COALESCE(device_limit, 1) AS device_limit
    FROM bot_plans WHERE bot_id = ${botId} AND id = ${planId} AND is_active`
  return plan
})

export type PlanForSale = PurchasedPlan & { readonly price: number; readonly description: string | null }

/** The tenant's active plans, in its order: what the shop shows. */
export const activePlans = Effect.fn("activePlans")(function* (botId: number) {
  const sql = yield* SqlClient.SqlClient
  return yield* sql<PlanForSale>`
    SELECT id, name, description, period_days, price, COALESCE(traffic_limit_gb, 0) AS traffic_limit_gb,
           COALESCE(device_limit, 1) AS device_limit
    FROM bot_plans WHERE bot_id = ${botId} AND is_active
    ORDER BY sort_order, id`
})
