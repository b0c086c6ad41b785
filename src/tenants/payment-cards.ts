/**
 * A tenant's bank cards for card-to-card payments. Numbers are validated (16
 * digits, Luhn) and stored normalised; everything but `getUnmasked` returns them
 * masked (`6037 99** **** 1234`). Every query runs inside `withTenant`, so a card
 * of another bot is invisible and reads as RecordNotFound.
 */
import { Context, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { DuplicatePaymentCard } from "./errors.ts"
import type { BotNotFound, InvalidInput, RecordNotFound } from "./errors.ts"
import { hasControlCharacters, MAX_CARD_WEIGHT, MAX_ROTATION_INTERVAL_MINUTES } from "./limits.ts"
import { checkBoolean, checkInt, checkName, found, invalid, missingBot, tenantScope } from "./repository.ts"

export const ROTATION_STRATEGIES = ["round_robin", "least_used", "random", "weighted", "time_based"] as const

export type RotationStrategy = (typeof ROTATION_STRATEGIES)[number]

/** A card as shown to admins: the number masked. */
export interface PaymentCard {
  readonly id: number
  /** `6037 99** **** 1234`: the first 6 and the last 4 digits. */
  readonly maskedNumber: string
  readonly last4: string
  readonly cardHolderName: string
  readonly bankName: string | null
  readonly rotationStrategy: RotationStrategy
  readonly rotationIntervalMinutes: number | null
  readonly weight: number
  readonly isActive: boolean
  readonly isCurrent: boolean
  readonly successCount: number
  readonly failureCount: number
  readonly currentUsageCount: number
  readonly lastUsedAt: Date | null
  readonly lastRotatedAt: Date | null
  readonly createdAt: Date
  readonly updatedAt: Date
}

/** A card with its full number, for showing to a paying user. */
export interface UnmaskedPaymentCard extends PaymentCard {
  /** 16 digits, no separators. */
  readonly cardNumber: string
}

export interface CreatePaymentCard {
  /** Spaces and dashes are ignored; Persian digits are accepted. */
  readonly cardNumber: string
  readonly cardHolderName: string
  readonly bankName?: string | null | undefined
  readonly rotationStrategy?: RotationStrategy | undefined
  readonly rotationIntervalMinutes?: number | undefined
  readonly weight?: number | undefined
}

export interface UpdatePaymentCard {
  readonly cardNumber?: string | undefined
  readonly cardHolderName?: string | undefined
  /** null clears it. */
  readonly bankName?: string | null | undefined
  readonly rotationStrategy?: RotationStrategy | undefined
  readonly rotationIntervalMinutes?: number | undefined
  readonly weight?: number | undefined
  readonly isActive?: boolean | undefined
}

/** Strips spaces and dashes, and reads Persian and Arabic-Indic digits as 0–9. */
export const normalizeCardNumber = (input: string): string =>
  input
    .replace(/[\s-]/g, "")
    .replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))

/** Luhn (mod 10) sum of a digit string: every second digit from the right doubled. */
const luhnSum = (digits: string): number => {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48
    if (i % 2 === 1) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return sum
}

/** The Luhn (mod 10) checksum every Shetab card number satisfies. */
export const isLuhnValid = (digits: string): boolean => /^[0-9]+$/.test(digits) && luhnSum(digits) % 10 === 0

/** `body` and the check digit that makes it Luhn-valid (the demo's and the tests' card numbers). */
export const withLuhnCheckDigit = (body: string): string => body + String((10 - (luhnSum(`${body}0`) % 10)) % 10)

/** `6037991234567893` → `6037 99** **** 7893`. */
export const maskCardNumber = (cardNumber: string): string =>
  `${cardNumber.slice(0, 4)} ${cardNumber.slice(4, 6)}** **** ${cardNumber.slice(-4)}`

/** `6037991234567893` → `6037 9912 3456 7893`, for showing to a paying user. */
export const formatCardNumber = (cardNumber: string): string => cardNumber.replace(/(\d{4})(?=\d)/g, "$1 ")

type Failure = InvalidInput | SqlError
type WriteFailure = Failure | DuplicatePaymentCard

