/**
 * What the user and the tenant's admins are told once money arrived (a card
 * payment approved, a ZarinPal payment verified, a wallet purchase), shared by
 * the Telegram handlers and the payment callback so both say the same thing.
 */
import type { PurchaseOutcome } from "../payments/purchase.ts"
import type { AlertKey } from "./admin-alerts.ts"
import { formatDateTime, formatMoney } from "./format.ts"
import type { Translate } from "./i18n.ts"
import type { ShopSettings } from "../tenants/shop-settings.ts"
import type { Language } from "../tenants/tenant-cache.ts"

export type CompletedPurchase = PurchaseOutcome & { readonly planName: string }

export interface MoneyIn {
  readonly amount: number
  readonly balanceAfterDeposit: number
  readonly purchase: CompletedPurchase | undefined
}

/** The user's message: the deposit, then what it bought (or why the sale could not go through). */
export const moneyInText = (t: Translate, locale: Language, currency: string, money: MoneyIn): string => {
  const amount = formatMoney(t, locale, money.amount, currency)
  const purchase = money.purchase
  if (purchase === undefined) {
    return t("payment-credited", { amount, balance: formatMoney(t, locale, money.balanceAfterDeposit, currency) })
  }
  if (purchase._tag === "SaleRefused") {
    return t("purchase-refused-kept", { amount, plan: purchase.planName })
  }
  return t("purchase-paid", {
    amount,
    plan: purchase.planName,
    expires: formatDateTime(locale, purchase.expiresAt)
  })
}

/** The message after a purchase paid from the wallet itself. */
export const walletPurchaseText = (
  t: Translate,
  locale: Language,
  currency: string,
  purchase: CompletedPurchase,
  price: number
): string =>
  purchase._tag === "SaleRefused"
    ? t("purchase-refused", { plan: purchase.planName })
    : t("purchase-completed", {
        plan: purchase.planName,
        price: formatMoney(t, locale, price, currency),
        balance: formatMoney(t, locale, purchase.balanceAfter, currency),
        expires: formatDateTime(locale, purchase.expiresAt)
      })

export interface AdminAlert {
  readonly key: AlertKey
  readonly variables: Record<string, string | number>
}

/**
 * Alerts a sale raises for the tenant's admins: refused for lack of platform
 * balance, or the platform balance crossing below TENANT_LOW_BALANCE_THRESHOLD
 * (once per crossing: only the sale that takes it below warns).
 */
export const purchaseAlerts = (
  settings: ShopSettings,
  purchase: CompletedPurchase | undefined,
  buyer: { readonly telegramId: number }
): ReadonlyArray<AdminAlert> => {
  if (purchase === undefined) return []
  if (purchase._tag === "SaleRefused") {
    return [
      {
        key: "alert-sale-refused",
        variables: {
          plan: purchase.planName,
          user: String(buyer.telegramId),
          balance: purchase.tenantBalance,
          required: purchase.required
        }
      }
    ]
  }
  const threshold = settings.lowBalanceThreshold
  if (
    threshold !== undefined &&
    purchase.tenantBalanceAfter < threshold &&
    purchase.tenantBalanceAfter + purchase.tenantCharge >= threshold
  ) {
    return [{ key: "alert-low-balance", variables: { balance: purchase.tenantBalanceAfter, threshold } }]
  }
  return []
}
