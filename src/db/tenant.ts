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
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export const withTenant = <A, E, R>(botId: number, effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return yield* sql.withTransaction(
      Effect.andThen(
        // One round trip: both settings are local to this transaction.
        sql`SELECT set_config('app.bot_id', ${String(botId)}, true), set_config('role', 'botfleet_tenant', true)`,
        effect
      )
    )
  })
