/**
 * The broadcasts and their recipients (migrations/023): every statement on the
 * two tables. Each runs in the tenant transaction its caller opened (`withTenant`,
 * an update's `ctx.run`); the fleet-wide claim of a due broadcast is the leased
 * queue's (src/outbox/broadcast-queue.ts).
 *
 * A recipient row is written for every customer of the segment when the broadcast
 * is confirmed, so the audience is the segment at that moment and a worker only
 * walks rows: pending → sending (committed before the request) → sent | blocked |
 * failed, or unknown when its worker died mid-send (never sent again).
 */
import { Effect, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { Statement } from "effect/sql"
import type { Language } from "./tenant-cache.ts"

export const Segment = Schema.Literals(["all", "active", "expired", "never_bought", "trial"])
export type Segment = typeof Segment.Type
export const SEGMENTS: ReadonlyArray<Segment> = Segment.literals

export type BroadcastButton =
  | { readonly kind: "url"; readonly text: string; readonly url: string }
  /** Opens the shop's menu; labelled in each customer's language. */
  | { readonly kind: "menu" }

/** What every recipient gets. */
export interface BroadcastContent {
  /** The text, or the photo's caption. */
  readonly text: string
  /** Telegram message entities of a text composed in the bot (formatting kept as the admin wrote it). */
  readonly entities: ReadonlyArray<Record<string, unknown>> | null
  /** A Telegram file_id or an https URL. */
  readonly photo: string | null
  readonly button: BroadcastButton | null
}

export type BroadcastState = "pending" | "done" | "failed" | "cancelled"

export interface BroadcastCounts {
  readonly total: number
  readonly pending: number
  readonly sent: number
  readonly blocked: number
  readonly failed: number
  /** In flight when a worker died: maybe delivered, never sent again. */
  readonly unknown: number
}

export interface BroadcastSummary extends BroadcastCounts {
  readonly id: number
  readonly segment: Segment
  readonly state: BroadcastState
  readonly createdBy: string
  readonly createdAt: Date
  readonly doneAt: Date | null
  readonly lastError: string | null
}

export interface BroadcastForSending {
  readonly id: number
  readonly state: BroadcastState
  readonly content: BroadcastContent
  readonly progressChatId: number | null
  readonly progressMessageId: number | null
  readonly progressLanguage: Language | null
}

/** The customers of a segment, over `users u` (one subscription row per customer). */
const segmentFilter = (sql: SqlClient.SqlClient, segment: Segment): Statement.Fragment => {
  // Bought: a plan was sold to them (a trial has no plan; a converted trial gets one).
  const bought = sql`EXISTS (SELECT 1 FROM subscriptions s WHERE s.bot_id = u.bot_id AND s.user_id = u.id
    AND (s.plan_id IS NOT NULL OR (s.status <> 'trial' AND u.trial_started_at IS NULL)))`
  switch (segment) {
    case "all":
      return sql`TRUE`
    case "active":
      return sql`EXISTS (SELECT 1 FROM subscriptions s WHERE s.bot_id = u.bot_id AND s.user_id = u.id
        AND s.status = 'active' AND s.expires_at > now())`
    case "expired":
      return sql`${bought} AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.bot_id = u.bot_id AND s.user_id = u.id
        AND s.status IN ('active', 'trial') AND s.expires_at > now())`
    case "never_bought":
      return sql`NOT ${bought}`
    case "trial":
      return sql`u.trial_started_at IS NOT NULL AND NOT ${bought}`
  }
}

/** How many customers a segment has now, and how many of them blocked the bot (they are skipped). */
export const segmentSize = Effect.fn("segmentSize")(function* (botId: number, segment: Segment) {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ total: number; blocked: number }>`
    SELECT count(*)::integer AS total, count(*) FILTER (WHERE u.is_blocked)::integer AS blocked
    FROM users u WHERE u.bot_id = ${botId} AND ${segmentFilter(sql, segment)}`
  return row!
})

/**
 * The broadcast and one recipient row per customer of the segment, in the
 * caller's transaction; customers who blocked the bot are recorded blocked at
 * once. `undefined` when the bot already has a broadcast being sent.
 */
