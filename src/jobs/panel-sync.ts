/**
 * panel_sync (issue 18), every PANEL_SYNC_INTERVAL_SECONDS: reads every user of
 * the Remnawave panel in pages of PAGE (GET /api/users) and how many HWID
 * devices each has (GET /api/hwid/devices/top-users, which lists only users
 * with devices, 100 a page), then writes used traffic and connected devices to
 * our subscriptions and traffic to bots, records the panel's internal squads
 * (what the bot's /admin → Plans offers), and marks drift — a panel user deleted
 * or disabled out of band — telling the tenant's admins once
 * (sql/fleet-panel-sync.ts). A panel that cannot be read fails the run (its
 * last-success timestamp goes stale); nothing is written from a partial read,
 * so a half-read panel never looks like deleted users.
 *
 * Metrics: botfleet_job_duration_seconds{job="panel_sync"} and
 * botfleet_job_last_success_timestamp_seconds{job="panel_sync"}.
 */
import { Effect } from "effect"
import { recordPanelSquads } from "../tenants/squads.ts"
import { RemnawaveClient } from "../vpn/remnawave-client.ts"
import type { JobRun } from "./scheduled-job.ts"
import { fleetMarkDrift, fleetSumTraffic, fleetWritePanelTraffic } from "./sql/fleet-panel-sync.ts"
import type { PanelUserState } from "./sql/fleet-panel-sync.ts"

const PAGE = 500
/** A bound on one run (10^6 panel users); more and the read fails rather than mark the rest deleted. */
const MAX_PAGES = 2000
/** The panel's largest page of device counts. */
const DEVICE_PAGE = 100

export const panelSyncRun = Effect.gen(function* () {
  const remnawave = yield* RemnawaveClient
  const startedAt = new Date()
  const panel: Array<PanelUserState> = []
  for (let page = 0; ; page++) {
    if (page >= MAX_PAGES) return yield* Effect.die(new Error(`the panel has over ${MAX_PAGES * PAGE} users`))
    const { users, total } = yield* remnawave.listUsers(page * PAGE, PAGE)
    for (const u of users) panel.push({ username: u.username, used: u.usedTrafficBytes, status: u.status, devices: 0 })
    if (users.length < PAGE || panel.length >= total) break
  }
  const devices = new Map<string, number>()
  for (let page = 0; ; page++) {
    if (page >= (MAX_PAGES * PAGE) / DEVICE_PAGE) return yield* Effect.die(new Error("too many users with devices"))
    const { users, total } = yield* remnawave.listDeviceCounts(page * DEVICE_PAGE, DEVICE_PAGE)
    for (const u of users) devices.set(u.username, u.devices)
    if (users.length < DEVICE_PAGE || (page + 1) * DEVICE_PAGE >= total) break
  }
  for (const [i, u] of panel.entries()) {
    const n = devices.get(u.username)
    if (n !== undefined) panel[i] = { ...u, devices: n }
  }
  // The squads a tenant admin may give a plan in the bot (tenants/squads.ts).
  yield* recordPanelSquads(yield* remnawave.listInternalSquads())
  const updated = yield* fleetWritePanelTraffic(panel)
  yield* fleetSumTraffic()
  const drifted = yield* fleetMarkDrift(panel, startedAt)
  return { items: updated + drifted } satisfies JobRun
})
