/**
 * pending → expired for one ZarinPal payment, inside its tenant's transaction;
 * one guarded statement (a callback or another runner that settled it first
 * wins, and this changes nothing). Returns the payment's user when it expired.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export const expireZarinpalPayment = Effect.fn("expireZarinpalPayment")(function* (botId: number, paymentId: number) {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ userId: number }>`
    UPDATE zarinpal_payments SET status = 'expired'
    WHERE bot_id = ${botId} AND id = ${paymentId} AND status = 'pending'
    RETURNING user_id`
  return row
})