export const insertBroadcast = Effect.fn("insertBroadcast")(function* (
  botId: number,
  input: {
    readonly content: BroadcastContent
    readonly segment: Segment
    readonly createdBy: string
    readonly progressChatId: number | null
    readonly progressMessageId: number | null
    readonly progressLanguage: Language | null
  }
) {
  const sql = yield* SqlClient.SqlClient
  const { content } = input
  const [row] = yield* sql<{ id: number }>`
    INSERT INTO broadcasts (bot_id, segment, text, entities, photo, button_kind, button_text, button_url, created_by,
                            progress_chat_id, progress_message_id, progress_language)
    VALUES (${botId}, ${input.segment}, ${content.text},
            ${content.entities === null ? null : JSON.stringify(content.entities)}::jsonb, ${content.photo},
            ${content.button?.kind ?? null}, ${content.button?.kind === "url" ? content.button.text : null},
            ${content.button?.kind === "url" ? content.button.url : null}, ${input.createdBy},
            ${input.progressChatId}, ${input.progressMessageId}, ${input.progressLanguage})
    ON CONFLICT (bot_id) WHERE state = 'pending' DO NOTHING
    RETURNING id`
  if (row === undefined) return undefined
  yield* sql`
    INSERT INTO broadcast_recipients (broadcast_id, bot_id, user_id, state)
    SELECT ${row.id}, ${botId}, u.id, CASE WHEN u.is_blocked THEN 'blocked' ELSE 'pending' END
    FROM users u WHERE u.bot_id = ${botId} AND ${segmentFilter(sql, input.segment)}`
  return row.id
})

/** A broadcast with its recipients counted by state, in one pass over them (`b`: the broadcast). */
const SUMMARY = (sql: SqlClient.SqlClient) => sql`
  b.id, b.segment, b.state, b.created_by, b.created_at, b.done_at, b.last_error, c.*
  FROM broadcasts b CROSS JOIN LATERAL (
    SELECT count(*)::integer AS total,
           count(*) FILTER (WHERE r.state IN ('pending', 'sending'))::integer AS pending,
           count(*) FILTER (WHERE r.state = 'sent')::integer AS sent,
           count(*) FILTER (WHERE r.state = 'blocked')::integer AS blocked,
           count(*) FILTER (WHERE r.state = 'failed')::integer AS failed,
           count(*) FILTER (WHERE r.state = 'unknown')::integer AS unknown
    FROM broadcast_recipients r WHERE r.bot_id = b.bot_id AND r.broadcast_id = b.id) c`

export const broadcastSummary = Effect.fn("broadcastSummary")(function* (botId: number, id: number) {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<BroadcastSummary>`
    SELECT ${SUMMARY(sql)} WHERE b.bot_id = ${botId} AND b.id = ${id}`
  return row
})

/** The newest broadcasts first. */
export const listBroadcasts = Effect.fn("listBroadcasts")(function* (botId: number, limit: number) {
  const sql = yield* SqlClient.SqlClient
  return yield* sql<BroadcastSummary>`
    SELECT ${SUMMARY(sql)} WHERE b.bot_id = ${botId} ORDER BY b.id DESC LIMIT ${limit}`
})

/** Stops a broadcast being sent: true when it was; its unsent recipients stay unsent. */
export const cancelBroadcast = Effect.fn("cancelBroadcast")(function* (botId: number, id: number) {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql`
    UPDATE broadcasts SET state = 'cancelled', done_at = now(), locked_until = NULL
    WHERE bot_id = ${botId} AND id = ${id} AND state = 'pending' RETURNING id`
  return rows.length > 0
})

interface ContentRow {
  readonly id: number
  readonly state: BroadcastState
  readonly text: string
  readonly entitiesJson: string | null
  readonly photo: string | null
  readonly buttonKind: "url" | "menu" | null
  readonly buttonText: string | null
  readonly buttonUrl: string | null
  readonly progressChatId: number | null
  readonly progressMessageId: number | null
  readonly progressLanguage: Language | null
}

export const broadcastForSending = Effect.fn("broadcastForSending")(function* (botId: number, id: number) {
  const sql = yield* SqlClient.SqlClient
  // JSON read as text: the client's name transform must not touch the entities' keys.
  const [row] = yield* sql<ContentRow>`
    SELECT id, state, text, entities::text AS entities_json, photo, button_kind, button_text, button_url,
           progress_chat_id, progress_message_id, progress_language
    FROM broadcasts WHERE bot_id = ${botId} AND id = ${id}`
  if (row === undefined) return undefined
  const button: BroadcastButton | null =
    row.buttonKind === "url"
      ? { kind: "url", text: row.buttonText!, url: row.buttonUrl! }
      : row.buttonKind === "menu"
        ? { kind: "menu" }
        : null
  return {
    id: row.id,
    state: row.state,
    content: {
      text: row.text,
      entities: row.entitiesJson === null ? null : JSON.parse(row.entitiesJson),
      photo: row.photo,
      button
    },
    progressChatId: row.progressChatId,
    progressMessageId: row.progressMessageId,
    progressLanguage: row.progressLanguage
  } satisfies BroadcastForSending
})

// ---------------------------------------------------------------- the sending worker's statements

/**
 * Recipients a previous holder left in flight (it died mid-send): recorded
 * unknown, never sent again. Only the lease holder marks rows 'sending', so
 * right after a claim every such row is a dead holder's.
 */
export const settleInFlight = Effect.fn("settleInFlight")(function* (botId: number, id: number) {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql`
    UPDATE broadcast_recipients SET state = 'unknown', error = 'in flight when its worker stopped'
    WHERE bot_id = ${botId} AND broadcast_id = ${id} AND state = 'sending' RETURNING user_id`
  return rows.length
})

