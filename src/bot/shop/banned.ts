/**
 * A customer the shop banned (src/shop/customer-admin.ts) gets one polite
 * refusal — on their first message or button press after the ban, claimed by
 * one UPDATE so a burst or a replay refuses once — and nothing else: no menu,
 * no /start, no flow. The shop's own admins are never locked out.
 */
import type { NextFunction } from "grammy"
import type { BotContext } from "../context.ts"
import { isShopAdmin } from "../../tenants/shop-settings.ts"
import { claimBanNotice } from "../../tenants/users.ts"
import { answer, isPrivate } from "./helpers.ts"

export const refuseBanned = async (ctx: BotContext, next: NextFunction) => {
  if (!ctx.user?.banned || isShopAdmin(ctx.tenant, ctx.from?.id)) return next()
  const asked = ctx.callbackQuery !== undefined || (ctx.message !== undefined && isPrivate(ctx))
  if (!asked) return
  if (!(await ctx.run(claimBanNotice(ctx.tenant.botId, ctx.user.id)))) return answer(ctx)
  if (ctx.callbackQuery) return answer(ctx, ctx.t("customer-banned-refusal"), true)
  await ctx.reply(ctx.t("customer-banned-refusal"))
}
