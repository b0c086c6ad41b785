/**
 * What each notice says and to whom, rendered when it is sent — in the user's
 * language (their choice, else the tenant's default), admins in the tenant's
 * default — with the shop's own texts and formatting (src/messages/locales,
 * src/messages/payment-messages.ts), so a job says exactly what the bot or the callback
 * would have said.
 *
 * The outcome tells the worker what to record: Done (sent, or nothing left to
 * say), Retry (Telegram did not take it yet), Failed (it never will: the user
 * blocked the bot, the bot is no longer active).
 */
import { tenantOf } from "../tenants/tenant-cache.ts"
import { Effect } from "effect"
import { GrammyError, InlineKeyboard } from "grammy"
import { alertAdmins } from "../messages/admin-alerts.ts"
import { callbackData } from "../messages/callback-data.ts"
import { formatDateTime, formatMoney } from "../messages/format.ts"
import { localeOf, translator } from "../messages/i18n.ts"
import type { Translate } from "../messages/i18n.ts"
import { TelegramNotifier } from "../telegram/notifier.ts"
import type { NotifyFailed, SendOptions } from "../telegram/notifier.ts"
import { adminTargets, adminThread, shopSettings } from "../tenants/shop-settings.ts"
import { moneyInText, purchaseAlerts } from "../messages/payment-messages.ts"
import type { CompletedPurchase } from "../messages/payment-messages.ts"
import { describeUser } from "../messages/format.ts"
import type { Language, Tenant } from "../tenants/tenant-cache.ts"
import { withTenant } from "../db/tenant.ts"
import { paymentForReview } from "../payments/card-payments.ts"
import type { PaymentForReview } from "../payments/card-payments.ts"
import { fleetBotIsActive } from "../tenants/bot-is-active.ts"
import type { ZarinpalPaidPayload } from "./notice-payloads.ts"
import type { ClaimedNotice } from "./notice-queue.ts"
import { userContact } from "../tenants/users.ts"
import { refusedForGood } from "../telegram/send-failures.ts"
import type { UpdateMessagePayload } from "./update-messages.ts"
import { subscriptionNotice } from "./subscription-notices.ts"
import { dailySummaryMessages, saleMessage } from "./routed-notices.ts"
import type { RoutedMessage } from "./routed-notices.ts"

export type NoticeOutcome =
  | { readonly _tag: "Done"; readonly note?: string }
  | { readonly _tag: "Retry"; readonly reason: string; readonly delaySeconds?: number }
  | { readonly _tag: "Failed"; readonly reason: string }

/**
 * A send that has not answered by then is abandoned and retried later — after
 * SLOW_SEND_RETRY_SECONDS, long enough for the abandoned request's own retries
 * (grammY auto-retry, src/telegram/client.ts) to have finished, so
 * the retry does not race it. The claim's lease outlasts the timeout.
 */
export const SEND_TIMEOUT_SECONDS = 20
export const SLOW_SEND_RETRY_SECONDS = 200

const RECEIPTS_PER_MESSAGE = 10

const done: NoticeOutcome = { _tag: "Done" }

/**
 * One call to Telegram as a notice's outcome: Done once it answered, Retry (later)
 * when it did not answer within SEND_TIMEOUT_SECONDS, else what `failure` says.
 */
const classified = <E, R>(call: Effect.Effect<unknown, E, R>, failure: (error: E) => NoticeOutcome) =>
  call.pipe(
    Effect.timeoutOption(`${SEND_TIMEOUT_SECONDS} seconds`),
    Effect.map(
      (sent): NoticeOutcome =>
        sent._tag === "Some"
          ? done
          : {
              _tag: "Retry",
              reason: `Telegram did not answer within ${SEND_TIMEOUT_SECONDS} s`,
              delaySeconds: SLOW_SEND_RETRY_SECONDS
            }
    ),
    Effect.catch((error: E) => Effect.succeed(failure(error)))
  )

/** One Telegram send, classified. */
const send = (botId: number, chatId: number, text: string, options?: SendOptions) =>
  classified(
    TelegramNotifier.use((notifier) => notifier.send(botId, chatId, text, options)),
    (e: NotifyFailed): NoticeOutcome =>
      e.permanent ? { _tag: "Failed", reason: e.message } : { _tag: "Retry", reason: e.message }
  )

/** A message an update's handler was sending when its process stopped (or Telegram kept failing): the same call again. */
const resend = (botId: number, message: UpdateMessagePayload) =>
  Effect.gen(function* () {
    const api = yield* TelegramNotifier.useSync((notifier) => notifier.api(botId))
    if (api === undefined) return { _tag: "Failed", reason: "the bot is not active" } satisfies NoticeOutcome
    const call = (api.raw as unknown as Record<string, ((payload: unknown) => Promise<unknown>) | undefined>)[
      message.method
    ]
    if (call === undefined)
      return { _tag: "Failed", reason: `unknown method ${message.method}` } satisfies NoticeOutcome
    return yield* classified(
      Effect.tryPromise({ try: () => call(message.payload), catch: (error) => error }),
      (error): NoticeOutcome => {
        const reason = error instanceof GrammyError ? error.description : String(error)
        return refusedForGood(error) !== undefined || (error instanceof GrammyError && error.error_code === 400)
          ? { _tag: "Failed", reason }
          : { _tag: "Retry", reason }
      }
    )
  })