export class PaymentCards extends Context.Service<
  PaymentCards,
  {
    create(botId: number, input: CreatePaymentCard): Effect.Effect<PaymentCard, WriteFailure | BotNotFound>
    list(
      botId: number,
      options?: { readonly activeOnly?: boolean | undefined }
    ): Effect.Effect<ReadonlyArray<PaymentCard>, Failure>
    get(botId: number, id: number): Effect.Effect<PaymentCard, RecordNotFound | Failure>
    getUnmasked(botId: number, id: number): Effect.Effect<UnmaskedPaymentCard, RecordNotFound | Failure>
    update(
      botId: number,
      id: number,
      patch: UpdatePaymentCard
    ): Effect.Effect<PaymentCard, RecordNotFound | WriteFailure>
    activate(botId: number, id: number): Effect.Effect<PaymentCard, RecordNotFound | Failure>
    deactivate(botId: number, id: number): Effect.Effect<PaymentCard, RecordNotFound | Failure>
    delete(botId: number, id: number): Effect.Effect<void, RecordNotFound | Failure>
  }
>()("botfleet/tenants/PaymentCards") {
  static readonly layer = Layer.effect(
    PaymentCards,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const cols = sql.unsafe(COLUMNS)

      const tenant = tenantScope(sql)

      const getRow = (botId: number, id: number) =>
        Effect.flatMap(checkId(id), () =>
          Effect.flatMap(
            tenant(botId, sql<Row>`SELECT ${cols} FROM tenant_payment_cards WHERE bot_id = ${botId} AND id = ${id}`),
            found("payment_card", id)
          )
        )

      const setActive = (name: string, active: boolean) =>
        Effect.fn(name)(function* (botId: number, id: number) {
          yield* checkId(id)
          const rows = yield* tenant(
            botId,
            sql<Row>`UPDATE tenant_payment_cards SET is_active = ${active}
                     WHERE bot_id = ${botId} AND id = ${id} RETURNING ${cols}`
          )
          return toMasked(yield* found("payment_card", id)(rows))
        })

      return PaymentCards.of({
        create: Effect.fn("PaymentCards.create")(function* (botId: number, input: CreatePaymentCard) {
          const values = {
            botId,
            cardNumber: yield* checkCardNumber(input.cardNumber),
            cardHolderName: yield* checkName("cardHolderName", input.cardHolderName),
            bankName: yield* checkBankName(input.bankName),
            rotationStrategy: yield* checkStrategy(input.rotationStrategy ?? "round_robin"),
            rotationIntervalMinutes: yield* checkInt(
              "rotationIntervalMinutes",
              input.rotationIntervalMinutes ?? 60,
              1,
              MAX_ROTATION_INTERVAL_MINUTES
            ),
            weight: yield* checkInt("weight", input.weight ?? 1, 1, MAX_CARD_WEIGHT)
          }
          const rows = yield* tenant(
            botId,
            sql<Row>`INSERT INTO tenant_payment_cards ${sql.insert(values)} RETURNING ${cols}`.pipe(
              Effect.catchTag("SqlError", typedInsertError(botId, values.cardNumber))
            )
          )
          return toMasked(rows[0]!)
        }),
        list: Effect.fn("PaymentCards.list")(function* (
          botId: number,
          options?: { readonly activeOnly?: boolean | undefined }
        ) {
          const activeOnly = options?.activeOnly ?? false
          const rows = yield* tenant(
            botId,
            sql<Row>`SELECT ${cols} FROM tenant_payment_cards
                     WHERE bot_id = ${botId} AND (is_active OR NOT ${activeOnly}::boolean)
                     ORDER BY id`
          )
          return rows.map(toMasked)
        }),
        get: Effect.fn("PaymentCards.get")(function* (botId: number, id: number) {
          return toMasked(yield* getRow(botId, id))
        }),
        getUnmasked: Effect.fn("PaymentCards.getUnmasked")(function* (botId: number, id: number) {
          const row = yield* getRow(botId, id)
          return { ...toMasked(row), cardNumber: row.cardNumber }
        }),
        update: Effect.fn("PaymentCards.update")(function* (botId: number, id: number, patch: UpdatePaymentCard) {
          yield* checkId(id)
          const set: Record<string, unknown> = {}
          if (patch.cardNumber !== undefined) set.cardNumber = yield* checkCardNumber(patch.cardNumber)
          if (patch.cardHolderName !== undefined)
            set.cardHolderName = yield* checkName("cardHolderName", patch.cardHolderName)
          if (patch.bankName !== undefined) set.bankName = yield* checkBankName(patch.bankName)
          if (patch.rotationStrategy !== undefined) set.rotationStrategy = yield* checkStrategy(patch.rotationStrategy)
          if (patch.rotationIntervalMinutes !== undefined) {
            set.rotationIntervalMinutes = yield* checkInt(
              "rotationIntervalMinutes",
              patch.rotationIntervalMinutes,
              1,
              MAX_ROTATION_INTERVAL_MINUTES
            )
          }
          if (patch.weight !== undefined) set.weight = yield* checkInt("weight", patch.weight, 1, MAX_CARD_WEIGHT)
          if (patch.isActive !== undefined) set.isActive = yield* checkBoolean("isActive", patch.isActive)
          if (Object.keys(set).length === 0) return toMasked(yield* getRow(botId, id))
          const rows = yield* tenant(
            botId,
            sql<Row>`UPDATE tenant_payment_cards SET ${sql.update(set)}
                     WHERE bot_id = ${botId} AND id = ${id} RETURNING ${cols}`.pipe(
              Effect.catchTag("SqlError", duplicateCard(String(set.cardNumber ?? "")))
            )
          )
          return toMasked(yield* found("payment_card", id)(rows))
        }),
        activate: setActive("PaymentCards.activate", true),
        deactivate: setActive("PaymentCards.deactivate", false),
        delete: Effect.fn("PaymentCards.delete")(function* (botId: number, id: number) {
          yield* checkId(id)
          const rows = yield* tenant(
            botId,
            sql<{ id: number }>`DELETE FROM tenant_payment_cards WHERE bot_id = ${botId} AND id = ${id} RETURNING id`
          )
          yield* found("payment_card", id)(rows)
        })
      })
    })
  )
}

