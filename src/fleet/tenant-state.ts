/**
 * One word for how a tenant is doing, from its row and the supervisor's record
 * (bot_runtime_status): what the master bot lists and the API's /status shows.
 */
import type { Bot, RuntimeStatus } from "../tenants/bots.ts"

export const TENANT_STATES = [
  "inactive",
  "pending",
  "starting",
  "running",
  "backoff",
  "crash-looping",
  "unauthorized",
  "webhook_conflict",
  "stopped"
] as const

export type TenantState = (typeof TENANT_STATES)[number]

/** Restarts this close together, still failing, read as a crash loop rather than a blip. */
export const CRASH_LOOP_RESTARTS = 3
export const CRASH_LOOP_WINDOW_MS = 10 * 60_000

export const tenantState = (
  bot: Pick<Bot, "isActive">,
  status: Pick<RuntimeStatus, "state" | "restartCount" | "lastErrorAt"> | undefined,
  now: number = Date.now()
): TenantState => {
  if (!bot.isActive) return "inactive"
  // Active but no runner has recorded anything yet: it is about to be picked up.
  if (status === undefined) return "pending"
  if (
    (status.state === "backoff" || status.state === "starting") &&
    status.restartCount >= CRASH_LOOP_RESTARTS &&
    status.lastErrorAt !== null &&
    now - status.lastErrorAt.getTime() < CRASH_LOOP_WINDOW_MS
  )
    return "crash-looping"
  return (TENANT_STATES as ReadonlyArray<string>).includes(status.state) ? (status.state as TenantState) : "stopped"
}
