/**
 * The master bot's application (the bot row with `is_master`): operators manage
 * tenants from Telegram. Only MASTER_ADMIN_IDS may use it.
 */
import { Composer } from "grammy"
import type { BotContext } from "../context.ts"

export const makeMasterApp = (options: { readonly adminIds: ReadonlyArray<number> }): Composer<BotContext> => {
  const app = new Composer<BotContext>()
  const admins = new Set(options.adminIds)
  app.use(async (ctx, next) => {
    if (ctx.from && admins.has(ctx.from.id)) return next()
    if (ctx.chat?.type === "private") await ctx.reply("This bot is for the operators of this botfleet installation.")
  })
  app.command("start", (ctx) => ctx.reply("botfleet master bot"))
  return app
}
