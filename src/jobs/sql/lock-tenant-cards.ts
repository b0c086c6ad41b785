/**
 * Every card of one tenant, locked, in id order (inside the tenant's
 * transaction). The lock makes a rotation that is re-run — a tick repeated
 * after its runner died, a slow run overlapping the next owner's — wait and
 * then see the first one's result, so it decides "not due" instead of
 * advancing twice.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import type { RotationStrategy } from "../../tenants/payment-cards.ts"

export interface RotationCard {
  readonly id: number
  readonly isActive: boolean
  readonly isCurrent: boolean
  readonly rotationStrategy: RotationStrategy
  readonly rotationIntervalMinutes: number | null
  readonly lastRotatedAt: Date | null
}

export const lockTenantCards = Effect.fn("lockTenantCards")(function* (botId: number) {
  const sql = yield* SqlClient.SqlClient
  return yield* sql<RotationCard>`
    SELECT id, is_active, is_current, rotation_strategy, rotation_interval_minutes, last_rotated_at
    FROM tenant_payment_cards
    WHERE bot_id = ${botId}
    ORDER BY id
    FOR UPDATE`
})
