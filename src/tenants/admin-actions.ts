/**
 * The admin_actions table (migrations/024): the audit of every change a
 * tenant's admin made to a customer, with who and when. Written in the
 * transaction of the change itself (src/shop/customer-admin.ts), so an action
 * and its record commit together or not at all; read for the customer's card.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export type AdminActionKind = "wallet_credit" | "wallet_debit" | "subscription_days" | "grant_plan" | "ban" | "unban"

/** Who acted: an admin in the bot, or a caller of the REST API (whose token: the tenant's own or the master's). */
export type AdminActor =
  | { readonly _tag: "Telegram"; readonly telegramId: number }
  | { readonly _tag: "Api"; readonly token: "tenant" | "master" }

/** The actor as one word, for the ledger's reference and the ban's `banned_by`. */
export const actorLabel = (actor: AdminActor) =>
  actor._tag === "Telegram" ? `admin:${actor.telegramId}` : `api:${actor.token}`

export interface AdminAction {
  readonly id: number
  readonly kind: AdminActionKind
  readonly adminTelegramId: number | null
  readonly apiToken: "tenant" | "master" | null
  readonly details: Record<string, unknown>
  readonly createdAt: Date
}

export const recordAdminAction = Effect.fn("recordAdminAction")(function* (
  botId: number,
  action: {
    /** An id reserved with nextval beforehand (a grant keys the tenant's charge by it); else the next one. */
    readonly id?: number
    readonly userId: number
    readonly kind: AdminActionKind
    readonly actor: AdminActor
    readonly details: Record<string, unknown>
  }
) {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ id: number }>`
    INSERT INTO admin_actions (id, bot_id, user_id, kind, admin_telegram_id, api_token, details)
    VALUES (COALESCE(${action.id ?? null}::bigint, nextval('admin_actions_id_seq')), ${botId}, ${action.userId}, ${action.kind},
            ${action.actor._tag === "Telegram" ? action.actor.telegramId : null},
            ${action.actor._tag === "Api" ? action.actor.token : null}, ${JSON.stringify(action.details)}::jsonb)
    RETURNING id`
  return row!.id
})

/** The customer's latest actions, newest first. */
export const recentAdminActions = Effect.fn("recentAdminActions")(function* (
  botId: number,
  userId: number,
  limit: number
) {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<Omit<AdminAction, "details"> & { detailsJson: string }>`
    SELECT id, kind, admin_telegram_id, api_token, details::text AS details_json, created_at FROM admin_actions
    WHERE bot_id = ${botId} AND user_id = ${userId} ORDER BY id DESC LIMIT ${limit}`
  return rows.map(({ detailsJson, ...row }): AdminAction => ({ ...row, details: JSON.parse(detailsJson) }))
})

/** A new action id, for an action that must name itself before its row is written (recordAdminAction's `id`). */
export const reserveAdminActionId = Effect.fn("reserveAdminActionId")(function* () {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ id: number }>`SELECT nextval('admin_actions_id_seq')::bigint AS id`
  return row!.id
})

/** The id of the customer's latest action (0: none): what a card's buttons were drawn after. */
export const lastAdminActionId = Effect.fn("lastAdminActionId")(function* (botId: number, userId: number) {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ id: number | null }>`
    SELECT max(id) AS id FROM admin_actions WHERE bot_id = ${botId} AND user_id = ${userId}`
  return row?.id ?? 0
})
