/**
 * A broadcast composed in the tenant's admin panel, one step at a time (the
 * draft kept in the conversation state, src/bot/conversation.ts): the message
 * (a text or a photo with a caption, formatting kept) → an optional button (a
 * link, or "open the menu") → the segment → a preview (the message exactly as
 * customers will get it) and the count → Send. The confirmation message then
 * becomes the progress message the broadcast worker edits in place, with a Stop
 * button, and finally the report.
 */
import { Effect, Option, Result } from "effect"
import { InlineKeyboard } from "grammy"
import {
  broadcastStatusKeyboard,
  broadcastStatusText,
  sendBroadcastMessage
} from "../../messages/broadcast-messages.ts"
import { callbackData } from "../../messages/callback-data.ts"
import type { BroadcastButtonChoice } from "../../messages/callback-data.ts"
import { formatNumber } from "../../messages/format.ts"
import {
  BROADCAST_CAPTION_MAX,
  BROADCAST_TEXT_MAX,
  broadcastAudience,
  contentProblem,
  startBroadcast
} from "../../shop/broadcasts.ts"
import { broadcastSummary, cancelBroadcast, SEGMENTS } from "../../tenants/broadcasts.ts"
import type { BroadcastContent, Segment } from "../../tenants/broadcasts.ts"
import { isShopAdmin } from "../../tenants/shop-settings.ts"
import type { BotContext } from "../context.ts"
import { clearConversation, getConversation, setConversation } from "../conversation.ts"
import type { ConversationKey, ConversationState } from "../conversation.ts"
import { guardAdmin } from "./admin-panel.ts"
import { answer, attempt, dropButtons, localeOfCtx, mainMenu } from "./helpers.ts"

const keyOf = (ctx: BotContext): ConversationKey | undefined =>
  ctx.user && ctx.chat ? { botId: ctx.tenant.botId, chatId: ctx.chat.id, userId: ctx.user.id } : undefined

/** The draft, when the admin is at one of `steps`. */
const draftAt = async <S extends ConversationState["step"]>(ctx: BotContext, ...steps: ReadonlyArray<S>) => {
  const key = keyOf(ctx)
  if (key === undefined) return undefined
  const state = await ctx.run(getConversation(key))
  return Option.isSome(state) && (steps as ReadonlyArray<string>).includes(state.value.step)
    ? { key, state: state.value as Extract<ConversationState, { step: S }> }
    : undefined
}

/** The panel's "Broadcast" button: asks for the message. */
export const askBroadcast = async (ctx: BotContext) => {
  if (!(await guardAdmin(ctx))) return
  await answer(ctx)
  const key = keyOf(ctx)
  if (key === undefined) return
  await ctx.run(setConversation(key, { step: "broadcast_content" }))
  await ctx.reply(ctx.t("broadcast-ask-content"))
}

const askButton = (ctx: BotContext) =>
  ctx.reply(ctx.t("broadcast-ask-button"), {
    reply_markup: new InlineKeyboard()
      .text(ctx.t("broadcast-button-none"), callbackData.broadcastButton("n"))
      .row()
      .text(ctx.t("broadcast-button-menu"), callbackData.broadcastButton("m"))
      .row()
      .text(ctx.t("broadcast-button-url"), callbackData.broadcastButton("u"))
  })

const askSegment = (ctx: BotContext) => {
  const keyboard = new InlineKeyboard()
  for (const segment of SEGMENTS)
    keyboard.text(ctx.t(`broadcast-segment-${segment}`), callbackData.broadcastSegment(segment)).row()
  return ctx.reply(ctx.t("broadcast-ask-segment"), { reply_markup: keyboard })
}

/** A draft's step reached by someone who is no longer an admin: dropped, and the message ignored. */
const stillAdmin = async (ctx: BotContext, key: ConversationKey) => {
  if (isShopAdmin(ctx.tenant, ctx.from?.id)) return true
  await ctx.run(clearConversation(key))
  return false
}

/** The admin's message: what every customer will get. */
export const receiveBroadcastContent = async (ctx: BotContext) => {
  const key = keyOf(ctx)
  const message = ctx.message
  if (key === undefined || message === undefined || !(await stillAdmin(ctx, key))) return
  const photo = message.photo?.at(-1)?.file_id ?? null
  const text = photo === null ? message.text : (message.caption ?? "")
  if (text === undefined) return void (await ctx.reply(ctx.t("broadcast-content-unsupported")))
  const entities = (photo === null ? message.entities : message.caption_entities) ?? null
  const draft: BroadcastContent = { text, entities: entities as BroadcastContent["entities"], photo, button: null }
  if (contentProblem(draft) !== undefined) {
    const max = photo === null ? BROADCAST_TEXT_MAX : BROADCAST_CAPTION_MAX
    return void (await ctx.reply(ctx.t("broadcast-too-long", { max: formatNumber(localeOfCtx(ctx), max) })))
  }
  await ctx.run(setConversation(key, { step: "broadcast_button", draft }))
  await askButton(ctx)
}

