/**
 * What customers see of the shop's own texts (issue 19): its text in the
 * customer's language (Telegram HTML, validated when saved:
 * src/tenants/tenant-texts.ts), else the built-in text in their language. The
 * rules and FAQ screens exist only while the shop has set that text (main menu,
 * helpers.ts).
 */
import type { BotContext } from "../context.ts"
import { tenantText } from "../../tenants/tenant-texts.ts"
import type { TextKind } from "../../tenants/tenant-texts.ts"
import { localeOfCtx, mainMenu } from "./helpers.ts"

/** The shop's own text in this customer's language (Telegram HTML: send it with `HTML`), or undefined (show the built-in text). */
export const ownText = (ctx: BotContext, kind: TextKind): string | undefined =>
  tenantText(ctx.tenant, kind, localeOfCtx(ctx))

/** Reply options for a shop's own text; the built-in texts are plain. */
export const HTML = { parse_mode: "HTML" } as const

const showText = async (ctx: BotContext, kind: "rules" | "faq", builtIn: string) => {
  const own = ownText(ctx, kind)
  await ctx.reply(own ?? ctx.t(builtIn), { ...(own !== undefined ? HTML : {}), reply_markup: mainMenu(ctx) })
}

export const showRules = (ctx: BotContext) => showText(ctx, "rules", "text-rules-builtin")

export const showFaq = (ctx: BotContext) => showText(ctx, "faq", "text-faq-builtin")
