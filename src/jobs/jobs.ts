/**
 * The scheduled jobs, as one layer for src/app.ts (DESIGN.md §1: "Jobs …, each
 * once cluster-wide"). Each job is one cluster-wide schedule (scheduled-job.ts):
 *
 * | job                | every (default)                       | what                                           |
 * |--------------------|---------------------------------------|------------------------------------------------|
 * | card_rotation      | CARD_ROTATION_INTERVAL_SECONDS (60)   | time_based tenants' current card (card-rotation.ts) |
 * | payment_expiry     | PAYMENT_EXPIRY_INTERVAL_SECONDS (1)   | card and ZarinPal expiry, receipt reminders (payment-expiry.ts) |
 * | zarinpal_reconcile | ZARINPAL_RECONCILE_INTERVAL_SECONDS (300) | credit paid-but-never-called-back payments (zarinpal-reconcile.ts) |
 * | retention          | RETENTION_INTERVAL_SECONDS (300)      | delete old update marks and finished notices/tasks (retention.ts) |
 * | subscription_expiry | SUBSCRIPTION_EXPIRY_INTERVAL_SECONDS (60) | expiry reminders, expiry (subscription-expiry.ts) |
 * | auto_renewal       | AUTO_RENEWAL_INTERVAL_SECONDS (60)    | renew due subscriptions from the wallet (auto-renewal.ts) |
 * | panel_sync         | PANEL_SYNC_INTERVAL_SECONDS (300)     | traffic and drift read back from the panel (panel-sync.ts) |
 * | daily_summary      | DAILY_SUMMARY_INTERVAL_SECONDS (60)   | each tenant's daily summary at its hour, once a day (daily-summary.ts) |
 *
 * Beside them, on every process: the card-expiry fallback for a schedule that
 * is failing over (payment-expiry.ts). The notice worker that tells users and
 * admins what the jobs did is after-commit work (src/outbox/notice-worker.ts),
 * merged beside this layer in src/app.ts.
 */
import { Effect, Layer } from "effect"
import { AppConfig } from "../config.ts"
import { cronForInterval } from "./cluster-schedule.ts"
import { cardRotationRun } from "./card-rotation.ts"
import { ExpiryFallbackLive, makePaymentExpiryRun } from "./payment-expiry.ts"
import { makeRetentionRun } from "./retention.ts"
import { autoRenewalRun } from "./auto-renewal.ts"
import { panelSyncRun } from "./panel-sync.ts"
import { dailySummaryRun } from "./daily-summary.ts"
import { scheduledJob } from "./scheduled-job.ts"
import { subscriptionExpiryRun } from "./subscription-expiry.ts"
import { zarinpalReconcileRun } from "./zarinpal-reconcile.ts"

/** A schedule interval the cluster schedule can keep (it divides a minute, an hour or a day), or a clear start-up failure. */
const interval = (variable: string, seconds: number) =>
  Effect.try({
    try: () => {
      cronForInterval(`${seconds} seconds`)
      return seconds
    },
    catch: (e) => new Error(`${variable}=${seconds}: ${e instanceof Error ? e.message : String(e)}`)
  }).pipe(Effect.orDie)

export const JobsLive = Layer.unwrap(
  Effect.gen(function* () {
    const config = yield* AppConfig
    return Layer.mergeAll(
      scheduledJob({
        name: "card_rotation",
        everySeconds: yield* interval("CARD_ROTATION_INTERVAL_SECONDS", config.cardRotationIntervalSeconds),
        run: cardRotationRun
      }),
      scheduledJob({
        name: "payment_expiry",
        everySeconds: yield* interval("PAYMENT_EXPIRY_INTERVAL_SECONDS", config.paymentExpiryIntervalSeconds),
        run: makePaymentExpiryRun({ reminderIntervalMinutes: config.adminReminderIntervalMinutes })
      }),
      scheduledJob({
        name: "zarinpal_reconcile",
        everySeconds: yield* interval("ZARINPAL_RECONCILE_INTERVAL_SECONDS", config.zarinpalReconcileIntervalSeconds),
        run: zarinpalReconcileRun
      }),
      scheduledJob({
        name: "retention",
        everySeconds: yield* interval("RETENTION_INTERVAL_SECONDS", config.retentionIntervalSeconds),
        run: makeRetentionRun({
          updateMarksHours: config.updateMarksRetentionHours,
          doneTasksDays: config.doneTasksRetentionDays
        })
      }),
      scheduledJob({
        name: "subscription_expiry",
        everySeconds: yield* interval("SUBSCRIPTION_EXPIRY_INTERVAL_SECONDS", config.subscriptionExpiryIntervalSeconds),
        run: subscriptionExpiryRun
      }),
      scheduledJob({
        name: "auto_renewal",
        everySeconds: yield* interval("AUTO_RENEWAL_INTERVAL_SECONDS", config.autoRenewalIntervalSeconds),
        run: autoRenewalRun
      }),
      scheduledJob({
        name: "panel_sync",
        everySeconds: yield* interval("PANEL_SYNC_INTERVAL_SECONDS", config.panelSyncIntervalSeconds),
        run: panelSyncRun
      }),
      scheduledJob({
        name: "daily_summary",
        everySeconds: yield* interval("DAILY_SUMMARY_INTERVAL_SECONDS", config.dailySummaryIntervalSeconds),
        run: dailySummaryRun
      }),
      ExpiryFallbackLive
    )
  })
)
