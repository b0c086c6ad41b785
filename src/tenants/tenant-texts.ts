/**
 * The tenant's own texts (issue 19): welcome, rules, FAQ and support, each per
 * language, stored as configuration keys `TEXT_<KIND>_<LANG>` (TEXT_WELCOME_FA,
 * TEXT_RULES_EN, …), each a JSON string in Telegram's HTML. One key per text and
 * language keeps an edit or a reset to one row, and the built-in fallback to "key
 * not set". A text is checked before it is saved (`tenantTextProblem`): it must
 * parse as Telegram's HTML parse mode would (src/telegram/html-text.ts — the
 * parser the Telegram emulator uses) and fit Telegram's 4,096 characters after
 * entity parsing, so a saved text never fails when it is sent.
 */
import { Option, Schema } from "effect"
import { parseTelegramHtml, TelegramHtmlError } from "../telegram/html-text.ts"
import { TELEGRAM_TEXT_MAX } from "../telegram/message-limits.ts"
import type { Language, Tenant } from "./tenant-cache.ts"

export const TEXT_KINDS = ["welcome", "rules", "faq", "support"] as const
export type TextKind = (typeof TEXT_KINDS)[number]

export type TextConfigKey = `TEXT_${Uppercase<TextKind>}_${Uppercase<Language>}`

export const textConfigKey = (kind: TextKind, language: Language): TextConfigKey =>
  `TEXT_${kind.toUpperCase()}_${language.toUpperCase()}` as TextConfigKey

export const TEXT_CONFIG_KEYS: ReadonlyArray<TextConfigKey> = TEXT_KINDS.flatMap((kind) =>
  (["fa", "en", "ru"] as const).map((language) => textConfigKey(kind, language))
)

export const isTextConfigKey = (key: string): key is TextConfigKey =>
  (TEXT_CONFIG_KEYS as ReadonlyArray<string>).includes(key)

/**
 * A text's JSON, in UTF-8 bytes: 4,096 characters of Persian or Russian after
 * parsing are 8 KiB, plus the markup (links) around them. Larger than other
 * configuration values (CONFIG_VALUE_MAX_BYTES), and below what readers skip
 * (STORED_VALUE_MAX_BYTES).
 */
export const TENANT_TEXT_MAX_BYTES = 14 * 1024

/**
 * Why Telegram would refuse the HTML as a message text (or, with `max` =
 * TELEGRAM_CAPTION_MAX, as a caption), or undefined when it is fine: the parser's
 * reason ("Unsupported start tag "div" at byte offset 5"), an empty text, or
 * its length after entity parsing.
 */
export const tenantTextProblem = (html: string, max: number = TELEGRAM_TEXT_MAX): string | undefined => {
  let text: string
  try {
    text = parseTelegramHtml(html).text
  } catch (e) {
    if (e instanceof TelegramHtmlError) return `not valid Telegram HTML: ${e.message}`
    throw e
  }
  if (text.trim().length === 0) return "is empty once formatting is removed"
  if (text.length > max) {
    return `is ${text.length} characters once formatting is removed; Telegram allows at most ${max}`
  }
  return undefined
}

/** A configuration value of a TEXT_* key: a string that Telegram's HTML parse mode takes. */
export const TenantText = Schema.String.check(Schema.makeFilter((html: string) => tenantTextProblem(html)))

const decodeText = Schema.decodeUnknownOption(TenantText)

/** Checked texts per cached Tenant object (the tenant cache makes a new one when the configuration changes). */
const checked = new WeakMap<Tenant, Map<TextConfigKey, string | undefined>>()

/**
 * The tenant's own text for `kind` in `language`, when it set one (a stored value
 * that no longer validates counts as unset: the built-in text is shown instead).
 * Send it with parse_mode HTML. Each text is parsed once per cached tenant, not
 * on every menu.
 */
export const tenantText = (tenant: Tenant, kind: TextKind, language: Language): string | undefined => {
  let texts = checked.get(tenant)
  if (texts === undefined) {
    texts = new Map()
    checked.set(tenant, texts)
  }
  const key = textConfigKey(kind, language)
  if (!texts.has(key)) texts.set(key, Option.getOrUndefined(decodeText(tenant.config[key])))
  return texts.get(key)
}

/** Whether the tenant set `kind` in any language (a menu entry for rules or FAQ exists only then). */
export const hasTenantText = (tenant: Tenant, kind: TextKind): boolean =>
  (["fa", "en", "ru"] as const).some((language) => tenantText(tenant, kind, language) !== undefined)
