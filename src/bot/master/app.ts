/**
 * The master bot's application (the bot row with `is_master`): operators manage
 * tenants from Telegram. Only MASTER_ADMIN_IDS may use it.
 *
 * Every flow is one message with its arguments (`/topup 12 500000`), and the one
 * two-step flow, deleting, keeps its state in the confirmation button itself
 * (`del:<id>:<deadline>`): nothing lives in memory, so a restart or another
 * replica answering the button changes nothing.
 *
 * The work runs with the service's own context, outside the update's tenant
 * transaction (which is scoped to the master bot's rows): fleet operations are
 * fleet-wide. A top-up carries the message as its reference, so an update that
 * is replayed after a crash cannot credit a wallet twice.
 */
import { type Cause, Effect, Exit, Layer } from "effect"
import { Composer, InlineKeyboard } from "grammy"
import { AppConfig } from "../../config.ts"
import { causeSummary } from "../../logging.ts"
import { Bots } from "../../tenants/bots.ts"
import type { BotContext } from "../context.ts"
import { FleetAdmin } from "../../fleet/fleet-admin.ts"
import { deleteConfirmation, fleetStats, HELP, tenantDetails, tenantList } from "./format.ts"
import { MAX_MONEY } from "../../tenants/limits.ts"

export type MasterServices = FleetAdmin | Bots

export interface MasterAppOptions {
  readonly adminIds: ReadonlyArray<number>
  /** Runs an operation with the service's context and returns how it ended. */
  readonly run: <A, E>(effect: Effect.Effect<A, E, MasterServices>) => Promise<Exit.Exit<A, E>>
  readonly now?: () => number
}

const PAGE_SIZE = 30
/** How long a delete confirmation button stays valid. */
export const DELETE_CONFIRM_SECONDS = 600

const ID = /^[1-9][0-9]{0,15}$/

/**
 * A money amount as an operator types it: digits, optionally grouped by
 * thousands with `,` or `_`. Anything else — `1e9`, `0x10`, `1.5`, `+5`,
 * `Infinity` — is refused rather than read the way Number() would; so is 0 or
 * more than MAX_MONEY.
 */
export const parseAmount = (text: string | undefined): number | undefined => {
  if (text === undefined || !/^[1-9][0-9]{0,2}(?:([,_]?)[0-9]{3}(?:\1[0-9]{3})*)?$|^[1-9][0-9]*$/.test(text)) {
    return undefined
  }
  const amount = Number(text.replace(/[,_]/g, ""))
  return Number.isSafeInteger(amount) && amount >= 1 && amount <= MAX_MONEY ? amount : undefined
}

const words = (match: unknown) =>
  typeof match === "string"
    ? match
        .trim()
        .split(/\s+/)
        .filter((w) => w.length > 0)
    : []

/** The message of an expected failure (bad input, unknown id…); undefined for anything to log instead. */
const failureText = (cause: Cause.Cause<unknown>) => {
  const failure = cause.reasons.find((r) => r._tag === "Fail")
  if (failure === undefined || failure._tag !== "Fail") return undefined
  const error = failure.error
  // A database error is ours to look at, not the operator's to read.
  if (typeof error === "object" && error !== null && (error as { _tag?: unknown })._tag === "SqlError") return undefined
  return error instanceof Error ? error.message : String(error)
}

