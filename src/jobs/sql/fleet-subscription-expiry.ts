/**
 * The subscription_expiry job's statements, across every tenant (a fleet-wide
 * reader: a tenant's malformed setting falls back to the default instead of
 * failing the statement for all). Each statement changes state, records the
 * reminder in subscription_reminders and queues the customer's notice
 * together; a reminder row that already exists (another replica, a retry, a
 * restart) queues nothing. Blocked customers get no notice.
 *
 * Tenant settings (bot_configurations, JSON arrays of days):
 * EXPIRY_REMINDER_DAYS (default [3, 1]) and EXPIRED_REMINDER_DAYS (default [1]).
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

/** The tenant's list of days under `key`, else `fallback` (a JSON array literal); only 1–30 are used. */
const daysOf = (sql: SqlClient.SqlClient, key: string, fallback: string) => sql`
  (SELECT v::int AS days FROM jsonb_array_elements_text(
     COALESCE((SELECT c.config_value FROM bot_configurations c
               WHERE c.bot_id = s.bot_id AND c.config_key = ${key} AND jsonb_typeof(c.config_value) = 'array'),
              ${fallback}::jsonb)) v
   WHERE v ~ '^[0-9]{1,2}$' AND v::int BETWEEN 1 AND 30)`

/**
 * Before expiry: for each live subscription, the smallest configured N with
 * expiry within N days (and a period longer than N days), once per (period, N).
 */
export const fleetRemindExpiring = Effect.fn("fleetRemindExpiring")(function* (limit: number) {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ queued: number }>`
    WITH due AS (
      SELECT s.id, s.bot_id, s.user_id, s.expires_at, d.days
      FROM subscriptions s
      JOIN users u ON u.id = s.user_id AND u.bot_id = s.bot_id AND NOT u.is_blocked
      CROSS JOIN LATERAL (
        SELECT min(days) AS days FROM ${daysOf(sql, "EXPIRY_REMINDER_DAYS", "[3, 1]")} n
        WHERE s.expires_at <= now() + make_interval(days => n.days)
          -- Only for a period longer than N days (no "ends in 3 days" as a 3-day trial starts).
          AND (s.period_started_at IS NULL OR s.expires_at - make_interval(days => n.days) > s.period_started_at)
      ) d
      WHERE s.status IN ('active', 'trial') AND s.expires_at > now() AND s.expires_at <= now() + interval '31 days'
        AND d.days IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM subscription_reminders r
                        WHERE r.subscription_id = s.id AND r.kind = 'expiring'
                          AND r.period_end = s.expires_at AND r.days = d.days)
      ORDER BY s.expires_at
      LIMIT ${limit}
    ), marked AS (
      INSERT INTO subscription_reminders (bot_id, subscription_id, kind, period_end, days)
      SELECT bot_id, id, 'expiring', expires_at, days FROM due
      ON CONFLICT DO NOTHING
      RETURNING bot_id, subscription_id, period_end, days
    ), told AS (
      INSERT INTO job_notices (bot_id, kind, subject_id, user_id, payload)
      SELECT m.bot_id, 'subscription_expiring', m.subscription_id, due.user_id,
             jsonb_build_object('days', m.days, 'periodEnd', m.period_end)
      FROM marked m JOIN due ON due.id = m.subscription_id
    )
    SELECT count(*)::int AS queued FROM marked`
  return row?.queued ?? 0
})

/**
 * At expiry: active/trial → expired (the panel disables the user by its own
 * expireAt; our state follows), the customer told once. `SKIP LOCKED`: a
 * subscription being renewed right now is looked at again next tick, and the
 * renewal's new expiry is re-checked under the lock.
 */
export const fleetExpireSubscriptions = Effect.fn("fleetExpireSubscriptions")(function* (limit: number) {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ expired: number }>`
    WITH due AS (
      SELECT id FROM subscriptions
      WHERE status IN ('active', 'trial') AND expires_at <= now()
      ORDER BY expires_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ), expired AS (
      UPDATE subscriptions s SET status = 'expired'
      FROM due
      WHERE s.id = due.id AND s.status IN ('active', 'trial') AND s.expires_at <= now()
      RETURNING s.id, s.bot_id, s.user_id, s.expires_at
    ), marked AS (
      INSERT INTO subscription_reminders (bot_id, subscription_id, kind, period_end)
      SELECT bot_id, id, 'expired', expires_at FROM expired
      ON CONFLICT DO NOTHING
      RETURNING bot_id, subscription_id, period_end
    ), told AS (
      INSERT INTO job_notices (bot_id, kind, subject_id, user_id, payload)
      SELECT m.bot_id, 'subscription_expired', m.subscription_id, e.user_id, jsonb_build_object('periodEnd', m.period_end)
      FROM marked m JOIN expired e ON e.id = m.subscription_id
      JOIN users u ON u.id = e.user_id AND u.bot_id = e.bot_id AND NOT u.is_blocked
    )
    SELECT count(*)::int AS expired FROM expired`
  return row?.expired ?? 0
})

/** After expiry: the largest configured N the subscription has been expired for (within 31 days), once per (period, N). */
export const fleetRemindExpired = Effect.fn("fleetRemindExpired")(function* (limit: number) {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ queued: number }>`
    WITH due AS (
      SELECT s.id, s.bot_id, s.user_id, s.expires_at, d.days
      FROM subscriptions s
      JOIN users u ON u.id = s.user_id AND u.bot_id = s.bot_id AND NOT u.is_blocked
      CROSS JOIN LATERAL (
        SELECT max(days) AS days FROM ${daysOf(sql, "EXPIRED_REMINDER_DAYS", "[1]")} n
        WHERE s.expires_at <= now() - make_interval(days => n.days)
      ) d
      WHERE s.status = 'expired' AND s.expires_at > now() - interval '31 days' AND d.days IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM subscription_reminders r
                        WHERE r.subscription_id = s.id AND r.kind = 'expired_reminder'
                          AND r.period_end = s.expires_at AND r.days = d.days)
      ORDER BY s.expires_at
      LIMIT ${limit}
    ), marked AS (
      INSERT INTO subscription_reminders (bot_id, subscription_id, kind, period_end, days)
      SELECT bot_id, id, 'expired_reminder', expires_at, days FROM due
      ON CONFLICT DO NOTHING
      RETURNING bot_id, subscription_id, period_end, days
    ), told AS (
      INSERT INTO job_notices (bot_id, kind, subject_id, user_id, payload)
      SELECT m.bot_id, 'subscription_expired_reminder', m.subscription_id, due.user_id,
             jsonb_build_object('days', m.days, 'periodEnd', m.period_end)
      FROM marked m JOIN due ON due.id = m.subscription_id
    )
    SELECT count(*)::int AS queued FROM marked`
  return row?.queued ?? 0
})
