/**
 * A customer's latest payments, both methods in one list, for the admins'
 * customer card (src/shop/customer-admin.ts). Read only; runs in the caller's
 * tenant transaction.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export interface CustomerPayment {
  readonly method: "card_to_card" | "zarinpal"
  readonly id: number
  readonly status: string
  readonly amount: number
  /** The card payment's tracking number or the ZarinPal reference id, when there is one. */
  readonly reference: string | null
  readonly createdAt: Date
}

export const recentPaymentsOf = Effect.fn("recentPaymentsOf")(function* (botId: number, userId: number, limit: number) {
  const sql = yield* SqlClient.SqlClient
  return yield* sql<CustomerPayment>`
    SELECT * FROM (
      (SELECT 'card_to_card'::text AS method, id, status, amount, tracking_number AS reference, created_at
       FROM card_to_card_payments WHERE bot_id = ${botId} AND user_id = ${userId} ORDER BY created_at DESC LIMIT ${limit})
      UNION ALL
      (SELECT 'zarinpal'::text AS method, id, status, amount, zarinpal_ref_id AS reference, created_at
       FROM zarinpal_payments WHERE bot_id = ${botId} AND user_id = ${userId} ORDER BY created_at DESC LIMIT ${limit})
    ) p ORDER BY created_at DESC, id DESC LIMIT ${limit}`
})
