import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import {
  InvalidInput,
  formatCardNumber,
  isLuhnValid,
  maskCardNumber,
  normalizeCardNumber,
  PaymentCards,
  withLuhnCheckDigit
} from "../../src/tenants/index.ts"
import { botFactory, tenantsTestLayer } from "./support.ts"

const newBot = botFactory("cards", 720000, "P")

/** Appends the Luhn check digit to 15 digits, computed independently of the code under test. */
const withCheckDigit = (prefix15: string): string => {
  let sum = 0
  // Positions counted from the right of the final 16-digit number: the check digit is position 1,
  // so the prefix's last digit is position 2 (doubled).
  for (let i = 0; i < 15; i++) {
    const fromRight = 15 - i + 1
    let d = Number(prefix15[i])
    if (fromRight % 2 === 0) {
      d = d * 2
      if (d > 9) d = d - 9
    }
    sum += d
  }
  return prefix15 + String((10 - (sum % 10)) % 10)
}

const MELLI = withCheckDigit("603799123456789")
const SAMAN = withCheckDigit("621986100000000")
const PASARGAD = withCheckDigit("502229876543210")
/** Same digits with the last one changed: the checksum fails. */
const wrongCheck = (card: string) => card.slice(0, 15) + String((Number(card[15]) + 1) % 10)

