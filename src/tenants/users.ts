/**
 * The end user of a tenant bot, one row per (telegram_id, bot_id): the same
 * person in two shops is two users with two wallets.
 *
 * The users table's statements: each runs in the transaction its caller has
 * open (an update's `ctx.run`, or `withTenant`), so the shop, the outbox, the
 * jobs and the API share them. Not here: the wallet's balance changes
 * (src/payments/wallet.ts, with their ledger rows), and reports that count users
 * beside other tables (the admin panel's day, fleet administration).
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import type { User } from "grammy/types"
import type { Language } from "./tenant-cache.ts"

export interface TenantUser {
  readonly id: number
  readonly botId: number
  readonly telegramId: number
  readonly username: string | null
  readonly firstName: string | null
  readonly language: "fa" | "en" | "ru" | null
  readonly balance: number
  readonly startPayload: string | null
  /** Never took the trial and never had a subscription here (the trial's own rule, src/shop/trial.ts). */
  readonly trialEligible: boolean
  /** The shop banned this customer (src/shop/customer-admin.ts); not the same as blocking the bot. */
  readonly banned: boolean
}

/**
 * Inserts or refreshes the user; runs inside the update's tenant transaction.
 * Anything a user sends means they can be written to again (a user who blocked
 * the bot and writes has unblocked it), except the update that tells of the
 * block itself (`blockedTheBot`: their my_chat_member became "kicked").
 */
export const upsertUser = (botId: number, from: User, blockedTheBot = false) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<TenantUser>`
      INSERT INTO users (bot_id, telegram_id, username, first_name, last_name, is_blocked, blocked_at)
      VALUES (${botId}, ${from.id}, ${from.username ?? null}, ${from.first_name}, ${from.last_name ?? null},
              ${blockedTheBot}, ${blockedTheBot ? new Date() : null})
      ON CONFLICT (telegram_id, bot_id) DO UPDATE
        SET username = EXCLUDED.username, first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name,
            last_seen_at = now(), is_blocked = EXCLUDED.is_blocked,
            blocked_at = CASE WHEN EXCLUDED.is_blocked THEN COALESCE(users.blocked_at, now()) END
      RETURNING id, bot_id, telegram_id, username, first_name, language, balance, start_payload,
                (trial_started_at IS NULL AND NOT EXISTS (
                   SELECT 1 FROM subscriptions s WHERE s.bot_id = users.bot_id AND s.user_id = users.id)) AS trial_eligible,
                banned_at IS NOT NULL AS banned`
    return rows[0]!
  })

/**
 * Telegram refused a send to this user for good (they blocked the bot, or their
 * account is gone): nothing more is sent to them until they write again. Runs in
 * the tenant's transaction; a user this tenant never saw is left alone.
 */
export const markUnreachable = (botId: number, telegramId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`UPDATE users SET is_blocked = true, blocked_at = now()
      WHERE bot_id = ${botId} AND telegram_id = ${telegramId} AND NOT is_blocked`
  })

/**
 * Whether sends to this user are to be skipped: they blocked the bot, or the
 * shop banned them (after their one refusal, a banned customer gets no notice,
 * reminder or link either). Runs in the tenant's transaction.
 */
export const isUnreachable = (botId: number, telegramId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ skip: boolean }>`
      SELECT is_blocked OR banned_at IS NOT NULL AS skip FROM users WHERE bot_id = ${botId} AND telegram_id = ${telegramId}`
    return rows[0]?.skip ?? false
  })

/** Keeps the `/start` deep-link payload of the user's first visit. */
export const recordStartPayload = (botId: number, userId: number, payload: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`UPDATE users SET start_payload = ${payload.slice(0, 64)}
      WHERE bot_id = ${botId} AND id = ${userId} AND start_payload IS NULL`
  })

/** The language the user chose (the shop's language menu). */
export const setLanguage = (botId: number, userId: number, language: Language) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`UPDATE users SET language = ${language} WHERE bot_id = ${botId} AND id = ${userId}`
  })

/** Who to write to about a user's payment or notice: their Telegram chat and language. */
export interface UserContact {
  readonly userId: number
  readonly telegramId: number
  readonly language: Language | null
}

export const userContact = Effect.fn("userContact")(function* (botId: number, userId: number) {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<UserContact>`
    SELECT id AS user_id, telegram_id, language FROM users WHERE bot_id = ${botId} AND id = ${userId}`
  return row
})

