/** The user a notice is for: their Telegram chat and language (inside the tenant's transaction). */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import type { Language } from "./tenant-cache.ts"

export interface NoticeRecipient {
  readonly telegramId: number
  readonly language: Language | null
}

export const noticeRecipient = Effect.fn("noticeRecipient")(function* (botId: number, userId: number) {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<NoticeRecipient>`
    SELECT telegram_id, language FROM users WHERE bot_id = ${botId} AND id = ${userId}`
  return row
})
