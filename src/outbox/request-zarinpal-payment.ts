/**
 * The outbox task that opens a ZarinPal payment (queued when the user confirms
 * a ZarinPal purchase or top-up, run outside any tenant transaction):
 *
 * 1. request an authority with the tenant's merchant id and sandbox flag, the
 *    amount in the tenant's unit and its currency (the one conversion point is
 *    `toGatewayAmount` in zarinpal-client.ts) and our callback URL;
 * 2. record it on the payment (only if the payment still has none);
 * 3. send the user the StartPay link.
 *
 * `request` is not retried inside the client (a lost answer may still have
 * opened a payment at ZarinPal); a retried task may open a second one, which is
 * harmless: only the recorded authority is ever shown, verified or credited.
 */
import { Effect } from "effect"
import { InlineKeyboard } from "grammy"
import { alertAdmins } from "../messages/admin-alerts.ts"
import { formatDateTime, formatMoney } from "../messages/format.ts"
import { localeOf, translator } from "../messages/i18n.ts"
import { TelegramNotifier } from "../telegram/notifier.ts"
import { shopSettings } from "../tenants/shop-settings.ts"
import { tenantOf } from "../tenants/tenant-cache.ts"
import { AppConfig } from "../config.ts"
import { withTenant } from "../db/tenant.ts"
import type { ClaimedTask } from "./fleet-queue.ts"
import type { TaskOutcome } from "./task.ts"
import { countPayment } from "../payments/payment-metrics.ts"
import { ZarinpalClient } from "../payments/zarinpal-client.ts"
import { failZarinpalPayment, recordAuthority, zarinpalPaymentById } from "../payments/zarinpal-payments.ts"
import type { ZarinpalPaymentRow } from "../payments/zarinpal-payments.ts"

export const zarinpalCallbackUrl = (publicUrl: string, botId: number) =>
  `${publicUrl.replace(/\/+$/, "")}/payments/zarinpal/callback/${botId}`

/** Marks the payment failed and tells the user (in their language). */
const giveUp = (task: ClaimedTask, payment: ZarinpalPaymentRow, reason: string) =>
  Effect.gen(function* () {
    const failed = yield* withTenant(task.botId, failZarinpalPayment(task.botId, payment.id, reason))
    if (!failed) return
    countPayment(task.botId, "zarinpal", "failed")
    const tenant = yield* tenantOf(task.botId)
    const t = translator(localeOf(payment.language, tenant.defaultLanguage))
    const notifier = yield* TelegramNotifier
    yield* notifier.send(task.botId, payment.telegramId, t("zarinpal-unavailable")).pipe(Effect.ignore)
    yield* alertAdmins(tenant, "alert-zarinpal-failed", { payment: String(payment.id), reason })
  })

export const requestZarinpalPayment = (task: ClaimedTask) =>
  Effect.gen(function* () {
    const botId = task.botId
    let payment = yield* withTenant(botId, zarinpalPaymentById(botId, task.subjectId))
    if (payment?.status !== "pending") return { _tag: "Done" } satisfies TaskOutcome
    const tenant = yield* tenantOf(botId)
    const settings = shopSettings(tenant)
    if (payment.zarinpalAuthority === null) {
      const merchantId = settings.zarinpalMerchantId
      if (merchantId === undefined || (tenant.currency !== "IRT" && tenant.currency !== "IRR")) {
        yield* giveUp(task, payment, "ZarinPal is not configured for this shop")
        return { _tag: "Failed", reason: "ZarinPal is not configured for this shop" } satisfies TaskOutcome
      }
      const config = yield* AppConfig
      const callbackUrl = zarinpalCallbackUrl(config.publicUrl, botId)
      const zarinpal = yield* ZarinpalClient
      const requested = yield* zarinpal
        .request({
          merchantId,
          sandbox: settings.zarinpalSandbox,
          amount: payment.amount,
          currency: tenant.currency,
          callbackUrl,
          description: payment.description ?? tenant.name,
          orderId: String(payment.id)
        })
        .pipe(
          Effect.map((r) => ({ _tag: "Requested" as const, ...r })),
          Effect.catchTag("ZarinpalRejected", (e) => Effect.succeed({ _tag: "Rejected" as const, reason: e.message }))
        )
      if (requested._tag === "Rejected") {
        yield* giveUp(task, payment, requested.reason)
        return { _tag: "Failed", reason: requested.reason } satisfies TaskOutcome
      }
      yield* withTenant(botId, recordAuthority(botId, payment.id, requested.authority, callbackUrl))
      payment = yield* withTenant(botId, zarinpalPaymentById(botId, task.subjectId))
      if (payment?.status !== "pending" || payment.zarinpalAuthority === null) {
        return { _tag: "Done" } satisfies TaskOutcome
      }
    }
    const locale = localeOf(payment.language, tenant.defaultLanguage)
    const t = translator(locale)
    const zarinpal = yield* ZarinpalClient
    const url = zarinpal.startPayUrl(payment.zarinpalAuthority!, settings.zarinpalSandbox)
    const notifier = yield* TelegramNotifier
    const sent = yield* notifier
      .send(
        botId,
        payment.telegramId,
        t("zarinpal-pay-link", {
          amount: formatMoney(t, locale, payment.amount, tenant.currency),
          deadline: formatDateTime(locale, payment.expiresAt)
        }),
        { reply_markup: new InlineKeyboard().url(t("zarinpal-pay-button"), url) }
      )
      .pipe(
        Effect.map(() => true),
        Effect.catch((e) =>
          e.permanent
            ? Effect.as(Effect.logWarning(`payment link not delivered: ${e.message}`), true)
            : Effect.succeed(false)
        )
      )
    return sent
      ? ({ _tag: "Done" } satisfies TaskOutcome)
      : ({ _tag: "Retry", reason: "the payment link could not be sent yet" } satisfies TaskOutcome)
  })

/** After the last retry (ZarinPal unreachable all along): the payment fails and the user is told. */
export const zarinpalRequestGaveUp = (task: ClaimedTask, reason: string) =>
  Effect.gen(function* () {
    const payment = yield* withTenant(task.botId, zarinpalPaymentById(task.botId, task.subjectId))
    if (payment) yield* giveUp(task, payment, reason)
  })
