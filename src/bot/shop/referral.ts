/**
 * The referral program in the chat (flag referral_program): /start with
 * `ref_<code>` attributes a new customer (src/tenants/referrals.ts decides
 * whether), and "👥 Invite friends" shows the customer's own link, how many
 * customers it brought and what it earned them.
 */
import { attributeReferral, REFERRAL_PAYLOAD_PREFIX, referralSummary } from "../../tenants/referrals.ts"
import { shopSettings } from "../../tenants/shop-settings.ts"
import type { BotContext } from "../context.ts"
import { formatNumber } from "../../messages/format.ts"
import { localeOfCtx, mainMenu, money } from "./helpers.ts"

const referralEnabled = (ctx: BotContext) => ctx.tenant.flags.has("referral_program")

/** /start's payload: a referral link's code is attributed when the program is on. */
export const attributeFromStart = async (ctx: BotContext, payload: string) => {
  if (!ctx.user || !referralEnabled(ctx) || !payload.startsWith(REFERRAL_PAYLOAD_PREFIX)) return
  const code = payload.slice(REFERRAL_PAYLOAD_PREFIX.length)
  if (!/^[0-9a-f]{1,32}$/.test(code)) return
  await ctx.run(attributeReferral(ctx.tenant.botId, ctx.user.id, code))
}

export const showInvite = async (ctx: BotContext) => {
  if (!ctx.user) return
  if (!referralEnabled(ctx)) return void (await ctx.reply(ctx.t("use-menu"), { reply_markup: mainMenu(ctx) }))
  const summary = await ctx.run(referralSummary(ctx.tenant.botId, ctx.user.id))
  if (!summary) return
  const terms = shopSettings(ctx.tenant).referral
  const locale = localeOfCtx(ctx)
  await ctx.reply(
    ctx.t("invite-summary", {
      link: `https://t.me/${ctx.me.username}?start=${REFERRAL_PAYLOAD_PREFIX}${summary.code}`,
      percent: formatNumber(locale, terms.commissionPercent),
      invited: formatNumber(locale, summary.invited),
      earned: money(ctx, summary.earned)
    }),
    { reply_markup: mainMenu(ctx), link_preview_options: { is_disabled: true } }
  )
}
