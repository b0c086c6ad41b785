/**
 * A rotation step, inside the tenant's transaction (cards locked): `cardId`
 * becomes the one current card, its turn starts at `now`, and every card's
 * `current_usage_count` starts again from 0 — the count is "approved uses
 * since the last rotation" (DESIGN.md §4: the rotation job resets usage
 * counters). Lifetime success and failure counts are kept.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export const makeCardCurrent = Effect.fn("makeCardCurrent")(function* (botId: number, cardId: number, now: Date) {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    UPDATE tenant_payment_cards
    SET is_current = (id = ${cardId}),
        last_rotated_at = CASE WHEN id = ${cardId} THEN ${now} ELSE last_rotated_at END,
        current_usage_count = 0
    WHERE bot_id = ${botId}`
})
