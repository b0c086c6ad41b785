/**
 * The durable update inbox (migrations/010): every update is stored here before
 * Telegram is told it arrived, and leaves in the statement that commits its
 * `processed_updates` mark (src/db/tenant.ts). These are the inbox's own
 * statements; they run as the supervisor (the rows are bookkeeping, not tenant
 * data), each bound to one bot id.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import type { Update } from "grammy/types"

/**
 * Stores a batch of updates (one statement) and returns the ids that are new:
 * neither stored already (in flight here or on another runner) nor handled
 * before (a mark within the redelivery window). Only those are to be handled;
 * Telegram sends an update again until a later offset confirms it, and a webhook
 * may be retried after its update was stored.
 */
export const storeUpdates = (botId: number, updates: ReadonlyArray<Update>) =>
  Effect.gen(function* () {
    if (updates.length === 0) return new Set<number>()
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ updateId: number }>`
      INSERT INTO update_inbox (bot_id, update_id, payload)
      SELECT ${botId}, (u ->> 'update_id')::bigint, u
      FROM jsonb_array_elements(${JSON.stringify(updates)}::jsonb) AS u
      WHERE NOT EXISTS (
        SELECT 1 FROM processed_updates p
        WHERE p.bot_id = ${botId} AND p.update_id = (u ->> 'update_id')::bigint)
      ON CONFLICT DO NOTHING
      RETURNING update_id`
    return new Set(rows.map((r) => r.updateId))
  })

/** Stored updates of one bot not handled yet, oldest first: what a new owner (or a restart) starts with. */
export const unfinishedUpdates = (botId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ payload: string }>`
      SELECT payload::text AS payload FROM update_inbox WHERE bot_id = ${botId} ORDER BY update_id`
    return rows.map((r) => JSON.parse(r.payload) as Update)
  })