/** To the notice's user in their language; Done without a word when the user is gone. */
const toUser = (
  notice: ClaimedNotice,
  tenant: Tenant,
  render: (t: Translate, locale: Language) => string,
  options?: (t: Translate) => SendOptions
) =>
  Effect.gen(function* () {
    if (notice.userId === null)
      return { outcome: { _tag: "Failed", reason: "the notice names no user" } satisfies NoticeOutcome }
    const user = yield* withTenant(notice.botId, userContact(notice.botId, notice.userId))
    if (!user) return { outcome: { _tag: "Done", note: "the user no longer exists" } satisfies NoticeOutcome }
    const locale = localeOf(user.language, tenant.defaultLanguage)
    const t = translator(locale)
    return { outcome: yield* send(notice.botId, user.telegramId, render(t, locale), options?.(t)), user }
  })

/** JSON dates come back as strings. */
const revivePurchase = (purchase: CompletedPurchase | null): CompletedPurchase | undefined =>
  purchase === null
    ? undefined
    : purchase._tag === "Completed"
      ? { ...purchase, expiresAt: new Date(purchase.expiresAt) }
      : purchase

/** Receipts past their deadline, still pending, as the admins' pending list shows them (with its buttons). */
const receiptReminder = (notice: ClaimedNotice, tenant: Tenant, paymentIds: ReadonlyArray<number>) =>
  Effect.gen(function* () {
    const settings = shopSettings(tenant)
    const targets = adminTargets(settings)
    if (targets.length === 0) return { _tag: "Done", note: "the shop has no admins to remind" } satisfies NoticeOutcome
    const payments = (yield* withTenant(
      notice.botId,
      Effect.forEach(paymentIds, (id) => paymentForReview(notice.botId, id))
    )).filter((p): p is PaymentForReview => p !== undefined && p.status === "pending" && p.receiptSubmittedAt !== null)
    // Reviewed since the reminder was queued: nothing left to remind of.
    if (payments.length === 0) return done
    const locale = tenant.defaultLanguage
    const t = translator(locale)
    const line = (p: PaymentForReview) =>
      t("admin-pending-line", {
        tracking: p.trackingNumber,
        amount: formatMoney(t, locale, p.amount, tenant.currency),
        user: describeUser(p),
        submitted: formatDateTime(locale, p.receiptSubmittedAt ?? p.expiresAt),
        text: p.receiptText?.slice(0, 200) ?? "-"
      })
    // At most RECEIPTS_PER_MESSAGE per message: Telegram's 4,096 characters and a keyboard an admin can use.
    const messages: Array<{ readonly text: string; readonly keyboard: InlineKeyboard }> = []
    for (let i = 0; i < payments.length; i += RECEIPTS_PER_MESSAGE) {
      const chunk = payments.slice(i, i + RECEIPTS_PER_MESSAGE)
      const keyboard = new InlineKeyboard()
      for (const p of chunk) {
        keyboard
          .text(`✅ ${p.trackingNumber.slice(-6)}`, callbackData.approve(p.id))
          .text(`❌ ${p.trackingNumber.slice(-6)}`, callbackData.reject(p.id))
          .row()
      }
      messages.push({ text: [t("admin-pending-title"), "", ...chunk.map(line)].join("\n\n"), keyboard })
    }
    const thread = adminThread(settings, settings.receiptTopicId)
    // Several admins, each privately, at once: one that cannot be reached does not hold up the
    // others. Reaching any admin is enough (a reminder is repeated every interval anyway);
    // reaching none is retried, unless Telegram refused every one for good.
    const outcomes = yield* Effect.forEach(
      targets,
      (chatId) =>
        Effect.gen(function* () {
          for (const message of messages) {
            const outcome = yield* send(notice.botId, chatId, message.text, {
              reply_markup: message.keyboard,
              ...thread
            })
            if (outcome._tag !== "Done") return outcome
          }
          return done
        }),
      { concurrency: "unbounded" }
    )
    if (outcomes.some((o) => o._tag === "Done")) return done
    return outcomes.find((o) => o._tag === "Retry") ?? outcomes[0]!
  })

/**
 * One text to several chats at once: one that cannot be reached does not hold up
 * the others; reaching any is enough, reaching none is retried unless Telegram
 * refused every one for good.
 */
const sendToAll = (botId: number, messages: ReadonlyArray<RoutedMessage>, none: string) =>
  Effect.gen(function* () {
    if (messages.length === 0) return { _tag: "Done", note: none } satisfies NoticeOutcome
    const outcomes = yield* Effect.forEach(messages, (m) => send(botId, m.chatId, m.text, m.options), {
      concurrency: "unbounded"
    })
    if (outcomes.some((o) => o._tag === "Done")) return done
    return outcomes.find((o) => o._tag === "Retry") ?? outcomes[0]!
  })

