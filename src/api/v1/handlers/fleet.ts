/** The master token's routes: the fleet (list, create) and operator actions on one tenant. */
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { FleetAdmin } from "../../../fleet/fleet-admin.ts"
import { Bots } from "../../../tenants/bots.ts"
import { TenantApi } from "../api.ts"
import { fromDomain } from "../errors.ts"
import { Caller, TargetBot } from "../middleware.ts"
import { botView } from "../views.ts"

export const FleetHandlers = HttpApiBuilder.group(
  TenantApi,
  "fleet",
  Effect.fn(function* (handlers) {
    const bots = yield* Bots
    const admin = yield* FleetAdmin
    return handlers.handleAll({
      listBots: () => fromDomain(Effect.map(bots.list(), (all) => ({ items: all.map(botView) }))),
      createBot: ({ payload }) =>
        fromDomain(Effect.map(admin.createTenant(payload), ({ apiToken, bot }) => ({ bot: botView(bot), apiToken })))
    })
  })
)

export const TenantAdminHandlers = HttpApiBuilder.group(
  TenantApi,
  "tenantAdmin",
  Effect.fn(function* (handlers) {
    const bots = yield* Bots
    const admin = yield* FleetAdmin
    return handlers.handleAll({
      deleteBot: () =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          yield* fromDomain(bots.delete(botId))
        }),
      rotateApiToken: () =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          const apiToken = yield* fromDomain(bots.rotateApiToken(botId))
          return { botId, apiToken }
        }),
      topUpWallet: ({ payload }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          const caller = yield* Caller
          const walletBalance = yield* fromDomain(
            admin.topUp(botId, {
              amount: payload.amount,
              reference: payload.reference,
              createdBy: `api:${caller.botId}`
            })
          )
          const bot = yield* fromDomain(bots.getById(botId))
          return { botId, currency: bot.currency, walletBalance }
        })
    })
  })
)
