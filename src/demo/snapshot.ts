/**
 * What the service recorded, read every second for the demo's summary: each
 * demo tenant's counts from the database (read as the operator) and the
 * service's /metrics.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { parseMetrics } from "./service-metrics.ts"
import type { ServiceMetrics } from "./service-metrics.ts"
import type { DemoTenant } from "./tenants.ts"
import type { BroadcastSummary } from "../tenants/broadcasts.ts"

export interface TenantCounts {
  readonly botId: number
  readonly users: number
  /** Plans bought, by how they were paid. */
  readonly purchases: { readonly card_to_card: number; readonly zarinpal: number; readonly wallet: number }
  /** Sum of the plans bought, in tomans. */
  readonly sales: number
  /** Wallet top-ups credited (card approved or ZarinPal paid). */
  readonly topUps: number
  readonly receiptsAwaitingReview: number
  readonly receiptsRejected: number
  readonly zarinpalCancelled: number
  readonly subscriptions: number
  readonly subscriptionsProvisioned: number
  /** The shop's platform wallet, charged per GB sold. */
  readonly platformWallet: number
  /** Free trials taken, and how many of those customers bought a plan afterwards. */
  readonly trials: number
  readonly trialsConverted: number
  /** Periods renewed from the wallet by the auto_renewal job. */
  readonly autoRenewals: number
  /** Expiry reminders and notices the subscription_expiry job sent (one per kind and period). */
  readonly reminders: number
  /** Promo codes redeemed; customers who came through a referral link, and the commission their referrers earned. */
  readonly promoRedemptions: number
  readonly referred: number
  readonly referralEarnings: number
  /** The shop's demo broadcast (broadcasts.ts), once started: recipients by outcome. */
  readonly broadcast: Pick<BroadcastSummary, "state" | "total" | "sent" | "blocked" | "failed"> | null
}

export interface Snapshot {
  readonly at: number
  readonly tenants: ReadonlyArray<TenantCounts>
  readonly metrics: ServiceMetrics | undefined
}

type Run = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) => Promise<A>

const countsQuery = (botIds: ReadonlyArray<number>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql<{
      botId: number
      users: number
      byCard: number
      byZarinpal: number
      byWallet: number
      sales: number
      topUps: number
      awaitingReview: number
      rejected: number
      zarinpalCancelled: number
      subscriptions: number
      provisioned: number
      walletBalance: number
      trials: number
      trialsConverted: number
      autoRenewals: number
      reminders: number
      promoRedemptions: number
      referred: number
      referralEarnings: number
    }>`
      SELECT b.id AS bot_id, b.wallet_balance,
        (SELECT count(*)::int FROM users u WHERE u.bot_id = b.id) AS users,
        (SELECT count(*)::int FROM transactions t WHERE t.bot_id = b.id AND t.type = 'purchase' AND t.payment_method = 'card_to_card') AS by_card,
        (SELECT count(*)::int FROM transactions t WHERE t.bot_id = b.id AND t.type = 'purchase' AND t.payment_method = 'zarinpal') AS by_zarinpal,
        (SELECT count(*)::int FROM transactions t WHERE t.bot_id = b.id AND t.type = 'purchase' AND t.payment_method = 'wallet') AS by_wallet,
        (SELECT coalesce(sum(-t.amount), 0)::bigint FROM transactions t WHERE t.bot_id = b.id AND t.type = 'purchase') AS sales,
        (SELECT count(*)::int FROM card_to_card_payments p WHERE p.bot_id = b.id AND p.status = 'approved' AND p.plan_id IS NULL)
          + (SELECT count(*)::int FROM zarinpal_payments z WHERE z.bot_id = b.id AND z.status = 'paid' AND z.plan_id IS NULL) AS top_ups,
        (SELECT count(*)::int FROM card_to_card_payments p
          WHERE p.bot_id = b.id AND p.status = 'pending' AND p.receipt_submitted_at IS NOT NULL) AS awaiting_review,
        (SELECT count(*)::int FROM card_to_card_payments p WHERE p.bot_id = b.id AND p.status = 'rejected') AS rejected,
        (SELECT count(*)::int FROM zarinpal_payments z WHERE z.bot_id = b.id AND z.status = 'cancelled') AS zarinpal_cancelled,
        (SELECT count(*)::int FROM subscriptions s WHERE s.bot_id = b.id) AS subscriptions,
        (SELECT count(*)::int FROM subscriptions s WHERE s.bot_id = b.id AND s.provisioned_at IS NOT NULL) AS provisioned,
        (SELECT count(*)::int FROM users u WHERE u.bot_id = b.id AND u.trial_started_at IS NOT NULL) AS trials,
        (SELECT count(*)::int FROM users u WHERE u.bot_id = b.id AND u.trial_started_at IS NOT NULL
           AND EXISTS (SELECT 1 FROM transactions t WHERE t.bot_id = b.id AND t.user_id = u.id AND t.type = 'purchase')) AS trials_converted,
        (SELECT count(*)::int FROM auto_renewals a WHERE a.bot_id = b.id) AS auto_renewals,
        (SELECT count(*)::int FROM subscription_reminders r WHERE r.bot_id = b.id AND r.kind <> 'auto_renew_low_balance') AS reminders,
        (SELECT count(*)::int FROM promo_redemptions r WHERE r.bot_id = b.id) AS promo_redemptions,
        (SELECT count(*)::int FROM users u WHERE u.bot_id = b.id AND u.referred_by_user_id IS NOT NULL) AS referred,
        (SELECT coalesce(sum(t.amount), 0)::bigint FROM transactions t WHERE t.bot_id = b.id AND t.type = 'referral') AS referral_earnings
      FROM bots b WHERE b.id IN ${sql.in(botIds)} ORDER BY b.id`
  })

