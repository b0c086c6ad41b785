/**
 * Receipts that wait for an admin past their payment's deadline: a payment
 * with a receipt is never expired (the user may have paid), so its tenant's
 * admins are reminded instead — at most once per `intervalMinutes` per payment
 * (`reminded_at`). In ONE statement across every tenant: the payments are
 * stamped and one reminder notice per tenant is queued listing them, so a
 * re-run finds them stamped and queues nothing twice.
 *
 * Returns the tenants reminded and how many receipts each reminder lists.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export const fleetRemindReceipts = Effect.fn("fleetRemindReceipts")(function* (options: {
  readonly limit: number
  readonly intervalMinutes: number
}) {
  const sql = yield* SqlClient.SqlClient
  return yield* sql<{ botId: number; receipts: number }>`
      WITH due AS (
        SELECT id FROM card_to_card_payments
        WHERE status = 'pending' AND receipt_submitted_at IS NOT NULL AND expires_at <= now()
          AND (reminded_at IS NULL OR reminded_at <= now() - make_interval(mins => ${options.intervalMinutes}::int))
        ORDER BY expires_at
        LIMIT ${options.limit}
        FOR UPDATE SKIP LOCKED
      ), stamped AS (
        UPDATE card_to_card_payments p SET reminded_at = now()
        FROM due
        WHERE p.id = due.id AND p.status = 'pending'
        RETURNING p.id, p.bot_id
      )
      INSERT INTO job_notices (bot_id, kind, payload)
      SELECT bot_id, 'receipt_reminder', jsonb_build_object('paymentIds', jsonb_agg(id ORDER BY id))
      FROM stamped GROUP BY bot_id
      RETURNING bot_id, jsonb_array_length(payload -> 'paymentIds') AS receipts`
})
