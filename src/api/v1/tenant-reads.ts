/**
 * The API's tenant reads, each inside `withTenant`, so row-level security
 * confines it to the bot even if a WHERE clause were wrong: users (the
 * statements of src/tenants/users.ts), and the reads no repository offers yet —
 * payments (both methods as one list), per-card payment counts and the tenant
 * wallet's ledger.
 */
import { Context, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { withTenant } from "../../db/tenant.ts"
import { listUsers, userById } from "../../tenants/users.ts"
import type { UserRow } from "../../tenants/users.ts"
import type { PAYMENT_METHODS, PAYMENT_STATUSES } from "./models.ts"

export interface PaymentRow {
  readonly id: string
  readonly method: (typeof PAYMENT_METHODS)[number]
  readonly status: (typeof PAYMENT_STATUSES)[number]
  readonly amount: number
  readonly userId: number
  readonly planId: number | null
  readonly trackingNumber: string | null
  readonly cardId: number | null
  readonly receiptType: string | null
  readonly receiptText: string | null
  readonly receiptSubmittedAt: Date | null
  readonly reviewedAt: Date | null
  readonly reviewerTelegramId: number | null
  readonly adminNotes: string | null
  readonly zarinpalRefId: string | null
  readonly expiresAt: Date
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface PaymentFilter {
  readonly method?: (typeof PAYMENT_METHODS)[number] | undefined
  readonly status?: (typeof PAYMENT_STATUSES)[number] | undefined
  readonly userId?: number | undefined
  readonly from?: Date | undefined
  readonly to?: Date | undefined
  readonly limit: number
  readonly offset: number
}

export interface CardPaymentCounts {
  readonly cardId: number
  readonly approvedPayments: number
  readonly approvedAmount: number
  readonly pendingPayments: number
  readonly rejectedPayments: number
  readonly expiredPayments: number
}

export interface WalletTransactionRow {
  readonly id: number
  readonly type: string
  readonly amount: number
  readonly balanceAfter: number
  readonly trafficBytes: number
  readonly reference: string | null
  readonly createdBy: string | null
  readonly createdAt: Date
}

export interface Page {
  readonly limit: number
  readonly offset: number
}

/** `c2c_12` → card-to-card payment 12; `zp_5` → ZarinPal payment 5. */
export const parsePaymentId = (id: string) => {
  const match = /^(c2c|zp)_([1-9][0-9]{0,17})$/.exec(id)
  return match
    ? { method: match[1] === "c2c" ? ("card_to_card" as const) : ("zarinpal" as const), id: Number(match[2]) }
    : undefined
}

export class TenantReads extends Context.Service<
  TenantReads,
  {
    listUsers(
      botId: number,
      search: string | undefined,
      page: Page
    ): Effect.Effect<{ items: ReadonlyArray<UserRow>; total: number }, SqlError>
    getUser(botId: number, id: number): Effect.Effect<UserRow | undefined, SqlError>
    listPayments(botId: number, filter: PaymentFilter): Effect.Effect<ReadonlyArray<PaymentRow>, SqlError>
    getPayment(botId: number, id: string): Effect.Effect<PaymentRow | undefined, SqlError>
    cardPaymentCounts(botId: number): Effect.Effect<ReadonlyArray<CardPaymentCounts>, SqlError>
    walletTransactions(botId: number, page: Page): Effect.Effect<ReadonlyArray<WalletTransactionRow>, SqlError>
  }
>()("botfleet/api/v1/TenantReads") {
  static readonly layer = Layer.effect(
    TenantReads,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = <A, E>(botId: number, effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
        withTenant(botId, effect).pipe(Effect.provideService(SqlClient.SqlClient, sql))

      const cardBranch = (botId: number) =>
        sql`SELECT 'card_to_card'::text AS method, 'c2c_' || id AS id, id AS number, status, amount, user_id, plan_id,
                   tracking_number, card_id, receipt_type, receipt_text, receipt_submitted_at,
                   admin_reviewed_at AS reviewed_at, admin_reviewer_telegram_id AS reviewer_telegram_id, admin_notes,
                   NULL::text AS zarinpal_ref_id, expires_at, created_at, updated_at
            FROM card_to_card_payments WHERE bot_id = ${botId}`
      const zarinpalBranch = (botId: number) =>
        sql`SELECT 'zarinpal'::text AS method, 'zp_' || id AS id, id AS number, status, amount, user_id, plan_id,
                   NULL::text AS tracking_number, NULL::bigint AS card_id, NULL::text AS receipt_type,
                   NULL::text AS receipt_text, NULL::timestamptz AS receipt_submitted_at, NULL::timestamptz AS reviewed_at,
                   NULL::bigint AS reviewer_telegram_id, NULL::text AS admin_notes, zarinpal_ref_id,
                   expires_at, created_at, updated_at
            FROM zarinpal_payments WHERE bot_id = ${botId}`

      const toPayment = ({ number: _, ...row }: PaymentRow & { number: number }): PaymentRow => row

      return TenantReads.of({
        listUsers: Effect.fn("TenantReads.listUsers")(function* (
          botId: number,
          search: string | undefined,
          page: Page
        ) {
          return yield* tenant(botId, listUsers(botId, search, page))
        }),
        getUser: Effect.fn("TenantReads.getUser")(function* (botId: number, id: number) {
          return yield* tenant(botId, userById(botId, id))
        }),
        listPayments: Effect.fn("TenantReads.listPayments")(function* (botId: number, filter: PaymentFilter) {
          const source =
            filter.method === "card_to_card"
              ? cardBranch(botId)
              : filter.method === "zarinpal"
                ? zarinpalBranch(botId)
                : sql`${cardBranch(botId)} UNION ALL ${zarinpalBranch(botId)}`
          const rows = yield* tenant(
            botId,
            sql<PaymentRow & { number: number }>`
              SELECT * FROM (${source}) p
              WHERE (${filter.status ?? null}::text IS NULL OR status = ${filter.status ?? null})
                AND (${filter.userId ?? null}::bigint IS NULL OR user_id = ${filter.userId ?? null})
                AND (${filter.from?.toISOString() ?? null}::timestamptz IS NULL OR created_at >= ${filter.from?.toISOString() ?? null}::timestamptz)
                AND (${filter.to?.toISOString() ?? null}::timestamptz IS NULL OR created_at < ${filter.to?.toISOString() ?? null}::timestamptz)
              ORDER BY created_at DESC, number DESC
              LIMIT ${filter.limit} OFFSET ${filter.offset}`
          )
          return rows.map(toPayment)
        }),
        getPayment: Effect.fn("TenantReads.getPayment")(function* (botId: number, id: string) {
          const parsed = parsePaymentId(id)
          if (parsed === undefined) return undefined
          const branch = parsed.method === "card_to_card" ? cardBranch(botId) : zarinpalBranch(botId)
          const rows = yield* tenant(
            botId,
            sql<PaymentRow & { number: number }>`SELECT * FROM (${branch}) p WHERE number = ${parsed.id}`
          )
          return rows[0] ? toPayment(rows[0]) : undefined
        }),
        cardPaymentCounts: Effect.fn("TenantReads.cardPaymentCounts")(function* (botId: number) {
          return yield* tenant(
            botId,
            sql<CardPaymentCounts>`
              SELECT card_id,
                     count(*) FILTER (WHERE status = 'approved')::integer AS approved_payments,
                     COALESCE(sum(amount) FILTER (WHERE status = 'approved'), 0)::bigint AS approved_amount,
                     count(*) FILTER (WHERE status = 'pending')::integer AS pending_payments,
                     count(*) FILTER (WHERE status = 'rejected')::integer AS rejected_payments,
                     count(*) FILTER (WHERE status = 'expired')::integer AS expired_payments
              FROM card_to_card_payments
              WHERE bot_id = ${botId} AND card_id IS NOT NULL
              GROUP BY card_id`
          )
        }),
        walletTransactions: Effect.fn("TenantReads.walletTransactions")(function* (botId: number, page: Page) {
          return yield* tenant(
            botId,
            sql<WalletTransactionRow>`
              SELECT id, type, amount, balance_after, traffic_bytes, reference, created_by, created_at
              FROM tenant_wallet_transactions WHERE bot_id = ${botId}
              ORDER BY id DESC LIMIT ${page.limit} OFFSET ${page.offset}`
          )
        })
      })
    })
  )
}
