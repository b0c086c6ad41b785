/**
 * Notices to a tenant's admins (sale refused for lack of platform balance, the
 * balance running low, a subscription that could not be provisioned), in the
 * tenant's default language: to ADMIN_CHAT_ID (in its ADMIN_TOPIC_ID topic when
 * set), else to each admin privately.
 * Best effort: an alert that cannot be delivered is logged, never retried into
 * a loop, and never fails the operation it reports on.
 */
import { Effect } from "effect"
import type { Api } from "grammy"
import { translator } from "./i18n.ts"
import { TelegramNotifier } from "../telegram/notifier.ts"
import { adminTargets, adminThread, shopSettings } from "../tenants/shop-settings.ts"
import type { Tenant } from "../tenants/tenant-cache.ts"

export type AlertKey =
  | "alert-sale-refused"
  | "alert-low-balance"
  | "alert-provision-failed"
  | "alert-zarinpal-failed"
  | "alert-panel-drift"

const alertText = (tenant: Tenant, key: AlertKey, variables: Record<string, string | number>) =>
  translator(tenant.defaultLanguage)(key, { shop: tenant.name, ...variables })

/** From inside an update (the update's own bot API). */
export const alertAdminsWith = async (
  api: Api,
  tenant: Tenant,
  key: AlertKey,
  variables: Record<string, string | number>
): Promise<void> => {
  const text = alertText(tenant, key, variables)
  const settings = shopSettings(tenant)
  const thread = adminThread(settings, settings.adminTopicId)
  // Not awaited: the customer's update does not wait for the admins' chat, which Telegram
  // paces at 20 messages a minute for a group (src/telegram/send-pace.ts). Best effort, as before.
  for (const chatId of adminTargets(settings)) void api.sendMessage(chatId, text, thread).catch(() => undefined)
}

/** From outside an update (outbox worker, payment callback). */
export const alertAdmins = (tenant: Tenant, key: AlertKey, variables: Record<string, string | number>) =>
  Effect.gen(function* () {
    const notifier = yield* TelegramNotifier
    const text = alertText(tenant, key, variables)
    const settings = shopSettings(tenant)
    const thread = adminThread(settings, settings.adminTopicId)
    yield* Effect.forEach(
      adminTargets(settings),
      (chatId) =>
        notifier
          .send(tenant.botId, chatId, text, thread)
          .pipe(Effect.catch((e) => Effect.logWarning(`admin alert not delivered: ${e.message}`))),
      { discard: true }
    )
  })
