/**
 * /start (registers the user — done by the upsert middleware — and keeps the
 * deep-link payload of their first visit), the language choice (stored on the
 * user), and /cancel (leaves whatever multi-step flow the user was in).
 */
import { InlineKeyboard } from "grammy"
import type { BotContext } from "../context.ts"
import { clearConversation } from "../conversation.ts"
import type { Language } from "../../tenants/tenant-cache.ts"
import { recordStartPayload, setLanguage } from "../../tenants/users.ts"
import { answer, mainMenu } from "./helpers.ts"
import { attributeFromStart } from "./referral.ts"
import { HTML, ownText } from "./tenant-texts.ts"

export const start = async (ctx: BotContext) => {
  if (ctx.user && typeof ctx.match === "string" && ctx.match.length > 0) {
    await ctx.run(recordStartPayload(ctx.tenant.botId, ctx.user.id, ctx.match))
    await attributeFromStart(ctx, ctx.match)
  }
  const own = ownText(ctx, "welcome")
  await ctx.reply(own ?? ctx.t("welcome", { shop: ctx.tenant.name, name: ctx.from?.first_name ?? "" }), {
    ...(own !== undefined ? HTML : {}),
    reply_markup: mainMenu(ctx)
  })
}

export const LANGUAGE_NAMES: Record<Language, string> = { fa: "فارسی 🇮🇷", en: "English 🇬🇧", ru: "Русский 🇷🇺" }

export const showLanguages = async (ctx: BotContext) => {
  const keyboard = new InlineKeyboard()
  for (const language of ["fa", "en", "ru"] as const) keyboard.text(LANGUAGE_NAMES[language], `lang:${language}`)
  await ctx.reply(ctx.t("language-choose"), { reply_markup: keyboard })
}

export const chooseLanguage = async (ctx: BotContext, language: Language) => {
  if (!ctx.user) return answer(ctx)
  await ctx.run(setLanguage(ctx.tenant.botId, ctx.user.id, language))
  ctx.user = { ...ctx.user, language }
  await ctx.i18n.renegotiateLocale()
  await answer(ctx)
  await ctx.reply(ctx.t("language-set"), { reply_markup: mainMenu(ctx) })
}

export const cancelFlow = async (ctx: BotContext) => {
  if (ctx.user && ctx.chat) {
    await ctx.run(clearConversation({ botId: ctx.tenant.botId, chatId: ctx.chat.id, userId: ctx.user.id }))
  }
  await ctx.reply(ctx.t("flow-cancelled"), { reply_markup: mainMenu(ctx) })
}
