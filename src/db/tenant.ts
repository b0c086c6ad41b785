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

/** The tenant of the transaction this fiber is in, if any (db/ only: update-bookkeeping.ts). */
export const CurrentTenant = Context.Reference<number | undefined>("botfleet/db/CurrentTenant", {
  defaultValue: () => undefined
})

/**
 * Runs `effect` in a tenant transaction whose first statement is `open`, which
 * must scope the transaction (set `app.bot_id` and the role, locally). For db/
 * only: `withTenant` here and `withTenantUpdate` (update-bookkeeping.ts, whose
 * first statement also records the update) are the two ways to open one.
 */
export const inTenantTransaction = <A, B, E, E2, R, R2>(
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
