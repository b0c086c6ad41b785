/**
 * card_rotation over a controlled clock: the rotation step takes `now`, so a
 * tenant's whole day of turns plays out in milliseconds against a real
 * database — the order of cards, skipping a switched-off card, the counters
 * reset, tenants left alone — and the job's run reads Effect's clock
 * (TestClock here). Card selection (src/payments/card-rotation.ts) then gives
 * buyers exactly the card the job made current.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { TestClock } from "effect/testing"
import { cardRotationRun, planRotation, rotateDueCards } from "../../src/jobs/card-rotation.ts"
import type { RotationCard } from "../../src/tenants/payment-cards.ts"
import { withTenant } from "../../src/db/tenant.ts"
import { pickCard } from "../../src/payments/card-rotation.ts"
import { PaymentCards, TenantsLive, withLuhnCheckDigit } from "../../src/tenants/index.ts"
import type { RotationStrategy } from "../../src/tenants/index.ts"
import { TestDatabaseLayer } from "../support/database.ts"
import { botFactory } from "../tenants/support.ts"

const newBot = botFactory("rotation", 730000, "R")
const T0 = new Date("2026-03-01T08:00:00Z")
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000)

let seed = 100
/** A 16-digit number with a valid Luhn check digit. */
const luhnCard = (): string => withLuhnCheckDigit(`603799${String(seed++).padStart(9, "0")}`)

const tenantWithCards = (count: number, strategy: RotationStrategy = "time_based", intervalMinutes = 60) =>
  Effect.gen(function* () {
    const botId = yield* newBot
    const cards = yield* PaymentCards
    const ids: Array<number> = []
    for (let i = 0; i < count; i++) {
      const card = yield* cards.create(botId, {
        cardNumber: luhnCard(),
        cardHolderName: `Holder ${i}`,
        rotationStrategy: strategy,
        rotationIntervalMinutes: intervalMinutes
      })
      ids.push(card.id)
    }
    return { botId, ids }
  })

interface CardState {
  readonly id: number
  readonly isCurrent: boolean
  readonly lastRotatedAt: Date | null
  readonly currentUsageCount: number
}

const cardsOf = (botId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql<CardState>`SELECT id, is_current, last_rotated_at, current_usage_count FROM tenant_payment_cards
      WHERE bot_id = ${botId} ORDER BY id`
  })

const currentOf = (botId: number) =>
  Effect.map(cardsOf(botId), (cards) => {
    const current = cards.filter((c) => c.isCurrent)
    assert.isAtMost(current.length, 1)
    return current[0]?.id
  })

const layer = TenantsLive.pipe(Layer.provideMerge(TestDatabaseLayer()))

describe("card rotation (pure plan)", () => {
  const card = (id: number, extra: Partial<RotationCard> = {}): RotationCard => ({
    id,
    isActive: true,
    isCurrent: false,
    rotationStrategy: "time_based",
    rotationIntervalMinutes: 60,
    lastRotatedAt: null,
    ...extra
  })

  it("follows id order, wraps, skips inactive cards and waits for the interval", () => {
    const at = minutes(0)
    assert.deepStrictEqual(planRotation([card(1), card(2), card(3)], at), { _tag: "Advance", from: null, to: 1 })
    const current = (id: number, since: Date) => ({ isCurrent: true, lastRotatedAt: since, id })
    assert.deepStrictEqual(planRotation([card(1, current(1, minutes(0))), card(2), card(3)], minutes(59)), {
      _tag: "LeaveAlone"
    })
    assert.deepStrictEqual(planRotation([card(1, current(1, minutes(0))), card(2), card(3)], minutes(60)), {
      _tag: "Advance",
      from: 1,
      to: 2
    })
    assert.deepStrictEqual(planRotation([card(1), card(2), card(3, current(3, minutes(0)))], minutes(60)), {
      _tag: "Advance",
      from: 3,
      to: 1
    })
    assert.deepStrictEqual(
      planRotation([card(1, current(1, minutes(0))), card(2, { isActive: false }), card(3)], minutes(60)),
      { _tag: "Advance", from: 1, to: 3 }
    )
    // The current card was switched off: the next active one after it takes over at once.
    assert.deepStrictEqual(
      planRotation([card(1), card(2, { ...current(2, minutes(0)), isActive: false }), card(3)], minutes(1)),
      { _tag: "Advance", from: 2, to: 3 }
    )
    // Made current by hand: its turn is stamped, nothing moves.
    assert.deepStrictEqual(planRotation([card(1), card(2, { isCurrent: true }), card(3)], at), {
      _tag: "Stamp",
      cardId: 2
    })
    // The current card's own interval counts.
    assert.deepStrictEqual(
      planRotation([card(1, { ...current(1, minutes(0)), rotationIntervalMinutes: 15 }), card(2)], minutes(15)),
      { _tag: "Advance", from: 1, to: 2 }
    )
  })

  it("leaves alone a tenant with one active card, and tenants with another strategy", () => {
    assert.deepStrictEqual(planRotation([card(1), card(2, { isActive: false })], minutes(600)), { _tag: "LeaveAlone" })
    assert.deepStrictEqual(planRotation([card(1, { rotationStrategy: "round_robin" }), card(2)], minutes(600)), {
      _tag: "LeaveAlone"
    })
  })
})

