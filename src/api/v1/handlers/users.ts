/**
 * The bot's end users: list and search, and customer management — the card
 * (subscription, latest payments, ledger, admin actions), wallet adjustments,
 * subscription days, granted plans and bans. The rules are the admin panel's
 * (src/shop/customer-admin.ts), run in a tenant transaction; every change is
 * audited with whose API token made it (the tenant's own or the master's).
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { HttpApiBuilder } from "effect/http-api"
import { withTenant } from "../../../db/tenant.ts"
import {
  adjustWallet,
  changeSubscriptionDays,
  customerCard,
  grantPlan,
  setCustomerBanned
} from "../../../shop/customer-admin.ts"
import type { CustomerCard, NoSubscription, StaleCustomerCard } from "../../../shop/customer-admin.ts"
import type { InsufficientBalance, PlanUnavailable } from "../../../payments/errors.ts"
import type { TenantWalletInsufficient } from "../../../payments/tenant-wallet.ts"
import type { InvalidInput, RecordNotFound } from "../../../tenants/errors.ts"
import type { AdminActor } from "../../../tenants/admin-actions.ts"
import { findCustomer } from "../../../tenants/users.ts"
import { TenantApi } from "../api.ts"
import { Conflict, fromDomain, NotFound } from "../errors.ts"
import type { ValidationFailed } from "../errors.ts"
import { Caller, TargetBot } from "../middleware.ts"
import { TenantReads } from "../tenant-reads.ts"

const cardView = (card: CustomerCard) => ({
  ...card,
  payments: card.payments.map((p) => ({ ...p, id: `${p.method === "card_to_card" ? "c2c" : "zp"}_${p.id}` }))
})

type Refusal = InsufficientBalance | NoSubscription | TenantWalletInsufficient | PlanUnavailable | StaleCustomerCard
type DomainFailure = Refusal | RecordNotFound | InvalidInput | SqlError

/** The domain's refusals as the API's stable errors; not-found, invalid input and database failures as fromDomain maps them. */
const answerFailure = (e: DomainFailure): Effect.Effect<never, Conflict | NotFound | ValidationFailed> => {
  switch (e._tag) {
    case "InsufficientBalance":
      return Effect.fail(new Conflict({ code: "insufficient_balance", message: e.message }))
    case "NoSubscription":
      return Effect.fail(new Conflict({ code: "no_subscription", message: e.message }))
    case "TenantWalletInsufficient":
      return Effect.fail(new Conflict({ code: "tenant_wallet_insufficient", message: e.message }))
    case "PlanUnavailable":
      return Effect.fail(NotFound.of(`plan ${e.planId} is not on sale`))
    case "StaleCustomerCard":
      // The API passes no card version, so this cannot happen: a bug if it does.
      return Effect.die(e)
    default:
      return fromDomain(Effect.fail(e))
  }
}

export const UsersHandlers = HttpApiBuilder.group(
  TenantApi,
  "users",
  Effect.fn(function* (handlers) {
    const reads = yield* TenantReads
    const sql = yield* SqlClient.SqlClient

    const actorOf = Effect.map(
      Caller,
      (caller): AdminActor => ({ _tag: "Api", token: caller.isMaster ? "master" : "tenant" })
    )
    /** In the bot's tenant transaction: the change, then the card as it is now. */
    const changeThenCard = <A, E>(
      botId: number,
      userId: number,
      change: (actor: AdminActor) => Effect.Effect<A, E, SqlClient.SqlClient>
    ) =>
      Effect.flatMap(actorOf, (actor) =>
        withTenant(botId, Effect.andThen(change(actor), customerCard(botId, userId))).pipe(
          Effect.provideService(SqlClient.SqlClient, sql),
          Effect.map(cardView)
        )
      )
    /** A change the domain may refuse (409, or 404 for a plan not on sale). */
    const act = <A>(
      botId: number,
      userId: number,
      change: (actor: AdminActor) => Effect.Effect<A, DomainFailure, SqlClient.SqlClient>
    ) => changeThenCard(botId, userId, change).pipe(Effect.catch(answerFailure))
    /** A read, or a change that cannot be refused (a ban). */
    const show = (
      botId: number,
      userId: number,
      change: (actor: AdminActor) => Effect.Effect<unknown, RecordNotFound | SqlError, SqlClient.SqlClient> = () =>
        Effect.void
    ) => fromDomain(changeThenCard(botId, userId, change))

    return handlers.handleAll({
      listUsers: ({ query }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          const page = { limit: query.limit ?? 50, offset: query.offset ?? 0 }
          const { items, total } = yield* fromDomain(reads.listUsers(botId, query.search, page))
          return { items, total, ...page }
        }),
      getUser: ({ params }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          const user = yield* fromDomain(reads.getUser(botId, params.id))
          if (user === undefined) return yield* NotFound.of(`user ${params.id} does not exist`)
          return user
        }),
      findCustomer: ({ query }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          const userId = yield* withTenant(botId, findCustomer(botId, query.query)).pipe(
            Effect.provideService(SqlClient.SqlClient, sql),
            fromDomain
          )
          if (userId === undefined) return yield* NotFound.of(`no customer ${query.query}`)
          return yield* show(botId, userId)
        }),
      getCustomerCard: ({ params }) => Effect.flatMap(TargetBot, ({ botId }) => show(botId, params.id)),
      adjustWallet: ({ params, payload }) =>
        Effect.flatMap(TargetBot, ({ botId }) =>
          act(botId, params.id, (actor) => adjustWallet(botId, actor, params.id, payload))
        ),
      changeSubscriptionDays: ({ params, payload }) =>
        Effect.flatMap(TargetBot, ({ botId }) =>
          act(botId, params.id, (actor) => changeSubscriptionDays(botId, actor, params.id, payload.days))
        ),
      grantPlan: ({ params, payload }) =>
        Effect.flatMap(TargetBot, ({ botId }) =>
          act(botId, params.id, (actor) => grantPlan(botId, actor, params.id, payload.planId))
        ),
      banCustomer: ({ params }) =>
        Effect.flatMap(TargetBot, ({ botId }) =>
          show(botId, params.id, (actor) => setCustomerBanned(botId, actor, params.id, true))
        ),
      unbanCustomer: ({ params }) =>
        Effect.flatMap(TargetBot, ({ botId }) =>
          show(botId, params.id, (actor) => setCustomerBanned(botId, actor, params.id, false))
        )
    })
  })
)