export const chooseBroadcastButton = async (ctx: BotContext, choice: BroadcastButtonChoice) => {
  if (!(await guardAdmin(ctx))) return
  const at = await draftAt(ctx, "broadcast_button")
  if (at === undefined) return answer(ctx, ctx.t("broadcast-draft-gone"), true)
  await answer(ctx)
  await dropButtons(ctx)
  if (choice === "u") {
    await ctx.run(setConversation(at.key, { step: "broadcast_url", draft: at.state.draft }))
    return void (await ctx.reply(ctx.t("broadcast-ask-url")))
  }
  const draft = { ...at.state.draft, button: choice === "m" ? ({ kind: "menu" } as const) : null }
  await ctx.run(setConversation(at.key, { step: "broadcast_segment", draft }))
  await askSegment(ctx)
}

/** "Label | https://link": the link button. */
export const receiveBroadcastUrl = async (ctx: BotContext, draft: BroadcastContent) => {
  const key = keyOf(ctx)
  if (key === undefined || !(await stillAdmin(ctx, key))) return
  const [label, url, ...rest] = (ctx.message?.text ?? "").split("|").map((part) => part.trim())
  const withButton: BroadcastContent = { ...draft, button: { kind: "url", text: label ?? "", url: url ?? "" } }
  if (rest.length > 0 || url === undefined || contentProblem(withButton) !== undefined) {
    return void (await ctx.reply(ctx.t("broadcast-url-invalid")))
  }
  await ctx.run(setConversation(key, { step: "broadcast_segment", draft: withButton }))
  await askSegment(ctx)
}

/** The segment: the preview, the count and the Send button. */
export const chooseBroadcastSegment = async (ctx: BotContext, segment: Segment) => {
  if (!(await guardAdmin(ctx))) return
  const at = await draftAt(ctx, "broadcast_segment", "broadcast_confirm")
  if (at === undefined || !ctx.chat) return answer(ctx, ctx.t("broadcast-draft-gone"), true)
  const audience = await ctx.run(broadcastAudience(ctx.tenant.botId, segment))
  if (audience.reachable === 0) return answer(ctx, ctx.t("broadcast-empty"), true)
  await answer(ctx)
  await dropButtons(ctx)
  await ctx.run(setConversation(at.key, { step: "broadcast_confirm", draft: at.state.draft, segment }))
  await sendBroadcastMessage(ctx.api, ctx.chat.id, at.state.draft, ctx.t)
  const locale = localeOfCtx(ctx)
  await ctx.reply(
    `${ctx.t("broadcast-preview")}\n\n${ctx.t("broadcast-confirm", {
      segment: ctx.t(`broadcast-segment-${segment}`),
      count: formatNumber(locale, audience.reachable),
      blocked: formatNumber(locale, audience.blocked)
    })}`,
    {
      reply_markup: new InlineKeyboard()
        .text(ctx.t("broadcast-send-button"), callbackData.broadcastSend())
        .text(ctx.t("broadcast-discard-button"), callbackData.broadcastDiscard())
    }
  )
}

/** Send: the broadcast starts; the confirmation message becomes its progress message. */
export const confirmBroadcast = async (ctx: BotContext) => {
  if (!(await guardAdmin(ctx))) return
  const at = await draftAt(ctx, "broadcast_confirm")
  const message = ctx.callbackQuery?.message
  if (at === undefined || message === undefined) return answer(ctx, ctx.t("broadcast-draft-gone"), true)
  const botId = ctx.tenant.botId
  const started = await attempt(
    ctx,
    Effect.gen(function* () {
      const id = yield* startBroadcast(botId, {
        content: at.state.draft,
        segment: at.state.segment,
        createdBy: `admin:${ctx.from!.id}`,
        progress: { chatId: message.chat.id, messageId: message.message_id, language: localeOfCtx(ctx) }
      })
      yield* clearConversation(at.key)
      return (yield* broadcastSummary(botId, id))!
    })
  )
  if (Result.isFailure(started)) {
    const busy = started.failure._tag === "BroadcastInProgress"
    return answer(ctx, ctx.t(busy ? "broadcast-busy" : "broadcast-empty"), true)
  }
  await answer(ctx)
  const summary = started.success
  await ctx
    .editMessageText(broadcastStatusText(ctx.t, localeOfCtx(ctx), summary), {
      reply_markup: broadcastStatusKeyboard(ctx.t, summary)
    })
    .catch(() => undefined)
}

export const discardBroadcast = async (ctx: BotContext) => {
  if (!(await guardAdmin(ctx))) return
  const key = keyOf(ctx)
  if (key !== undefined) await ctx.run(clearConversation(key))
  await answer(ctx, ctx.t("broadcast-discarded"))
  await dropButtons(ctx)
}

/** Stop: nothing more is sent; the progress message shows the report. */
export const stopBroadcast = async (ctx: BotContext, broadcastId: number) => {
  if (!(await guardAdmin(ctx))) return
  const botId = ctx.tenant.botId
  const stopped = await ctx.run(cancelBroadcast(botId, broadcastId))
  await answer(ctx, ctx.t(stopped ? "broadcast-stopped" : "broadcast-not-running"))
  const summary = await ctx.run(broadcastSummary(botId, broadcastId))
  if (summary === undefined) return
  await ctx
    .editMessageText(broadcastStatusText(ctx.t, localeOfCtx(ctx), summary), {
      reply_markup: broadcastStatusKeyboard(ctx.t, summary)
    })
    .catch(() => undefined)
}

/** A customer pressed the broadcast's "Open the menu". */
export const openMenuFromBroadcast = async (ctx: BotContext) => {
  await answer(ctx)
  await ctx.reply(ctx.t("use-menu"), { reply_markup: mainMenu(ctx) })
}
