/** "🎁 Free trial" on the main menu: shown while the customer may take it (src/shop/trial.ts decides). */
import { grantTrial } from "../../shop/trial.ts"
import type { BotContext } from "../context.ts"
import { formatNumber } from "../../messages/format.ts"
import { shopSettings, trialEnabled } from "../../tenants/shop-settings.ts"
import { localeOfCtx, mainMenu } from "./helpers.ts"

export const takeTrial = async (ctx: BotContext) => {
  const user = ctx.user
  if (!user) return
  if (!trialEnabled(ctx.tenant)) return void (await ctx.reply(ctx.t("use-menu"), { reply_markup: mainMenu(ctx) }))
  const terms = shopSettings(ctx.tenant).trial
  const outcome = await ctx.run(grantTrial(ctx.tenant.botId, { userId: user.id, telegramId: user.telegramId }, terms))
  ctx.user = { ...user, trialEligible: false }
  if (outcome._tag === "NotEligible") {
    return void (await ctx.reply(ctx.t("trial-unavailable"), { reply_markup: mainMenu(ctx) }))
  }
  const locale = localeOfCtx(ctx)
  await ctx.reply(
    ctx.t("trial-granted", {
      days: formatNumber(locale, terms.days),
      traffic:
        terms.trafficGb === 0
          ? ctx.t("traffic-unlimited")
          : ctx.t("traffic-gb", { gb: formatNumber(locale, terms.trafficGb) }),
      devices: formatNumber(locale, terms.devices)
    }),
    { reply_markup: mainMenu(ctx) }
  )
}
