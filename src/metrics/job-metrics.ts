/**
 * The jobs' own series, beside `botfleet_job_last_success_timestamp_seconds{job}`
 * (set by the cluster schedule, src/jobs/cluster-schedule.ts). `job` is
 * one of card_rotation, payment_expiry, zarinpal_reconcile, retention, subscription_expiry,
 * auto_renewal, panel_sync, daily_summary — the names the
 * BotfleetJobStale alerts and the dashboard use. No tenant labels: a job acts
 * for every tenant at once.
 */
import * as prom from "prom-client"
import { registry } from "./registry.ts"

export type JobName =
  | "card_rotation"
  | "payment_expiry"
  | "zarinpal_reconcile"
  | "retention"
  | "subscription_expiry"
  | "auto_renewal"
  | "panel_sync"
  | "daily_summary"

export const jobDuration = new prom.Histogram({
  name: "botfleet_job_duration_seconds",
  help: "Time one run of a scheduled job took (this process ran it)",
  labelNames: ["job"],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [registry]
})

export const jobItems = new prom.Counter({
  name: "botfleet_job_items_total",
  help: "Items a scheduled job acted on: cards rotated, payments expired or settled, reminders queued",
  labelNames: ["job"],
  registers: [registry]
})

export const jobItemFailures = new prom.Counter({
  name: "botfleet_job_item_failures_total",
  help: "Items a scheduled job could not settle in a run and left for the next (e.g. ZarinPal unreachable)",
  labelNames: ["job"],
  registers: [registry]
})

export const jobNotices = new prom.Counter({
  name: "botfleet_job_notices_total",
  help: "Notices from the jobs' outbox by outcome: sent, retry (later), failed (given up)",
  labelNames: ["kind", "outcome"],
  registers: [registry]
})

// Present from the start (at 0), so rate() and absent() behave before the first item.
for (const job of ["card_rotation", "payment_expiry", "zarinpal_reconcile"] as const) {
  jobItems.inc({ job }, 0)
  jobItemFailures.inc({ job }, 0)
}
