/**
 * Which of the tenant's cards a buyer transfers to (DESIGN.md §4). Runs inside
 * the tenant transaction that creates the payment.
 *
 * Atomicity: the tenant's row in `card_rotation_cursors` is locked first (an
 * upsert, so the first buyer creates it), which serialises selection per tenant
 * until the payment's transaction commits; two simultaneous buyers therefore
 * see each other's choice, and the round-robin cycle is strict even under
 * concurrency and retries (a rolled-back update rolls its step back too).
 *
 * The tenant's strategy is the `rotation_strategy` of its first active card (by
 * id): the column lives on each card, but a tenant has one strategy.
 *
 * - round_robin: the next active card after the last one chosen, by id, wrapping.
 * - least_used: fewest approved uses since the last rotation (current_usage_count)
 *   plus payments still pending on the card, so a burst of buyers spreads out
 *   before any is approved; ties by id.
 * - random: uniform.
 * - weighted: probability ∝ weight × success rate, the rate smoothed as
 *   (successes + 1) / (successes + failures + 2) so a new card is not starved.
 * - time_based: the card marked `is_current` (the rotation job advances it);
 *   if none is marked, the first active card.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { candidateCards, stampCardUsed } from "../tenants/payment-cards.ts"
import type { CandidateCard, RotationStrategy } from "../tenants/payment-cards.ts"
import { NoActiveCard } from "./errors.ts"

/** Picks among `cards` (active, ordered by id) by `strategy`; `random` in [0, 1). */
export const chooseCard = (
  strategy: RotationStrategy,
  cards: ReadonlyArray<CandidateCard>,
  lastCardId: number | null,
  random: () => number = Math.random
): CandidateCard => {
  switch (strategy) {
    case "round_robin":
      return cards.find((c) => lastCardId !== null && c.id > lastCardId) ?? cards[0]!
    case "least_used":
      return cards.reduce((best, c) =>
        c.currentUsageCount + c.pendingCount < best.currentUsageCount + best.pendingCount ? c : best
      )
    case "random":
      return cards[Math.floor(random() * cards.length)] ?? cards[0]!
    case "weighted": {
      const scores = cards.map((c) => (c.weight * (c.successCount + 1)) / (c.successCount + c.failureCount + 2))
      let point = random() * scores.reduce((a, b) => a + b, 0)
      for (let i = 0; i < cards.length; i++) {
        point -= scores[i]!
        if (point < 0) return cards[i]!
      }
      return cards[cards.length - 1]!
    }
    case "time_based":
      return cards.find((c) => c.isCurrent) ?? cards[0]!
  }
}

/** Chooses the card for a new payment and records the choice; fails with NoActiveCard. */
export const pickCard = Effect.fn("pickCard")(function* (botId: number) {
  const sql = yield* SqlClient.SqlClient
  const [cursor] = yield* sql<{ lastCardId: number | null }>`
    INSERT INTO card_rotation_cursors (bot_id) VALUES (${botId})
    ON CONFLICT (bot_id) DO UPDATE SET updated_at = now()
    RETURNING last_card_id`
  const cards = yield* candidateCards(botId)
  if (cards.length === 0) return yield* new NoActiveCard()
  const card = chooseCard(cards[0]!.rotationStrategy, cards, cursor?.lastCardId ?? null)
  yield* sql`UPDATE card_rotation_cursors SET last_card_id = ${card.id} WHERE bot_id = ${botId}`
  yield* stampCardUsed(botId, card.id)
  return card
})
