/** The bot itself: read, update (never its tokens back), runtime status, wallet ledger. */
import { Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { FleetAdmin } from "../../../fleet/fleet-admin.ts"
import { checkTelegramToken } from "../../../fleet/telegram-check.ts"
import { AppConfig } from "../../../config.ts"
import { Bots } from "../../../tenants/bots.ts"
import { DuplicateTelegramToken } from "../../../tenants/errors.ts"
import { TenantApi } from "../api.ts"
import { Conflict, Forbidden, fromDomain } from "../errors.ts"
import { Caller, TargetBot } from "../middleware.ts"
import { TenantReads } from "../tenant-reads.ts"
import { botView, statusView } from "../views.ts"

/** Billing and activity are the operator's to set, never the tenant's own. */
const MASTER_ONLY_FIELDS = ["currency", "trafficRatePerGb", "isActive"] as const

export const BotHandlers = HttpApiBuilder.group(
  TenantApi,
  "bot",
  Effect.fn(function* (handlers) {
    const bots = yield* Bots
    const admin = yield* FleetAdmin
    const reads = yield* TenantReads
    const config = yield* AppConfig

    /** A new token must be real (getMe) and nobody else's before the bot restarts with it. */
    const checkNewToken = Effect.fnUntraced(function* (botId: number, token: string) {
      const owner = yield* bots.findByTelegramToken(token)
      if (Option.isSome(owner) && owner.value.id !== botId) return yield* new DuplicateTelegramToken()
      return yield* checkTelegramToken(token).pipe(Effect.provideService(AppConfig, config))
    })

    return handlers.handleAll({
      getBot: () =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          return botView(yield* fromDomain(bots.getById(botId)))
        }),
      updateBot: ({ payload }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          const caller = yield* Caller
          const refused = caller.isMaster ? [] : MASTER_ONLY_FIELDS.filter((field) => payload[field] !== undefined)
          if (refused.length > 0) {
            return yield* new Forbidden({
              code: "field_not_allowed",
              message: `only the master token may set ${refused.join(", ")}`
            })
          }
          // Refused before anything changes, rather than half-applied.
          if (payload.isActive === false && (yield* fromDomain(bots.getById(botId))).isMaster) {
            return yield* new Conflict({
              code: "master_bot_protected",
              message: "the master bot cannot be deactivated"
            })
          }
          const telegramUsername =
            payload.telegramToken === undefined
              ? undefined
              : (yield* fromDomain(checkNewToken(botId, payload.telegramToken))).username
          yield* fromDomain(
            bots.update(botId, {
              name: payload.name,
              telegramToken: payload.telegramToken,
              telegramUsername,
              currency: payload.currency,
              trafficRatePerGb: payload.trafficRatePerGb
            })
          )
          if (payload.isActive === true) yield* fromDomain(bots.activate(botId))
          if (payload.isActive === false) yield* fromDomain(bots.deactivate(botId))
          return botView(yield* fromDomain(bots.getById(botId)))
        }),
      getStatus: () =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          return statusView(yield* fromDomain(admin.overviewOf(botId)))
        }),
      getStatistics: () =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          return yield* fromDomain(admin.statistics(botId))
        }),
      listWalletTransactions: ({ query }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          const page = { limit: query.limit ?? 50, offset: query.offset ?? 0 }
          const items = yield* fromDomain(reads.walletTransactions(botId, page))
          return { items, ...page }
        })
    })
  })
)
