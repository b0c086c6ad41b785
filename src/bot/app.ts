/**
 * The tenant application: ONE grammY Composer shared by every tenant bot.
 * Everything tenant-specific comes from `ctx.tenant` (bound per update by the
 * update pipeline), so adding a tenant costs a row, not code or memory.
 *
 * The order of handlers is the order of precedence:
 * 1. every update with a sender registers (or refreshes) that user for this tenant;
 * 2. i18n picks the user's language (their choice, else the tenant's default);
 *    a customer the shop banned gets their one refusal here, and nothing more;
 * 3. commands, then button presses (callback data decoded and checked), then the
 *    main-menu buttons — these work whatever flow the user is in;
 * 4. admins' replies to ticket messages;
 * 5. the conversation step stored for this (chat, user): a receipt, a top-up
 *    amount, a ticket, a rejection reason, a broadcast being composed;
 * 6. anything else in a private chat gets a pointer to the menu (groups: silence).
 */
import { hears } from "@grammyjs/i18n"
import { Option } from "effect"
import { Composer } from "grammy"
import { parseCallbackData } from "../messages/callback-data.ts"
import type { Action } from "../messages/callback-data.ts"
import type { BotContext } from "./context.ts"
import { getConversation } from "./conversation.ts"
import { i18n } from "../messages/i18n.ts"
import { showAdminPanel, showCards, showPendingReceipts, showTodaySales, toggleCard } from "./shop/admin-panel.ts"
import { refuseBanned } from "./shop/banned.ts"
import {
  askCustomerSearch,
  askDaysChange,
  askWalletAdjustment,
  banCustomer,
  grantCustomerPlan,
  receiveCustomerSearch,
  receiveDaysChange,
  receiveWalletAdjustment,
  showCustomerCard,
  showGrantablePlans
} from "./shop/customers.ts"
import { showAdminPlan, showAdminPlans, togglePlanSale, togglePlanSquadOf } from "./shop/admin-plans.ts"
import {
  askBroadcast,
  chooseBroadcastButton,
  chooseBroadcastSegment,
  confirmBroadcast,
  discardBroadcast,
  openMenuFromBroadcast,
  receiveBroadcastContent,
  receiveBroadcastUrl,
  stopBroadcast
} from "./shop/broadcast.ts"
import { confirmPlanMethod, purchasePlan, showPlan, showPlans } from "./shop/buy.ts"
import { cancelPayment, receiveReceipt } from "./shop/card-payment.ts"
import { answer, isPrivate, mainMenu } from "./shop/helpers.ts"
import { approve, askRejectReason, reject } from "./shop/review.ts"
import { cancelFlow, chooseLanguage, showLanguages, start } from "./shop/start.ts"
import { resetDevices, sendSubscriptionQr, showSubscription, switchAutoRenew } from "./shop/subscription.ts"
import { takeTrial } from "./shop/trial.ts"
import { askPromoCode, receivePromoCode } from "./shop/promo.ts"
import { askNewPromoCode, disablePromo, receiveNewPromoCode, showPromoCodes } from "./shop/promo-admin.ts"
import { showInvite } from "./shop/referral.ts"
import { askTicket, receiveTicket, relayAdminReply, showSupport } from "./shop/support.ts"
import { askTopUpAmount, receiveTopUpAmount, showHistory, showWallet, topUpWith } from "./shop/wallet.ts"
import { upsertUser } from "../tenants/users.ts"
import { showFaq, showRules } from "./shop/tenant-texts.ts"
import {
  askText,
  cancelText,
  receiveText,
  resetText,
  saveText,
  showTextKinds,
  showTextLanguages
} from "./shop/text-editor.ts"

export { i18n } from "../messages/i18n.ts"
export { mainMenu } from "./shop/helpers.ts"