/**
 * The customer an admin names: a Telegram id, or a username (with or without
 * the @, any case). Exact matches only; a username shared by several rows (one
 * renamed since) gives the most recently seen.
 */
export const findCustomer = Effect.fn("findCustomer")(function* (botId: number, text: string) {
  const sql = yield* SqlClient.SqlClient
  const needle = text.trim()
  const telegramId = /^[0-9]{1,15}$/.test(needle) ? Number(needle) : null
  const username = /^@?[A-Za-z0-9_]{3,32}$/.test(needle) ? needle.replace(/^@/, "") : null
  if (telegramId === null && username === null) return undefined
  const [row] = yield* sql<{ id: number }>`
    SELECT id FROM users
    WHERE bot_id = ${botId} AND (telegram_id = ${telegramId}::bigint OR lower(username) = lower(${username}::text))
    ORDER BY (telegram_id = ${telegramId}::bigint) DESC NULLS LAST, last_seen_at DESC LIMIT 1`
  return row?.id
})

/**
 * Bans (with who did it) or unbans the customer; false when they already were
 * in that state. An unban forgets the refusal they got, so a later ban refuses once again.
 */
export const setBanned = Effect.fn("setBanned")(function* (
  botId: number,
  userId: number,
  ban: { readonly banned: true; readonly by: string } | { readonly banned: false }
) {
  const sql = yield* SqlClient.SqlClient
  const rows = ban.banned
    ? yield* sql`UPDATE users SET banned_at = now(), banned_by = ${ban.by}, ban_notice_at = NULL
        WHERE bot_id = ${botId} AND id = ${userId} AND banned_at IS NULL RETURNING id`
    : yield* sql`UPDATE users SET banned_at = NULL, banned_by = NULL, ban_notice_at = NULL
        WHERE bot_id = ${botId} AND id = ${userId} AND banned_at IS NOT NULL RETURNING id`
  return rows.length > 0
})

/**
 * The banned customer's one refusal: true the first time it is claimed after
 * the ban (one UPDATE, so a burst of messages or a replay claims it once).
 */
export const claimBanNotice = Effect.fn("claimBanNotice")(function* (botId: number, userId: number) {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql`UPDATE users SET ban_notice_at = now()
    WHERE bot_id = ${botId} AND id = ${userId} AND banned_at IS NOT NULL AND ban_notice_at IS NULL RETURNING id`
  return rows.length > 0
})

/** A user as the API lists them. */
export interface UserRow {
  readonly id: number
  readonly telegramId: number
  readonly username: string | null
  readonly firstName: string | null
  readonly lastName: string | null
  readonly language: string | null
  readonly balance: number
  readonly isBlocked: boolean
  /** When the shop banned them (null: not banned), and who did (`admin:<telegram id>`, `api:tenant`, `api:master`). */
  readonly bannedAt: Date | null
  readonly bannedBy: string | null
  readonly createdAt: Date
  readonly lastSeenAt: Date
}

const USER_ROW =
  "id, telegram_id, username, first_name, last_name, language, balance, is_blocked, banned_at, banned_by, created_at, last_seen_at"

const likePattern = (search: string) => `%${search.replace(/[\\%_]/g, "\\$&")}%`

/**
 * One page of the tenant's users, newest first, with the total: `search` matches
 * the username or names (substring, any case) or is a Telegram id.
 */
export const listUsers = (
  botId: number,
  search: string | undefined,
  page: { readonly limit: number; readonly offset: number }
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const pattern = search === undefined ? null : likePattern(search)
    const telegramId = search !== undefined && /^[0-9]{1,15}$/.test(search) ? Number(search) : null
    const where = sql`bot_id = ${botId} AND (${pattern}::text IS NULL
            OR username ILIKE ${pattern} OR first_name ILIKE ${pattern} OR last_name ILIKE ${pattern}
            OR telegram_id = ${telegramId}::bigint)`
    const items = yield* sql<UserRow>`
              SELECT ${sql.unsafe(USER_ROW)} FROM users WHERE ${where} ORDER BY id DESC LIMIT ${page.limit} OFFSET ${page.offset}`
    const [count] = yield* sql<{ total: number }>`SELECT count(*)::integer AS total FROM users WHERE ${where}`
    return { items, total: count!.total }
  })

export const userById = (botId: number, id: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<UserRow>`SELECT ${sql.unsafe(USER_ROW)} FROM users WHERE bot_id = ${botId} AND id = ${id}`
    return row
  })
