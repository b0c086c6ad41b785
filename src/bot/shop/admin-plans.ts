/**
 * /admin → Plans, for the tenant's own admins: each plan's terms, whether it is
 * on sale (a switch), and the Remnawave internal squads its buyers get — picked
 * from the squads the panel listed at the last panel sync (tenants/squads.ts),
 * so a squad the panel does not have cannot be given, even by a forged button.
 * Prices, limits and new plans stay with the REST API.
 */
import { InlineKeyboard } from "grammy"
import { callbackData } from "../../messages/callback-data.ts"
import { formatNumber } from "../../messages/format.ts"
import { MAX_SQUADS } from "../../tenants/limits.ts"
import { plansOf, togglePlanOnSale } from "../../tenants/plans.ts"
import type { Plan } from "../../tenants/plans.ts"
import { knownSquads, togglePlanSquad } from "../../tenants/squads.ts"
import type { KnownSquad } from "../../tenants/squads.ts"
import type { BotContext } from "../context.ts"
import { guardAdmin } from "./admin-panel.ts"
import { answer, localeOfCtx, money } from "./helpers.ts"

export const showAdminPlans = async (ctx: BotContext) => {
  if (!(await guardAdmin(ctx))) return
  await answer(ctx)
  const plans = await ctx.run(plansOf(ctx.tenant.botId))
  if (plans.length === 0) return void (await ctx.reply(ctx.t("admin-no-plans")))
  const keyboard = new InlineKeyboard()
  for (const plan of plans)
    keyboard.text(`${plan.isActive ? "🟢" : "⚪️"} ${plan.name}`, callbackData.adminPlan(plan.id)).row()
  await ctx.reply(ctx.t("admin-plans-title"), { reply_markup: keyboard })
}

const planCard = (ctx: BotContext, plan: Plan, squads: ReadonlyArray<KnownSquad>) => {
  const locale = localeOfCtx(ctx)
  const names = plan.activeInternalSquads.map((uuid) => squads.find((s) => s.uuid === uuid)?.name ?? uuid)
  const text = ctx.t("admin-plan-card", {
    name: plan.name,
    days: formatNumber(locale, plan.periodDays),
    traffic: plan.trafficLimitGb
      ? ctx.t("traffic-gb", { gb: formatNumber(locale, plan.trafficLimitGb) })
      : ctx.t("traffic-unlimited"),
    devices: formatNumber(locale, plan.deviceLimit ?? 1),
    price: money(ctx, plan.price),
    state: ctx.t(plan.isActive ? "admin-plan-on-sale" : "admin-plan-off-sale"),
    squads: names.length > 0 ? names.join(", ") : ctx.t("admin-plan-squads-default")
  })
  const keyboard = new InlineKeyboard()
    .text(
      ctx.t(plan.isActive ? "admin-plan-stop-selling" : "admin-plan-sell-again"),
      callbackData.adminPlanSale(plan.id)
    )
    .row()
  for (const squad of squads) {
    const on = plan.activeInternalSquads.includes(squad.uuid)
    keyboard.text(`${on ? "✅" : "▫️"} ${squad.name}`, callbackData.adminPlanSquad(plan.id, squad.uuid)).row()
  }
  keyboard.text(ctx.t("admin-plan-back"), callbackData.adminPlans())
  const hint = squads.length === 0 ? `\n\n${ctx.t("admin-plan-no-known-squads")}` : ""
  return { text: text + hint, keyboard }
}

/** Shows the plan's card: as a new message, or in place of the card a button was pressed on. */
const renderPlan = async (ctx: BotContext, planId: number, inPlace: boolean) => {
  const [plans, squads] = await Promise.all([ctx.run(plansOf(ctx.tenant.botId)), ctx.run(knownSquads())])
  const plan = plans.find((p) => p.id === planId)
  if (!plan) return answer(ctx, ctx.t("admin-plan-not-found"), true)
  const view = planCard(ctx, plan, squads)
  if (!inPlace) return void (await ctx.reply(view.text, { reply_markup: view.keyboard }))
  await ctx
    .editMessageText(view.text, { reply_markup: view.keyboard })
    .catch(() => ctx.reply(view.text, { reply_markup: view.keyboard }))
}

export const showAdminPlan = async (ctx: BotContext, planId: number) => {
  if (!(await guardAdmin(ctx))) return
  await answer(ctx)
  await renderPlan(ctx, planId, false)
}

export const togglePlanSale = async (ctx: BotContext, planId: number) => {
  if (!(await guardAdmin(ctx))) return
  const plan = await ctx.run(togglePlanOnSale(ctx.tenant.botId, planId))
  if (!plan) return answer(ctx, ctx.t("admin-plan-not-found"), true)
  await answer(ctx, ctx.t(plan.isActive ? "admin-plan-on-sale" : "admin-plan-off-sale"))
  await renderPlan(ctx, planId, true)
}

export const togglePlanSquadOf = async (ctx: BotContext, planId: number, squad: string) => {
  if (!(await guardAdmin(ctx))) return
  const outcome = await ctx.run(togglePlanSquad(ctx.tenant.botId, planId, squad))
  switch (outcome._tag) {
    case "UnknownPlan":
      return answer(ctx, ctx.t("admin-plan-not-found"), true)
    case "UnknownSquad":
      return answer(ctx, ctx.t("admin-squad-unknown"), true)
    case "TooMany":
      return answer(ctx, ctx.t("admin-squad-too-many", { max: MAX_SQUADS }), true)
    case "Toggled":
      await answer(ctx)
      return renderPlan(ctx, planId, true)
  }
}
