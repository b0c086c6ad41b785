/**
 * The durable update inbox (migrations/010): every update is stored here before
 * Telegram is told it arrived, and leaves in the statement that commits its
 * `processed_updates` mark (src/db/tenant.ts). These are the inbox's own
 * statements; they run as the supervisor (the rows are bookkeeping, not tenant
 * data), each bound to one bot id.
 */
import { Effect, RequestResolver, Schema } from "effect"
import { SqlClient, SqlResolver } from "effect/sql"
import type { Update } from "grammy/types"

export const INBOX_CHANNEL = "botfleet_inbox"

/**
 * Stores a batch of updates (one statement) and returns the ids that are new:
 * neither stored already (in flight here or on another runner) nor handled
 * before (a mark within the redelivery window). Only those are to be handled;
 * Telegram sends an update again until a later offset confirms it, and a webhook
 * may be retried after its update was stored. `wake`: the owner of the bot's
 * bucket is told of new ones (NOTIFY, delivered at commit, whichever replica
 * owns it) — a webhook delivery, received anywhere.
 */
export const storeUpdates = (
  botId: number,
  updates: ReadonlyArray<Update>,
  options: { readonly wake?: boolean } = {}
) =>
  Effect.gen(function* () {
    if (updates.length === 0) return new Set<number>()
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ updateId: number }>`
      WITH stored AS (
        INSERT INTO update_inbox (bot_id, update_id, payload)
        SELECT ${botId}, (u ->> 'update_id')::bigint, u
        FROM jsonb_array_elements(${JSON.stringify(updates)}::jsonb) AS u
        WHERE NOT EXISTS (
          SELECT 1 FROM processed_updates p
          WHERE p.bot_id = ${botId} AND p.update_id = (u ->> 'update_id')::bigint)
        ON CONFLICT DO NOTHING
        RETURNING update_id)
      SELECT update_id, CASE WHEN ${options.wake === true} THEN pg_notify(${INBOX_CHANNEL}, ${String(botId)}) END
      FROM stored`
    return new Set(rows.map((r) => r.updateId))
  })

/** Bots with stored, unfinished updates, among `botIds` (the sweep behind lost notifications). */
export const botsWithUnfinished = (botIds: ReadonlyArray<number>) =>
  Effect.gen(function* () {
    if (botIds.length === 0) return []
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ botId: number }>`
      SELECT DISTINCT bot_id FROM update_inbox WHERE bot_id = ANY(${botIds}::bigint[])`
    return rows.map((r) => r.botId)
  })

const Unfinished = Schema.Struct({ botId: Schema.Number, updateId: Schema.Number, payload: Schema.String })

/**
 * Many bots start at once after a hand-over, and each first asks the inbox for
 * what it left: one statement per few milliseconds for all of them.
 */
const findUnfinished = SqlResolver.grouped({
  Request: Schema.Number,
  RequestGroupKey: (botId) => botId,
  Result: Unfinished,
  ResultGroupKey: (row) => row.botId,
  execute: (botIds) =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      return yield* sql`
        SELECT bot_id, update_id, payload::text AS payload FROM update_inbox
        WHERE bot_id = ANY(${botIds}::bigint[])`
    })
}).pipe(RequestResolver.setDelay("5 millis"))

/** Stored updates of one bot not handled yet, oldest first: what a new owner (or a restart) starts with. */
export const unfinishedUpdates = (botId: number) =>
  SqlResolver.request(botId, findUnfinished).pipe(
    Effect.map((rows) => [...rows].sort((a, b) => a.updateId - b.updateId).map((r) => JSON.parse(r.payload) as Update)),
    // A bot with nothing stored has no group at all.
    Effect.catchTag("NoSuchElementError", () => Effect.succeed([] as Array<Update>))
  )
