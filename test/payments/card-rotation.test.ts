/** The rotation strategies' choice among active cards (DESIGN.md §4), without a database. */
import { describe, expect, it } from "vitest"
import { chooseCard } from "../../src/payments/card-rotation.ts"
import type { CandidateCard } from "../../src/tenants/payment-cards.ts"

const card = (id: number, extra: Partial<CandidateCard> = {}): CandidateCard => ({
  id,
  cardNumber: "6037990000000000",
  cardHolderName: "x",
  bankName: null,
  rotationStrategy: "round_robin",
  weight: 1,
  successCount: 0,
  failureCount: 0,
  currentUsageCount: 0,
  isCurrent: false,
  pendingCount: 0,
  ...extra
})

/** A repeatable stream of numbers in [0, 1). */
const sequence = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31
  return seed / 2 ** 31
}

describe("chooseCard", () => {
  const cards = [card(3), card(7), card(9)]

  it("round_robin: the next card by id after the last one, wrapping; the first when there is no last", () => {
    expect(chooseCard("round_robin", cards, null).id).toBe(3)
    expect(chooseCard("round_robin", cards, 3).id).toBe(7)
    expect(chooseCard("round_robin", cards, 7).id).toBe(9)
    expect(chooseCard("round_robin", cards, 9).id).toBe(3)
    // The last card was deactivated or deleted: continue after its id.
    expect(chooseCard("round_robin", cards, 8).id).toBe(9)
  })

  it("least_used: fewest approved uses plus pending payments, ties by id", () => {
    const used = [
      card(3, { currentUsageCount: 2 }),
      card(7, { currentUsageCount: 1, pendingCount: 1 }),
      card(9, { currentUsageCount: 1 })
    ]
    expect(chooseCard("least_used", used, null).id).toBe(9)
    expect(chooseCard("least_used", [card(3), card(7)], null).id).toBe(3)
  })

  it("time_based: the current card, else the first", () => {
    expect(chooseCard("time_based", [card(3), card(7, { isCurrent: true }), card(9)], 7).id).toBe(7)
    expect(chooseCard("time_based", cards, null).id).toBe(3)
  })

  it("random: every card, about equally often", () => {
    const random = sequence(42)
    const counts = new Map<number, number>()
    for (let i = 0; i < 3000; i++) {
      const id = chooseCard("random", cards, null, random).id
      counts.set(id, (counts.get(id) ?? 0) + 1)
    }
    for (const c of cards) expect(counts.get(c.id)! / 3000).toBeCloseTo(1 / 3, 1)
  })

  it("weighted: in proportion to weight × (smoothed) success rate", () => {
    const weighted = [
      card(3, { weight: 3, successCount: 8, failureCount: 0 }), // 3 × 9/10 = 2.7
      card(7, { weight: 1, successCount: 8, failureCount: 0 }), // 1 × 9/10 = 0.9
      card(9, { weight: 3, successCount: 0, failureCount: 8 }) //  3 × 1/10 = 0.3
    ]
    const random = sequence(7)
    const counts = new Map<number, number>()
    const n = 20_000
    for (let i = 0; i < n; i++) {
      const id = chooseCard("weighted", weighted, null, random).id
      counts.set(id, (counts.get(id) ?? 0) + 1)
    }
    expect(counts.get(3)! / n).toBeCloseTo(2.7 / 3.9, 1)
    expect(counts.get(7)! / n).toBeCloseTo(0.9 / 3.9, 1)
    expect(counts.get(9)! / n).toBeCloseTo(0.3 / 3.9, 1)
  })
})
