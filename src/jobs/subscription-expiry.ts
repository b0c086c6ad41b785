/**
 * subscription_expiry (issue 18), every SUBSCRIPTION_EXPIRY_INTERVAL_SECONDS:
 * reminders before expiry (EXPIRY_REMINDER_DAYS), the expiry itself
 * (active/trial → expired, the customer told), and reminders after it
 * (EXPIRED_REMINDER_DAYS) — each once per subscription period, through the
 * notice queue, blocked customers skipped (sql/fleet-subscription-expiry.ts).
 * Expiry runs first, so a subscription that just ended gets "expired" rather
 * than a late "expires soon".
 */
import { Effect } from "effect"
import type { JobRun } from "./scheduled-job.ts"
import { fleetExpireSubscriptions, fleetRemindExpired, fleetRemindExpiring } from "./sql/fleet-subscription-expiry.ts"

const BATCH = 500
const MAX_BATCHES = 20

const drain = <E, R>(step: (limit: number) => Effect.Effect<number, E, R>) =>
  Effect.gen(function* () {
    let total = 0
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const n = yield* step(BATCH)
      total += n
      if (n < BATCH) break
    }
    return total
  })

export const subscriptionExpiryRun = Effect.gen(function* () {
  const expired = yield* drain(fleetExpireSubscriptions)
  const before = yield* drain(fleetRemindExpiring)
  const after = yield* drain(fleetRemindExpired)
  return { items: expired + before + after } satisfies JobRun
})