describe("PaymentCards", () => {
  it.layer(tenantsTestLayer())((it) => {
    it.effect("the Luhn helpers agree with known numbers", () =>
      Effect.sync(() => {
        assert.strictEqual(MELLI, "6037991234567893")
        assert.isTrue(isLuhnValid(MELLI))
        assert.isTrue(isLuhnValid("4111111111111111"), "the classic test Visa number")
        assert.isFalse(isLuhnValid(wrongCheck(MELLI)))
        assert.isFalse(isLuhnValid("6037991234567894"), "one off in the check digit")
        assert.strictEqual(normalizeCardNumber("6037-9912 3456\t7893"), MELLI)
        assert.strictEqual(normalizeCardNumber("۶۰۳۷-۹۹۱۲ ۳۴۵۶ ۷۸۹۳"), MELLI, "Persian digits")
        assert.strictEqual(normalizeCardNumber("٦٠٣٧٩٩١٢٣٤٥٦٧٨٩٣"), MELLI, "Arabic-Indic digits")
        assert.strictEqual(maskCardNumber(MELLI), "6037 99** **** 7893")
        assert.strictEqual(formatCardNumber(MELLI), "6037 9912 3456 7893")
        for (const prefix of [
          "603799123456789",
          "621986100000000",
          "502229876543210",
          "000000000000000",
          "411111111111111"
        ]) {
          assert.strictEqual(withLuhnCheckDigit(prefix), withCheckDigit(prefix), prefix)
        }
      })
    )

    it.effect("create normalises the number and returns the card masked, with zeroed statistics", () =>
      Effect.gen(function* () {
        const cards = yield* PaymentCards
        const botId = yield* newBot
        const card = yield* cards.create(botId, {
          cardNumber: "6037 9912-3456 7893",
          cardHolderName: "  Ali Rezaei ",
          bankName: "Melli"
        })
        assert.strictEqual(card.maskedNumber, "6037 99** **** 7893")
        assert.strictEqual(card.last4, "7893")
        assert.notProperty(card, "cardNumber")
        assert.strictEqual(card.cardHolderName, "Ali Rezaei")
        assert.strictEqual(card.bankName, "Melli")
        assert.strictEqual(card.rotationStrategy, "round_robin")
        assert.strictEqual(card.rotationIntervalMinutes, 60)
        assert.strictEqual(card.weight, 1)
        assert.isTrue(card.isActive)
        assert.strictEqual(card.successCount, 0)
        assert.strictEqual(card.failureCount, 0)
        assert.strictEqual(card.currentUsageCount, 0)
        assert.isNull(card.lastUsedAt)
        assert.instanceOf(card.createdAt, Date)

        const unmasked = yield* cards.getUnmasked(botId, card.id)
        assert.strictEqual(unmasked.cardNumber, MELLI)
        assert.strictEqual(unmasked.cardHolderName, "Ali Rezaei")

        const sql = yield* SqlClient.SqlClient
        const stored = yield* sql<{
          cardNumber: string
        }>`SELECT card_number FROM tenant_payment_cards WHERE id = ${card.id}`
        assert.strictEqual(stored[0]!.cardNumber, MELLI, "stored as 16 digits")
      })
    )

    it.effect("numbers that are not 16 digits or fail the checksum are InvalidInput(cardNumber)", () =>
      Effect.gen(function* () {
        const cards = yield* PaymentCards
        const botId = yield* newBot
        const bad = [
          wrongCheck(MELLI),
          MELLI.slice(0, 15),
          `${MELLI}0`,
          "6037-99ab-3456-7893",
          "",
          "۶۰۳۷۹۹۱۲۳۴۵۶۷۸۹۴",
          "6037991234567894"
        ]
        for (const cardNumber of bad) {
          const e = yield* Effect.flip(cards.create(botId, { cardNumber, cardHolderName: "X" }))
          assert.instanceOf(e, InvalidInput, cardNumber)
          assert.strictEqual((e as InvalidInput).field, "cardNumber")
        }
        const checksum = yield* Effect.flip(cards.create(botId, { cardNumber: wrongCheck(MELLI), cardHolderName: "X" }))
        assert.include((checksum as InvalidInput).reason, "Luhn")
        assert.deepStrictEqual(yield* cards.list(botId), [])
      })
    )

    it.effect("other fields are validated", () =>
      Effect.gen(function* () {
        const cards = yield* PaymentCards
        const botId = yield* newBot
        const cases = [
          { cardHolderName: " " },
          { cardHolderName: "x".repeat(256) },
          { rotationStrategy: "fastest" as never },
          { weight: 0 },
          { weight: 1.5 },
          { rotationIntervalMinutes: 0 }
        ]
        for (const extra of cases) {
          const e = yield* Effect.flip(cards.create(botId, { cardNumber: MELLI, cardHolderName: "Ali", ...extra }))
          assert.strictEqual(e._tag, "InvalidInput", JSON.stringify(extra))
        }
        const card = yield* cards.create(botId, {
          cardNumber: MELLI,
          cardHolderName: "Ali",
          rotationStrategy: "weighted",
          weight: 5,
          rotationIntervalMinutes: 15
        })
        assert.strictEqual(card.rotationStrategy, "weighted")
        assert.strictEqual(card.weight, 5)
        assert.strictEqual(card.rotationIntervalMinutes, 15)
      })
    )

    it.effect("the same card twice for one bot is DuplicatePaymentCard; another bot may use it", () =>
      Effect.gen(function* () {
        const cards = yield* PaymentCards
        const a = yield* newBot
        const b = yield* newBot
        yield* cards.create(a, { cardNumber: SAMAN, cardHolderName: "Sara" })
        const dup = yield* Effect.flip(
          cards.create(a, { cardNumber: SAMAN.replace(/(\d{4})/g, "$1 ").trim(), cardHolderName: "Sara" })
        )
        assert.strictEqual(dup._tag, "DuplicatePaymentCard")
        assert.strictEqual((dup as { code?: string }).code, "duplicate_payment_card")
        yield* cards.create(b, { cardNumber: SAMAN, cardHolderName: "Sara" })

        const other = yield* cards.create(a, { cardNumber: PASARGAD, cardHolderName: "Sara" })
        const viaUpdate = yield* Effect.flip(cards.update(a, other.id, { cardNumber: SAMAN }))
        assert.strictEqual(viaUpdate._tag, "DuplicatePaymentCard")
      })
    )

    it.effect("list masks every number and can show only active cards", () =>
      Effect.gen(function* () {
        const cards = yield* PaymentCards
        const botId = yield* newBot
        const first = yield* cards.create(botId, { cardNumber: MELLI, cardHolderName: "One" })
        const second = yield* cards.create(botId, { cardNumber: SAMAN, cardHolderName: "Two" })
        const third = yield* cards.create(botId, { cardNumber: PASARGAD, cardHolderName: "Three" })
        const all = yield* cards.list(botId)
        assert.deepStrictEqual(
          all.map((c) => c.id),
          [first.id, second.id, third.id]
        )
        const text = JSON.stringify(all)
        for (const full of [MELLI, SAMAN, PASARGAD]) assert.notInclude(text, full)
        for (const c of all) assert.match(c.maskedNumber, /^\d{4} \d{2}\*\* \*\*\*\* \d{4}$/)

        const off = yield* cards.deactivate(botId, second.id)
        assert.isFalse(off.isActive)
        assert.deepStrictEqual(
          (yield* cards.list(botId, { activeOnly: true })).map((c) => c.id),
          [first.id, third.id]
        )
        assert.strictEqual((yield* cards.list(botId)).length, 3)
        assert.isTrue((yield* cards.activate(botId, second.id)).isActive)
        assert.strictEqual((yield* cards.list(botId, { activeOnly: true })).length, 3)
      })
    )

    it.effect("update changes the given fields only", () =>
      Effect.gen(function* () {
        const cards = yield* PaymentCards
        const botId = yield* newBot
        const card = yield* cards.create(botId, { cardNumber: MELLI, cardHolderName: "Old", bankName: "Melli" })
        const updated = yield* cards.update(botId, card.id, { cardHolderName: "New", bankName: null, weight: 3 })
        assert.strictEqual(updated.cardHolderName, "New")
        assert.isNull(updated.bankName)
        assert.strictEqual(updated.weight, 3)
        assert.strictEqual(updated.rotationStrategy, "round_robin")
        assert.strictEqual(updated.maskedNumber, card.maskedNumber)

        const renumbered = yield* cards.update(botId, card.id, { cardNumber: SAMAN })
        assert.strictEqual(renumbered.last4, SAMAN.slice(-4))
        assert.strictEqual((yield* cards.getUnmasked(botId, card.id)).cardNumber, SAMAN)
        assert.strictEqual(
          (yield* Effect.flip(cards.update(botId, card.id, { cardNumber: wrongCheck(SAMAN) })))._tag,
          "InvalidInput"
        )
        assert.strictEqual((yield* Effect.flip(cards.update(botId, card.id, { weight: -1 })))._tag, "InvalidInput")
        assert.deepStrictEqual(yield* cards.update(botId, card.id, {}), yield* cards.get(botId, card.id))
      })
    )

    it.effect("missing ids are NotFound; delete removes the card", () =>
      Effect.gen(function* () {
        const cards = yield* PaymentCards
        const botId = yield* newBot
        const card = yield* cards.create(botId, { cardNumber: MELLI, cardHolderName: "Ali" })
        yield* cards.delete(botId, card.id)
        for (const attempt of [
          cards.get(botId, card.id),
          cards.getUnmasked(botId, card.id),
          cards.update(botId, card.id, { weight: 2 }),
          cards.activate(botId, card.id),
          cards.deactivate(botId, card.id),
          cards.delete(botId, card.id)
        ]) {
          const e = yield* Effect.flip(attempt)
          assert.strictEqual(e._tag, "RecordNotFound")
        }
      })
    )

    it.effect("another tenant's card behaves as NotFound and is left untouched", () =>
      Effect.gen(function* () {
        const cards = yield* PaymentCards
        const a = yield* newBot
        const b = yield* newBot
        const bCard = yield* cards.create(b, { cardNumber: PASARGAD, cardHolderName: "Owner B" })
        for (const attempt of [
          cards.get(a, bCard.id),
          cards.getUnmasked(a, bCard.id),
          cards.update(a, bCard.id, { cardHolderName: "Hijacked" }),
          cards.deactivate(a, bCard.id),
          cards.delete(a, bCard.id)
        ]) {
          const e = yield* Effect.flip(attempt)
          assert.strictEqual(e._tag, "RecordNotFound")
        }
        assert.deepStrictEqual(yield* cards.list(a), [])
        const still = yield* cards.getUnmasked(b, bCard.id)
        assert.strictEqual(still.cardHolderName, "Owner B")
        assert.isTrue(still.isActive)
        assert.strictEqual(still.cardNumber, PASARGAD)
      })
    )

    it.effect("a bot that does not exist is BotNotFound", () =>
      Effect.gen(function* () {
        const cards = yield* PaymentCards
        const e = yield* Effect.flip(cards.create(999_999, { cardNumber: MELLI, cardHolderName: "Ali" }))
        assert.strictEqual(e._tag, "BotNotFound")
      })
    )
  })
})
