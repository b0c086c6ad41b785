/**
 * What each bot's webhook was last set to, in its runtime status row: a bucket's
 * new owner finds the webhook already in place and calls nothing (a hand-over of
 * thousands of webhook bots costs Telegram no request).
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { sha256Hex } from "../tenants/tokens.ts"

/** Identifies a webhook setting without holding its secret. */
export const webhookSetting = (url: string, secret: string): string => sha256Hex(`${url}\n${secret}`).slice(0, 32)

export const recordedWebhook = (botId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ webhookSet: string | null }>`
      SELECT webhook_set FROM bot_runtime_status WHERE bot_id = ${botId}`
    return rows[0]?.webhookSet ?? null
  })

/** Records the webhook now set (or null: deleted). The status row may not exist yet. */
export const recordWebhook = (botId: number, setting: string | null) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`
      INSERT INTO bot_runtime_status (bot_id, state, webhook_set) VALUES (${botId}, 'starting', ${setting})
      ON CONFLICT (bot_id) DO UPDATE SET webhook_set = EXCLUDED.webhook_set`
  })
