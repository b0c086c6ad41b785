/**
 * Every statement on the update-bookkeeping tables — the durable inbox
 * (`update_inbox`, migrations/010), the processed marks (`processed_updates`),
 * the crash-replay attempt counts (`update_attempts`) and the dead letters
 * (`dead_letter_updates`) — in one module:
 *
 * - every update is stored in the inbox before Telegram is told it arrived
 *   (`storeUpdates`), and leaves it in the statement that commits its mark
 *   (`withTenantUpdate`, `markProcessed`, `deadLetter`);
 * - the inbox statements run as the supervisor (the rows are bookkeeping, not
 *   tenant data), each bound to one bot id; the marks are written by the
 *   statement that scopes the update's tenant transaction.
 */
import { Effect, RequestResolver, Schema } from "effect"
import { SqlClient, SqlResolver } from "effect/sql"
import type { Update } from "grammy/types"
import { CurrentTenant, inTenantTransaction, TenantStatementTimeout, withTenant } from "./tenant.ts"

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

// ---------------------------------------------------------------- processed marks

/** What `withTenantUpdate` returns for an update whose mark was already committed. */
export const Duplicate: unique symbol = Symbol.for("botfleet/db/tenant/Duplicate")
export type Duplicate = typeof Duplicate

/**
 * The transaction of one Telegram update: like `withTenant`, and it first records
 * `(bot_id, update_id)` in `processed_updates` and takes the update out of the
 * inbox (below), so the mark and the update's completion commit
 * (or roll back) together with whatever `effect` writes. An update already
 * marked is not run again: the result is `Duplicate`.
 *
 * The scoping and the mark share one statement (one round trip fewer per
 * update). What that statement does and does not do under row-level security:
 *
 * - `set_config(…, true)` changes `app.bot_id` and the role for the rest of the
 *   transaction, exactly as `withTenant`'s own statement does; every later
 *   statement — all of `effect`, the tenant's handlers — runs as
 *   `botfleet_tenant` under the policies.
 * - This statement itself was planned and permission-checked before its
 *   `set_config` calls ran: PostgreSQL applies row-security policies when it
 *   rewrites/plans a statement and checks table privileges when the executor
 *   starts, both for the role current at that time (the connecting role), and a
 *   role change takes effect from the next statement on (plans cached for a
 *   role are re-checked when the role differs). So the one row it inserts is
 *   written with the connecting role's rights, as the fleet-wide supervisor
 *   work is: it is supervisor bookkeeping, not tenant code, and takes no tenant
 *   input — its `bot_id` is the very value just given to `app.bot_id`
 *   (`scope.bot_id`, one parameter), its `update_id` the number grammY parsed
 *   from Telegram. (The mark has no foreign key to `bots`: migrations/013.)
 * - The set_config calls sit in the FROM subquery whose outputs the INSERT uses,
 *   and the WHERE clause requires both results, so neither can be planned away
 *   and the row exists only if both settings took effect.
 *
 * test/supervisor/pipeline-scope.test.ts checks the resulting state: role,
 * setting, the mark's bot_id, and that another tenant's rows stay invisible.
 */
export const withTenantUpdate = <A, E, R>(botId: number, updateId: number, effect: Effect.Effect<A, E, R>) =>
  inTenantTransaction(
    botId,
    (sql) =>
      Effect.flatMap(
        TenantStatementTimeout,
        (timeout) => sql<{ updateId: number }>`
        WITH finished AS (DELETE FROM update_inbox WHERE bot_id = ${botId} AND update_id = ${updateId})
        INSERT INTO processed_updates (bot_id, update_id)
        SELECT scope.bot_id::bigint, ${updateId}
        FROM (SELECT set_config('app.bot_id', ${String(botId)}, true) AS bot_id,
                     set_config('role', 'botfleet_tenant', true) AS role,
                     set_config('statement_timeout', ${String(timeout)}, true) AS timeout) AS scope
        WHERE scope.role = 'botfleet_tenant' AND scope.bot_id IS NOT NULL AND scope.timeout IS NOT NULL
        ON CONFLICT DO NOTHING RETURNING update_id`
      ),
    (fresh): Effect.Effect<A | Duplicate, E, R> => (fresh.length === 0 ? Effect.succeed(Duplicate) : effect)
  )

/**
 * Records updates whose handlers wrote nothing to the database (so had no
 * transaction to carry the mark), and takes them out of the inbox: one statement, committed on its own, scoped
 * like `withTenantUpdate`'s first statement (same argument: the insert runs with
 * the rights the statement was planned with, the bot id is the one set in
 * `app.bot_id`, and the settings end with the statement's own transaction).
 * Call it outside any transaction.
 */
export const markProcessed = (botId: number, updateIds: ReadonlyArray<number>) =>
  Effect.flatMap(CurrentTenant, (current) =>
    current !== undefined
      ? Effect.die(new Error(`markProcessed(${botId}) inside withTenant(${current})`))
      : Effect.flatMap(SqlClient.SqlClient, (sql) =>
          sql`
          WITH finished AS (DELETE FROM update_inbox WHERE bot_id = ${botId} AND update_id = ANY(${updateIds}::bigint[]))
          INSERT INTO processed_updates (bot_id, update_id)
          SELECT scope.bot_id::bigint, id
          FROM (SELECT set_config('app.bot_id', ${String(botId)}, true) AS bot_id,
                       set_config('role', 'botfleet_tenant', true) AS role) AS scope,
               unnest(${updateIds}::bigint[]) AS id
          WHERE scope.role = 'botfleet_tenant' AND scope.bot_id IS NOT NULL
          ON CONFLICT DO NOTHING`.pipe(Effect.asVoid)
        )
  )

// ---------------------------------------------------------------- crash replays and dead letters

/**
 * Counts one more start of an update that was in flight when the process last
 * stopped (the crash-replay guard, src/supervisor/crash-replays.ts); returns
 * the count including this one.
 */
export const countAttempt = (botId: number, updateId: number) =>
  withTenant(
    botId,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const [row] = yield* sql<{ attempts: number }>`
        INSERT INTO update_attempts (bot_id, update_id, attempts) VALUES (${botId}, ${updateId}, 1)
        ON CONFLICT (bot_id, update_id) DO UPDATE SET attempts = update_attempts.attempts + 1, updated_at = now()
        RETURNING attempts`
      return row!.attempts
    })
  )

/**
 * Gives an update up: its payload and last error go to `dead_letter_updates`,
 * it is marked processed and leaves the inbox, in one tenant transaction.
 */
export const deadLetter = (botId: number, update: Update, error: string, attempts: number) =>
  withTenant(
    botId,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`
        INSERT INTO dead_letter_updates (bot_id, update_id, payload, error, attempts)
        VALUES (${botId}, ${update.update_id}, ${JSON.stringify(update)}::jsonb, ${error.slice(0, 2000)}, ${attempts})
        ON CONFLICT DO NOTHING`
      yield* sql`INSERT INTO processed_updates (bot_id, update_id) VALUES (${botId}, ${update.update_id})
        ON CONFLICT DO NOTHING`
      yield* sql`DELETE FROM update_inbox WHERE bot_id = ${botId} AND update_id = ${update.update_id}`
    })
  )
