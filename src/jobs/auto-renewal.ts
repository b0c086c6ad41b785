/**
 * auto_renewal (issue 18), every AUTO_RENEWAL_INTERVAL_SECONDS: each due
 * subscription (sql/fleet-auto-renewal-candidates.ts) is renewed from its
 * customer's wallet once per period (src/shop/auto-renewal.ts), a few tenants'
 * transactions at a time. One that fails (a database hiccup) is left for the
 * next tick; its period's key was not written, so nothing was charged.
 */
import { Effect } from "effect"
import { causeSummary } from "../logging.ts"
import { countPayment } from "../payments/payment-metrics.ts"
import { autoRenew } from "../shop/auto-renewal.ts"
import type { JobRun } from "./scheduled-job.ts"
import { fleetAutoRenewalCandidates } from "./sql/fleet-auto-renewal-candidates.ts"

const LIMIT = 2000
const CONCURRENCY = 4

export const autoRenewalRun = Effect.gen(function* () {
  const candidates = yield* fleetAutoRenewalCandidates(LIMIT)
  let items = 0
  let failures = 0
  yield* Effect.forEach(
    candidates,
    (c) =>
      autoRenew(c).pipe(
        Effect.tap((outcome) =>
          Effect.sync(() => {
            if (outcome._tag === "Renewed") {
              items++
              countPayment(c.botId, "wallet", "paid")
            } else if (outcome._tag === "LowBalance" && outcome.told) items++
            else if (outcome._tag === "SaleRefused") {
              failures++
              countPayment(c.botId, "wallet", "refused")
            }
          })
        ),
        Effect.catchCause((cause) =>
          Effect.sync(() => failures++).pipe(
            Effect.andThen(
              Effect.logWarning(`auto-renewal of subscription ${c.subscriptionId}: ${causeSummary(cause)}`)
            )
          )
        ),
        Effect.annotateLogs({ bot_id: c.botId })
      ),
    { concurrency: CONCURRENCY, discard: true }
  )
  return { items, failures } satisfies JobRun
})
