/** Payment cards (numbers masked) and what each card has received. */
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { PaymentCards } from "../../../tenants/payment-cards.ts"
import { TenantApi } from "../api.ts"
import { fromDomain } from "../errors.ts"
import { TargetBot } from "../middleware.ts"
import { TenantReads } from "../tenant-reads.ts"

const NO_PAYMENTS = {
  approvedPayments: 0,
  approvedAmount: 0,
  pendingPayments: 0,
  rejectedPayments: 0,
  expiredPayments: 0
}

export const PaymentCardsHandlers = HttpApiBuilder.group(
  TenantApi,
  "paymentCards",
  Effect.fn(function* (handlers) {
    const cards = yield* PaymentCards
    const reads = yield* TenantReads
    return handlers.handleAll({
      listCards: ({ query }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          const all = yield* fromDomain(cards.list(botId, { activeOnly: query.active === true }))
          return { items: query.active === false ? all.filter((card) => !card.isActive) : all }
        }),
      cardStatistics: () =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          const [all, counts] = yield* fromDomain(Effect.all([cards.list(botId), reads.cardPaymentCounts(botId)]))
          const byCard = new Map(counts.map(({ cardId, ...c }) => [cardId, c]))
          const rows = all.map((card) => ({
            id: card.id,
            maskedNumber: card.maskedNumber,
            isActive: card.isActive,
            isCurrent: card.isCurrent,
            successCount: card.successCount,
            failureCount: card.failureCount,
            currentUsageCount: card.currentUsageCount,
            lastUsedAt: card.lastUsedAt,
            ...(byCard.get(card.id) ?? NO_PAYMENTS)
          }))
          const sum = (key: keyof typeof NO_PAYMENTS) => rows.reduce((total, row) => total + row[key], 0)
          return {
            cards: rows,
            totals: {
              cards: rows.length,
              activeCards: rows.filter((row) => row.isActive).length,
              approvedPayments: sum("approvedPayments"),
              approvedAmount: sum("approvedAmount"),
              pendingPayments: sum("pendingPayments"),
              rejectedPayments: sum("rejectedPayments"),
              expiredPayments: sum("expiredPayments")
            }
          }
        }),
      createCard: ({ payload }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          return yield* fromDomain(cards.create(botId, payload))
        }),
      getCard: ({ params }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          return yield* fromDomain(cards.get(botId, params.id))
        }),
      updateCard: ({ params, payload }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          return yield* fromDomain(cards.update(botId, params.id, payload))
        }),
      deleteCard: ({ params }) =>
        Effect.gen(function* () {
          const { botId } = yield* TargetBot
          yield* fromDomain(cards.delete(botId, params.id))
        })
    })
  })
)