export interface RecipientToSend {
  readonly userId: number
  readonly telegramId: number
  readonly language: Language | null
}

/** Still sending: the lease runs on. False when `claimedBy` no longer holds it (cancelled, done, taken over). */
export const renewBroadcastLease = Effect.fn("renewBroadcastLease")(function* (
  botId: number,
  id: number,
  claimedBy: string,
  leaseSeconds: number
) {
  const sql = yield* SqlClient.SqlClient
  const held = yield* sql`
    UPDATE broadcasts SET locked_until = now() + make_interval(secs => ${leaseSeconds}::int)
    WHERE bot_id = ${botId} AND id = ${id} AND state = 'pending' AND claimed_by = ${claimedBy}
    RETURNING id`
  return held.length > 0
})

/** Recipients marked sending whose send never started (the worker is stopping): pending again. */
export const releaseRecipients = Effect.fn("releaseRecipients")(function* (
  botId: number,
  id: number,
  userIds: ReadonlyArray<number>
) {
  if (userIds.length === 0) return
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    UPDATE broadcast_recipients SET state = 'pending'
    WHERE bot_id = ${botId} AND broadcast_id = ${id} AND state = 'sending'
      AND user_id = ANY(${userIds}::bigint[])`
})

/**
 * The next `limit` pending recipients, marked sending — only while `claimedBy`
 * still holds the broadcast (its lease renewed by the same statement); undefined
 * when it does not (cancelled, taken over). Customers who blocked the bot since
 * the broadcast was confirmed are recorded blocked instead.
 */
export const takeRecipients = Effect.fn("takeRecipients")(function* (
  botId: number,
  id: number,
  claimedBy: string,
  limit: number,
  leaseSeconds: number
) {
  const sql = yield* SqlClient.SqlClient
  if (!(yield* renewBroadcastLease(botId, id, claimedBy, leaseSeconds))) return undefined
  const rows = yield* sql<RecipientToSend & { readonly isBlocked: boolean }>`
    WITH next AS (
      SELECT r.user_id FROM broadcast_recipients r
      WHERE r.bot_id = ${botId} AND r.broadcast_id = ${id} AND r.state = 'pending'
      ORDER BY r.user_id LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    UPDATE broadcast_recipients r
    SET state = CASE WHEN u.is_blocked THEN 'blocked' ELSE 'sending' END
    FROM next, users u
    WHERE r.bot_id = ${botId} AND r.broadcast_id = ${id} AND r.user_id = next.user_id
      AND u.bot_id = ${botId} AND u.id = r.user_id
    RETURNING r.user_id, u.telegram_id, u.language, u.is_blocked`
  return rows.filter((r) => !r.isBlocked).map(({ userId, telegramId, language }) => ({ userId, telegramId, language }))
})

export type RecipientOutcome = "sent" | "blocked" | "failed" | "unknown" | "pending"

export interface RecipientResult {
  readonly userId: number
  readonly outcome: RecipientOutcome
  readonly error: string | null
}

/**
 * What became of a window of sends, in one statement ('pending': Telegram did
 * not take it, to be sent again; 'unknown': maybe delivered, never sent again).
 */
export const recordRecipients = Effect.fn("recordRecipients")(function* (
  botId: number,
  id: number,
  results: ReadonlyArray<RecipientResult>
) {
  if (results.length === 0) return
  const sql = yield* SqlClient.SqlClient
  // 'unknown' too: a holder that lost its lease mid-send still knows best what it sent.
  yield* sql`
    UPDATE broadcast_recipients r
    SET state = v.state, error = NULLIF(v.error, ''), sent_at = CASE WHEN v.state = 'sent' THEN now() END
    FROM unnest(${results.map((r) => r.userId)}::bigint[], ${results.map((r) => r.outcome)}::text[],
                ${results.map((r) => (r.error ?? "").slice(0, 500))}::text[]) AS v(user_id, state, error)
    WHERE r.bot_id = ${botId} AND r.broadcast_id = ${id} AND r.user_id = v.user_id AND r.state IN ('sending', 'unknown')`
})

/** Every recipient had its turn: the broadcast is done (unless cancelled meanwhile). */
export const finishBroadcast = Effect.fn("finishBroadcast")(function* (botId: number, id: number, claimedBy: string) {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql`
    UPDATE broadcasts SET state = 'done', done_at = now(), locked_until = NULL
    WHERE bot_id = ${botId} AND id = ${id} AND state = 'pending' AND claimed_by = ${claimedBy}
      AND NOT EXISTS (SELECT 1 FROM broadcast_recipients r
                      WHERE r.bot_id = ${botId} AND r.broadcast_id = ${id} AND r.state IN ('pending', 'sending'))
    RETURNING id`
  return rows.length > 0
})
