/**
 * expired → pending for a ZarinPal payment that ZarinPal reports paid after we
 * expired it (the user finished at the bank after the deadline), so the shop's
 * own pending → paid step (markZarinpalPaid) can credit it in the same
 * transaction. Never on its own: a reopened payment that is not credited in
 * that transaction rolls back with it. Returns whether it was expired.
 * `reopenCancelledZarinpalPayment` does the same for a cancelled one
 * (reconciliation: a forged or mistaken NOK cancelled a payment ZarinPal holds
 * as paid).
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export const reopenExpiredZarinpalPayment = Effect.fn("reopenExpiredZarinpalPayment")(function* (
  botId: number,
  paymentId: number
) {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql`
      UPDATE zarinpal_payments SET status = 'pending'
      WHERE bot_id = ${botId} AND id = ${paymentId} AND status = 'expired'
      RETURNING id`
  return rows.length > 0
})

export const reopenCancelledZarinpalPayment = Effect.fn("reopenCancelledZarinpalPayment")(function* (
  botId: number,
  paymentId: number
) {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql`
      UPDATE zarinpal_payments SET status = 'pending'
      WHERE bot_id = ${botId} AND id = ${paymentId} AND status = 'cancelled'
      RETURNING id`
  return rows.length > 0
})
