/**
 * ZarinPal's callback (`GET /payments/zarinpal/callback/:botId?Authority=&Status=`):
 * the user's browser arrives here from the bank, on any replica, possibly more
 * than once. What it may change:
 *
 * - an authority this tenant does not have (forged, or another tenant's: RLS
 *   hides it) → 404, nothing changes;
 * - a payment no longer pending (a replay) → its page, nothing changes;
 * - either status → verify with OUR amount (never the request's), outside any
 *   transaction — the query string is the browser's word, ZarinPal's verify is
 *   the truth: 100 and 101 both mean paid → pending → paid, credited once (the
 *   row lock and status check in markZarinpalPaid), even when the callback
 *   said NOK (a forged NOK used to cancel a paid payment); -51 (not paid) →
 *   cancelled for NOK, still pending for OK (a forged OK); an amount mismatch,
 *   an unknown authority or another refusal → failed; ZarinPal unreachable →
 *   503, still pending (the reconciliation job or a reload settles it later);
 * - verify is asked at most once per ZARINPAL_VERIFY_INTERVAL_SECONDS per
 *   payment, cluster-wide (claimZarinpalVerify): a burst of callbacks on one
 *   authority is answered "try again shortly" (503) without asking ZarinPal.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { alertAdmins } from "../../messages/admin-alerts.ts"
import { localeOf, translator } from "../../messages/i18n.ts"
import { TelegramNotifier } from "../../telegram/notifier.ts"
import { shopSettings } from "../../tenants/shop-settings.ts"
import { moneyInText, purchaseAlerts } from "../../messages/payment-messages.ts"
import { TenantCache } from "../../tenants/tenant-cache.ts"
import type { Language } from "../../tenants/tenant-cache.ts"
import { AppConfig } from "../../config.ts"
import { withTenant } from "../../db/tenant.ts"
import { countPayment } from "../../payments/payment-metrics.ts"
import { reopenExpiredZarinpalPayment } from "../../payments/reopen-expired-zarinpal-payment.ts"
import { ZarinpalClient } from "../../payments/zarinpal-client.ts"
import {
  cancelZarinpalPayment,
  claimZarinpalVerify,
  failZarinpalPayment,
  markZarinpalPaid,
  zarinpalPaymentByAuthority
} from "../../payments/zarinpal-payments.ts"
import type { ZarinpalPaymentRow } from "../../payments/zarinpal-payments.ts"

export type CallbackPage = "paid" | "cancelled" | "not-paid" | "failed" | "unavailable" | "not-found" | "expired"

export interface CallbackResult {
  readonly status: 200 | 404 | 503
  readonly page: CallbackPage
  readonly locale: Language
  /** The bot's username, for a link back to the chat. */
  readonly botUsername: string | null
}

const pageOf = (status: ZarinpalPaymentRow["status"]): CallbackPage =>
  status === "paid"
    ? "paid"
    : status === "cancelled"
      ? "cancelled"
      : status === "expired"
        ? "expired"
        : status === "failed"
          ? "failed"
          : "not-paid"

