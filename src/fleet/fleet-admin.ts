/**
 * What an operator does to tenants, shared by the master bot and the API's
 * master token: create a tenant from a checked token, see every tenant with its
 * runtime state, count what a tenant holds (before deleting it), its
 * statistics, and top up its wallet. Fleet-wide by nature (hence the file
 * name, see src/db/tenant.ts); per-tenant counts still run inside `withTenant`.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { AppConfig } from "../config.ts"
import { uniqueViolationOf } from "../db/errors.ts"
import { withTenant } from "../db/tenant.ts"
import { topUpTenantWallet } from "../payments/tenant-wallet.ts"
import { Bots } from "../tenants/bots.ts"
import type { Bot, RuntimeStatus } from "../tenants/bots.ts"
import {
  type BotNotFound,
  DuplicateTelegramToken,
  InvalidInput,
  type InvalidTelegramToken,
  type MasterBotExists
} from "../tenants/errors.ts"
import { MAX_MONEY, MAX_SAFE } from "../tenants/limits.ts"
import { checkTelegramToken, type TelegramTokenRejected, type TelegramUnreachable } from "./telegram-check.ts"
import { tenantState } from "./tenant-state.ts"
import type { TenantState } from "./tenant-state.ts"

export class DuplicateTopUp extends Schema.TaggedError<DuplicateTopUp>()("DuplicateTopUp", {
  reference: Schema.String
}) {
  readonly code = "duplicate_reference"
  override get message() {
    return `a top-up with reference ${this.reference} was already applied`
  }
}

export interface NewTenant {
  readonly name: string
  readonly telegramToken: string
  readonly currency?: string | undefined
  readonly trafficRatePerGb?: number | undefined
  readonly isActive?: boolean | undefined
}

export interface TenantOverview {
  readonly bot: Bot
  readonly state: TenantState
  readonly status: RuntimeStatus | undefined
}

/** What deleting a tenant removes with it (the cascade), counted. */
export interface TenantContents {
  readonly users: number
  readonly subscriptions: number
  readonly activeSubscriptions: number
  readonly plans: number
  readonly paymentCards: number
  readonly cardPayments: number
  readonly pendingCardPayments: number
  readonly zarinpalPayments: number
  readonly transactions: number
  readonly tickets: number
  readonly walletTransactions: number
}

export interface TenantStatistics extends TenantContents {
  readonly botId: number
  readonly currency: string
  readonly walletBalance: number
  readonly trafficSoldBytes: number
  readonly trafficConsumedBytes: number
  /** Approved card payments plus paid ZarinPal payments, in the tenant's currency. */
  readonly revenue: number
  readonly revenueLast30Days: number
  readonly newUsersLast30Days: number
}

export interface TopUp {
  readonly amount: number
  readonly reference?: string | undefined
  /** Who did it, for the ledger: `api:<bot id>` or `telegram:<user id>`. */
  readonly createdBy: string
}

/** A top-up's ceiling: MAX_MONEY (src/tenants/limits.ts). */
export const MAX_TOP_UP = MAX_MONEY

type CreateError =
  | InvalidTelegramToken
  | TelegramTokenRejected
  | TelegramUnreachable
  | DuplicateTelegramToken
  | MasterBotExists
  | InvalidInput
  | SqlError

export class FleetAdmin extends Context.Service<
  FleetAdmin,
  {
    createTenant(input: NewTenant): Effect.Effect<{ bot: Bot; apiToken: string }, CreateError>
    overview(): Effect.Effect<ReadonlyArray<TenantOverview>, SqlError>
    overviewOf(botId: number): Effect.Effect<TenantOverview, BotNotFound | SqlError>
    contents(botId: number): Effect.Effect<TenantContents, BotNotFound | SqlError>
    statistics(botId: number): Effect.Effect<TenantStatistics, BotNotFound | SqlError>
    /** Returns the new balance. */
    topUp(botId: number, topUp: TopUp): Effect.Effect<number, BotNotFound | DuplicateTopUp | InvalidInput | SqlError>
  }
