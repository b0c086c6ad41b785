/**
 * /admin → Texts: the shop's own welcome, rules, FAQ and support texts
 * (src/tenants/tenant-texts.ts). Pick a text, pick a language, send the new
 * text (Telegram HTML), see it as customers will, Save — or reset a language to
 * the built-in text. The admin writes the text with Telegram's own formatting
 * (turned into HTML here) or as HTML. A text Telegram would refuse (bad HTML, too long) is
 * refused here with the reason and nothing is saved; the admin can send a
 * corrected one. The draft waits in the conversation state, so Save works on
 * any replica; saving writes the configuration key in the update's transaction
 * (its NOTIFY refreshes every replica's tenant cache).
 */
import { Result } from "effect"
import { InlineKeyboard } from "grammy"
import { callbackData } from "../../messages/callback-data.ts"
import { entitiesToHtml, hasFormatting } from "../../telegram/html-text.ts"
import { LANGUAGES } from "../../messages/i18n.ts"
import type { Language } from "../../tenants/tenant-cache.ts"
import { removeConfigValue, storeConfigValue } from "../../tenants/configurations.ts"
import { tenantText, tenantTextProblem, TEXT_KINDS, textConfigKey } from "../../tenants/tenant-texts.ts"
import type { TextKind } from "../../tenants/tenant-texts.ts"
import type { BotContext } from "../context.ts"
import { clearConversation, setConversation } from "../conversation.ts"
import type { ConversationState } from "../conversation.ts"
import { guardAdmin } from "./admin-panel.ts"
import { answer, attempt, dropButtons } from "./helpers.ts"
import { LANGUAGE_NAMES } from "./start.ts"
import { HTML } from "./tenant-texts.ts"

const kindName = (ctx: BotContext, kind: TextKind) => ctx.t(`text-kind-${kind}`)

const conversationKey = (ctx: BotContext) => ({ botId: ctx.tenant.botId, chatId: ctx.chat!.id, userId: ctx.user!.id })

/** Admin callbacks that touch the conversation need a user and a chat (always there for a button press). */
const guard = async (ctx: BotContext) => (await guardAdmin(ctx)) && ctx.user !== undefined && ctx.chat !== undefined

export const showTextKinds = async (ctx: BotContext) => {
  if (!(await guardAdmin(ctx))) return
  await answer(ctx)
  const keyboard = new InlineKeyboard()
  for (const kind of TEXT_KINDS) keyboard.text(kindName(ctx, kind), callbackData.adminTextKind(kind)).row()
  await ctx.reply(ctx.t("admin-texts-title"), { reply_markup: keyboard })
}

export const showTextLanguages = async (ctx: BotContext, kind: TextKind) => {
  if (!(await guardAdmin(ctx))) return
  await answer(ctx)
  const keyboard = new InlineKeyboard()
  for (const language of LANGUAGES) {
    const mark = tenantText(ctx.tenant, kind, language) !== undefined ? "✅" : "▫️"
    keyboard.text(`${mark} ${LANGUAGE_NAMES[language]}`, callbackData.adminTextEdit(kind, language)).row()
  }
  await ctx.reply(ctx.t("admin-text-languages", { text: kindName(ctx, kind) }), { reply_markup: keyboard })
}

/** Shows the current text (when the shop has its own) and asks for the new one. */
export const askText = async (ctx: BotContext, kind: TextKind, language: Language) => {
  if (!(await guard(ctx))) return
  await answer(ctx)
  await ctx.run(setConversation(conversationKey(ctx), { step: "tenant_text", kind, language }))
  const current = tenantText(ctx.tenant, kind, language)
  if (current !== undefined) await ctx.reply(current, HTML)
  const keyboard = new InlineKeyboard()
  if (current !== undefined)
    keyboard.text(ctx.t("admin-text-reset-button"), callbackData.adminTextReset(kind, language))
  await ctx.reply(
    [
      ctx.t(current !== undefined ? "admin-text-current-custom" : "admin-text-current-builtin"),
      ctx.t("admin-text-prompt", { text: kindName(ctx, kind), language: LANGUAGE_NAMES[language] })
    ].join("\n\n"),
    current !== undefined ? { reply_markup: keyboard } : {}
  )
}

/** The admin's new text: refused with the reason, or previewed as customers will see it, with Save. */
export const receiveText = async (
  ctx: BotContext,
  state: Extract<ConversationState, { step: "tenant_text" }>
): Promise<void> => {
  if (!(await guard(ctx))) return
  const message = ctx.message
  if (message?.text === undefined) return void (await ctx.reply(ctx.t("admin-text-text-only")))
  // Formatting from Telegram's own editor wins; a text without any is read as HTML.
  const html = hasFormatting(message.entities) ? entitiesToHtml(message.text, message.entities!) : message.text
  const problem = tenantTextProblem(html)
  if (problem !== undefined) return void (await ctx.reply(ctx.t("admin-text-invalid", { reason: problem })))
  await ctx.run(setConversation(conversationKey(ctx), { ...state, html }))
  await ctx.reply(html, HTML)
  await ctx.reply(ctx.t("admin-text-preview"), {
    reply_markup: new InlineKeyboard()
      .text(ctx.t("admin-text-save-button"), callbackData.adminTextSave())
      .text(ctx.t("admin-text-cancel-button"), callbackData.adminTextCancel())
  })
}

/** Save after the preview: the draft from the conversation state, validated once more by the repository. */
export const saveText = async (ctx: BotContext, state: ConversationState | undefined) => {
  if (!(await guard(ctx))) return
  if (state?.step !== "tenant_text" || state.html === undefined) {
    return answer(ctx, ctx.t("admin-text-nothing-to-save"), true)
  }
  const saved = await attempt(
    ctx,
    storeConfigValue(ctx.tenant.botId, textConfigKey(state.kind, state.language), state.html)
  )
  if (Result.isFailure(saved)) {
    return answer(ctx, ctx.t("admin-text-invalid", { reason: saved.failure.message }), true)
  }
  await ctx.run(clearConversation(conversationKey(ctx)))
  await answer(ctx)
  await dropButtons(ctx)
  await ctx.reply(
    ctx.t("admin-text-saved", { text: kindName(ctx, state.kind), language: LANGUAGE_NAMES[state.language] })
  )
}

export const cancelText = async (ctx: BotContext) => {
  if (!(await guard(ctx))) return
  await ctx.run(clearConversation(conversationKey(ctx)))
  await answer(ctx)
  await dropButtons(ctx)
  await ctx.reply(ctx.t("admin-text-cancelled"))
}

export const resetText = async (ctx: BotContext, kind: TextKind, language: Language) => {
  if (!(await guard(ctx))) return
  await ctx.run(removeConfigValue(ctx.tenant.botId, textConfigKey(kind, language)))
  await ctx.run(clearConversation(conversationKey(ctx)))
  await answer(ctx)
  await dropButtons(ctx)
  await ctx.reply(ctx.t("admin-text-reset-done", { text: kindName(ctx, kind), language: LANGUAGE_NAMES[language] }))
}