export const handleZarinpalCallback = Effect.fn("handleZarinpalCallback")(function* (
  botId: number,
  authority: string,
  status: "OK" | "NOK"
) {
  const sql = yield* SqlClient.SqlClient
  const found = yield* withTenant(
    botId,
    Effect.gen(function* () {
      const payment = yield* zarinpalPaymentByAuthority(botId, authority)
      if (!payment) return undefined
      const tenant = yield* TenantCache.use((cache) => cache.get(botId))
      const [bot] = yield* sql<{
        telegramUsername: string | null
      }>`SELECT telegram_username FROM bots WHERE id = ${botId}`
      return { payment, tenant, botUsername: bot?.telegramUsername ?? null }
    })
  )
  if (!found) return { status: 404, page: "not-found", locale: "fa", botUsername: null } satisfies CallbackResult
  const { payment, tenant, botUsername } = found
  const locale = localeOf(payment.language, tenant.defaultLanguage)
  const t = translator(locale)
  const result = (page: CallbackPage, code: 200 | 503 = 200): CallbackResult => ({
    status: code,
    page,
    locale,
    botUsername
  })
  const notifier = yield* TelegramNotifier
  const tell = (text: string) =>
    notifier
      .send(botId, payment.telegramId, text)
      .pipe(Effect.catch((e) => Effect.logWarning(`payment notice not delivered: ${e.message}`)))
  if (payment.status !== "pending") return result(pageOf(payment.status))

  const { zarinpalVerifyIntervalSeconds } = yield* AppConfig
  const claimed = yield* withTenant(botId, claimZarinpalVerify(botId, payment.id, zarinpalVerifyIntervalSeconds))
  if (!claimed) return result("unavailable", 503)

  const settings = shopSettings(tenant)
  const zarinpal = yield* ZarinpalClient
  const verified = yield* zarinpal
    .verify({
      merchantId: settings.zarinpalMerchantId ?? "",
      sandbox: settings.zarinpalSandbox,
      amount: payment.amount,
      currency: tenant.currency === "IRR" ? "IRR" : "IRT",
      authority
    })
    .pipe(
      Effect.map((v) => ({ _tag: "Paid" as const, refId: v.refId, cardPan: v.cardPan })),
      Effect.catchTags({
        ZarinpalNotPaid: () => Effect.succeed({ _tag: "NotPaid" as const }),
        ZarinpalUnavailable: (e) => Effect.succeed({ _tag: "Unavailable" as const, reason: e.message }),
        ZarinpalAmountMismatch: (e) => Effect.succeed({ _tag: "Refused" as const, reason: e.message }),
        ZarinpalUnknownAuthority: (e) => Effect.succeed({ _tag: "Refused" as const, reason: e.message }),
        ZarinpalRejected: (e) => Effect.succeed({ _tag: "Refused" as const, reason: e.message })
      })
    )
  switch (verified._tag) {
    case "NotPaid": {
      if (status === "OK") return result("not-paid")
      // ZarinPal confirms it was not paid: the NOK is true, the payment is cancelled.
      const cancelled = yield* withTenant(botId, cancelZarinpalPayment(botId, payment.id))
      if (!cancelled) return result(pageOf((yield* reload(botId, authority)) ?? "pending"))
      countPayment(botId, "zarinpal", "cancelled")
      yield* tell(t("zarinpal-cancelled"))
      return result("cancelled")
    }
    case "Unavailable":
      yield* Effect.logWarning(`ZarinPal verification unavailable: ${verified.reason}`)
      return result("unavailable", 503)
    case "Refused": {
      const failed = yield* withTenant(botId, failZarinpalPayment(botId, payment.id, verified.reason))
      if (!failed) return result(pageOf((yield* reload(botId, authority)) ?? "pending"))
      countPayment(botId, "zarinpal", "failed")
      yield* Effect.logWarning(`ZarinPal payment ${payment.id} failed verification: ${verified.reason}`)
      yield* tell(t("zarinpal-failed"))
      yield* alertAdmins(tenant, "alert-zarinpal-failed", { payment: String(payment.id), reason: verified.reason })
      return result("failed")
    }
    case "Paid": {
      // ZarinPal has the money now. If the expiry job expired the payment since we read
      // it as pending, reopen it in this same transaction and credit it: after verify it
      // no longer appears in unVerified, so reconciliation could never recover it.
      const paid = yield* withTenant(
        botId,
        Effect.andThen(reopenExpiredZarinpalPayment(botId, payment.id), markZarinpalPaid(botId, payment.id, verified))
      )
      if (!paid) return result(pageOf((yield* reload(botId, authority)) ?? "pending"))
      countPayment(botId, "zarinpal", "paid")
      yield* tell(
        moneyInText(t, locale, tenant.currency, {
          amount: payment.amount,
          balanceAfterDeposit: paid.balanceAfterDeposit,
          purchase: paid.purchase
        })
      )
      for (const alert of purchaseAlerts(settings, paid.purchase, payment)) {
        yield* alertAdmins(tenant, alert.key, alert.variables)
      }
      return result("paid")
    }
  }
})

const reload = (botId: number, authority: string) =>
  withTenant(botId, zarinpalPaymentByAuthority(botId, authority)).pipe(Effect.map((p) => p?.status))
