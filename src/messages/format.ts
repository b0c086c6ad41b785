/**
 * How amounts and times read in each language. Formatting happens here, in
 * TypeScript, and the results go into the Fluent messages as strings: card
 * numbers, links and tracking numbers stay exactly as they are.
 *
 * Times are shown in Iran's time zone: the shops sell to Iranian users and
 * count in tomans (a per-tenant zone would be a configuration key).
 */
import type { Language } from "../tenants/tenant-cache.ts"
import type { Translate } from "./i18n.ts"

export const SHOP_TIME_ZONE = "Asia/Tehran"

const intlLocale = (locale: Language) => (locale === "fa" ? "fa-IR" : locale === "ru" ? "ru-RU" : "en-US")

const numberFormats = new Map<Language, Intl.NumberFormat>()

export const formatNumber = (locale: Language, n: number): string => {
  let f = numberFormats.get(locale)
  if (!f) {
    f = new Intl.NumberFormat(intlLocale(locale))
    numberFormats.set(locale, f)
  }
  return f.format(n)
}

/** `50,000 toman` / `۵۰٬۰۰۰ تومان` / `50 000 томан`; an unknown currency keeps its code. */
export const formatMoney = (t: Translate, locale: Language, amount: number, currency: string): string => {
  const name = t("currency-name", { currency })
  return `${formatNumber(locale, amount)} ${name}`
}

export const formatDateTime = (locale: Language, date: Date): string =>
  new Intl.DateTimeFormat(intlLocale(locale), {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: SHOP_TIME_ZONE
  }).format(date)

export const formatTime = (locale: Language, date: Date): string =>
  new Intl.DateTimeFormat(intlLocale(locale), { timeStyle: "short", timeZone: SHOP_TIME_ZONE }).format(date)

/** Reads a typed amount: Persian and Arabic-Indic digits, thousands separators and spaces are accepted. */
export const parseAmount = (text: string): number | undefined => {
  const digits = text
    .trim()
    .replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\s,٬_.']/g, "")
  if (!/^[0-9]{1,15}$/.test(digits)) return undefined
  const n = Number(digits)
  return Number.isSafeInteger(n) ? n : undefined
}

/** "Ali (@ali, 123)" for admins' eyes. */
export const describeUser = (user: {
  readonly firstName: string | null
  readonly username: string | null
  readonly telegramId: number
}) => `${user.firstName ?? ""}${user.username ? ` (@${user.username})` : ""} [${user.telegramId}]`.trim()
