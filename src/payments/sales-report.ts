/**
 * The shop's day in figures for its admins (/admin → today's sales): sales and
 * deposits from the wallet ledger (transactions), new users, receipts waiting.
 * Runs in the caller's tenant transaction (an update's `ctx.run`).
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
