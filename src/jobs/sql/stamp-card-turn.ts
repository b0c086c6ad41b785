/**
 * Records when the current card's turn started, without advancing (a card made
 * current by hand, or before rotation ran, has no `last_rotated_at`): its
 * interval is counted from now. Inside the tenant's transaction.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export const stampCardTurn = Effect.fn("stampCardTurn")(function* (botId: number, cardId: number, now: Date) {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    UPDATE tenant_payment_cards SET last_rotated_at = ${now}
    WHERE bot_id = ${botId} AND id = ${cardId} AND last_rotated_at IS NULL`
})
