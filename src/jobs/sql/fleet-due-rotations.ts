/**
 * Tenants whose time_based card rotation is due at `now`, fleet-wide (the
 * connecting role: the scan crosses tenants; each rotation then runs in its
 * tenant's transaction, rotate-tenant-card.ts). A tenant's strategy is that of
 * its first active card (as src/payments/card-rotation.ts reads it); only
 * tenants with two or more active cards can rotate. Due: no active card is
 * current, the current card's turn was never stamped, or its
 * `rotation_interval_minutes` (default 60) have passed since `last_rotated_at`.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export const fleetDueRotations = Effect.fn("fleetDueRotations")(function* (now: Date) {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ botId: number }>`
    WITH active AS (
      SELECT bot_id, id, rotation_strategy, rotation_interval_minutes, is_current, last_rotated_at,
             row_number() OVER (PARTITION BY bot_id ORDER BY id) AS position,
             count(*) OVER (PARTITION BY bot_id) AS cards
      FROM tenant_payment_cards
      WHERE is_active
    )
    -- f: the tenant's first active card (its strategy); c: its current card, if any.
    SELECT DISTINCT f.bot_id
    FROM active f
    LEFT JOIN active c ON c.bot_id = f.bot_id AND c.is_current
    WHERE f.position = 1 AND f.rotation_strategy = 'time_based' AND f.cards >= 2
      AND (c.id IS NULL OR c.last_rotated_at IS NULL
           OR c.last_rotated_at + make_interval(mins => COALESCE(c.rotation_interval_minutes, 60)) <= ${now})
    ORDER BY f.bot_id`
  return rows.map((r) => r.botId)
})
