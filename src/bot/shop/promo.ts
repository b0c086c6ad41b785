/**
 * "🎁 Promo code" (main menu, and the wallet's button; flag promo_codes): the
 * customer types a code and is told what it gave them, or why not
 * (src/shop/promo-codes.ts decides). A code of another shop is unknown here.
 */
import { redeemPromoCode } from "../../shop/promo-codes.ts"
import type { PromoOutcome } from "../../shop/promo-codes.ts"
import type { BotContext } from "../context.ts"
import { clearConversation, setConversation } from "../conversation.ts"
import { formatDateTime, formatNumber } from "../../messages/format.ts"
import { answer, localeOfCtx, mainMenu, money } from "./helpers.ts"

export const promoCodesEnabled = (ctx: BotContext) => ctx.tenant.flags.has("promo_codes")

export const askPromoCode = async (ctx: BotContext) => {
  await answer(ctx)
  if (!ctx.user || !ctx.chat) return
  if (!promoCodesEnabled(ctx)) return void (await ctx.reply(ctx.t("use-menu"), { reply_markup: mainMenu(ctx) }))
  await ctx.run(
    setConversation({ botId: ctx.tenant.botId, chatId: ctx.chat.id, userId: ctx.user.id }, { step: "promo_code" })
  )
  await ctx.reply(ctx.t("promo-ask"))
}

const outcomeText = (ctx: BotContext, outcome: PromoOutcome) => {
  const locale = localeOfCtx(ctx)
  switch (outcome._tag) {
    case "Refused":
      return ctx.t(`promo-refused-${outcome.reason.replace(/_/g, "-")}`)
    case "Credited":
      return ctx.t("promo-credited", { amount: money(ctx, outcome.amount), balance: money(ctx, outcome.balanceAfter) })
    case "Extended":
      return ctx.t("promo-extended", {
        days: formatNumber(locale, outcome.days),
        date: formatDateTime(locale, outcome.expiresAt)
      })
    case "Discount":
      return ctx.t("promo-discount", { percent: formatNumber(locale, outcome.percent) })
    case "Trial":
      return ctx.t("promo-trial", { plan: outcome.planName, date: formatDateTime(locale, outcome.expiresAt) })
  }
}

export const receivePromoCode = async (ctx: BotContext) => {
  const user = ctx.user
  if (!user || !ctx.chat) return
  const text = ctx.message?.text
  if (text === undefined) return void (await ctx.reply(ctx.t("promo-ask")))
  await ctx.run(clearConversation({ botId: ctx.tenant.botId, chatId: ctx.chat.id, userId: user.id }))
  if (!promoCodesEnabled(ctx)) return void (await ctx.reply(ctx.t("use-menu"), { reply_markup: mainMenu(ctx) }))
  const outcome = await ctx.run(
    redeemPromoCode(ctx.tenant.botId, { userId: user.id, telegramId: user.telegramId }, text)
  )
  if (outcome._tag === "Credited") ctx.user = { ...user, balance: outcome.balanceAfter }
  if (outcome._tag === "Trial") ctx.user = { ...user, trialEligible: false }
  await ctx.reply(outcomeText(ctx, outcome), { reply_markup: mainMenu(ctx) })
}
