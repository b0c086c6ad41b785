/**
 * Subscriptions due for auto-renewal, across every tenant: active, switched on
 * by the customer, the tenant's `auto_renewal` flag on and its bot active, a
 * plan to renew, ending within the tenant's AUTO_RENEW_HOURS_BEFORE (default
 * 24; a malformed value falls back to it) and not renewed for this period yet.
 * Read only: each one is charged in its tenant's transaction (src/shop/auto-renewal.ts).
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import type { AutoRenewalCandidate } from "../../shop/auto-renewal.ts"

export const fleetAutoRenewalCandidates = Effect.fn("fleetAutoRenewalCandidates")(function* (limit: number) {
  const sql = yield* SqlClient.SqlClient
  return yield* sql<AutoRenewalCandidate>`
    SELECT s.bot_id, s.id AS subscription_id, s.user_id, u.telegram_id, s.plan_id, s.expires_at
    FROM subscriptions s
    JOIN users u ON u.id = s.user_id AND u.bot_id = s.bot_id
    JOIN bots b ON b.id = s.bot_id AND b.is_active
    JOIN bot_feature_flags f ON f.bot_id = s.bot_id AND f.feature_key = 'auto_renewal' AND f.enabled
    WHERE s.auto_renew AND s.status = 'active' AND s.plan_id IS NOT NULL AND s.expires_at > now()
      AND s.expires_at <= now() + make_interval(hours => COALESCE(
            (SELECT (c.config_value #>> '{}')::int FROM bot_configurations c
             WHERE c.bot_id = s.bot_id AND c.config_key = 'AUTO_RENEW_HOURS_BEFORE'
               AND jsonb_typeof(c.config_value) = 'number' AND (c.config_value #>> '{}') ~ '^[0-9]{1,3}$'
               AND (c.config_value #>> '{}')::int BETWEEN 1 AND 168),
            24))
      AND NOT EXISTS (SELECT 1 FROM auto_renewals a WHERE a.subscription_id = s.id AND a.period_end = s.expires_at)
    ORDER BY s.expires_at, s.id
    LIMIT ${limit}`
})
