/** "My subscription": the user's subscription in this shop, its expiry, limits and link. */
import { InlineKeyboard } from "grammy"
import { callbackData } from "../../messages/callback-data.ts"
import type { BotContext } from "../context.ts"
import { formatDateTime, formatNumber } from "../../messages/format.ts"
import { localeOfCtx } from "./helpers.ts"
import { subscriptionOf } from "../../payments/subscriptions.ts"

const GIB = 1024 ** 3

export const showSubscription = async (ctx: BotContext) => {
  if (!ctx.user) return
  const sub = await ctx.run(subscriptionOf(ctx.tenant.botId, ctx.user.id))
  if (!sub) {
    return void (await ctx.reply(ctx.t("subscription-none"), {
      reply_markup: new InlineKeyboard().text(ctx.t("menu-buy"), callbackData.menu("buy"))
    }))
  }
  const locale = localeOfCtx(ctx)
  const days = Math.max(0, Math.ceil((sub.expiresAt.getTime() - Date.now()) / 86_400_000))
  await ctx.reply(
    ctx.t("subscription-info", {
      plan: sub.planName ?? "-",
      status: ctx.t(sub.expired ? "subscription-status-expired" : "subscription-status-active"),
      expires: formatDateTime(locale, sub.expiresAt),
      days: formatNumber(locale, days),
      traffic:
        sub.trafficLimitBytes === 0
          ? ctx.t("traffic-unlimited")
          : ctx.t("traffic-gb", { gb: formatNumber(locale, Math.round(sub.trafficLimitBytes / GIB)) }),
      devices: formatNumber(locale, sub.deviceLimit ?? 1),
      link: sub.subscriptionUrl ?? ctx.t("subscription-link-pending")
    }),
    {
      link_preview_options: { is_disabled: true },
      reply_markup: new InlineKeyboard().text(ctx.t("subscription-renew-button"), callbackData.menu("buy"))
    }
  )
}
