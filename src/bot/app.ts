/**
 * The tenant application: ONE grammY Composer shared by every tenant bot.
 * Everything tenant-specific comes from `ctx.tenant` (bound per update by the
 * update pipeline), so adding a tenant costs a row, not code or memory.
 */
import { I18n } from "@grammyjs/i18n"
import { Composer, Keyboard } from "grammy"
import { fileURLToPath } from "node:url"
import type { BotContext } from "./context.ts"
import { recordStartPayload, upsertUser } from "./users.ts"

export const i18n = new I18n<BotContext>({
  defaultLocale: "fa",
  directory: fileURLToPath(new URL("./locales", import.meta.url)),
  useSession: false,
  // The user's own choice first, then the tenant's default language.
  localeNegotiator: (ctx) => ctx.user?.language ?? ctx.tenant.defaultLanguage
})

export const mainMenu = (ctx: BotContext) =>
  new Keyboard()
    .text(ctx.t("menu-buy")).text(ctx.t("menu-subscription")).row()
    .text(ctx.t("menu-wallet")).text(ctx.t("menu-support"))
    .resized()

export const makeTenantApp = (): Composer<BotContext> => {
  const app = new Composer<BotContext>()

  // Every update with a sender registers that sender with this tenant.
  app.use(async (ctx, next) => {
    if (ctx.from && !ctx.from.is_bot) ctx.user = await ctx.run(upsertUser(ctx.tenant.botId, ctx.from))
    await next()
  })
  app.use(i18n)

  app.command("start", async (ctx) => {
    if (ctx.user && ctx.match) await ctx.run(recordStartPayload(ctx.tenant.botId, ctx.user.id, ctx.match))
    await ctx.reply(ctx.t("welcome", { shop: ctx.tenant.name, name: ctx.from?.first_name ?? "" }), {
      reply_markup: mainMenu(ctx)
    })
  })

  app.on("message:text", async (ctx, next) => {
    if (ctx.message.text.startsWith("/")) return ctx.reply(ctx.t("unknown-command"))
    return next()
  })

  return app
}
