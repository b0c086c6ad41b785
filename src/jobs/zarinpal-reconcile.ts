/**
 * zarinpal_reconcile, every ZARINPAL_RECONCILE_INTERVAL_SECONDS: a payment the
 * user paid whose callback never reached us (browser closed, network, our
 * outage) is still credited. For each merchant (and host: production and
 * sandbox are separate systems) of the tenants with `zarinpal` enabled, ask
 * `unVerified.json` — payments ZarinPal holds as paid but nobody verified —
 * and for each one that is ours:
 *
 * - pending → verify with OUR amount → credited through the shop's own
 *   pending → paid step (zarinpal-settlement.ts), exactly once: a callback
 *   that arrives later (or at the same moment, on another replica) finds it
 *   paid and changes nothing;
 * - expired by us (the user finished at the bank after the deadline) → the
 *   money did leave their account, so it is credited too (expired → paid in
 *   one transaction); leaving it would mean ZarinPal refunds it some day while
 *   the user asks support where it went;
 * - refused by verify (amount mismatch, merchant refused) → a pending payment
 *   fails and the admins are alerted; an expired one is only logged;
 * - cancelled here within the last RECENTLY_CANCELLED_HOURS (a forged or
 *   mistaken Status=NOK) → verified and credited like an expired one;
 * - anything else (paid, failed here, cancelled long ago) is left alone.
 *
 * A merchant ZarinPal cannot be asked about now is counted as a failure and
 * asked again next run; the others go on.
 */
import { tenantOf } from "../tenants/tenant-cache.ts"
import { Effect } from "effect"
import { withTenant } from "../db/tenant.ts"
import { isTransientDatabaseError } from "../db/transient.ts"
import { ZarinpalClient } from "../payments/zarinpal-client.ts"
import { zarinpalPaymentById } from "../payments/zarinpal-payments.ts"
import type { JobRun } from "./scheduled-job.ts"
import { fleetZarinpalPaymentsByAuthority } from "./sql/fleet-zarinpal-payments-by-authority.ts"
import type { KnownAuthority } from "./sql/fleet-zarinpal-payments-by-authority.ts"
import { orSkipTenant, reportSkippedTenant } from "./skip-tenant.ts"
import { fleetZarinpalTenants } from "./sql/fleet-zarinpal-tenants.ts"
import { creditPaid, failZarinpal, verifyPayment, zarinpalSettingsOf } from "./zarinpal-settlement.ts"

type Settings = NonNullable<ReturnType<typeof zarinpalSettingsOf>>

interface Merchant {
  readonly merchantId: string
  readonly sandbox: boolean
  readonly tenants: Map<number, Settings>
}

/** Verifying in flight per run. */
const CONCURRENCY = 4

/**
 * Tenants grouped by the merchant (and host) they sell through. A tenant whose
 * settings cannot be loaded is reported and skipped: it used to stop the run
 * for every tenant, on every tick.
 */
const merchantsOf = (botIds: ReadonlyArray<number>) =>
  Effect.gen(function* () {
    const merchants = new Map<string, Merchant>()
    for (const botId of botIds) {
      const tenant = yield* tenantOf(botId).pipe(orSkipTenant("zarinpal_reconcile", botId))
      if (tenant === undefined) continue
      const settings = zarinpalSettingsOf(tenant)
      if (settings === undefined) continue
      const key = `${settings.sandbox ? "sandbox" : "production"}:${settings.merchantId.toLowerCase()}`
      const merchant = merchants.get(key) ?? {
        merchantId: settings.merchantId,
        sandbox: settings.sandbox,
        tenants: new Map()
      }
      merchant.tenants.set(botId, settings)
      merchants.set(key, merchant)
    }
    return [...merchants.values()]
  })

export type ReconcileOutcome = "credited" | "failed" | "left" | "unavailable"

/** One of our payments that ZarinPal lists as paid and unverified. */
export const reconcilePayment = Effect.fn("reconcilePayment")(function* (known: KnownAuthority, settings: Settings) {
  if (known.status !== "pending" && known.status !== "expired" && known.status !== "cancelled") {
    return "left" satisfies ReconcileOutcome
  }
  const payment = yield* withTenant(known.botId, zarinpalPaymentById(known.botId, known.id))
  if (!payment || payment.zarinpalAuthority === null) return "left" satisfies ReconcileOutcome
  const verdict = yield* verifyPayment(settings, { amount: payment.amount, authority: payment.zarinpalAuthority })
  switch (verdict._tag) {
    case "Paid": {
      const credited = yield* creditPaid(known.botId, known.id, verdict.verified, {
        reopenExpired: payment.status === "expired",
        reopenCancelled: payment.status === "cancelled"
      })
      if (credited) {
        yield* Effect.logInfo(
          `ZarinPal payment ${known.id} of bot ${known.botId} credited by reconciliation (no callback)`
        )
      }
      return credited ? "credited" : "left"
    }
    case "Refused":
      if (payment.status === "pending")
        return (yield* failZarinpal(known.botId, known.id, verdict.reason)) ? "failed" : "left"
      yield* Effect.logWarning(
        `${payment.status} ZarinPal payment ${known.id} of bot ${known.botId} refused by verify: ${verdict.reason}`
      )
      return "left"
    case "NotPaid":
    case "Unknown":
      return "left"
    case "Unavailable":
      yield* Effect.logWarning(`ZarinPal payment ${known.id} of bot ${known.botId} not verified yet: ${verdict.reason}`)
      return "unavailable"
  }
})

export const zarinpalReconcileRun = Effect.gen(function* () {
  const zarinpal = yield* ZarinpalClient
  const merchants = yield* merchantsOf(yield* fleetZarinpalTenants())
  let items = 0
  let failures = 0
  for (const merchant of merchants) {
    const listed = yield* zarinpal.unVerified({ merchantId: merchant.merchantId, sandbox: merchant.sandbox }).pipe(
      Effect.catchTags({
        ZarinpalUnavailable: (e) => Effect.as(Effect.logWarning(`ZarinPal unVerified failed: ${e.message}`), undefined),
        ZarinpalRejected: (e) => Effect.as(Effect.logWarning(`ZarinPal unVerified refused: ${e.message}`), undefined)
      })
    )
    if (listed === undefined) {
      failures++
      continue
    }
    const ours = yield* fleetZarinpalPaymentsByAuthority(
      listed.map((a) => a.authority),
      [...merchant.tenants.keys()]
    )
    yield* Effect.forEach(
      ours,
      (known) =>
        reconcilePayment(known, merchant.tenants.get(known.botId)!).pipe(
          Effect.tap((outcome) =>
            Effect.sync(() => {
              if (outcome === "credited" || outcome === "failed") items++
              if (outcome === "unavailable") failures++
            })
          ),
          Effect.catchIf(
            (e) => !isTransientDatabaseError(e),
            (e) =>
              Effect.sync(() => failures++).pipe(
                Effect.andThen(
                  reportSkippedTenant(
                    "zarinpal_reconcile",
                    known.botId,
                    `payment ${known.id} not reconciled: ${String(e)}`
                  )
                )
              )
          )
        ),
      { concurrency: CONCURRENCY, discard: true }
    )
  }
  return { items, failures } satisfies JobRun
})
