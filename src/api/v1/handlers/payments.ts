/**
 * Payments: both methods listed together; card-to-card payments approved or
 * rejected through the shop's own state machine (src/payments/card-payments.ts),
 * in a tenant transaction — the same row lock and status check as a review in
 * Telegram, so an API call racing an admin's button changes the payment once.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { HttpApiBuilder } from "effect/http-api"
import { withTenant } from "../../../db/tenant.ts"
import { approveCardPayment, rejectCardPayment } from "../../../payments/card-payments.ts"
import type { Reviewer } from "../../../payments/card-payments.ts"
import { TenantApi } from "../api.ts"
import { Conflict, fromDomain, NotFound } from "../errors.ts"
import { TargetBot } from "../middleware.ts"
import { parsePaymentId, TenantReads } from "../tenant-reads.ts"
import type { PaymentRow } from "../tenant-reads.ts"

/**
 * An API review has no Telegram reviewer. The state machine wants a Telegram id;
 * 0 stands for "through the API" and is shown as null (see paymentView).
 */
const API_REVIEWER: Reviewer = { userId: undefined, telegramId: 0 }

const paymentView = (row: PaymentRow) => ({
  ...row,
  reviewerTelegramId: row.reviewerTelegramId === 0 ? null : row.reviewerTelegramId
})

export const PaymentsHandlers = HttpApiBuilder.group(
  TenantApi,
  "payments",
  Effect.fn(function* (handlers) {
    const reads = yield* TenantReads
    const sql = yield* SqlClient.SqlClient

    const load = Effect.fnUntraced(function* (botId: number, id: string) {
      const row = yield* fromDomain(reads.getPayment(botId, id))
      if (row === undefined) return yield* NotFound.of(`payment ${id} does not exist`)
      return paymentView(row)
    })

    /** The card payment's number, or why it cannot be reviewed. */
    const reviewable = Effect.fnUntraced(function* (botId: number, id: string) {
      const parsed = parsePaymentId(id)
      if (parsed === undefined) return yield* NotFound.of(`payment ${id} does not exist`)
      if (parsed.method !== "card_to_card") {
        yield* load(botId, id)
        return yield* new Conflict({
          code: "payment_not_reviewable",
          message: "only card-to-card payments are reviewed; ZarinPal payments settle with the gateway"
        })
      }
      return parsed.id
    })

    /** The state machine's own outcomes as API errors. */
    const review = <A, E extends { readonly _tag: string }>(
      id: string,
      effect: Effect.Effect<A, E, SqlClient.SqlClient>
    ) =>
      effect.pipe(
        Effect.provideService(SqlClient.SqlClient, sql),
        Effect.catch((e: E): Effect.Effect<never, NotFound | Conflict> => {
          switch (e._tag) {
            case "PaymentNotFound":
              return Effect.fail(NotFound.of(`payment ${id} does not exist`))
            case "PaymentAlreadyReviewed":
              return Effect.fail(
                new Conflict({ code: "payment_not_pending", message: (e as unknown as Error).message })
              )
            default:
              // InsufficientBalance right after the credit, or a database failure: a bug or an outage, not the caller's.
              return Effect.die(e)
          }
        })
      )

    return handlers.handleAll({
      listPayments: ({ query }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          const page = { limit: query.limit ?? 50, offset: query.offset ?? 0 }
          const rows = yield* fromDomain(reads.listPayments(botId, { ...query, ...page }))
          return { items: rows.map(paymentView), ...page }
        }),
      getPayment: ({ params }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          return yield* load(botId, params.id)
        }),
      approvePayment: ({ params }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          const paymentId = yield* reviewable(botId, params.id)
          const approved = yield* review(
            params.id,
            withTenant(botId, approveCardPayment(botId, paymentId, API_REVIEWER))
          )
          const purchase =
            approved.purchase === undefined
              ? null
              : approved.purchase._tag === "Completed"
                ? {
                    outcome: "completed" as const,
                    subscriptionId: approved.purchase.subscriptionId,
                    expiresAt: approved.purchase.expiresAt
                  }
                : { outcome: "sale_refused" as const, subscriptionId: null, expiresAt: null }
          return { payment: yield* load(botId, params.id), purchase }
        }),
      rejectPayment: ({ params, payload }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          const paymentId = yield* reviewable(botId, params.id)
          yield* review(params.id, withTenant(botId, rejectCardPayment(botId, paymentId, API_REVIEWER, payload.reason)))
          return { payment: yield* load(botId, params.id), purchase: null }
        })
    })
  })
)
