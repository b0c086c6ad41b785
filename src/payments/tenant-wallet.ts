/**
 * The tenant's own wallet with the platform (seed: wallet_balance, traffic sold
 * and consumed). Operators top it up; every completed sale is charged for the
 * traffic it sells (plan GB × the tenant's rate). Each change is one ledger row
 * in the same transaction (tenant_wallet_transactions), so the ledger always
 * sums to the balance, and a sale is charged once however often it is retried.
 */
import { Context, Effect, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { MAX_SAFE } from "../tenants/limits.ts"

export const GIB = 1024 ** 3

/**
 * What an unlimited plan (traffic 0) is billed as, in GB (UNLIMITED_PLAN_BILLED_GB,
 * app.ts provides the setting): without it unlimited plans cost the tenant
 * nothing and bypass platform billing.
 */
export const UnlimitedPlanBilledGb = Context.Reference<number>("botfleet/payments/UnlimitedPlanBilledGb", {
  defaultValue: () => 100
})

export class TenantWalletInsufficient extends Schema.TaggedError<TenantWalletInsufficient>()(
  "TenantWalletInsufficient",
  { botId: Schema.Number, balance: Schema.Number, required: Schema.Number }
) {
  readonly code = "tenant_wallet_insufficient"
  override get message() {
    return `the shop's platform balance (${this.balance}) does not cover this sale (${this.required})`
  }
}

export interface SaleCharge {
  readonly amount: number
  readonly balanceAfter: number
  /** false when this reference was already charged (a retry or a replay). */
  readonly charged: boolean
}

/** What a sale of `trafficGb` costs the tenant at its rate (bounded inputs: at most 10^13). */
export const saleCost = (trafficGb: number, ratePerGb: number) => Math.ceil(trafficGb * ratePerGb)

/** The GB a plan is billed for: its traffic, or UNLIMITED_PLAN_BILLED_GB when unlimited (0). */
export const billedGb = (trafficGb: number, unlimitedBilledGb: number) =>
  trafficGb > 0 ? trafficGb : Math.max(0, unlimitedBilledGb)

/**
 * Charges a completed sale. Runs inside the sale's transaction (tenant-scoped is
 * fine: RLS lets a tenant update its own bot row and ledger). Refuses, and
 * changes nothing, when the balance does not cover it.
 */
export const chargeSale = (botId: number, sale: { readonly trafficGb: number; readonly reference: string }) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const done = yield* sql<{ amount: number; balanceAfter: number }>`
      SELECT amount, balance_after FROM tenant_wallet_transactions
      WHERE bot_id = ${botId} AND type = 'sale' AND reference = ${sale.reference}`
    if (done[0])
      return { amount: -done[0].amount, balanceAfter: done[0].balanceAfter, charged: false } satisfies SaleCharge
    const gb = billedGb(sale.trafficGb, yield* UnlimitedPlanBilledGb)
    const bytes = Math.min(Math.round(gb * GIB), MAX_SAFE)
    // NO KEY UPDATE: enough to serialise sales on the balance, and it does not conflict
    // with the key-share locks other tenant rows' foreign keys (users, payments) take on the bot.
    const [bot] = yield* sql<{ walletBalance: number; trafficRatePerGb: number }>`
      SELECT wallet_balance, traffic_rate_per_gb FROM bots WHERE id = ${botId} FOR NO KEY UPDATE`
    if (!bot) return yield* new TenantWalletInsufficient({ botId, balance: 0, required: 0 })
    const cost = saleCost(gb, bot.trafficRatePerGb)
    if (bot.walletBalance < cost) {
      return yield* new TenantWalletInsufficient({ botId, balance: bot.walletBalance, required: cost })
    }
    const [after] = yield* sql<{ walletBalance: number }>`
      UPDATE bots SET wallet_balance = wallet_balance - ${cost},
                      -- Saturates: a counter past 2^53 - 1 could no longer be read (migrations/009).
                      traffic_sold_bytes = LEAST(traffic_sold_bytes + ${bytes}, ${MAX_SAFE})
      WHERE id = ${botId} RETURNING wallet_balance`
    yield* sql`
      INSERT INTO tenant_wallet_transactions (bot_id, type, amount, balance_after, traffic_bytes, reference)
      VALUES (${botId}, 'sale', ${-cost}, ${after!.walletBalance}, ${bytes}, ${sale.reference})`
    return { amount: cost, balanceAfter: after!.walletBalance, charged: true } satisfies SaleCharge
  })

/** Credits the tenant's wallet (operator top-up). Fleet-wide: called by the master bot and API. */
export const topUpTenantWallet = (
  botId: number,
  topUp: { readonly amount: number; readonly reference?: string; readonly createdBy: string }
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql.withTransaction(
      Effect.gen(function* () {
        // A balance past 2^53 - 1 could no longer be read: such a top-up changes nothing.
        const [after] = yield* sql<{ walletBalance: number }>`
        UPDATE bots SET wallet_balance = wallet_balance + ${topUp.amount}
        WHERE id = ${botId} AND wallet_balance <= ${MAX_SAFE} - ${topUp.amount}
        RETURNING wallet_balance`
        if (!after) return undefined
        yield* sql`
        INSERT INTO tenant_wallet_transactions (bot_id, type, amount, balance_after, reference, created_by)
        VALUES (${botId}, 'topup', ${topUp.amount}, ${after.walletBalance}, ${topUp.reference ?? null}, ${topUp.createdBy})`
        return after.walletBalance
      })
    )
  })