export const makeMasterApp = (options: MasterAppOptions): Composer<BotContext> => {
  const app = new Composer<BotContext>()
  const admins = new Set(options.adminIds)
  const now = options.now ?? Date.now

  app.use(async (ctx, next) => {
    if (ctx.from && admins.has(ctx.from.id)) return next()
    if (ctx.callbackQuery) return ctx.answerCallbackQuery({ text: "Not allowed." })
    if (ctx.chat?.type === "private") await ctx.reply("This bot is for the operators of this botfleet installation.")
  })

  /** Runs `effect`; a typed failure is told to the admin, a defect is logged and summarised. */
  const perform = async <A, E>(
    ctx: BotContext,
    effect: Effect.Effect<A, E, MasterServices>,
    onSuccess: (value: A) => Promise<unknown>
  ) => {
    const exit = await options.run(effect)
    if (Exit.isSuccess(exit)) return onSuccess(exit.value)
    const expected = failureText(exit.cause)
    if (expected !== undefined) return ctx.reply(`✖ ${expected}`)
    await options.run(Effect.logError(`master bot command failed: ${causeSummary(exit.cause)}`))
    return ctx.reply("✖ Something went wrong on our side; it has been logged.")
  }

  const usage = (ctx: BotContext, text: string) => ctx.reply(`Usage: ${text}`)

  app.command(["start", "help"], (ctx) => ctx.reply(HELP))

  app.command("newtenant", async (ctx) => {
    const [token, ...nameWords] = words(ctx.match)
    // The token should not linger in the chat history, whatever happens next.
    if (token?.includes(":")) await ctx.deleteMessage().catch(() => undefined)
    if (token === undefined || nameWords.length === 0)
      return usage(ctx, "/newtenant <token from @BotFather> <shop name>")
    return perform(
      ctx,
      FleetAdmin.use((admin) => admin.createTenant({ name: nameWords.join(" "), telegramToken: token })),
      ({ apiToken, bot }) =>
        ctx.reply(
          [
            `✔ Tenant #${bot.id} ${bot.name}${bot.telegramUsername ? ` @${bot.telegramUsername}` : ""} created; it starts within seconds.`,
            "",
            "Its API token (shown this once, keep it safe):",
            apiToken
          ].join("\n")
        )
    )
  })

  app.command("tenants", async (ctx) => {
    const [pageArg] = words(ctx.match)
    const page = pageArg !== undefined && ID.test(pageArg) ? Number(pageArg) : 1
    return perform(
      ctx,
      FleetAdmin.use((admin) => admin.overview()),
      (all) => ctx.reply(tenantList(all, page, PAGE_SIZE))
    )
  })

  app.command(["tenant", "stats"], async (ctx) => {
    const [id] = words(ctx.match)
    if (id === undefined && ctx.message?.text?.startsWith("/stats")) {
      return perform(
        ctx,
        FleetAdmin.use((admin) => admin.overview()),
        (all) => ctx.reply(fleetStats(all))
      )
    }
    if (id === undefined || !ID.test(id)) return usage(ctx, "/tenant <id>")
    const botId = Number(id)
    return perform(
      ctx,
      Effect.gen(function* () {
        const admin = yield* FleetAdmin
        return { overview: yield* admin.overviewOf(botId), stats: yield* admin.statistics(botId) }
      }),
      ({ overview, stats }) => ctx.reply(tenantDetails(overview, stats))
    )
  })

  app.command(["activate", "deactivate"], async (ctx) => {
    const [id] = words(ctx.match)
    const activate = ctx.message?.text?.startsWith("/activate") ?? false
    if (id === undefined || !ID.test(id)) return usage(ctx, activate ? "/activate <id>" : "/deactivate <id>")
    const botId = Number(id)
    return perform(
      ctx,
      Bots.use((bots) => (activate ? bots.activate(botId) : bots.deactivate(botId))),
      (bot) =>
        ctx.reply(
          activate
            ? `✔ #${bot.id} ${bot.name} activated; it starts within seconds.`
            : `✔ #${bot.id} ${bot.name} deactivated; it stops within seconds.`
        )
    )
  })

  app.command("delete", async (ctx) => {
    const [id] = words(ctx.match)
    if (id === undefined || !ID.test(id)) return usage(ctx, "/delete <id>")
    const botId = Number(id)
    return perform(
      ctx,
      Effect.gen(function* () {
        const bots = yield* Bots
        const bot = yield* bots.getById(botId)
        if (bot.isMaster) return { bot, contents: undefined }
        return { bot, contents: yield* (yield* FleetAdmin).contents(botId) }
      }),
      ({ bot, contents }) => {
        if (contents === undefined) return ctx.reply("✖ the master bot cannot be deleted")
        const deadline = Math.floor(now() / 1000) + DELETE_CONFIRM_SECONDS
        return ctx.reply(deleteConfirmation(bot, contents), {
          reply_markup: new InlineKeyboard()
            .text(`Delete #${bot.id} for good`, `del:${bot.id}:${deadline}`)
            .text("Cancel", "del:cancel")
        })
      }
    )
  })

  app.callbackQuery("del:cancel", async (ctx) => {
    await ctx.answerCallbackQuery({ text: "Cancelled" })
    await ctx.editMessageText("Deletion cancelled; nothing was deleted.").catch(() => undefined)
  })

  app.callbackQuery(/^del:([1-9][0-9]{0,15}):([0-9]{1,12})$/, async (ctx) => {
    const botId = Number(ctx.match[1])
    const deadline = Number(ctx.match[2])
    if (now() / 1000 > deadline) {
      await ctx.answerCallbackQuery({ text: "This confirmation has expired." })
      return ctx
        .editMessageText(`Confirmation expired; #${botId} was not deleted. Send /delete ${botId} again.`)
        .catch(() => undefined)
    }
    await ctx.answerCallbackQuery({ text: "Deleting…" })
    const exit = await options.run(Bots.use((bots) => bots.delete(botId)))
    const text = Exit.isSuccess(exit)
      ? `✔ Tenant #${botId} deleted, with everything it held.`
      : `✖ ${failureText(exit.cause) ?? "Something went wrong on our side; it has been logged."}`
    if (Exit.isFailure(exit) && failureText(exit.cause) === undefined) {
      await options.run(Effect.logError(`master bot delete failed: ${causeSummary(exit.cause)}`))
    }
    await ctx.editMessageText(text).catch(() => ctx.reply(text))
  })

  app.command("rotatetoken", async (ctx) => {
    const [id] = words(ctx.match)
    if (id === undefined || !ID.test(id)) return usage(ctx, "/rotatetoken <id>")
    const botId = Number(id)
    return perform(
      ctx,
      Bots.use((bots) => bots.rotateApiToken(botId)),
      (apiToken) =>
        ctx.reply(
          [`✔ New API token for #${botId} (shown this once; the previous one no longer works):`, apiToken].join("\n")
        )
    )
  })

  app.command("topup", async (ctx) => {
    const [id, amountArg, reference] = words(ctx.match)
    const amount = parseAmount(amountArg)
    if (id === undefined || !ID.test(id) || amount === undefined) {
      return usage(
        ctx,
        `/topup <id> <amount> [reference] — the amount in whole units, digits only (500000 or 500,000), at most ${MAX_MONEY.toLocaleString("en-US")}`
      )
    }
    const botId = Number(id)
    return perform(
      ctx,
      Effect.gen(function* () {
        const admin = yield* FleetAdmin
        const balance = yield* admin.topUp(botId, {
          amount,
          // The message identifies the top-up: a replayed update finds it already applied.
          reference: reference ?? `telegram:${ctx.chat?.id}:${ctx.message?.message_id}`,
          createdBy: `telegram:${ctx.from?.id}`
        })
        const bot = yield* (yield* Bots).getById(botId)
        return { balance, bot }
      }),
      ({ balance, bot }) =>
        ctx.reply(
          `✔ #${bot.id} ${bot.name}: +${amount.toLocaleString("en-US")} ${bot.currency}; balance ${balance.toLocaleString("en-US")} ${bot.currency}.`
        )
    )
  })

  app.on("message:text", (ctx) => ctx.reply(`Unknown command.\n\n${HELP}`))

  return app
}

/** The master app bound to this service's context (FleetAdmin, Bots, MASTER_ADMIN_IDS). */
export const MasterApp = Effect.gen(function* () {
  const config = yield* AppConfig
  const context = yield* Effect.context<MasterServices>()
  return makeMasterApp({ adminIds: config.masterAdminIds, run: Effect.runPromiseExitWith(context) })
})

/** What MasterApp needs beyond AppConfig; itself needs a SqlClient. */
export const MasterAppServices = FleetAdmin.layer.pipe(Layer.provideMerge(Bots.layer))
