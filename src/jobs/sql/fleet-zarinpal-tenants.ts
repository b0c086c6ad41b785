/** Tenants with the `zarinpal` feature flag on (their merchant and sandbox settings are read per tenant). */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export const fleetZarinpalTenants = Effect.fn("fleetZarinpalTenants")(function* () {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ botId: number }>`
    SELECT bot_id FROM bot_feature_flags WHERE feature_key = 'zarinpal' AND enabled ORDER BY bot_id`
  return rows.map((r) => r.botId)
})