>()("botfleet/bot/master/FleetAdmin") {
  static readonly layer = Layer.effect(
    FleetAdmin,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const bots = yield* Bots
      const config = yield* AppConfig
      const withSql = Effect.provideService(SqlClient.SqlClient, sql)

      const statusOf = (botId: number) =>
        Effect.map(
          sql<RuntimeStatus>`
            SELECT bot_id, state, last_error, last_error_at, restart_count, conflict_count, last_started_at, runner, updated_at
            FROM bot_runtime_status WHERE bot_id = ${botId}`,
          (rows) => rows[0]
        )

      const contents = Effect.fn("FleetAdmin.contents")(function* (botId: number) {
        yield* bots.getById(botId)
        const rows = yield* withTenant(
          botId,
          sql<TenantContents>`
            SELECT
              (SELECT count(*) FROM users WHERE bot_id = ${botId})::integer AS users,
              (SELECT count(*) FROM subscriptions WHERE bot_id = ${botId})::integer AS subscriptions,
              (SELECT count(*) FROM subscriptions
                WHERE bot_id = ${botId} AND status IN ('active', 'trial') AND expires_at > now())::integer AS active_subscriptions,
              (SELECT count(*) FROM bot_plans WHERE bot_id = ${botId})::integer AS plans,
              (SELECT count(*) FROM tenant_payment_cards WHERE bot_id = ${botId})::integer AS payment_cards,
              (SELECT count(*) FROM card_to_card_payments WHERE bot_id = ${botId})::integer AS card_payments,
              (SELECT count(*) FROM card_to_card_payments
                WHERE bot_id = ${botId} AND status = 'pending')::integer AS pending_card_payments,
              (SELECT count(*) FROM zarinpal_payments WHERE bot_id = ${botId})::integer AS zarinpal_payments,
              (SELECT count(*) FROM transactions WHERE bot_id = ${botId})::integer AS transactions,
              (SELECT count(*) FROM tickets WHERE bot_id = ${botId})::integer AS tickets,
              (SELECT count(*) FROM tenant_wallet_transactions WHERE bot_id = ${botId})::integer AS wallet_transactions`
        ).pipe(withSql)
        return rows[0]!
      })

      return FleetAdmin.of({
        createTenant: Effect.fn("FleetAdmin.createTenant")(function* (input: NewTenant) {
          if (
            input.trafficRatePerGb !== undefined &&
            (!Number.isSafeInteger(input.trafficRatePerGb) || input.trafficRatePerGb < 0)
          ) {
            return yield* new InvalidInput({ field: "trafficRatePerGb", reason: "must be a non-negative integer" })
          }
          const existing = yield* bots.findByTelegramToken(input.telegramToken)
          if (Option.isSome(existing)) return yield* new DuplicateTelegramToken()
          const me = yield* checkTelegramToken(input.telegramToken).pipe(Effect.provideService(AppConfig, config))
          const created = yield* bots.create({
            name: input.name,
            telegramToken: input.telegramToken,
            telegramUsername: me.username,
            currency: input.currency,
            isActive: input.isActive
          })
          if (input.trafficRatePerGb === undefined || input.trafficRatePerGb === 0) return created
          const bot = yield* bots
            .update(created.bot.id, { trafficRatePerGb: input.trafficRatePerGb })
            .pipe(Effect.catchTag("BotNotFound", Effect.die))
          return { bot, apiToken: created.apiToken }
        }),
        overview: Effect.fn("FleetAdmin.overview")(function* () {
          const [all, statuses] = yield* Effect.all([bots.list(), bots.runtimeStatus()], { concurrency: 2 })
          const byBot = new Map(statuses.map((s) => [s.botId, s]))
          const now = Date.now()
          return all.map((bot) => {
            const status = byBot.get(bot.id)
            return { bot, status, state: tenantState(bot, status, now) }
          })
        }),
        overviewOf: Effect.fn("FleetAdmin.overviewOf")(function* (botId: number) {
          const bot = yield* bots.getById(botId)
          const status = yield* statusOf(botId)
          return { bot, status, state: tenantState(bot, status) }
        }),
        contents,
        statistics: Effect.fn("FleetAdmin.statistics")(function* (botId: number) {
          const bot = yield* bots.getById(botId)
          const counts = yield* contents(botId)
          const [money] = yield* withTenant(
            botId,
            sql<{ revenue: number; revenueLast30Days: number; newUsersLast30Days: number }>`
              WITH paid AS (
                SELECT amount, created_at FROM card_to_card_payments WHERE bot_id = ${botId} AND status = 'approved'
                UNION ALL
                SELECT amount, created_at FROM zarinpal_payments WHERE bot_id = ${botId} AND status = 'paid'
              )
              SELECT
                -- Sums saturate at 2^53 - 1: past it they could not be read (nor be meant).
                LEAST(COALESCE((SELECT sum(amount) FROM paid), 0), ${MAX_SAFE})::bigint AS revenue,
                LEAST(COALESCE((SELECT sum(amount) FROM paid WHERE created_at > now() - interval '30 days'), 0),
                      ${MAX_SAFE})::bigint AS revenue_last30_days,
                (SELECT count(*) FROM users WHERE bot_id = ${botId} AND created_at > now() - interval '30 days')::integer
                  AS new_users_last30_days`
          ).pipe(withSql)
          return {
            ...counts,
            botId,
            currency: bot.currency,
            walletBalance: bot.walletBalance,
            trafficSoldBytes: bot.trafficSoldBytes,
            trafficConsumedBytes: bot.trafficConsumedBytes,
            revenue: Number(money!.revenue),
            revenueLast30Days: Number(money!.revenueLast30Days),
            newUsersLast30Days: money!.newUsersLast30Days
          }
        }),
        topUp: Effect.fn("FleetAdmin.topUp")(function* (botId: number, topUp: TopUp) {
          if (!Number.isSafeInteger(topUp.amount) || topUp.amount <= 0 || topUp.amount > MAX_MONEY) {
            return yield* new InvalidInput({
              field: "amount",
              reason: `must be a whole number from 1 to ${MAX_MONEY}`
            })
          }
          const before = yield* bots.getById(botId)
          const balance = yield* topUpTenantWallet(botId, topUp).pipe(
            withSql,
            Effect.catchTag(
              "SqlError",
              (e): Effect.Effect<never, DuplicateTopUp | SqlError> =>
                uniqueViolationOf(e) === "idx_tenant_wallet_transactions_reference"
                  ? Effect.fail(new DuplicateTopUp({ reference: topUp.reference ?? "" }))
                  : Effect.fail(e)
            )
          )
          if (balance === undefined) {
            return yield* new InvalidInput({
              field: "amount",
              reason: `would take the balance (${before.walletBalance}) past ${MAX_SAFE}`
            })
          }
          return balance
        })
      })
    })
  )
}
