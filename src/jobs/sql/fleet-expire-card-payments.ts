/**
 * pending → expired for card payments whose deadline passed (by more than
 * `graceSeconds`) without a receipt, across every tenant, in ONE statement:
 * the status change (guarded by the old status and the missing receipt) and
 * each user's notice commit together or not at all, so a payment expires once
 * and its user is told once, whoever runs this and however often.
 *
 * `SKIP LOCKED`: a payment whose row is locked right now (its user is sending a
 * receipt, an admin is reviewing it, another runner is expiring it) is left to
 * that transaction and looked at again next time. A receipt that comes in after
 * the deadline expires the payment itself (src/payments/card-payments.ts
 * submitReceipt), and the bot answers the user there.
 *
 * Returns how many payments expired per tenant (for botfleet_payments_total).
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export const fleetExpireCardPayments = Effect.fn("fleetExpireCardPayments")(function* (options: {
  readonly limit: number
  readonly graceSeconds: number
}) {
  const sql = yield* SqlClient.SqlClient
  return yield* sql<{ botId: number; expired: number }>`
      WITH due AS (
        SELECT id FROM card_to_card_payments
        WHERE status = 'pending' AND receipt_submitted_at IS NULL
          AND expires_at <= now() - make_interval(secs => ${options.graceSeconds}::int)
        ORDER BY expires_at
        LIMIT ${options.limit}
        FOR UPDATE SKIP LOCKED
      ), expired AS (
        UPDATE card_to_card_payments p SET status = 'expired'
        FROM due
        WHERE p.id = due.id AND p.status = 'pending' AND p.receipt_submitted_at IS NULL
        RETURNING p.id, p.bot_id, p.user_id
      ), told AS (
        INSERT INTO job_notices (bot_id, kind, subject_id, user_id)
        SELECT bot_id, 'card_payment_expired', id, user_id FROM expired
      )
      SELECT bot_id, count(*)::int AS expired FROM expired GROUP BY bot_id`
})