export const takeSnapshot = async (
  run: Run,
  metricsUrl: string,
  tenants: ReadonlyArray<DemoTenant>,
  broadcasts: () => Promise<ReadonlyArray<BroadcastSummary | undefined>>
): Promise<Snapshot> => {
  const [rows, sending, metrics] = await Promise.all([
    run(countsQuery(tenants.map((t) => t.botId))),
    broadcasts(),
    fetch(metricsUrl, { signal: AbortSignal.timeout(3000) })
      .then((r) => r.text())
      .then(parseMetrics, () => undefined)
  ])
  const byBot = new Map(rows.map((r) => [r.botId, r]))
  return {
    at: Date.now(),
    metrics,
    tenants: tenants.map((t) => {
      const r = byBot.get(t.botId)
      return {
        botId: t.botId,
        users: r?.users ?? 0,
        purchases: { card_to_card: r?.byCard ?? 0, zarinpal: r?.byZarinpal ?? 0, wallet: r?.byWallet ?? 0 },
        sales: Number(r?.sales ?? 0),
        topUps: r?.topUps ?? 0,
        receiptsAwaitingReview: r?.awaitingReview ?? 0,
        receiptsRejected: r?.rejected ?? 0,
        zarinpalCancelled: r?.zarinpalCancelled ?? 0,
        subscriptions: r?.subscriptions ?? 0,
        subscriptionsProvisioned: r?.provisioned ?? 0,
        platformWallet: Number(r?.walletBalance ?? 0),
        trials: r?.trials ?? 0,
        trialsConverted: r?.trialsConverted ?? 0,
        autoRenewals: r?.autoRenewals ?? 0,
        reminders: r?.reminders ?? 0,
        promoRedemptions: r?.promoRedemptions ?? 0,
        referred: r?.referred ?? 0,
        referralEarnings: Number(r?.referralEarnings ?? 0),
        broadcast: ((b) =>
          b ? { state: b.state, total: b.total, sent: b.sent, blocked: b.blocked, failed: b.failed } : null)(
          sending[t.index]
        )
      }
    })
  }
}
