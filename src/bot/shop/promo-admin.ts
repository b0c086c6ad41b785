/**
 * Promo codes in the tenant's admin panel (/admin → "🎟 Promo codes", flag
 * promo_codes): the codes with their usage counts, a button to disable each
 * active one, and a new code typed on one line:
 *
 *   CODE kind value [uses=N] [days=N] [from=YYYY-MM-DD] [until=YYYY-MM-DD] [first]
 *
 * kind is credit (value = amount), days (value = days), discount (value =
 * percent) or trial (value = plan id; days= sets the trial's length). The terms
 * are checked by src/tenants/promo-codes.ts, as for the API.
 */
import { Result } from "effect"
import { InlineKeyboard } from "grammy"
import { createPromoCode, disablePromoCode, listPromoCodes, PROMO_KINDS } from "../../tenants/promo-codes.ts"
import type { NewPromoCode, PromoCode, PromoKind } from "../../tenants/promo-codes.ts"
import { isShopAdmin } from "../../tenants/shop-settings.ts"
import { callbackData } from "../../messages/callback-data.ts"
import { formatDateTime, formatNumber } from "../../messages/format.ts"
import type { BotContext } from "../context.ts"
import { clearConversation, setConversation } from "../conversation.ts"
import { guardAdmin } from "./admin-panel.ts"
import { answer, attempt, localeOfCtx, money } from "./helpers.ts"

const LIST_LIMIT = 20

const termsOf = (ctx: BotContext, code: PromoCode) => {
  const locale = localeOfCtx(ctx)
  switch (code.kind) {
    case "credit":
      return money(ctx, code.bonusAmount)
    case "discount":
      return `${formatNumber(locale, code.discountPercent)}%`
    case "days":
      return ctx.t("admin-promo-days", { days: formatNumber(locale, code.days ?? 0) })
    case "trial":
      return ctx.t("admin-promo-plan", { plan: formatNumber(locale, code.planId ?? 0) })
  }
}

const promoView = (ctx: BotContext, codes: ReadonlyArray<PromoCode>) => {
  const locale = localeOfCtx(ctx)
  const keyboard = new InlineKeyboard()
  for (const code of codes.filter((c) => c.isActive).slice(0, 10)) {
    keyboard.text(`🚫 ${code.code}`, callbackData.adminPromoDisable(code.id)).row()
  }
  keyboard.text(ctx.t("admin-promo-new-button"), callbackData.adminPromoNew())
  const lines = codes.map((c) =>
    ctx.t("admin-promo-line", {
      code: c.code,
      kind: ctx.t(`admin-promo-kind-${c.kind}`),
      value: termsOf(ctx, c),
      used: formatNumber(locale, c.usedCount),
      max: c.maxUses === null ? "∞" : formatNumber(locale, c.maxUses),
      until: c.validUntil === null ? "-" : formatDateTime(locale, c.validUntil),
      state: ctx.t(c.isActive ? "admin-promo-on" : "admin-promo-off")
    })
  )
  const text = codes.length === 0 ? ctx.t("admin-promo-none") : [ctx.t("admin-promo-title"), "", ...lines].join("\n")
  return { text, keyboard }
}

export const showPromoCodes = async (ctx: BotContext) => {
  if (!(await guardAdmin(ctx))) return
  await answer(ctx)
  const view = promoView(ctx, await ctx.run(listPromoCodes(ctx.tenant.botId, LIST_LIMIT)))
  await ctx.reply(view.text, { reply_markup: view.keyboard })
}

export const askNewPromoCode = async (ctx: BotContext) => {
  if (!(await guardAdmin(ctx))) return
  await answer(ctx)
  if (!ctx.user || !ctx.chat) return
  await ctx.run(
    setConversation({ botId: ctx.tenant.botId, chatId: ctx.chat.id, userId: ctx.user.id }, { step: "promo_new" })
  )
  await ctx.reply(ctx.t("admin-promo-ask"))
}

const DATE = /^\d{4}-\d{2}-\d{2}$/
const INT = /^\d{1,16}$/

/** The admin's one line as a new code, or the reason it cannot be one. */
export const parsePromoLine = (line: string): Result.Result<NewPromoCode, string> => {
  const [code, kind, value, ...options] = line.trim().split(/\s+/)
  if (code === undefined || kind === undefined || value === undefined) return Result.fail("CODE kind value")
  if (!PROMO_KINDS.includes(kind.toLowerCase() as PromoKind)) return Result.fail(`kind: ${PROMO_KINDS.join(", ")}`)
  if (!INT.test(value)) return Result.fail(`value: ${value}`)
  const k = kind.toLowerCase() as PromoKind
  const n = Number(value)
  let spec: NewPromoCode = {
    code,
    kind: k,
    ...(k === "credit" ? { amount: n } : k === "discount" ? { percent: n } : k === "days" ? { days: n } : { planId: n })
  }
  for (const option of options) {
    const [name, arg = ""] = option.split("=")
    if (name === "first" && arg === "") spec = { ...spec, firstPurchaseOnly: true }
    else if ((name === "uses" || name === "days") && INT.test(arg)) {
      spec = name === "uses" ? { ...spec, maxUses: Number(arg) } : { ...spec, days: Number(arg) }
    } else if ((name === "from" || name === "until") && DATE.test(arg) && !Number.isNaN(Date.parse(arg))) {
      const date = new Date(`${arg}T00:00:00Z`)
      spec = name === "from" ? { ...spec, validFrom: date } : { ...spec, validUntil: date }
    } else return Result.fail(option)
  }
  return Result.succeed(spec)
}

export const receiveNewPromoCode = async (ctx: BotContext) => {
  if (!ctx.user || !ctx.chat) return
  if (!isShopAdmin(ctx.tenant, ctx.from?.id)) return
  const parsed = parsePromoLine(ctx.message?.text ?? "")
  if (Result.isFailure(parsed)) return void (await ctx.reply(ctx.t("admin-promo-invalid", { reason: parsed.failure })))
  const created = await attempt(ctx, createPromoCode(ctx.tenant.botId, parsed.success))
  if (Result.isFailure(created)) {
    const e = created.failure
    return void (await ctx.reply(ctx.t("admin-promo-invalid", { reason: e.message })))
  }
  await ctx.run(clearConversation({ botId: ctx.tenant.botId, chatId: ctx.chat.id, userId: ctx.user.id }))
  await ctx.reply(ctx.t("admin-promo-created", { code: created.success.code }))
  await showPromoCodes(ctx)
}

export const disablePromo = async (ctx: BotContext, promoCodeId: number) => {
  if (!(await guardAdmin(ctx))) return
  const disabled = await ctx.run(disablePromoCode(ctx.tenant.botId, promoCodeId))
  if (!disabled) return answer(ctx, ctx.t("admin-promo-not-found"), true)
  await answer(ctx, ctx.t("admin-promo-disabled", { code: disabled.code }))
  const view = promoView(ctx, await ctx.run(listPromoCodes(ctx.tenant.botId, LIST_LIMIT)))
  await ctx
    .editMessageText(view.text, { reply_markup: view.keyboard })
    .catch(() => ctx.reply(view.text, { reply_markup: view.keyboard }))
}
