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

/** The tenant of the transaction this fiber is in, if any. */
const CurrentTenant = Context.Reference<number | undefined>("botfleet/db/CurrentTenant", {
  defaultValue: () => undefined
})

export const withTenant = <A, E, R>(botId: number, effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const current = yield* CurrentTenant
    // Nested in the same tenant's transaction: already scoped, just run.
    if (current === botId) return yield* effect
    // A savepoint cannot undo `set_config(…, true)`: nesting another tenant would
    // leave the outer transaction scoped to the wrong bot. Refuse it loudly.
    if (current !== undefined) {
      return yield* Effect.die(new Error(`withTenant(${botId}) inside withTenant(${current})`))
    }
    const sql = yield* SqlClient.SqlClient
    return yield* sql.withTransaction(
      Effect.andThen(
        // One round trip: both settings are local to this transaction.
        sql`SELECT set_config('app.bot_id', ${String(botId)}, true), set_config('role', 'botfleet_tenant', true)`,
        effect
      )
    ).pipe(Effect.provideService(CurrentTenant, botId))
  })