const onAction = (ctx: BotContext, action: Action): Promise<unknown> => {
  switch (action._tag) {
    case "Language":
      return chooseLanguage(ctx, action.language)
    case "Menu":
      return answer(ctx).then(() =>
        action.menu === "buy"
          ? showPlans(ctx)
          : action.menu === "sub"
            ? showSubscription(ctx)
            : action.menu === "wallet"
              ? showWallet(ctx)
              : showSupport(ctx)
      )
    case "Plan":
      return showPlan(ctx, action.planId)
    case "PlanMethod":
      return confirmPlanMethod(ctx, action.method, action.planId)
    case "PlanConfirm":
      return purchasePlan(ctx, action.method, action.planId)
    case "TopUpMethod":
      return topUpWith(ctx, action.method, action.amount)
    case "CancelPayment":
      return answer(ctx).then(() => cancelPayment(ctx, action.paymentId))
    case "WalletTopUp":
      return askTopUpAmount(ctx)
    case "WalletHistory":
      return showHistory(ctx)
    case "NewTicket":
      return askTicket(ctx)
    case "Approve":
      return approve(ctx, action.paymentId)
    case "Reject":
      return askRejectReason(ctx, action.paymentId)
    case "RejectWithoutReason":
      return reject(ctx, action.paymentId, null)
    case "AdminPending":
      return showPendingReceipts(ctx)
    case "AdminSales":
      return showTodaySales(ctx)
    case "AdminCards":
      return showCards(ctx)
    case "AdminToggleCard":
      return toggleCard(ctx, action.cardId)
    case "AdminPlans":
      return showAdminPlans(ctx)
    case "AdminPlan":
      return showAdminPlan(ctx, action.planId)
    case "AdminPlanSale":
      return togglePlanSale(ctx, action.planId)
    case "AdminPlanSquad":
      return togglePlanSquadOf(ctx, action.planId, action.squad)
    case "AutoRenew":
      return switchAutoRenew(ctx, action.on)
    case "ResetDevices":
      return resetDevices(ctx)
    case "AdminCustomers":
      return askCustomerSearch(ctx)
    case "CustomerCard":
      return showCustomerCard(ctx, action.userId)
    case "CustomerWallet":
      return askWalletAdjustment(ctx, action.userId)
    case "CustomerDays":
      return askDaysChange(ctx, action.userId)
    case "CustomerPlans":
      return showGrantablePlans(ctx, action.userId)
    case "CustomerGrant":
      return grantCustomerPlan(ctx, action.userId, action.planId, action.afterAction)
    case "CustomerBan":
      return banCustomer(ctx, action.userId, action.banned)
    case "SubscriptionQr":
      return sendSubscriptionQr(ctx)
    case "PromoAsk":
      return askPromoCode(ctx)
    case "AdminPromos":
      return showPromoCodes(ctx)
    case "AdminPromoNew":
      return askNewPromoCode(ctx)
    case "AdminPromoDisable":
      return disablePromo(ctx, action.promoCodeId)
    case "AdminTexts":
      return showTextKinds(ctx)
    case "AdminTextKind":
      return showTextLanguages(ctx, action.kind)
    case "AdminTextEdit":
      return askText(ctx, action.kind, action.language)
    case "AdminTextReset":
      return resetText(ctx, action.kind, action.language)
    case "AdminTextSave":
      return ctx.user && ctx.chat
        ? ctx
            .run(getConversation({ botId: ctx.tenant.botId, chatId: ctx.chat.id, userId: ctx.user.id }))
            .then((state) => saveText(ctx, Option.getOrUndefined(state)))
        : answer(ctx)
    case "AdminTextCancel":
      return cancelText(ctx)
    case "AdminBroadcast":
      return askBroadcast(ctx)
    case "BroadcastButton":
      return chooseBroadcastButton(ctx, action.choice)
    case "BroadcastSegment":
      return chooseBroadcastSegment(ctx, action.segment)
    case "BroadcastSend":
      return confirmBroadcast(ctx)
    case "BroadcastDiscard":
      return discardBroadcast(ctx)
    case "BroadcastStop":
      return stopBroadcast(ctx, action.broadcastId)
    case "BroadcastMenu":
      return openMenuFromBroadcast(ctx)
  }
}

