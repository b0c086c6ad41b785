/**
 * Small things every shop handler needs: the user's locale and money format,
 * the main menu, running an Effect whose typed failures the handler answers,
 * and Telegram calls whose failure must not undo the update (answering a
 * callback twice after a retry is a 400 that changes nothing).
 */
import { Effect, type Result } from "effect"
import { isSqlError } from "effect/sql/SqlError"
import type { SqlError } from "effect/sql/SqlError"
import { Keyboard } from "grammy"
import type { BotContext, UpdateServices } from "../context.ts"
import { formatMoney } from "../../messages/format.ts"
import { localeOf } from "../../messages/i18n.ts"
import type { Language } from "../../tenants/tenant-cache.ts"
import { hasTenantText } from "../../tenants/tenant-texts.ts"

export const localeOfCtx = (ctx: BotContext): Language => localeOf(ctx.user?.language, ctx.tenant.defaultLanguage)

export const money = (ctx: BotContext, amount: number): string =>
  formatMoney(ctx.t, localeOfCtx(ctx), amount, ctx.tenant.currency)

/**
 * The main menu; "Free trial" on top while this customer may still take it; a
 * growth row ("Promo code", "Invite friends") only for the flags that are on;
 * "Rules" and "FAQ" above the language only while the shop has set those texts.
 * With none of these, the menu is as it always was.
 */
export const mainMenu = (ctx: BotContext) => {
  const menu = (
    ctx.tenant.flags.has("trial_subscription") && ctx.user?.trialEligible === true
      ? new Keyboard().text(ctx.t("menu-trial")).row()
      : new Keyboard()
  )
    .text(ctx.t("menu-buy"))
    .text(ctx.t("menu-subscription"))
    .row()
    .text(ctx.t("menu-wallet"))
    .text(ctx.t("menu-support"))
    .row()
  const promo = ctx.tenant.flags.has("promo_codes")
  const referral = ctx.tenant.flags.has("referral_program")
  if (promo) menu.text(ctx.t("menu-promo"))
  if (referral) menu.text(ctx.t("menu-invite"))
  if (promo || referral) menu.row()
  const rules = hasTenantText(ctx.tenant, "rules")
  const faq = hasTenantText(ctx.tenant, "faq")
  if (rules) menu.text(ctx.t("menu-rules"))
  if (faq) menu.text(ctx.t("menu-faq"))
  if (rules || faq) menu.row()
  return menu.text(ctx.t("menu-language")).resized()
}

/**
 * Runs the effect in the update's transaction; its typed failures come back as
 * a Result for the handler to answer. Database errors reject instead: the
 * update's transaction is aborted anyway, so the pipeline retries the update.
 */
export const attempt = <A, E>(
  ctx: BotContext,
  effect: Effect.Effect<A, E, UpdateServices>
): Promise<Result.Result<A, Exclude<E, SqlError>>> =>
  ctx.run(
    Effect.result(
      effect.pipe(Effect.catchIf(isSqlError, Effect.die)) as Effect.Effect<A, Exclude<E, SqlError>, UpdateServices>
    )
  )

/** Answers the button press; a failure (already answered, too old) is ignored. */
export const answer = async (ctx: BotContext, text?: string, alert = false): Promise<void> => {
  if (!ctx.callbackQuery) return
  await ctx
    .answerCallbackQuery(text === undefined ? {} : { text: text.slice(0, 200), show_alert: alert })
    .catch(() => undefined)
}

/** Removes the buttons from the message a button was pressed on (best effort). */
export const dropButtons = async (ctx: BotContext): Promise<void> => {
  if (!ctx.callbackQuery?.message) return
  await ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } }).catch(() => undefined)
}

export const isPrivate = (ctx: BotContext) => ctx.chat?.type === "private"
