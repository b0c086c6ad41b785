/**
 * Pending ZarinPal payments past their TTL (`expires_at`), oldest first, across
 * every tenant. Only ids: each is then verified and settled in its tenant's
 * transaction, under the shop's row lock and status check.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export const fleetDueZarinpalPayments = Effect.fn("fleetDueZarinpalPayments")(function* (limit: number) {
  const sql = yield* SqlClient.SqlClient
  return yield* sql<{ id: number; botId: number }>`
    SELECT id, bot_id FROM zarinpal_payments
    WHERE status = 'pending' AND expires_at <= now()
    ORDER BY expires_at
    LIMIT ${limit}`
})
