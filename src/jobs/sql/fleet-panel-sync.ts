/**
 * The panel sync job's writes, across every tenant, from one snapshot of the
 * panel's users (`panel`: JSON [{username, used, status, devices}] of every
 * user, read in pages before these run):
 *
 * 1. used traffic and connected devices onto each provisioned subscription, and
 *    each bot's traffic total onto bots.traffic_consumed_bytes;
 * 2. drift: a subscription whose panel user is gone (`deleted`; only those
 *    provisioned before the snapshot started) or DISABLED while ours is live
 *    (`disabled`) is marked once, and its tenant's admins get one `panel_drift`
 *    notice per bot and kind in the same statement; a drift the panel no longer
 *    shows is cleared. Nothing is recreated or re-enabled.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

export interface PanelUserState {
  readonly username: string
  readonly used: number
  readonly status: string
  /** HWID devices connected. */
  readonly devices: number
}

export const fleetWritePanelTraffic = Effect.fn("fleetWritePanelTraffic")(function* (
  panel: ReadonlyArray<PanelUserState>
) {
  const sql = yield* SqlClient.SqlClient
  const json = JSON.stringify(panel)
  const [row] = yield* sql<{ updated: number }>`
    WITH panel AS (
      SELECT * FROM jsonb_to_recordset(${json}::jsonb) AS p(username text, used bigint, status text, devices int)
    ), updated AS (
      UPDATE subscriptions s
      SET traffic_used_bytes = GREATEST(p.used, 0), devices_connected = GREATEST(p.devices, 0), panel_synced_at = now()
      FROM panel p
      WHERE s.panel_username = p.username AND s.panel_uuid IS NOT NULL
      RETURNING s.bot_id
    )
    SELECT count(*)::int AS updated FROM updated`
  return row?.updated ?? 0
})

/** Each bot's used traffic (the sum over its provisioned subscriptions) onto bots.traffic_consumed_bytes. */
export const fleetSumTraffic = Effect.fn("fleetSumTraffic")(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    UPDATE bots b SET traffic_consumed_bytes = LEAST(t.used, 9007199254740991)
    FROM (SELECT bot_id, sum(traffic_used_bytes)::bigint AS used FROM subscriptions
          WHERE panel_uuid IS NOT NULL GROUP BY bot_id) t
    WHERE b.id = t.bot_id AND b.traffic_consumed_bytes IS DISTINCT FROM LEAST(t.used, 9007199254740991)`
})

export const fleetMarkDrift = Effect.fn("fleetMarkDrift")(function* (
  panel: ReadonlyArray<PanelUserState>,
  snapshotStartedAt: Date
) {
  const sql = yield* SqlClient.SqlClient
  const json = JSON.stringify(panel)
  const [row] = yield* sql<{ marked: number }>`
    WITH panel AS (
      SELECT * FROM jsonb_to_recordset(${json}::jsonb) AS p(username text, used bigint, status text)
    ), drift AS (
      SELECT s.id, s.bot_id, s.panel_username,
             CASE WHEN p.username IS NULL THEN 'deleted' ELSE 'disabled' END AS drift
      FROM subscriptions s LEFT JOIN panel p ON p.username = s.panel_username
      WHERE s.panel_uuid IS NOT NULL AND s.provisioned_at < ${snapshotStartedAt}
        AND (p.username IS NULL OR (p.status = 'DISABLED' AND s.status IN ('active', 'trial')))
    ), marked AS (
      UPDATE subscriptions s SET panel_drift = d.drift
      FROM drift d
      WHERE s.id = d.id AND s.panel_drift IS DISTINCT FROM d.drift
      RETURNING s.bot_id, s.id, s.panel_username, d.drift
    ), cleared AS (
      UPDATE subscriptions s SET panel_drift = NULL
      WHERE s.panel_drift IS NOT NULL AND s.id NOT IN (SELECT id FROM drift)
        AND s.provisioned_at < ${snapshotStartedAt}
      RETURNING s.id
    ), told AS (
      INSERT INTO job_notices (bot_id, kind, payload)
      SELECT bot_id, 'panel_drift', jsonb_build_object('drift', drift, 'users', jsonb_agg(panel_username ORDER BY id))
      FROM marked GROUP BY bot_id, drift
    )
    SELECT count(*)::int AS marked FROM marked`
  return row?.marked ?? 0
})
