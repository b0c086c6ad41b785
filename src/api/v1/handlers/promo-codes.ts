/** Promo codes: list with usage counts, create, disable (each in the bot's tenant transaction). */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { HttpApiBuilder } from "effect/http-api"
import { withTenant } from "../../../db/tenant.ts"
import { createPromoCode, disablePromoCode, listPromoCodes } from "../../../tenants/promo-codes.ts"
import { TenantApi } from "../api.ts"
import { fromDomain, NotFound } from "../errors.ts"
import { TargetBot } from "../middleware.ts"

/** The API lists at most this many codes, newest first. */
const LIST_LIMIT = 500

export const PromoCodesHandlers = HttpApiBuilder.group(
  TenantApi,
  "promoCodes",
  Effect.fn(function* (handlers) {
    const sql = yield* SqlClient.SqlClient
    const tenant = <A, E>(botId: number, effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
      withTenant(botId, effect).pipe(Effect.provideService(SqlClient.SqlClient, sql))
    return handlers.handleAll({
      listPromoCodes: () =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          return { items: yield* fromDomain(tenant(botId, listPromoCodes(botId, LIST_LIMIT))) }
        }),
      createPromoCode: ({ payload }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          return yield* fromDomain(tenant(botId, createPromoCode(botId, payload)))
        }),
      disablePromoCode: ({ params }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          const disabled = yield* fromDomain(tenant(botId, disablePromoCode(botId, params.id)))
          if (!disabled) return yield* NotFound.of(`promo code ${params.id} does not exist`)
          return disabled
        })
    })
  })
)
