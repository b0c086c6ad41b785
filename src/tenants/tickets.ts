/**
 * Support tickets (tickets, ticket_messages): every statement on them that
 * the shop runs. They run in the caller's tenant transaction (an update's
 * `ctx.run`, or `withTenant`).
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

/** The user's open ticket (created when there is none), with this message recorded on it. */
export const recordUserMessage = (botId: number, userId: number, body: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [open] = yield* sql<{ id: number }>`
      SELECT id FROM tickets WHERE bot_id = ${botId} AND user_id = ${userId} AND status <> 'closed'
      ORDER BY id DESC LIMIT 1 FOR NO KEY UPDATE`
    const ticketId =
      open?.id ??
      (yield* sql<{ id: number }>`
      INSERT INTO tickets (bot_id, user_id, subject) VALUES (${botId}, ${userId}, ${body.slice(0, 100)}) RETURNING id`)[0]!
        .id
    yield* sql`UPDATE tickets SET status = 'open' WHERE bot_id = ${botId} AND id = ${ticketId}`
    return ticketId
  })

/** One message of a ticket; `adminMessage`: the admin-chat message it was copied to (a reply to it finds the ticket). */
export const recordMessage = (
  botId: number,
  ticketId: number,
  direction: "user" | "admin",
  body: string,
  adminMessage?: { readonly chatId: number; readonly messageId: number }
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`
      INSERT INTO ticket_messages (bot_id, ticket_id, direction, body, admin_chat_id, admin_message_id)
      VALUES (${botId}, ${ticketId}, ${direction}, ${body}, ${adminMessage?.chatId ?? null}, ${adminMessage?.messageId ?? null})
      ON CONFLICT DO NOTHING`
  })

/** The ticket (and its user) an admin-chat message belongs to, if any. */
export const ticketOfAdminMessage = (botId: number, chatId: number, messageId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{ ticketId: number; telegramId: number; language: "fa" | "en" | "ru" | null }>`
      SELECT m.ticket_id, u.telegram_id, u.language
      FROM ticket_messages m
      JOIN tickets t ON t.id = m.ticket_id AND t.bot_id = m.bot_id
      JOIN users u ON u.id = t.user_id AND u.bot_id = t.bot_id
      WHERE m.bot_id = ${botId} AND m.admin_chat_id = ${chatId} AND m.admin_message_id = ${messageId}`
    return row
  })

/** An admin's answer, recorded on its ticket, which becomes "answered". */
export const recordAdminAnswer = (botId: number, ticketId: number, body: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* recordMessage(botId, ticketId, "admin", body)
    yield* sql`UPDATE tickets SET status = 'answered' WHERE bot_id = ${botId} AND id = ${ticketId}`
  })
