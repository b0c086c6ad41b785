/**
 * Where the tenant's own notifications go and what they say (issue 19, item 6):
 *
 * - a `sale` (purchase, renewal, trial, top-up, referral reward;
 *   src/tenants/sale-notices.ts) to NOTIFICATION_GROUP_ID, in its
 *   NOTIFICATION_TOPIC_ID topic;
 * - the `daily_summary` (src/shop/daily-summary.ts) there too, else to the
 *   admins (ADMIN_CHAT_ID in its ADMIN_TOPIC_ID topic, else each privately).
 *
 * Receipts keep their CARD_RECEIPT_TOPIC_ID topic and alerts go to ADMIN_TOPIC_ID
 * (src/messages/admin-alerts.ts). Texts in the tenant's default language.
 */
import { Effect } from "effect"
import { withTenant } from "../db/tenant.ts"
import { describeUser, formatMoney, formatNumber } from "../messages/format.ts"
import { translator } from "../messages/i18n.ts"
import type { Translate } from "../messages/i18n.ts"
import type { SendOptions } from "../telegram/notifier.ts"
import type { DailySummary } from "../shop/daily-summary.ts"
import type { SaleEvent, SalePayload } from "../tenants/sale-notices.ts"
import { adminTargets, adminThread, notificationTarget, shopSettings } from "../tenants/shop-settings.ts"
import type { Tenant } from "../tenants/tenant-cache.ts"
import { userById } from "../tenants/users.ts"
import type { ClaimedNotice } from "./notice-queue.ts"

export interface RoutedMessage {
  readonly chatId: number
  readonly text: string
  readonly options: SendOptions
}

const METHOD_KEYS: Record<string, string> = {
  card_to_card: "notify-method-card",
  zarinpal: "notify-method-zarinpal",
  wallet: "notify-method-wallet",
  admin: "notify-method-admin"
}

const SALE_KEYS: Record<SaleEvent, string> = {
  purchase: "notify-sale-purchase",
  renewal: "notify-sale-renewal",
  trial: "notify-sale-trial",
  top_up: "notify-sale-top-up",
  referral_reward: "notify-sale-referral-reward"
}

const methodName = (t: Translate, method: string | undefined) =>
  method === undefined ? "-" : METHOD_KEYS[method] !== undefined ? t(METHOD_KEYS[method]) : method

/** The sale announcement, or undefined when the tenant has no notification group (any more). */
export const saleMessage = (notice: ClaimedNotice, tenant: Tenant) =>
  Effect.gen(function* () {
    const target = notificationTarget(shopSettings(tenant))
    if (target === undefined) return undefined
    const sale = JSON.parse(notice.payloadJson) as SalePayload
    const customer =
      notice.userId === null ? undefined : yield* withTenant(notice.botId, userById(notice.botId, notice.userId))
    const locale = tenant.defaultLanguage
    const t = translator(locale)
    const text = t(SALE_KEYS[sale.event], {
      shop: tenant.name,
      user: customer === undefined ? "-" : describeUser(customer),
      plan: sale.plan ?? "-",
      amount: formatMoney(t, locale, sale.amount, tenant.currency),
      method: methodName(t, sale.method)
    })
    return { chatId: target.chatId, text, options: target.thread } satisfies RoutedMessage
  })

/** The daily summary, to the notification group, else to the admins. */
export const dailySummaryMessages = (notice: ClaimedNotice, tenant: Tenant): ReadonlyArray<RoutedMessage> => {
  const summary = JSON.parse(notice.payloadJson) as DailySummary
  const settings = shopSettings(tenant)
  const locale = tenant.defaultLanguage
  const t = translator(locale)
  const count = (n: number) => formatNumber(locale, n)
  const sales = summary.figures.sales.map((s) =>
    t("notify-summary-sales-line", {
      method: methodName(t, s.method),
      count: count(s.count),
      amount: formatMoney(t, locale, s.amount, tenant.currency)
    })
  )
  const text = [
    t("notify-summary", {
      shop: tenant.name,
      date: summary.date,
      customers: count(summary.figures.newCustomers),
      trials: count(summary.figures.trials),
      conversions: count(summary.figures.conversions),
      renewals: count(summary.figures.renewals)
    }),
    ...(sales.length > 0 ? sales : [t("notify-summary-no-sales")])
  ].join("\n")
  const group = notificationTarget(settings)
  if (group !== undefined) return [{ chatId: group.chatId, text, options: group.thread }]
  const thread = adminThread(settings, settings.adminTopicId)
  return adminTargets(settings).map((chatId) => ({ chatId, text, options: thread }))
}
