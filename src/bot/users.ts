/**
 * The end user of a tenant bot, one row per (telegram_id, bot_id): the same
 * person in two shops is two users with two wallets.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import type { User } from "grammy/types"

export interface TenantUser {
  readonly id: number
  readonly botId: number
  readonly telegramId: number
  readonly username: string | null
  readonly firstName: string | null
  readonly language: "fa" | "en" | "ru" | null
  readonly balance: number
  readonly startPayload: string | null
}

/** Inserts or refreshes the user; runs inside the update's tenant transaction. */
export const upsertUser = (botId: number, from: User) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<TenantUser>`
      INSERT INTO users (bot_id, telegram_id, username, first_name, last_name)
      VALUES (${botId}, ${from.id}, ${from.username ?? null}, ${from.first_name}, ${from.last_name ?? null})
      ON CONFLICT (telegram_id, bot_id) DO UPDATE
        SET username = EXCLUDED.username, first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name,
            last_seen_at = now()
      RETURNING id, bot_id, telegram_id, username, first_name, language, balance, start_payload`
    return rows[0]!
  })

/** Keeps the `/start` deep-link payload of the user's first visit. */
export const recordStartPayload = (botId: number, userId: number, payload: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`UPDATE users SET start_payload = ${payload.slice(0, 64)}
      WHERE bot_id = ${botId} AND id = ${userId} AND start_payload IS NULL`
  })
