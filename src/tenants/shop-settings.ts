/**
 * The tenant's shop settings, typed: each configuration key decoded with its
 * schema (src/tenants/configurations.ts), falling back to its default when unset
 * or invalid. Derived once per cached Tenant object.
 */
import { Option, Schema } from "effect"
import { ConfigDefaults, ConfigSchemas } from "./configurations.ts"
import type { KnownConfigKey } from "./configurations.ts"
import type { Tenant } from "./tenant-cache.ts"

export interface ShopSettings {
  readonly adminIds: ReadonlySet<number>
  /** Where admin notices go; without it, to each admin's private chat. */
  readonly adminChatId: number | undefined
  readonly receiptTopicId: number | undefined
  /** The topic of the admin chat for operational alerts (only with adminChatId). */
  readonly adminTopicId: number | undefined
  /** Where sales, renewals, trials and top-ups are announced; unset = nowhere. */
  readonly notificationGroupId: number | undefined
  readonly notificationTopicId: number | undefined
  /** The daily summary's hour in timeZone; unset = no summary. */
  readonly dailySummaryHour: number | undefined
  readonly timeZone: string
  readonly supportUsername: string | undefined
  readonly cardPaymentTtlMinutes: number
  readonly zarinpalPaymentTtlMinutes: number
  readonly minPaymentAmount: number
  readonly maxPaymentAmount: number
  readonly zarinpalMerchantId: string | undefined
  readonly zarinpalSandbox: boolean
  /** Warn the tenant's admins when the platform wallet drops below this; unset = no warning. */
  readonly lowBalanceThreshold: number | undefined
  /** The free trial (flag trial_subscription): days, GiB (0 = unlimited), devices. */
  readonly trial: { readonly days: number; readonly trafficGb: number; readonly devices: number }
  /** The referral program (flag referral_program): commission percent and first-purchase bonuses. */
  readonly referral: {
    readonly commissionPercent: number
    readonly bonusReferrer: number
    readonly bonusReferred: number
  }
  /** A broadcast's pace (messages a second). */
  readonly broadcastMessagesPerSecond: number
}

const decoders = new Map<string, (u: unknown) => Option.Option<unknown>>()
const decoderOf = (key: string, schema: Schema.Top) => {
  let d = decoders.get(key)
  if (!d) {
    d = Schema.decodeUnknownOption(schema as Schema.Codec<unknown>)
    decoders.set(key, d)
  }
  return d
}

const read = <K extends KnownConfigKey>(tenant: Tenant, key: K): (typeof ConfigSchemas)[K]["Type"] | undefined => {
  const decoded = decoderOf(key, ConfigSchemas[key])(tenant.config[key])
  if (Option.isSome(decoded)) return decoded.value as (typeof ConfigSchemas)[K]["Type"]
  return Object.hasOwn(ConfigDefaults, key) ? ((ConfigDefaults as Record<string, unknown>)[key] as never) : undefined
}

const cache = new WeakMap<Tenant, ShopSettings>()

export const shopSettings = (tenant: Tenant): ShopSettings => {
  const hit = cache.get(tenant)
  if (hit) return hit
  const settings: ShopSettings = {
    adminIds: new Set(read(tenant, "ADMIN_IDS") ?? []),
    adminChatId: read(tenant, "ADMIN_CHAT_ID"),
    receiptTopicId: read(tenant, "CARD_RECEIPT_TOPIC_ID"),
    adminTopicId: read(tenant, "ADMIN_TOPIC_ID"),
    notificationGroupId: read(tenant, "NOTIFICATION_GROUP_ID"),
    notificationTopicId: read(tenant, "NOTIFICATION_TOPIC_ID"),
    dailySummaryHour: read(tenant, "DAILY_SUMMARY_HOUR"),
    timeZone: read(tenant, "TIME_ZONE")!,
    supportUsername: read(tenant, "SUPPORT_USERNAME")?.replace(/^@/, ""),
    cardPaymentTtlMinutes: read(tenant, "CARD_PAYMENT_TTL_MINUTES")!,
    zarinpalPaymentTtlMinutes: read(tenant, "ZARINPAL_PAYMENT_TTL_MINUTES")!,
    minPaymentAmount: read(tenant, "MIN_PAYMENT_AMOUNT")!,
    maxPaymentAmount: read(tenant, "MAX_PAYMENT_AMOUNT")!,
    zarinpalMerchantId: read(tenant, "ZARINPAL_MERCHANT_ID"),
    zarinpalSandbox: read(tenant, "ZARINPAL_SANDBOX") ?? false,
    lowBalanceThreshold: read(tenant, "TENANT_LOW_BALANCE_THRESHOLD"),
    trial: {
      days: read(tenant, "TRIAL_DAYS")!,
      trafficGb: read(tenant, "TRIAL_TRAFFIC_GB")!,
      devices: read(tenant, "TRIAL_DEVICES")!
    },
    referral: {
      commissionPercent: read(tenant, "REFERRAL_COMMISSION_PERCENT")!,
      bonusReferrer: read(tenant, "REFERRAL_FIRST_PURCHASE_BONUS_REFERRER")!,
      bonusReferred: read(tenant, "REFERRAL_FIRST_PURCHASE_BONUS_REFERRED")!
    },
    broadcastMessagesPerSecond: read(tenant, "BROADCAST_MESSAGES_PER_SECOND")!
  }
  cache.set(tenant, settings)
  return settings
}

export const isShopAdmin = (tenant: Tenant, telegramId: number | undefined): boolean =>
  telegramId !== undefined && shopSettings(tenant).adminIds.has(telegramId)

/** Chats that receive admin notices: the admin chat, else every admin privately. */
export const adminTargets = (settings: ShopSettings): ReadonlyArray<number> =>
  settings.adminChatId !== undefined ? [settings.adminChatId] : [...settings.adminIds]

/** The forum topic of an admin-chat message: `topicId` when the admins share a chat, none for private chats. */
export const adminThread = (settings: ShopSettings, topicId: number | undefined): { message_thread_id?: number } =>
  settings.adminChatId !== undefined && topicId !== undefined ? { message_thread_id: topicId } : {}

/** Where a sale notification goes: the notification group (and its topic), when set. */
export const notificationTarget = (
  settings: ShopSettings
): { readonly chatId: number; readonly thread: { message_thread_id?: number } } | undefined =>
  settings.notificationGroupId === undefined
    ? undefined
    : {
        chatId: settings.notificationGroupId,
        thread: settings.notificationTopicId !== undefined ? { message_thread_id: settings.notificationTopicId } : {}
      }

/** The free trial is offered when the flag is on (whether this customer may take it is the user row's). */
export const trialEnabled = (tenant: Tenant) => tenant.flags.has("trial_subscription")

/** Card-to-card is offered when the flag is on (active cards are checked when a payment starts). */
export const cardPaymentsEnabled = (tenant: Tenant) => tenant.flags.has("card_to_card")

/** ZarinPal is offered when the flag is on, a merchant id is set and the shop counts in tomans or rials. */
export const zarinpalEnabled = (tenant: Tenant) =>
  tenant.flags.has("zarinpal") &&
  shopSettings(tenant).zarinpalMerchantId !== undefined &&
  (tenant.currency === "IRT" || tenant.currency === "IRR")
