/**
 * Settling a ZarinPal payment from a job (TTL expiry in payment_expiry,
 * reconciliation in zarinpal_reconcile), with the shop's own steps
 * (src/payments/zarinpal-payments.ts: row lock, status check, wallet credit,
 * purchase) so a job and a callback on any replica credit a payment at most
 * once. What differs from the callback: the user and the admins are told
 * through a notice recorded in the SAME transaction as the status change
 * (job_notices), so a runner that dies right after the change still gets the
 * message out, from another runner.
 *
 * Verification always sends OUR amount (never ZarinPal's listing), like the
 * callback; 100 and 101 both mean paid.
 */
import { Effect } from "effect"
import { shopSettings, zarinpalEnabled } from "../tenants/shop-settings.ts"
import type { Tenant } from "../tenants/tenant-cache.ts"
import { withTenant } from "../db/tenant.ts"
import { countPayment } from "../payments/payment-metrics.ts"
import { ZarinpalClient } from "../payments/zarinpal-client.ts"
import { failZarinpalPayment, markZarinpalPaid } from "../payments/zarinpal-payments.ts"
import type { Verified } from "../payments/zarinpal-payments.ts"
import type { ZarinpalPaidPayload } from "../outbox/notice-payloads.ts"
import { enqueueNotice } from "../tenants/notices.ts"
import { expireZarinpalPayment } from "./sql/expire-zarinpal-payment.ts"
import {
  reopenCancelledZarinpalPayment,
  reopenExpiredZarinpalPayment
} from "../payments/reopen-expired-zarinpal-payment.ts"

export type Verdict =
  | { readonly _tag: "Paid"; readonly verified: Verified }
  /** -51: not paid (still open, abandoned or cancelled at the bank). */
  | { readonly _tag: "NotPaid" }
  /** -54: ZarinPal does not know the authority (on this host). */
  | { readonly _tag: "Unknown"; readonly reason: string }
  /** -50 (our amount differs) or another refusal: needs a human. */
  | { readonly _tag: "Refused"; readonly reason: string }
  /** Unreachable, timed out, 5xx: ask again later. */
  | { readonly _tag: "Unavailable"; readonly reason: string }

/**
 * The tenant's ZarinPal settings, when it can verify at all: a merchant id and
 * a shop in tomans or rials, and — unless `evenIfSwitchedOff` (a payment that
 * was started before the flag went off still deserves its verification) — the
 * `zarinpal` flag on.
 */
export const zarinpalSettingsOf = (tenant: Tenant, options: { readonly evenIfSwitchedOff?: boolean } = {}) =>
  (
    options.evenIfSwitchedOff === true
      ? shopSettings(tenant).zarinpalMerchantId !== undefined &&
        (tenant.currency === "IRT" || tenant.currency === "IRR")
      : zarinpalEnabled(tenant)
  )
    ? {
        merchantId: shopSettings(tenant).zarinpalMerchantId!,
        sandbox: shopSettings(tenant).zarinpalSandbox,
        currency: tenant.currency === "IRR" ? ("IRR" as const) : ("IRT" as const)
      }
    : undefined

/** Asks ZarinPal about one of the tenant's payments, with the amount from our database. */
export const verifyPayment = (
  settings: NonNullable<ReturnType<typeof zarinpalSettingsOf>>,
  payment: { readonly amount: number; readonly authority: string }
) =>
  ZarinpalClient.use((zarinpal) =>
    zarinpal.verify({ ...settings, amount: payment.amount, authority: payment.authority }).pipe(
      Effect.map((v): Verdict => ({ _tag: "Paid", verified: { refId: v.refId, cardPan: v.cardPan } })),
      Effect.catchTags({
        ZarinpalNotPaid: () => Effect.succeed<Verdict>({ _tag: "NotPaid" }),
        ZarinpalUnknownAuthority: (e) => Effect.succeed<Verdict>({ _tag: "Unknown", reason: e.message }),
        ZarinpalAmountMismatch: (e) => Effect.succeed<Verdict>({ _tag: "Refused", reason: e.message }),
        ZarinpalRejected: (e) => Effect.succeed<Verdict>({ _tag: "Refused", reason: e.message }),
        ZarinpalUnavailable: (e) => Effect.succeed<Verdict>({ _tag: "Unavailable", reason: e.message })
      })
    )
  )

/**
 * pending → paid (or, with `reopenExpired`, also expired → paid: ZarinPal took
 * the money after our deadline) and the user's notice, in one tenant
 * transaction. False when the payment was no longer there to credit (a
 * callback or another runner did it first).
 */
export const creditPaid = Effect.fn("creditPaid")(function* (
  botId: number,
  paymentId: number,
  verified: Verified,
  options: { readonly reopenExpired: boolean; readonly reopenCancelled?: boolean }
) {
  const credited = yield* withTenant(
    botId,
    Effect.gen(function* () {
      if (options.reopenExpired) yield* reopenExpiredZarinpalPayment(botId, paymentId)
      if (options.reopenCancelled === true) yield* reopenCancelledZarinpalPayment(botId, paymentId)
      const paid = yield* markZarinpalPaid(botId, paymentId, verified)
      if (!paid) return false
      const payload: ZarinpalPaidPayload = {
        amount: paid.payment.amount,
        balanceAfterDeposit: paid.balanceAfterDeposit,
        purchase: paid.purchase ?? null
      }
      yield* enqueueNotice(botId, { kind: "zarinpal_paid", subjectId: paymentId, userId: paid.owner.userId, payload })
      return true
    })
  )
  if (credited) countPayment(botId, "zarinpal", "paid")
  return credited
})

/** pending → expired and the user's notice, in one tenant transaction; false when it had moved on. */
export const expireZarinpal = Effect.fn("expireZarinpal")(function* (botId: number, paymentId: number) {
  const expired = yield* withTenant(
    botId,
    Effect.gen(function* () {
      const row = yield* expireZarinpalPayment(botId, paymentId)
      if (!row) return false
      yield* enqueueNotice(botId, { kind: "zarinpal_payment_expired", subjectId: paymentId, userId: row.userId })
      return true
    })
  )
  if (expired) countPayment(botId, "zarinpal", "expired")
  return expired
})

/** pending → failed with the reason, the user's notice and the admins' alert, in one tenant transaction. */
export const failZarinpal = Effect.fn("failZarinpal")(function* (botId: number, paymentId: number, reason: string) {
  const failed = yield* withTenant(
    botId,
    Effect.gen(function* () {
      const row = yield* failZarinpalPayment(botId, paymentId, reason)
      if (!row) return false
      yield* enqueueNotice(botId, {
        kind: "zarinpal_failed",
        subjectId: paymentId,
        userId: row.userId,
        payload: { reason }
      })
      return true
    })
  )
  if (failed) {
    countPayment(botId, "zarinpal", "failed")
    yield* Effect.logWarning(`ZarinPal payment ${paymentId} of bot ${botId} failed verification: ${reason}`)
  }
  return failed
})
