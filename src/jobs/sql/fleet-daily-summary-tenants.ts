/**
 * Active tenants that asked for a daily summary (DAILY_SUMMARY_HOUR set), across
 * every tenant, with their hour and TIME_ZONE as stored (JSON text; decoded and
 * checked by the job, which skips and reports a bad value) and the last day a
 * summary was queued for (so the job opens no transaction for a tenant whose
 * summary of the day is out). Read only: each summary is queued in its tenant's
 * transaction (src/shop/daily-summary.ts).
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export interface DailySummaryTenant {
  readonly botId: number
  readonly hourJson: string
  readonly timeZoneJson: string | null
  /** YYYY-MM-DD, or null before the first summary. */
  readonly lastDate: string | null
}

export const fleetDailySummaryTenants = Effect.fn("fleetDailySummaryTenants")(function* () {
  const sql = yield* SqlClient.SqlClient
  return yield* sql<DailySummaryTenant>`
    SELECT b.id AS bot_id, h.config_value::text AS hour_json,
           (SELECT z.config_value::text FROM bot_configurations z
            WHERE z.bot_id = b.id AND z.config_key = 'TIME_ZONE') AS time_zone_json,
           (SELECT to_char(max(d.summary_date), 'YYYY-MM-DD') FROM daily_summaries d
            WHERE d.bot_id = b.id) AS last_date
    FROM bots b
    JOIN bot_configurations h ON h.bot_id = b.id AND h.config_key = 'DAILY_SUMMARY_HOUR'
    WHERE b.is_active
    ORDER BY b.id`
})
