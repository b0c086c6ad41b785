/**
 * The shop's figures for its admins — today's (/admin → today's sales) and a
 * period's (the daily summary): sales and deposits from the wallet ledger
 * (transactions), new users and trials, receipts waiting. Runs in the caller's
 * tenant transaction (an update's `ctx.run`, or `withTenant`).
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export interface TodaySales {
  readonly sales: number
  readonly salesAmount: number
  readonly cardDeposits: number
  readonly zarinpalDeposits: number
  readonly newUsers: number
  readonly pendingReceipts: number
}

/** Today's figures (the day in `timeZone`), for the shop's /admin. */
export const todaySales = (botId: number, timeZone: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const since = sql`(date_trunc('day', now() AT TIME ZONE ${timeZone}) AT TIME ZONE ${timeZone})`
    const [row] = yield* sql<TodaySales>`
      SELECT
        (SELECT count(*)::int FROM transactions WHERE bot_id = ${botId} AND type = 'purchase' AND created_at >= ${since}) AS sales,
        (SELECT COALESCE(-sum(amount), 0)::bigint FROM transactions
          WHERE bot_id = ${botId} AND type = 'purchase' AND created_at >= ${since}) AS sales_amount,
        (SELECT COALESCE(sum(amount), 0)::bigint FROM transactions
          WHERE bot_id = ${botId} AND type = 'deposit' AND payment_method = 'card_to_card' AND created_at >= ${since}) AS card_deposits,
        (SELECT COALESCE(sum(amount), 0)::bigint FROM transactions
          WHERE bot_id = ${botId} AND type = 'deposit' AND payment_method = 'zarinpal' AND created_at >= ${since}) AS zarinpal_deposits,
        (SELECT count(*)::int FROM users WHERE bot_id = ${botId} AND created_at >= ${since}) AS new_users,
        (SELECT count(*)::int FROM card_to_card_payments
          WHERE bot_id = ${botId} AND status = 'pending' AND receipt_submitted_at IS NOT NULL) AS pending_receipts`
    return row!
  })

/** Purchases of one payment method within a period: how many and how much (the tenant's unit). */
export interface MethodSales {
  readonly method: string
  readonly count: number
  readonly amount: number
}

/** A period's figures, for the daily summary (src/shop/daily-summary.ts). */
export interface PeriodFigures {
  readonly newCustomers: number
  readonly trials: number
  /** Customers' first purchases. */
  readonly conversions: number
  /** Purchases by customers who had bought before (also auto-renewals). */
  readonly renewals: number
  readonly sales: ReadonlyArray<MethodSales>
}

/** The figures of [from, to), in the caller's tenant transaction. */
export const periodFigures = (botId: number, from: Date, to: Date) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [counts] = yield* sql<Omit<PeriodFigures, "sales">>`
      WITH purchases AS (
        SELECT t.id, t.user_id FROM transactions t
        WHERE t.bot_id = ${botId} AND t.type = 'purchase' AND t.created_at >= ${from} AND t.created_at < ${to})
      SELECT
        (SELECT count(*)::int FROM users WHERE bot_id = ${botId} AND created_at >= ${from} AND created_at < ${to}) AS new_customers,
        (SELECT count(*)::int FROM users
          WHERE bot_id = ${botId} AND trial_started_at >= ${from} AND trial_started_at < ${to}) AS trials,
        (SELECT count(*)::int FROM purchases p WHERE NOT EXISTS (
          SELECT 1 FROM transactions e WHERE e.bot_id = ${botId} AND e.user_id = p.user_id
            AND e.type = 'purchase' AND e.id < p.id)) AS conversions,
        (SELECT count(*)::int FROM purchases p WHERE EXISTS (
          SELECT 1 FROM transactions e WHERE e.bot_id = ${botId} AND e.user_id = p.user_id
            AND e.type = 'purchase' AND e.id < p.id)) AS renewals`
    const sales = yield* sql<MethodSales>`
      SELECT payment_method AS method, count(*)::int AS count, COALESCE(-sum(amount), 0)::bigint AS amount
      FROM transactions
      WHERE bot_id = ${botId} AND type = 'purchase' AND created_at >= ${from} AND created_at < ${to}
      GROUP BY payment_method ORDER BY payment_method`
    return { ...counts!, sales } satisfies PeriodFigures
  })
