/**
 * panel_sync (issue 18), every PANEL_SYNC_INTERVAL_SECONDS: reads every user of
 * the Remnawave panel in pages of PAGE (GET /api/users), then writes used
 * traffic to our subscriptions and bots, and marks drift — a panel user deleted
 * or disabled out of band — telling the tenant's admins once
 * (sql/fleet-panel-sync.ts). A panel that cannot be read fails the run (its
 * last-success timestamp goes stale); nothing is written from a partial read,
 * so a half-read panel never looks like deleted users.
 *
 * Metrics: botfleet_job_duration_seconds{job="panel_sync"} and
 * botfleet_job_last_success_timestamp_seconds{job="panel_sync"}.
 */
import { Effect } from "effect"
import { RemnawaveClient } from "../vpn/remnawave-client.ts"
import type { JobRun } from "./scheduled-job.ts"
import { fleetMarkDrift, fleetSumTraffic, fleetWritePanelTraffic } from "./sql/fleet-panel-sync.ts"
import type { PanelUserState } from "./sql/fleet-panel-sync.ts"

const PAGE = 500
/** A bound on one run (10^6 panel users); more and the read fails rather than mark the rest deleted. */
const MAX_PAGES = 2000

export const panelSyncRun = Effect.gen(function* () {
  const remnawave = yield* RemnawaveClient
  const startedAt = new Date()
  const panel: Array<PanelUserState> = []
  for (let page = 0; ; page++) {
    if (page >= MAX_PAGES) return yield* Effect.die(new Error(`the panel has over ${MAX_PAGES * PAGE} users`))
    const { users, total } = yield* remnawave.listUsers(page * PAGE, PAGE)
    for (const u of users) panel.push({ username: u.username, used: u.usedTrafficBytes, status: u.status })
    if (users.length < PAGE || panel.length >= total) break
  }
  const updated = yield* fleetWritePanelTraffic(panel)
  yield* fleetSumTraffic()
  const drifted = yield* fleetMarkDrift(panel, startedAt)
  return { items: updated + drifted } satisfies JobRun
})
