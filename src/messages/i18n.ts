/**
 * Every user-facing text, in fa (the default), en and ru, from the Fluent files
 * in ./locales/<language>/<concern>.ftl (@grammyjs/i18n merges a folder). Handlers use `ctx.t`; code outside an update
 * (the outbox worker, the ZarinPal callback) uses `translate` with the locale of
 * the user it writes to (`localeOf`).
 */
import { I18n } from "@grammyjs/i18n"
import { fileURLToPath } from "node:url"
import type { Context } from "grammy"
import type { Language } from "../tenants/tenant-cache.ts"

export const LANGUAGES: ReadonlyArray<Language> = ["fa", "en", "ru"]

/** What the locale negotiator reads from a chat update's context (the chat UI's context has it). */
type LocaleContext = Context & {
  readonly tenant: { readonly defaultLanguage: Language }
  readonly user: { readonly language: Language | null } | undefined
}

export const i18n = new I18n<LocaleContext>({
  defaultLocale: "fa",
  directory: fileURLToPath(new URL("./locales", import.meta.url)),
  useSession: false,
  // Telegram renders mixed-direction text well; Unicode isolation marks would
  // end up inside copied card numbers and links.
  fluentBundleOptions: { useIsolating: false },
  // The user's own choice first, then the tenant's default language.
  localeNegotiator: (ctx) => ctx.user?.language ?? ctx.tenant.defaultLanguage
})

/** The language to write to a user in: their choice, else the tenant's default. */
export const localeOf = (userLanguage: Language | null | undefined, tenantDefault: Language): Language =>
  userLanguage ?? tenantDefault

export type Translate = (key: string, variables?: Record<string, string | number>) => string

/** A translate function bound to one locale, for code outside an update. */
export const translator =
  (locale: Language): Translate =>
  (key, variables) =>
    i18n.t(locale, key, variables)