const COLUMNS = `id, card_number, card_holder_name, bank_name, rotation_strategy, rotation_interval_minutes, weight,
  is_active, is_current, success_count, failure_count, current_usage_count, last_used_at, last_rotated_at,
  created_at, updated_at`

type Row = Omit<UnmaskedPaymentCard, "maskedNumber" | "last4">

const toMasked = ({ cardNumber, ...card }: Row): PaymentCard => ({
  maskedNumber: maskCardNumber(cardNumber),
  last4: cardNumber.slice(-4),
  ...card
})

const checkId = (id: number) =>
  Number.isSafeInteger(id) && id > 0 ? Effect.succeed(id) : invalid("id", "must be a positive integer")

const checkCardNumber = (input: string) => {
  if (typeof input !== "string") return invalid("cardNumber", "must be a string")
  const digits = normalizeCardNumber(input)
  if (!/^[0-9]{16}$/.test(digits)) return invalid("cardNumber", "must be exactly 16 digits")
  if (!isLuhnValid(digits)) return invalid("cardNumber", "fails the card checksum (Luhn); check for a typo")
  return Effect.succeed(digits)
}

const checkBankName = (name: string | null | undefined) => {
  if (name === undefined || name === null) return Effect.succeed(null)
  const trimmed = typeof name === "string" ? name.trim() : ""
  if (trimmed.length > 255) return invalid("bankName", "must be at most 255 characters")
  if (hasControlCharacters(trimmed)) return invalid("bankName", "must not contain control characters")
  return Effect.succeed(trimmed.length === 0 ? null : trimmed)
}

const checkStrategy = (strategy: string) =>
  (ROTATION_STRATEGIES as ReadonlyArray<string>).includes(strategy)
    ? Effect.succeed(strategy as RotationStrategy)
    : invalid("rotationStrategy", `must be one of ${ROTATION_STRATEGIES.join(", ")}`)

/** The same card twice for one bot. */
const duplicateCard =
  (cardNumber: string) =>
  (e: SqlError): Effect.Effect<never, DuplicatePaymentCard | SqlError> =>
    e.reason._tag === "UniqueViolation" && e.reason.constraint === "uq_card_per_bot"
      ? Effect.fail(new DuplicatePaymentCard({ last4: cardNumber.slice(-4) }))
      : Effect.fail(e)

/** Unique and foreign-key violations of an insert as typed errors. */
const typedInsertError =
  (botId: number, cardNumber: string) =>
  (e: SqlError): Effect.Effect<never, DuplicatePaymentCard | BotNotFound | SqlError> => {
    if (e.reason._tag === "UniqueViolation") return duplicateCard(cardNumber)(e)
    return missingBot("tenant_payment_cards_bot_id_fkey", botId)(e)
  }

// ---------------------------------------------------------------- statements in the caller's transaction
// The shop (an update's `ctx.run`), card selection and review (src/payments/) and the rotation
// job (inside `withTenant`) run these in the tenant transaction they have open; the
// `PaymentCards` service above opens its own. Fleet-wide reads stay in fleet*.ts files.

/** A card as the shop's admin panel lists it. */
export interface CardSummary {
  readonly id: number
  readonly cardNumber: string
  readonly cardHolderName: string
  readonly isActive: boolean
  readonly successCount: number
}

