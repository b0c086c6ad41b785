/** "My subscription": the user's subscription in this shop, its expiry, limits and link. */
import { InlineKeyboard, InputFile } from "grammy"
import QRCode from "qrcode"
import { callbackData } from "../../messages/callback-data.ts"
import type { BotContext } from "../context.ts"
import { formatDateTime, formatNumber } from "../../messages/format.ts"
import { setAutoRenew } from "../../shop/auto-renewal.ts"
import { requestDeviceReset } from "../../shop/devices.ts"
import { answer, localeOfCtx } from "./helpers.ts"
import { subscriptionOf } from "../../payments/subscriptions.ts"

const GIB = 1024 ** 3

/** Renew the same plan with one press (extends from max(now, expiry)), or pick another. */
export const renewKeyboard = (
  ctx: BotContext,
  sub: { readonly renewPlanId: number | null; readonly planName: string | null }
) => {
  const keyboard = new InlineKeyboard()
  if (sub.renewPlanId !== null) {
    keyboard
      .text(ctx.t("subscription-renew-same", { plan: sub.planName ?? "" }), callbackData.plan(sub.renewPlanId))
      .row()
  }
  return keyboard.text(ctx.t("subscription-renew-button"), callbackData.menu("buy"))
}

/** "Reset devices": queued for the panel; the customer hears when it is done. */
export const resetDevices = async (ctx: BotContext) => {
  if (!ctx.user) return answer(ctx)
  const queued = await ctx.run(requestDeviceReset(ctx.tenant.botId, ctx.user.id))
  await answer(ctx, ctx.t(queued ? "devices-reset-queued" : "subscription-none"))
}

/**
 * "QR code": the subscription link as a PNG photo, for a VPN app on a phone to
 * scan from another screen. Drawn on each press (a few milliseconds, a few KB):
 * storing Telegram's file id would save an upload but go stale on renewals that
 * change nothing in the link, so it is not worth a column.
 */
export const sendSubscriptionQr = async (ctx: BotContext) => {
  if (!ctx.user) return answer(ctx)
  const sub = await ctx.run(subscriptionOf(ctx.tenant.botId, ctx.user.id))
  if (sub?.subscriptionUrl == null) return answer(ctx, ctx.t(sub ? "subscription-link-pending" : "subscription-none"))
  const png = await QRCode.toBuffer(sub.subscriptionUrl, {
    type: "png",
    width: 512,
    margin: 2,
    errorCorrectionLevel: "M"
  })
  await answer(ctx)
  await ctx.replyWithPhoto(new InputFile(png, "subscription-qr.png"), { caption: ctx.t("subscription-qr-caption") })
}

const autoRenewOffered = (ctx: BotContext) => ctx.tenant.flags.has("auto_renewal")

/** The customer's auto-renewal switch (only while the tenant offers it). */
export const switchAutoRenew = async (ctx: BotContext, on: boolean) => {
  if (!ctx.user || !autoRenewOffered(ctx)) return answer(ctx, ctx.t("button-expired"))
  const changed = await ctx.run(setAutoRenew(ctx.tenant.botId, ctx.user.id, on))
  if (!changed) return answer(ctx, ctx.t("subscription-none"))
  await answer(ctx, ctx.t(on ? "auto-renew-set-on" : "auto-renew-set-off"))
  await ctx.reply(ctx.t(on ? "auto-renew-set-on" : "auto-renew-set-off"))
}

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
  const keyboard = renewKeyboard(ctx, sub)
  if (sub.subscriptionUrl !== null) {
    keyboard
      .row()
      .text(ctx.t("subscription-qr-button"), callbackData.subscriptionQr())
      .text(ctx.t("devices-reset-button"), callbackData.resetDevices())
  }
  if (autoRenewOffered(ctx)) {
    keyboard
      .row()
      .text(ctx.t(sub.autoRenew ? "auto-renew-turn-off" : "auto-renew-turn-on"), callbackData.autoRenew(!sub.autoRenew))
  }
  const autoRenewLine = autoRenewOffered(ctx)
    ? `\n${ctx.t("auto-renew-status", { state: ctx.t(sub.autoRenew ? "auto-renew-on" : "auto-renew-off") })}`
    : ""
  await ctx.reply(
    ctx.t("subscription-info", {
      plan: sub.planName ?? "-",
      status: ctx.t(sub.expired ? "subscription-status-expired" : "subscription-status-active"),
      expires: formatDateTime(locale, sub.expiresAt),
      days: formatNumber(locale, days),
      traffic: ctx.t("traffic-used-of", {
        used: ctx.t("traffic-gb", { gb: formatNumber(locale, Math.round((sub.trafficUsedBytes / GIB) * 10) / 10) }),
        limit:
          sub.trafficLimitBytes === 0
            ? ctx.t("traffic-unlimited")
            : ctx.t("traffic-gb", { gb: formatNumber(locale, Math.round(sub.trafficLimitBytes / GIB)) })
      }),
      devices:
        sub.devicesConnected === null
          ? formatNumber(locale, sub.deviceLimit ?? 1)
          : ctx.t("devices-connected-of", {
              used: formatNumber(locale, sub.devicesConnected),
              limit: formatNumber(locale, sub.deviceLimit ?? 1)
            }),
      link: sub.subscriptionUrl ?? ctx.t("subscription-link-pending")
    }) + autoRenewLine,
    {
      link_preview_options: { is_disabled: true },
      reply_markup: keyboard
    }
  )
}