describe("card rotation (database, controlled clock)", () => {
  it.layer(layer)((it) => {
    it.effect("three cards: 1 → 2 → 3 → 1 every 60 minutes, counters reset, last_rotated_at recorded", () =>
      Effect.gen(function* () {
        const { botId, ids } = yield* tenantWithCards(3)
        const [a, b, c] = ids as [number, number, number]
        const sql = yield* SqlClient.SqlClient
        yield* sql`UPDATE tenant_payment_cards SET current_usage_count = 5 WHERE bot_id = ${botId}`

        const sequence: Array<number | undefined> = []
        for (const at of [0, 30, 59, 60, 61, 119, 120, 180, 240]) {
          yield* rotateDueCards(minutes(at))
          sequence.push(yield* currentOf(botId))
        }
        assert.deepStrictEqual(sequence, [a, a, a, b, b, b, c, a, b])

        const cards = yield* cardsOf(botId)
        const current = cards.find((x) => x.id === b)!
        assert.strictEqual(current.lastRotatedAt?.getTime(), minutes(240).getTime())
        assert.isTrue(cards.every((x) => x.currentUsageCount === 0))
        // Buyers get the card the job made current, whatever the order of cards.
        const picked = yield* withTenant(botId, pickCard(botId))
        assert.strictEqual(picked.id, b)
      })
    )

    it.effect("an inactive card is skipped, and one switched off while current is replaced at the next run", () =>
      Effect.gen(function* () {
        const { botId, ids } = yield* tenantWithCards(3)
        const [a, b, c] = ids as [number, number, number]
        const cards = yield* PaymentCards
        yield* cards.deactivate(botId, b)
        const sequence: Array<number | undefined> = []
        for (const at of [0, 60, 120, 180]) {
          yield* rotateDueCards(minutes(at))
          sequence.push(yield* currentOf(botId))
        }
        assert.deepStrictEqual(sequence, [a, c, a, c])
        yield* cards.activate(botId, b)
        yield* cards.deactivate(botId, c)
        yield* rotateDueCards(minutes(181))
        assert.strictEqual(yield* currentOf(botId), a, "after the switched-off card: the next active one, wrapping")
        yield* rotateDueCards(minutes(241))
        assert.strictEqual(yield* currentOf(botId), b)
      })
    )

    it.effect("a run repeated at the same time (a tick re-run after a crash) changes nothing", () =>
      Effect.gen(function* () {
        const { botId, ids } = yield* tenantWithCards(3)
        yield* rotateDueCards(minutes(0))
        yield* rotateDueCards(minutes(60))
        const before = yield* cardsOf(botId)
        const again = yield* Effect.all([rotateDueCards(minutes(60)), rotateDueCards(minutes(60))], { concurrency: 2 })
        assert.strictEqual(yield* currentOf(botId), ids[1])
        assert.deepStrictEqual(yield* cardsOf(botId), before)
        assert.deepStrictEqual(
          again.map((r) => r.items),
          [0, 0]
        )
      })
    )

    it.effect("tenants with one active card or another strategy are left alone", () =>
      Effect.gen(function* () {
        const single = yield* tenantWithCards(2)
        yield* PaymentCards.use((cards) => cards.deactivate(single.botId, single.ids[1]!))
        const roundRobin = yield* tenantWithCards(3, "round_robin")
        const before = [yield* cardsOf(single.botId), yield* cardsOf(roundRobin.botId)]
        for (const at of [0, 60, 120]) yield* rotateDueCards(minutes(at))
        assert.deepStrictEqual([yield* cardsOf(single.botId), yield* cardsOf(roundRobin.botId)], before)
      })
    )

    it.effect("the job's run takes its time from Effect's clock (TestClock)", () =>
      Effect.gen(function* () {
        const { botId, ids } = yield* tenantWithCards(3, "time_based", 15)
        // The run alone under a TestClock set to the moment wanted.
        const runAt = (at: Date) =>
          Effect.gen(function* () {
            yield* TestClock.setTime(at.getTime())
            return yield* cardRotationRun
          }).pipe(Effect.provide(TestClock.layer()))
        yield* runAt(minutes(0))
        assert.strictEqual(yield* currentOf(botId), ids[0])
        yield* runAt(minutes(14))
        assert.strictEqual(yield* currentOf(botId), ids[0])
        yield* runAt(minutes(15))
        assert.strictEqual(yield* currentOf(botId), ids[1])
      })
    )
  })
})
