/**
 * Tenant-scoped transactions. Every query on tenant data runs inside
 * `withTenant(botId, …)`: a transaction that switches to the `botfleet_tenant`
 * role and sets `app.bot_id`, both transaction-local, so PostgreSQL's row-level
 * security (migrations/003) confines it to that tenant's rows — a missing
 * `WHERE bot_id = …` can leak nothing.
 *
 * Work that is genuinely fleet-wide (the watcher listing bots, jobs scanning
 * for due payments, the master API, the operator CLI) runs as the connecting
 * role outside `withTenant`; those queries live only in files named `fleet*.ts`
 * so the bypass stays narrow and easy to audit.
 */
import { Context, Effect } from "effect"
import { SqlClient } from "effect/sql"

/**
 * PostgreSQL's `statement_timeout` for every statement of a tenant transaction,
 * in milliseconds (TENANT_STATEMENT_TIMEOUT_MS; app.ts provides the setting, 0 = none):
 * one tenant's expensive query is cancelled by the server instead of holding a
 * connection and a core that other tenants' updates need.
 */
export const TenantStatementTimeout = Context.Reference<number>("botfleet/db/TenantStatementTimeout", {
  defaultValue: () => 5000
})

/** The tenant of the transaction this fiber is in, if any. */
const CurrentTenant = Context.Reference<number | undefined>("botfleet/db/CurrentTenant", {
  defaultValue: () => undefined
})

/**
 * Runs `effect` in a tenant transaction whose first statement is `open`, which
 * must scope the transaction (set `app.bot_id` and the role, locally).
 */
const inTenantTransaction = <A, B, E, E2, R, R2>(
  botId: number,
  open: (sql: SqlClient.SqlClient) => Effect.Effect<B, E2, R2>,
  effect: (opened: B) => Effect.Effect<A, E, R>
) =>
  Effect.gen(function* () {
    const current = yield* CurrentTenant
    // A savepoint cannot undo `set_config(…, true)`: nesting another tenant would
    // leave the outer transaction scoped to the wrong bot. Refuse it loudly.
    if (current !== undefined) {
      return yield* Effect.die(new Error(`withTenant(${botId}) inside withTenant(${current})`))
    }
    const sql = yield* SqlClient.SqlClient
    return yield* sql
      .withTransaction(Effect.flatMap(open(sql), effect))
      .pipe(Effect.provideService(CurrentTenant, botId))
  })

export const withTenant = <A, E, R>(botId: number, effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(CurrentTenant, (current) =>
    // Nested in the same tenant's transaction: already scoped, just run.
    current === botId
      ? effect
      : inTenantTransaction(
          botId,
          // One round trip: every setting is local to this transaction.
          (sql) =>
            Effect.flatMap(
              TenantStatementTimeout,
              (timeout) =>
                sql`SELECT set_config('app.bot_id', ${String(botId)}, true), set_config('role', 'botfleet_tenant', true),
                           set_config('statement_timeout', ${String(timeout)}, true)`
            ),
          () => effect
        )
  )

/** What `withTenantUpdate` returns for an update whose mark was already committed. */
export const Duplicate: unique symbol = Symbol.for("botfleet/db/tenant/Duplicate")
export type Duplicate = typeof Duplicate

/**
 * The transaction of one Telegram update: like `withTenant`, and it first records
 * `(bot_id, update_id)` in `processed_updates` and takes the update out of the
 * inbox (src/ingest/inbox.ts), so the mark and the update's completion commit
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