/** Every card of the tenant, by id (the admin panel). */
export const cardsOf = (botId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql<CardSummary>`
      SELECT id, card_number, card_holder_name, is_active, success_count FROM tenant_payment_cards
      WHERE bot_id = ${botId} ORDER BY id`
  })

/** Switches a card on or off; returns its new state (no row: not this tenant's card). */
export const toggleCardActive = (botId: number, cardId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql<{ isActive: boolean }>`
      UPDATE tenant_payment_cards SET is_active = NOT is_active
      WHERE bot_id = ${botId} AND id = ${cardId} RETURNING is_active`
  })

/** An active card as card selection weighs it (src/payments/card-rotation.ts). */
export interface CandidateCard {
  readonly id: number
  readonly cardNumber: string
  readonly cardHolderName: string
  readonly bankName: string | null
  readonly rotationStrategy: RotationStrategy
  readonly weight: number
  readonly successCount: number
  readonly failureCount: number
  readonly currentUsageCount: number
  readonly isCurrent: boolean
  readonly pendingCount: number
}

/** The tenant's active cards, by id, with their payments still pending. */
export const candidateCards = (botId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql<CandidateCard>`
    SELECT c.id, c.card_number, c.card_holder_name, c.bank_name, c.rotation_strategy, c.weight, c.success_count,
           c.failure_count, c.current_usage_count, c.is_current,
           (SELECT count(*)::int FROM card_to_card_payments p
             WHERE p.bot_id = c.bot_id AND p.card_id = c.id AND p.status = 'pending') AS pending_count
    FROM tenant_payment_cards c
    WHERE c.bot_id = ${botId} AND c.is_active
    ORDER BY c.id`
  })

/** The card was just given to a buyer. */
export const stampCardUsed = (botId: number, cardId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`UPDATE tenant_payment_cards SET last_used_at = now() WHERE bot_id = ${botId} AND id = ${cardId}`
  })

/** A receipt on the card was approved. */
export const countCardSuccess = (botId: number, cardId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`
      UPDATE tenant_payment_cards
      SET success_count = success_count + 1, current_usage_count = current_usage_count + 1
      WHERE bot_id = ${botId} AND id = ${cardId}`
  })

/** A receipt on the card was rejected. */
export const countCardFailure = (botId: number, cardId: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`UPDATE tenant_payment_cards SET failure_count = failure_count + 1
        WHERE bot_id = ${botId} AND id = ${cardId}`
  })

// The time_based rotation job's statements (src/jobs/card-rotation.ts).

export interface RotationCard {
  readonly id: number
  readonly isActive: boolean
  readonly isCurrent: boolean
  readonly rotationStrategy: RotationStrategy
  readonly rotationIntervalMinutes: number | null
  readonly lastRotatedAt: Date | null
}

/**
 * Every card of one tenant, locked, in id order (inside the tenant's
 * transaction). The lock makes a rotation that is re-run — a tick repeated
 * after its runner died, a slow run overlapping the next owner's — wait and
 * then see the first one's result, so it decides "not due" instead of
 * advancing twice.
 */
export const lockTenantCards = Effect.fn("lockTenantCards")(function* (botId: number) {
  const sql = yield* SqlClient.SqlClient
  return yield* sql<RotationCard>`
    SELECT id, is_active, is_current, rotation_strategy, rotation_interval_minutes, last_rotated_at
    FROM tenant_payment_cards
    WHERE bot_id = ${botId}
    ORDER BY id
    FOR UPDATE`
})

/**
 * A rotation step, inside the tenant's transaction (cards locked): `cardId`
 * becomes the one current card, its turn starts at `now`, and every card's
 * `current_usage_count` starts again from 0 — the count is "approved uses
 * since the last rotation" (DESIGN.md §4: the rotation job resets usage
 * counters). Lifetime success and failure counts are kept.
 */
export const makeCardCurrent = Effect.fn("makeCardCurrent")(function* (botId: number, cardId: number, now: Date) {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    UPDATE tenant_payment_cards
    SET is_current = (id = ${cardId}),
        last_rotated_at = CASE WHEN id = ${cardId} THEN ${now} ELSE last_rotated_at END,
        current_usage_count = 0
    WHERE bot_id = ${botId}`
})

/**
 * Records when the current card's turn started, without advancing (a card made
 * current by hand, or before rotation ran, has no `last_rotated_at`): its
 * interval is counted from now. Inside the tenant's transaction.
 */
export const stampCardTurn = Effect.fn("stampCardTurn")(function* (botId: number, cardId: number, now: Date) {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    UPDATE tenant_payment_cards SET last_rotated_at = ${now}
    WHERE bot_id = ${botId} AND id = ${cardId} AND last_rotated_at IS NULL`
})