export const makeTenantApp = (): Composer<BotContext> => {
  const app = new Composer<BotContext>()

  // Every update with a sender registers that sender with this tenant; in a private
  // chat, my_chat_member says whether they blocked the bot (status "kicked") or came back.
  app.use(async (ctx, next) => {
    const blockedTheBot =
      ctx.myChatMember?.chat.type === "private" && ctx.myChatMember.new_chat_member.status === "kicked"
    if (ctx.from && !ctx.from.is_bot) ctx.user = await ctx.run(upsertUser(ctx.tenant.botId, ctx.from, blockedTheBot))
    await next()
  })
  app.use(i18n)
  app.use(refuseBanned)

  app.command("start", start)
  app.command("language", showLanguages)
  app.command("cancel", cancelFlow)
  app.command("admin", showAdminPanel)

  app.on("callback_query:data", async (ctx) => {
    const action = parseCallbackData(ctx.callbackQuery.data)
    if (Option.isNone(action)) return answer(ctx, ctx.t("button-expired"))
    await onAction(ctx, action.value)
  })
  app.on("callback_query", (ctx) => answer(ctx))

  const menu = app.chatType("private")
  menu.filter(hears("menu-buy"), showPlans)
  menu.filter(hears("menu-subscription"), showSubscription)
  menu.filter(hears("menu-wallet"), showWallet)
  menu.filter(hears("menu-support"), showSupport)
  menu.filter(hears("menu-language"), showLanguages)
  menu.filter(hears("menu-trial"), takeTrial)
  menu.filter(hears("menu-promo"), askPromoCode)
  menu.filter(hears("menu-invite"), showInvite)
  menu.filter(hears("menu-rules"), showRules)
  menu.filter(hears("menu-faq"), showFaq)

  app.on("message", async (ctx, next) => {
    if (await relayAdminReply(ctx)) return
    if (!ctx.user || (ctx.message.text?.startsWith("/") ?? false)) return next()
    const state = await ctx.run(getConversation({ botId: ctx.tenant.botId, chatId: ctx.chat.id, userId: ctx.user.id }))
    if (Option.isNone(state)) return next()
    switch (state.value.step) {
      case "receipt":
        return receiveReceipt(ctx, state.value.paymentId)
      case "topup_amount":
        return receiveTopUpAmount(ctx)
      case "ticket":
        return receiveTicket(ctx)
      case "reject_reason": {
        const reason = ctx.message.text?.trim()
        if (!reason) return void (await ctx.reply(ctx.t("review-reason-text-only")))
        return reject(ctx, state.value.paymentId, reason)
      }
      case "customer_search":
        return receiveCustomerSearch(ctx)
      case "customer_wallet":
        return receiveWalletAdjustment(ctx, state.value.userId)
      case "customer_days":
        return receiveDaysChange(ctx, state.value.userId)
      case "promo_code":
        return receivePromoCode(ctx)
      case "promo_new":
        return receiveNewPromoCode(ctx)
      case "tenant_text":
        return receiveText(ctx, state.value)
      case "broadcast_content":
        return receiveBroadcastContent(ctx)
      case "broadcast_url":
        return receiveBroadcastUrl(ctx, state.value.draft)
      // Waiting for a button press: a message starts the draft over.
      case "broadcast_button":
      case "broadcast_segment":
      case "broadcast_confirm":
        return receiveBroadcastContent(ctx)
    }
  })

  app.on("message", async (ctx) => {
    if (!isPrivate(ctx)) return
    if (ctx.message.text?.startsWith("/")) return void (await ctx.reply(ctx.t("unknown-command")))
    await ctx.reply(ctx.t("use-menu"), { reply_markup: mainMenu(ctx) })
  })

  return app
}