/** Sends one claimed notice. */
export const deliverNotice = (notice: ClaimedNotice) =>
  Effect.gen(function* () {
    if ((yield* TelegramNotifier.useSync((notifier) => notifier.api(notice.botId))) === undefined) {
      // This process's watcher does not know the bot as active: just activated (wait), or not active at all.
      return (yield* fleetBotIsActive(notice.botId))
        ? ({ _tag: "Retry", reason: "the bot is not running here yet" } satisfies NoticeOutcome)
        : ({ _tag: "Failed", reason: "the bot is not active" } satisfies NoticeOutcome)
    }
    const payload = JSON.parse(notice.payloadJson) as Record<string, unknown>
    if (notice.kind === "update_message") return yield* resend(notice.botId, payload as unknown as UpdateMessagePayload)
    const tenant = yield* tenantOf(notice.botId)
    switch (notice.kind) {
      case "card_payment_expired":
      case "zarinpal_payment_expired":
        return (yield* toUser(notice, tenant, (t) => t("payment-expired"))).outcome
      case "zarinpal_paid": {
        const paid = payload as unknown as ZarinpalPaidPayload
        const purchase = revivePurchase(paid.purchase)
        const { outcome, user } = yield* toUser(notice, tenant, (t, locale) =>
          moneyInText(t, locale, tenant.currency, {
            amount: paid.amount,
            balanceAfterDeposit: paid.balanceAfterDeposit,
            purchase
          })
        )
        if (outcome._tag === "Done" && user !== undefined) {
          // The admins hear of a refused sale or a low platform balance, as after a callback (best effort).
          for (const alert of purchaseAlerts(shopSettings(tenant), purchase, user)) {
            yield* alertAdmins(tenant, alert.key, alert.variables)
          }
        }
        return outcome
      }
      case "zarinpal_failed": {
        const { outcome } = yield* toUser(notice, tenant, (t) => t("zarinpal-failed"))
        if (outcome._tag !== "Retry") {
          yield* alertAdmins(tenant, "alert-zarinpal-failed", {
            payment: String(notice.subjectId),
            reason: String(payload.reason ?? "")
          })
        }
        return outcome
      }
      case "receipt_reminder":
        return yield* receiptReminder(notice, tenant, (payload.paymentIds as ReadonlyArray<number> | undefined) ?? [])
      case "panel_drift":
        yield* alertAdmins(tenant, "alert-panel-drift", {
          drift: translator(tenant.defaultLanguage)(
            payload.drift === "deleted" ? "panel-drift-deleted" : "panel-drift-disabled"
          ),
          users: ((payload.users as ReadonlyArray<string> | undefined) ?? []).join(", ")
        })
        return done
      case "auto_renewed":
        return (yield* toUser(notice, tenant, (t, locale) =>
          t("auto-renewed", {
            plan: String(payload.plan ?? ""),
            amount: formatMoney(t, locale, Number(payload.amount), tenant.currency),
            balance: formatMoney(t, locale, Number(payload.balanceAfter), tenant.currency),
            expires: formatDateTime(locale, new Date(String(payload.expiresAt)))
          })
        )).outcome
      case "auto_renew_low_balance":
        return (yield* toUser(
          notice,
          tenant,
          (t, locale) =>
            t("auto-renew-low-balance", {
              price: formatMoney(t, locale, Number(payload.price), tenant.currency),
              balance: formatMoney(t, locale, Number(payload.balance), tenant.currency),
              shortfall: formatMoney(t, locale, Number(payload.shortfall), tenant.currency),
              expires: formatDateTime(locale, new Date(String(payload.periodEnd)))
            }),
          (t) => ({ reply_markup: new InlineKeyboard().text(t("wallet-topup-button"), callbackData.walletTopUp()) })
        )).outcome
      case "sale": {
        const message = yield* saleMessage(notice, tenant)
        return message === undefined
          ? ({ _tag: "Done", note: "the shop has no notification group" } satisfies NoticeOutcome)
          : yield* send(notice.botId, message.chatId, message.text, message.options)
      }
      case "daily_summary":
        return yield* sendToAll(notice.botId, dailySummaryMessages(notice, tenant), "the shop has nobody to tell")
      case "subscription_expiring":
      case "subscription_expired":
      case "subscription_expired_reminder":
        return yield* subscriptionNotice(notice, (render) => {
          let keyboard: InlineKeyboard | undefined
          return toUser(
            notice,
            tenant,
            (t, locale) => {
              const rendered = render(t, locale)
              keyboard = rendered.keyboard
              return rendered.text
            },
            () => ({ reply_markup: keyboard! })
          ).pipe(Effect.map((r) => r.outcome))
        })
    }
  })
